import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from checkin.models import CheckIn, Headcount
from stats.models import SummaryTemplate, Tally, TallyMarker
from tests.factories import CheckInFactory, EventFactory

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def test_tally_here_computes_every_tally_of_the_year(association):
    CheckInFactory.create_batch(2, event=EventFactory(association=association))
    out = io.StringIO()
    call_command("tally", "--year", str(YEAR), "--here", stdout=out)
    assert "Computed" in out.getvalue()
    assert not TallyMarker.objects.filter(version__gt=0).exclude(done_version__gte=1).exists()
    assert Tally.objects.get(scope="period").figures["beneficiaries_person_times"] == 2


def test_tally_wait_gives_up_when_no_worker_comes(association, monkeypatch):
    from stats import tasks

    monkeypatch.setattr(tasks.tally_drain, "apply_async", lambda *a, **k: None)
    EventFactory(association=association)
    with pytest.raises(CommandError, match="pending"):
        call_command("tally", "--year", str(YEAR), "--wait", "--timeout", "0.3", stdout=io.StringIO())


def test_an_unknown_placeholder_is_refused_in_the_admin(client, organizer, association):
    client.force_login(organizer)
    response = client.post(
        "/admin/stats/summarytemplate/add/",
        {"language": "zh-hans", "title": "{year}年总结", "body": "受益{beneficiaries_person_times}人次,{nonsense}"},
    )
    assert response.status_code == 200
    assert "nonsense" in response.content.decode()
    assert not SummaryTemplate.objects.exists()
    response = client.post(
        "/admin/stats/summarytemplate/add/",
        {"language": "zh-hans", "title": "{year}年总结", "body": "受益{beneficiaries_person_times}人次"},
    )
    assert response.status_code == 302
    assert SummaryTemplate.objects.get().association == association


def test_the_demo_attendance_is_deterministic_and_loaded_once():
    call_command("seed_demo", "--year", "2024", stdout=io.StringIO())
    first = (
        CheckIn.objects.count(),
        Headcount.objects.count(),
        sorted(CheckIn.objects.values_list("method", flat=True)),
    )
    call_command("seed_demo", "--year", "2024", stdout=io.StringIO())  # a second run adds nothing
    assert (CheckIn.objects.count(), Headcount.objects.count()) == first[:2]
    assert first[0] > 15000
    methods = first[2]
    assert methods.count("paper") < methods.count("staff_scan")
