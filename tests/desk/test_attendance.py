"""The event workspace's live attendance tab: figures by category and village that the page polls, the
scanner link, the scan log with failed scans and flags, and the review of held self check-ins."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkin import services
from checkin.models import CheckIn

try:  # the door's code moves to checkin/scan/ (branch scan)
    from checkin.scan.services import checkin_scan
except ImportError:
    checkin_scan = services.checkin_scan
from tests.factories import (
    AssociationFactory,
    CountyFactory,
    EventFactory,
    OrganizerFactory,
    PosterCodeFactory,
    RegionFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    prefecture_region = RegionFactory(level="prefecture", name="测试州")
    prefecture = AssociationFactory(region=prefecture_region, name="测试州科协")
    association = AssociationFactory(parent=prefecture, region=CountyFactory(parent=prefecture_region))
    town = TownFactory(parent=association.region, name="城关镇")
    event = EventFactory(association=association)
    return {
        "prefecture": prefecture,
        "village": VillageFactory(parent=town, name="上寨村"),
        "event": event,
        "organizer": OrganizerFactory(association=association).user,
        "prefecture_organizer": OrganizerFactory(association=prefecture).user,
    }


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, event, **kwargs) -> str:
    return reverse(name, kwargs={"event_id": event.pk, **kwargs})


def scan(event, registration, user):
    return checkin_scan(
        event=event, code=registration.code, client_id=uuid.uuid4(), scanned_at=timezone.now(), scanned_by=user
    )


def held_self_checkin(event, name="自助者"):
    """A self check-in held for review (no location where the venue has coordinates)."""
    poster = PosterCodeFactory(event=event)
    event.venue.latitude, event.venue.longitude = 26.5, 107.9
    event.venue.save()
    done = services.self_checkin(poster=poster, device_id="phone-1", ip="10.0.0.1", name=name, category="farmer")
    assert done.awaiting_review
    return CheckIn.objects.get(attendee=done.attendee)


def test_the_live_counts_reflect_a_new_checkin_by_category_and_village(county):
    event, organizer = county["event"], county["organizer"]
    farmer = services.registration_create(event=event, name="王大山", category="farmer", region=county["village"])
    student = services.registration_create(event=event, name="李小红", category="student")
    client = client_of(organizer)
    before = client.get(url("desk-event-live-counts", event)).json()
    assert (before["checked_in"], before["registered"], before["by_category"]) == (0, 2, [])
    scan(event, farmer, organizer)
    scan(event, student, organizer)
    after = client.get(url("desk-event-live-counts", event)).json()
    assert after["checked_in"] == 2
    assert {g["label"]: g["count"] for g in after["by_category"]} == {"农民": 1, "学生": 1}
    assert {g["label"]: g["count"] for g in after["by_region"]} == {"城关镇 · 上寨村": 1, "未填村（社区）": 1}


def test_the_page_shows_the_figures_the_scanner_link_and_the_poll_address(county):
    event, organizer = county["event"], county["organizer"]
    scan(event, services.registration_create(event=event, name="王大山", category="farmer"), organizer)
    html = client_of(organizer).get(url("desk-event-live", event)).content.decode()
    assert 'data-live="checked_in">1<' in html
    assert url("desk-event-live-counts", event) in html
    assert "http://testserver" + reverse("checkin:scanner", kwargs={"event_id": event.pk}) in html
    assert "<svg" in html  # the scanner link's QR, inline
    assert "/static/desk/live.js" in html and "<script>" not in html


def test_the_scan_log_lists_failed_scans_and_can_show_only_them(county):
    event, organizer = county["event"], county["organizer"]
    good = services.registration_create(event=event, name="王大山")
    revoked = services.registration_create(event=event, name="被撤销")
    services.registration_revoke(registration=revoked)
    scan(event, good, organizer)
    scan(event, revoked, organizer)
    checkin_scan(event=event, code="NOSUCHCODE", client_id=uuid.uuid4(), scanned_at=timezone.now())
    client = client_of(organizer)
    page = client.get(url("desk-event-live", event))
    statuses = [item["entry"].status for item in page.context["log"]]
    assert sorted(statuses) == ["invalid", "ok", "revoked"]
    failed = client.get(url("desk-event-live", event) + "?failed=1").context["log"]
    assert sorted(item["entry"].status for item in failed) == ["invalid", "revoked"]
    assert "NOSUCHCODE" in page.content.decode() and "被撤销" in page.content.decode()


def test_a_held_self_checkin_is_listed_with_its_reasons_and_accepted_from_the_page(county):
    event, organizer = county["event"], county["organizer"]
    checkin = held_self_checkin(event)
    client = client_of(organizer)
    page = client.get(url("desk-event-live", event))
    assert [item["checkin"].pk for item in page.context["held"]] == [checkin.pk]
    assert "手机未提供位置" in page.content.decode() or page.context["held"][0]["reasons"]
    assert client.get(url("desk-event-live-counts", event)).json()["checked_in"] == 0
    response = client.post(url("desk-checkin-review", event, pk=checkin.pk), {"decision": "accept"})
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert (checkin.awaiting_review, checkin.review) == (False, "accepted")
    assert client.get(url("desk-event-live-counts", event)).json()["checked_in"] == 1


def test_a_rejected_self_checkin_is_annulled(county):
    event, organizer = county["event"], county["organizer"]
    checkin = held_self_checkin(event)
    client_of(organizer).post(url("desk-checkin-review", event, pk=checkin.pk), {"decision": "reject"})
    checkin.refresh_from_db()
    assert checkin.review == "rejected" and checkin.annulled_at is not None


def test_a_decision_the_service_refuses_is_a_message_not_an_error_page(county):
    event, organizer = county["event"], county["organizer"]
    registration = services.registration_create(event=event, name="王大山")
    answer = scan(event, registration, organizer)
    response = client_of(organizer).post(
        url("desk-checkin-review", event, pk=answer.checkin_id), {"decision": "accept"}, follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_another_countys_event_is_not_found(county):
    event = county["event"]
    checkin = held_self_checkin(event)
    other = client_of(OrganizerFactory(association=AssociationFactory(parent=county["prefecture"])).user)
    assert other.get(url("desk-event-live", event)).status_code == 404
    assert other.get(url("desk-event-live-counts", event)).status_code == 404
    assert other.post(url("desk-checkin-review", event, pk=checkin.pk), {"decision": "accept"}).status_code == 404
    checkin.refresh_from_db()
    assert checkin.awaiting_review


def test_the_prefecture_watches_without_the_review_buttons_and_may_not_decide(county):
    event = county["event"]
    checkin = held_self_checkin(event)
    client = client_of(county["prefecture_organizer"])
    page = client.get(url("desk-event-live", event))
    assert page.status_code == 200
    assert url("desk-checkin-review", event, pk=checkin.pk) not in page.content.decode()
    assert client.get(url("desk-event-live-counts", event)).status_code == 200
    response = client.post(url("desk-checkin-review", event, pk=checkin.pk), {"decision": "accept"})
    assert response.status_code == 403
    checkin.refresh_from_db()
    assert checkin.awaiting_review


def test_a_checkin_of_another_event_is_not_reviewed_through_this_one(county):
    event = county["event"]
    checkin = held_self_checkin(EventFactory(association=event.association, venue=event.venue))
    response = client_of(county["organizer"]).post(
        url("desk-checkin-review", event, pk=checkin.pk), {"decision": "accept"}
    )
    assert response.status_code == 404
