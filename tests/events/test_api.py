from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.models import Campaign, Event, Venue
from tests.factories import (
    PASSWORD,
    AssociationFactory,
    CampaignFactory,
    EventFactory,
    OrganizationFactory,
    OrganizerFactory,
    VenueFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


def _event_payload(venue, **overrides):
    start = timezone.now() + timedelta(days=2)
    return {
        "title": "果树修剪培训班",
        "kind": "training",
        "venue": venue.id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(),
        "status": "published",
        **overrides,
    }


def test_token_endpoint_returns_a_token_that_authenticates(api, organizer):
    response = api.post("/api/v1/auth/token/", {"username": organizer.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/venues/").status_code == 200


def test_token_endpoint_refuses_a_wrong_password(api, organizer):
    response = api.post("/api/v1/auth/token/", {"username": organizer.username, "password": "nope"}, format="json")
    assert response.status_code == 400


def test_anonymous_reads_only_published_events(api):
    published = EventFactory(status=Event.Status.PUBLISHED)
    EventFactory(status=Event.Status.DRAFT)
    response = api.get("/api/v1/events/")
    assert response.status_code == 200
    assert [e["id"] for e in response.json()["results"]] == [published.id]


def test_anonymous_does_not_see_draft_campaigns(api):
    CampaignFactory(status=Campaign.Status.DRAFT)
    visible = CampaignFactory(status=Campaign.Status.PUBLISHED)
    assert [c["id"] for c in api.get("/api/v1/campaigns/").json()["results"]] == [visible.id]


def test_anonymous_write_is_401(api):
    response = api.post("/api/v1/campaigns/", {"name": "x"}, format="json")
    assert response.status_code == 401


def test_non_organizer_write_is_403(user_api):
    response = user_api.post("/api/v1/campaigns/", {"name": "x"}, format="json")
    assert response.status_code == 403


def test_non_organizer_cannot_list_venues(user_api):
    assert user_api.get("/api/v1/venues/").status_code == 403


def test_organizer_creates_an_event_in_their_association(organizer_api, association):
    venue = VenueFactory(association=association)
    partner = OrganizationFactory(association=association)
    response = organizer_api.post("/api/v1/events/", _event_payload(venue, partners=[partner.id]), format="json")
    assert response.status_code == 201, response.json()
    event = Event.objects.get(pk=response.json()["id"])
    assert event.association == association
    assert list(event.partners.all()) == [partner]


def test_event_ending_before_it_starts_is_a_field_error_in_chinese(organizer_api, association):
    venue = VenueFactory(association=association)
    start = timezone.now()
    payload = _event_payload(venue, starts_at=start.isoformat(), ends_at=(start - timedelta(hours=1)).isoformat())
    response = organizer_api.post("/api/v1/events/", payload, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["ends_at"] == ["结束时间必须晚于开始时间。"]
    assert not Event.objects.exists()


def test_field_errors_follow_the_request_language(organizer_api, association):
    venue = VenueFactory(association=association)
    payload = _event_payload(venue, starts_at="not a date")
    response = organizer_api.post("/api/v1/events/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Datetime has wrong format" in response.json()["starts_at"][0]


def test_unknown_event_is_404(organizer_api):
    assert organizer_api.get("/api/v1/events/999999/").status_code == 404


def test_organizer_cannot_see_another_associations_objects(organizer_api):
    other = AssociationFactory()
    draft = EventFactory(association=other, status=Event.Status.DRAFT)
    venue = VenueFactory(association=other)
    assert organizer_api.get(f"/api/v1/events/{draft.id}/").status_code == 404
    assert organizer_api.get(f"/api/v1/venues/{venue.id}/").status_code == 404
    assert organizer_api.delete(f"/api/v1/venues/{venue.id}/").status_code == 404
    assert Venue.objects.filter(pk=venue.pk).exists()


def test_organizer_cannot_use_another_associations_venue(organizer_api):
    foreign = VenueFactory(association=AssociationFactory())
    response = organizer_api.post("/api/v1/events/", _event_payload(foreign), format="json")
    assert response.status_code == 400
    assert "venue" in response.json()


def test_prefecture_organizer_reads_county_data_but_does_not_write_it():
    prefecture = AssociationFactory()
    county = AssociationFactory(parent=prefecture)
    draft = EventFactory(association=county, status=Event.Status.DRAFT)
    client = APIClient()
    client.force_authenticate(OrganizerFactory(association=prefecture).user)
    assert client.get(f"/api/v1/events/{draft.id}/").status_code == 200
    assert client.patch(f"/api/v1/events/{draft.id}/", {"title": "改"}, format="json").status_code == 403
    draft.refresh_from_db()
    assert draft.title != "改"


def test_county_organizer_does_not_read_the_prefecture(organizer_api, association):
    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    draft = EventFactory(association=prefecture, status=Event.Status.DRAFT)
    assert organizer_api.get(f"/api/v1/events/{draft.id}/").status_code == 404


def test_deleting_a_campaign_with_events_is_409_and_keeps_everything(organizer_api, association):
    campaign = CampaignFactory(association=association)
    event = EventFactory(association=association, campaign=campaign)
    response = organizer_api.delete(f"/api/v1/campaigns/{campaign.id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert Campaign.objects.filter(pk=campaign.pk).exists() and Event.objects.filter(pk=event.pk).exists()


def test_deleting_a_venue_with_events_is_409(organizer_api, association):
    event = EventFactory(association=association)
    response = organizer_api.delete(f"/api/v1/venues/{event.venue_id}/")
    assert response.status_code == 409
    assert Venue.objects.filter(pk=event.venue_id).exists()


def test_deleting_an_unused_venue_works(organizer_api, association):
    venue = VenueFactory(association=association)
    assert organizer_api.delete(f"/api/v1/venues/{venue.id}/").status_code == 204
    assert not Venue.objects.filter(pk=venue.pk).exists()


def test_cancel_keeps_the_event(organizer_api, association):
    event = EventFactory(association=association)
    response = organizer_api.post(f"/api/v1/events/{event.id}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED


def test_outputs_are_recorded_on_the_event(organizer_api, association):
    event = EventFactory(association=association)
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/outputs/", {"kind": "materials", "quantity": "250"}, format="json"
    )
    assert response.status_code == 201
    assert [o["quantity"] for o in response.json()] == ["250.0"]


def test_negative_output_is_refused(organizer_api, association):
    event = EventFactory(association=association)
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/outputs/", {"kind": "materials", "quantity": "-1"}, format="json"
    )
    assert response.status_code == 400
    assert event.outputs.count() == 0


def test_events_filter_by_town_period_and_kind(api):
    village = VillageFactory()
    near = EventFactory(venue__region=village, kind=Event.Kind.TRAINING)
    EventFactory(kind=Event.Kind.TRAINING)  # elsewhere
    EventFactory(venue__region=village, kind=Event.Kind.LECTURE)
    today = timezone.localdate().isoformat()
    response = api.get(
        "/api/v1/events/", {"town": village.parent_id, "kind": "training", "date_from": today, "date_to": today}
    )
    assert [e["id"] for e in response.json()["results"]] == [near.id]


def test_regions_are_readable_by_anyone(api):
    village = VillageFactory()
    response = api.get("/api/v1/regions/", {"parent": village.parent_id})
    assert [r["name"] for r in response.json()["results"]] == [village.name]


def test_event_list_paginates(api):
    EventFactory.create_batch(3)
    response = api.get("/api/v1/events/", {"page_size": 2})
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_token_user_is_the_organizer(association):
    organizer = OrganizerFactory(association=association).user
    token = Token.objects.create(user=organizer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    venue = VenueFactory(association=association)
    assert client.get("/api/v1/venues/").json()["results"][0]["id"] == venue.id


def test_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/checkin/scan/" in schema.content.decode() or "/api/v1/events/" in schema.content.decode()
    assert api.get("/api/docs/").status_code == 200


def test_campaign_list_counts_events_without_a_query_per_campaign(api, django_assert_max_num_queries):
    for campaign in CampaignFactory.create_batch(5):
        EventFactory.create_batch(2, association=campaign.association, campaign=campaign)
    with django_assert_max_num_queries(3):
        body = api.get("/api/v1/campaigns/").json()
    assert [c["event_count"] for c in body["results"]] == [2] * 5


def test_event_list_does_not_query_per_event(api, django_assert_max_num_queries):
    EventFactory.create_batch(10)
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/events/").json()["results"]) == 10


def test_recording_an_output_asks_for_the_events_tally(organizer_api, association):
    from stats.models import TallyMarker

    event = EventFactory(association=association)
    organizer_api.post(f"/api/v1/events/{event.id}/outputs/", {"kind": "materials", "quantity": "10"}, format="json")
    assert [marker.scope["event_id"] for marker in TallyMarker.objects.all()] == [event.id]


def test_cancelling_through_a_status_change_tells_the_volunteers(organizer_api, association):
    from notifications.models import Notification
    from tests.factories import SignUpFactory

    signup = SignUpFactory(shift__event__association=association)
    event = signup.shift.event
    response = organizer_api.patch(f"/api/v1/events/{event.id}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Notification.objects.filter(volunteer=signup.volunteer, kind="event_cancelled").exists()


def test_prefecture_organizer_cannot_change_a_county_venue():
    prefecture = AssociationFactory()
    venue = VenueFactory(association=AssociationFactory(parent=prefecture))
    client = APIClient()
    client.force_authenticate(OrganizerFactory(association=prefecture).user)
    assert client.get(f"/api/v1/venues/{venue.id}/").status_code == 200
    assert client.patch(f"/api/v1/venues/{venue.id}/", {"name": "改"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/venues/{venue.id}/").status_code == 403
    assert Venue.objects.get(pk=venue.pk).name != "改"
