import pytest
from django.utils import timezone

from stats.models import CampaignTarget, Tally, TallyMarker
from tests.factories import (
    AssociationFactory,
    CampaignFactory,
    CheckInFactory,
    EventFactory,
    HeadcountFactory,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def event(association):
    event = EventFactory(association=association, campaign=CampaignFactory(association=association))
    CheckInFactory.create_batch(4, event=event, method="paper")
    HeadcountFactory(event=event, count=50)
    return event


def test_the_year_figures_come_with_evidence_and_when_they_were_computed(organizer_api, event):
    response = organizer_api.get(f"/api/v1/stats/years/{YEAR}/")
    assert response.status_code == 200
    body = response.json()
    assert body["figures"]["beneficiaries_person_times"] == 54
    assert body["evidence"]["beneficiaries_person_times"] == {"scanned": 0, "manual": 4, "estimated": 50}
    assert body["record_counts"]["checkins"] == 4 and body["computed_at"]


def test_any_date_range_is_tallied_on_request(organizer_api, event):
    day = timezone.localdate().isoformat()
    response = organizer_api.get(f"/api/v1/stats/period/?start={day}&end={day}")
    assert response.status_code == 200
    assert response.json()["figures"]["events_held"] == 1


def test_a_backwards_period_is_refused_per_field(organizer_api):
    response = organizer_api.get("/api/v1/stats/period/?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400
    assert "end" in response.json()
    assert organizer_api.get("/api/v1/stats/period/?start=nonsense&end=2026-04-01").status_code == 400


def test_another_associations_event_is_not_found(organizer_api):
    other = EventFactory(association=AssociationFactory())
    assert organizer_api.get(f"/api/v1/stats/events/{other.id}/").status_code == 404


def test_an_event_tally_reports_a_pending_recompute(organizer_api, event):
    from stats import services

    services.tally_compute(scope=services.F_.event_scope(event))
    services.tally_request(event_id=event.id)
    body = organizer_api.get(f"/api/v1/stats/events/{event.id}/").json()
    assert body["figures"]["beneficiaries_person_times"] == 54
    assert body["pending"] is True


def test_campaign_progress_shows_actual_against_target(organizer_api, event):
    CampaignTarget.objects.create(campaign=event.campaign, figure="beneficiaries_person_times", target=1000)
    rows = organizer_api.get(f"/api/v1/stats/campaigns/?year={YEAR}").json()
    [target] = rows[0]["targets"]
    assert (target["actual"], target["target"], target["pct"]) == (54, 1000.0, 5.4)
    assert rows[0]["behind"] is True  # half its time spent, 5.4% of the target reached


def test_the_summary_comes_in_every_format(organizer_api, event):
    assert organizer_api.get(f"/api/v1/stats/summary/{YEAR}/").json()["figures"]["events_held"] == 1
    md = organizer_api.get(f"/api/v1/stats/summary/{YEAR}/?format=md&lang=zh-hant")
    assert md.status_code == 200 and "工作總結" in md.content.decode()
    docx = organizer_api.get(f"/api/v1/stats/summary/{YEAR}/?format=docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert organizer_api.get(f"/api/v1/stats/summary/{YEAR}/?format=pdf").status_code == 400


def test_a_recompute_is_queued_and_recorded(organizer_api, event, monkeypatch):
    from stats import tasks

    sent = []
    monkeypatch.setattr(tasks.tally_drain, "apply_async", lambda args=None, **kw: sent.append(args))
    response = organizer_api.post("/api/v1/stats/recompute/", {"year": YEAR}, format="json")
    assert response.status_code == 202
    assert sent == [(YEAR,)]
    assert TallyMarker.objects.filter(key=f"event:{event.id}", version__gt=0).exists()


def test_only_organizers_read_statistics(user_api, api):
    assert user_api.get(f"/api/v1/stats/years/{YEAR}/").status_code == 403
    assert api.get(f"/api/v1/stats/years/{YEAR}/").status_code == 401
    assert not Tally.objects.exists()


def test_campaign_progress_reads_the_stored_tallies_at_once_however_many_campaigns(association):
    """A prefecture's dashboard lists every county's campaigns: their stored tallies come in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stats.selectors import campaign_progress

    def queries_with(campaigns: int) -> int:
        for _ in range(campaigns):
            EventFactory(association=association, campaign=CampaignFactory(association=association))
        campaign_progress(association_id=association.id, year=YEAR)  # computes and stores the missing tallies
        with CaptureQueriesContext(connection) as queries:
            rows = campaign_progress(association_id=association.id, year=YEAR)
        assert len(rows) == Tally.objects.filter(scope="campaign").count()
        return len(queries)

    assert queries_with(1) == queries_with(4)
