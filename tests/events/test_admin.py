import re
from datetime import date

import pytest
from django.utils import timezone

from events.models import Campaign, Event
from tests.factories import AssociationFactory, CampaignFactory, EventFactory, VenueFactory

pytestmark = pytest.mark.django_db


def _empty_inlines(desk) -> dict:
    """Management-form fields for every inline the event form has (outputs, and whatever other apps add)."""
    page = desk.get("/admin/events/event/add/").content.decode()
    prefixes = re.findall(r'name="([\w-]+)-TOTAL_FORMS"', page)
    return {f"{prefix}-{field}": "0" for prefix in prefixes for field in ("TOTAL_FORMS", "INITIAL_FORMS")}


@pytest.fixture
def desk(client, organizer):
    client.force_login(organizer)
    return client


def test_organizer_sees_only_their_associations_events(desk, association):
    mine = EventFactory(association=association, title="本县讲座")
    EventFactory(association=AssociationFactory(), title="外县讲座")
    page = desk.get("/admin/events/event/").content.decode()
    assert mine.title in page and "外县讲座" not in page


def test_another_associations_event_is_not_found(desk):
    foreign = EventFactory(association=AssociationFactory())
    response = desk.get(f"/admin/events/event/{foreign.id}/change/")
    assert response.status_code == 302  # the admin redirects "does not exist" to its index
    assert Event.objects.get(pk=foreign.pk).title == foreign.title


def test_event_form_enforces_the_campaign_period(desk, association):
    campaign = CampaignFactory(association=association, starts_on=date(2026, 5, 17), ends_on=date(2026, 5, 23))
    venue = VenueFactory(association=association)
    response = desk.post(
        "/admin/events/event/add/",
        {
            "title": "超期讲座",
            "kind": "lecture",
            "campaign": campaign.id,
            "venue": venue.id,
            "starts_at_0": "2026-06-01",
            "starts_at_1": "09:00",
            "ends_at_0": "2026-06-01",
            "ends_at_1": "11:00",
            "audience": "public",
            "status": "draft",
            **_empty_inlines(desk),
        },
    )
    assert response.status_code == 200
    assert "活动场次必须在所属活动项目的时间范围内" in response.content.decode()
    assert not Event.objects.filter(title="超期讲座").exists()


def test_event_added_in_the_admin_belongs_to_the_organizers_association(desk, association):
    venue = VenueFactory(association=association)
    response = desk.post(
        "/admin/events/event/add/",
        {
            "title": "新讲座",
            "kind": "lecture",
            "venue": venue.id,
            "starts_at_0": "2026-06-01",
            "starts_at_1": "09:00",
            "ends_at_0": "2026-06-01",
            "ends_at_1": "11:00",
            "audience": "public",
            "status": "draft",
            **_empty_inlines(desk),
        },
    )
    assert response.status_code == 302
    assert Event.objects.get(title="新讲座").association == association


def test_campaign_with_events_survives_an_admin_delete(desk, association):
    campaign = CampaignFactory(association=association)
    EventFactory(association=association, campaign=campaign)
    desk.post(f"/admin/events/campaign/{campaign.id}/delete/", {"post": "yes"})
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_organizer_enters_their_countys_enrolment(desk, association):
    from events.models import CountyEnrolment

    response = desk.post(
        "/admin/events/countyenrolment/add/", {"county": association.region_id, "year": 2026, "students": 31800}
    )
    assert response.status_code == 302
    assert CountyEnrolment.objects.get().students == 31800


def test_organizer_cannot_enter_another_countys_enrolment(desk):
    from events.models import CountyEnrolment

    other = AssociationFactory()
    response = desk.post("/admin/events/countyenrolment/add/", {"county": other.region_id, "year": 2026, "students": 1})
    assert response.status_code == 200  # the form refuses the county
    assert not CountyEnrolment.objects.exists()


def test_moving_an_event_in_the_admin_tells_the_volunteers(desk, association):
    from notifications.models import Notification
    from tests.factories import SignUpFactory

    signup = SignUpFactory(shift__event__association=association)
    event = signup.shift.event
    new_venue = VenueFactory(association=association)
    page = desk.get(f"/admin/events/event/{event.id}/change/").content.decode()
    prefixes = re.findall(r'name="([\w-]+)-TOTAL_FORMS"', page)
    data = {
        "title": event.title,
        "kind": event.kind,
        "venue": new_venue.id,
        "audience": event.audience,
        "status": event.status,
        "starts_at_0": timezone.localtime(event.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": timezone.localtime(event.starts_at).strftime("%H:%M:%S"),
        "ends_at_0": timezone.localtime(event.ends_at).strftime("%Y-%m-%d"),
        "ends_at_1": timezone.localtime(event.ends_at).strftime("%H:%M:%S"),
    }
    for prefix in prefixes:  # keep the inline rows as they are
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
    response = desk.post(f"/admin/events/event/{event.id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Event.objects.get(pk=event.pk).venue == new_venue
    assert Notification.objects.filter(volunteer=signup.volunteer, kind="event_changed").exists()
