from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from events.models import Campaign, Event, EventOutput, Organization, Region

pytestmark = pytest.mark.django_db


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def _snapshot():
    # Sorted on every field: two events may share a title and a start (the order of ties is the database's).
    return sorted(Event.objects.values_list("title", "starts_at", "venue__name", "kind"))


class _Rollback(Exception):
    pass


def test_seed_demo_builds_a_county_shaped_like_the_seed():
    output = _seed(year=2025)
    grassroots = Region.objects.filter(level__in=[Region.Level.VILLAGE, Region.Level.COMMUNITY]).count()
    assert Region.objects.filter(level=Region.Level.TOWN).count() == 12
    assert 140 <= grassroots <= 160
    names = set(Organization.objects.values_list("name", flat=True))
    assert {"县计生局", "县教育局", "团县委", "县扶贫办", "县老科技工作者协会", "县园艺学会", "县养猪协会"} <= names
    assert set(Campaign.objects.values_list("kind", flat=True)) >= {
        "science_week",
        "science_drive",
        "themed",
        "countryside",
    }
    assert Event.objects.filter(is_countryside_trip=True).exists()
    assert EventOutput.objects.filter(kind=EventOutput.Kind.MATERIALS).exists()
    assert "organizer / kepu-demo-2026" in output


def test_every_demo_event_lies_within_its_campaign():
    _seed(year=2025)
    for event in Event.objects.select_related("campaign"):
        opens, closes = event.campaign.starts_on, event.campaign.ends_on
        assert opens <= timezone.localtime(event.starts_at).date() <= closes
        assert timezone.localtime(event.ends_at).date() <= closes


def test_running_seed_demo_twice_does_not_duplicate():
    _seed(year=2025)
    counts = (Event.objects.count(), Organization.objects.count(), Region.objects.count())
    _seed(year=2025)
    assert (Event.objects.count(), Organization.objects.count(), Region.objects.count()) == counts


def test_seed_demo_is_deterministic_for_a_seed():
    with pytest.raises(_Rollback), transaction.atomic():
        _seed(year=2025, seed=7)
        first = _snapshot()
        raise _Rollback
    _seed(year=2025, seed=7)
    assert _snapshot() == first


def test_scale_multiplies_the_events():
    _seed(year=2025, scale=2)
    assert Event.objects.count() == 2 * 162


def test_scale_must_be_positive():
    with pytest.raises(CommandError):
        _seed(year=2025, scale=0)


def test_seed_demo_makes_a_township_organizer_and_a_partner_account_that_sign_in(client):
    from kepu import access

    output = _seed(year=2025)
    assert "township / kepu-town-2026" in output and "partner / kepu-partner-2026" in output
    county_events = Event.objects.count()
    for username, password in (("township", "kepu-town-2026"), ("partner", "kepu-partner-2026")):
        response = client.post("/desk/login/", {"username": username, "password": password})
        assert response["Location"] == "/desk/", username
        user = response.wsgi_request.user
        seen = access.events_for_read(user).count()
        assert 0 < seen < county_events, username  # a part of the county's events, not none, not all
        client.logout()
    printed = StringIO()
    call_command("demo_logins", stdout=printed)
    assert "township / kepu-town-2026" in printed.getvalue() and "县教育局" in printed.getvalue()
