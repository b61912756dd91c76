"""Self check-in from the poster (/c/<code>/): whose check-in it is, the limits, the flags and their review."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from checkin import selectors, services
from checkin.models import Attendee, CheckIn
from events.models import Region
from stats import figures
from stats import services as stats_services
from tests.factories import (
    AssociationFactory,
    AttendeeFactory,
    EventFactory,
    OrganizerFactory,
    PosterCodeFactory,
    UserFactory,
    VenueFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

VENUE = (Decimal("29.500000"), Decimal("106.500000"))
NEAR = (29.5005, 106.5005)  # about 70 m away
FAR = (29.6, 106.5)  # about 11 km away


@pytest.fixture
def event(association):
    return EventFactory(association=association)


@pytest.fixture
def poster(event):
    return services.poster_code_for(event=event)


def _page(client: Client, poster, data: dict, **extra) -> str:
    response = client.post(f"/c/{poster.code}/", {"consent": "on", **data}, **extra)
    assert response.status_code == 200
    return response.content.decode()


def _checkin(poster, **fields) -> services.SelfCheckIn:
    fields.setdefault("device_id", "d1")
    fields.setdefault("ip", "10.0.0.1")
    return services.self_checkin(poster=poster, **fields)


# --- whose check-in it is ------------------------------------------------------------------------


def test_a_registered_phone_with_another_name_neither_shows_nor_checks_in_its_owner(client, event, poster):
    owner = services.registration_create(event=event, name="王大山", phone="13812345678").attendee
    page = _page(client, poster, {"name": "李四", "category": "farmer", "phone": "138 1234 5678"})
    assert 'data-status="ok"' in page and "李四" in page
    assert "王大山" not in page and "1234" not in page
    checkin = CheckIn.objects.get()
    assert checkin.attendee != owner and checkin.attendee.name == "李四"
    # The number stays its owner's; the organizer sees the conflict and may merge the two.
    assert checkin.attendee.phone == ""
    assert (checkin.awaiting_review, checkin.flag_reasons, checkin.phone_conflict_with) == (
        True,
        "phone_conflict",
        owner,
    )
    assert not owner.checkins.exists()


def test_a_foreign_name_and_village_with_your_phone_leaves_their_record_alone(client, event, poster):
    village = VillageFactory(parent=event.association.region)
    neighbour = AttendeeFactory(association=event.association, name="赵老汉", region=village, category="farmer")
    _page(client, poster, {"name": "赵老汉", "category": "cadre", "region": village.id, "phone": "13900002222"})
    neighbour.refresh_from_db()
    assert (neighbour.phone, neighbour.category, neighbour.region) == ("", "farmer", village)
    checkin = CheckIn.objects.get()
    assert checkin.attendee != neighbour and checkin.attendee.phone == "+8613900002222"
    assert not checkin.awaiting_review and not checkin.flagged  # a new person: nothing to review


def test_the_same_name_and_phone_is_the_same_person_and_their_record_is_not_changed(event, poster):
    owner = AttendeeFactory(association=event.association, name="周大嫂", phone="+8613700001234", category="farmer")
    result = _checkin(poster, name="周大嫂", phone="13700001234", category="cadre")
    owner.refresh_from_db()
    assert result.attendee == owner and owner.category == "farmer"
    assert not CheckIn.objects.get().awaiting_review


def test_without_a_phone_a_name_is_a_new_person(event, poster):
    first = AttendeeFactory(association=event.association, name="张伟")
    result = _checkin(poster, name="张伟")
    assert result.attendee != first and Attendee.objects.filter(name="张伟").count() == 2


# --- device, network and event limits -------------------------------------------------------------


def test_the_device_cookie_is_signed_and_limits_the_people_a_phone_checks_in(client, poster, settings):
    settings.CHECKIN_SELF_PER_DEVICE = 2
    _page(client, poster, {"name": "家人一", "category": "farmer"})
    assert client.cookies["kepu_device"].value.count(":") >= 2  # value:signature (django.core.signing)
    _page(client, poster, {"name": "家人二", "category": "farmer"})
    page = _page(client, poster, {"name": "家人三", "category": "farmer"})
    assert 'data-status="too_many"' in page and "这部手机已为本场活动签到 2 人" in page
    assert CheckIn.objects.count() == 2 and not Attendee.objects.filter(name="家人三").exists()


def test_an_unsigned_device_cookie_is_a_new_device_but_the_network_limit_still_holds(poster, settings):
    settings.CHECKIN_SELF_PER_DEVICE = 1
    settings.CHECKIN_SELF_PER_IP = 3
    for n in range(3):
        client = Client()
        client.cookies["kepu_device"] = "same-forged-device"  # not signed: ignored, a new device each time
        assert 'data-status="ok"' in _page(client, poster, {"name": f"路人{n}", "category": "farmer"})
    page = _page(Client(), poster, {"name": "路人3", "category": "farmer"})  # no cookie at all
    assert 'data-status="too_many_ip"' in page and "这个网络刚才签到的人太多" in page
    assert CheckIn.objects.count() == 3


def test_the_network_limit_counts_per_address(poster, settings):
    settings.CHECKIN_SELF_PER_IP = 1
    _checkin(poster, name="甲", ip="10.0.0.1")
    _checkin(poster, name="乙", ip="10.0.0.2", device_id="d2")
    with pytest.raises(services.SelfCheckInRefused) as refused:
        _checkin(poster, name="丙", ip="10.0.0.1", device_id="d3")
    assert refused.value.code == "too_many_ip"


def test_the_event_limit_holds_whatever_the_device_and_address(client, poster, settings):
    settings.CHECKIN_SELF_PER_EVENT = 2
    _checkin(poster, name="甲", device_id="a", ip="10.0.0.1")
    _checkin(poster, name="乙", device_id="b", ip="10.0.0.2")
    page = _page(client, poster, {"name": "丙", "category": "farmer"})
    assert 'data-status="too_many_event"' in page and "本场活动的自助签到人数已满" in page
    assert CheckIn.objects.count() == 2


def test_the_limits_live_in_the_shared_cache_not_in_a_process(poster, settings):
    """A second process sees the counts the first one made: they are in the cache (Redis in production)."""
    from django.core.cache import cache

    settings.CHECKIN_SELF_PER_DEVICE = 1
    _checkin(poster, name="甲", device_id="phone")
    assert cache.get(f"{services.LIMIT_KEY_PREFIX}{poster.event_id}:device:phone") == 1
    assert cache.get(f"{services.LIMIT_KEY_PREFIX}{poster.event_id}:event") == 1


# --- flags: kept apart in the figures until an organizer accepts them -----------------------------


def _beneficiaries(event) -> int:
    return figures.compute_event(event.id).figures["beneficiaries_person_times"]


def test_a_burst_from_one_network_is_flagged_and_left_out_of_the_figures(event, poster, settings):
    settings.CHECKIN_SELF_BURST_PER_IP = 2
    for n in range(3):
        _checkin(poster, name=f"人{n}", device_id=f"d{n}", ip="10.9.9.9")
    flagged = CheckIn.objects.get(awaiting_review=True)
    assert flagged.attendee.name == "人2" and flagged.flag_reasons == "burst" and flagged.flagged
    assert _beneficiaries(event) == 2
    counts = selectors.event_counts(event=event)
    assert (counts["checked_in"], counts["awaiting_review"]) == (2, 1)


def test_a_burst_at_one_event_is_flagged_whatever_the_networks(event, poster, settings):
    settings.CHECKIN_SELF_BURST_PER_EVENT = 1
    _checkin(poster, name="甲", device_id="a", ip="10.0.0.1")
    second = _checkin(poster, name="乙", device_id="b", ip="10.0.0.2")
    assert second.awaiting_review and CheckIn.objects.get(attendee=second.attendee).flag_reasons == "burst"


@pytest.fixture
def located_poster(association):
    venue = VenueFactory(association=association, latitude=VENUE[0], longitude=VENUE[1])
    return services.poster_code_for(event=EventFactory(association=association, venue=venue))


def test_far_from_the_venue_or_without_a_location_is_flagged_never_refused(located_poster):
    near = _checkin(located_poster, name="近", device_id="a", location=NEAR)
    far = _checkin(located_poster, name="远", device_id="b", location=FAR)
    unknown = _checkin(located_poster, name="无", device_id="c")
    assert (near.status, far.status, unknown.status) == ("ok", "ok", "ok")
    reasons = dict(CheckIn.objects.values_list("attendee__name", "flag_reasons"))
    assert reasons == {"近": "", "远": "far_from_venue", "无": "no_location"}
    assert _beneficiaries(located_poster.event) == 1


def test_the_radius_is_a_setting(located_poster, settings):
    settings.CHECKIN_SELF_RADIUS_METERS = 20_000
    assert not _checkin(located_poster, name="远", location=FAR).awaiting_review


def test_a_venue_without_coordinates_asks_for_no_location(client, poster, located_poster):
    assert 'id="location-status"' not in client.get(f"/c/{poster.code}/").content.decode()
    page = client.get(f"/c/{located_poster.code}/").content.decode()
    assert 'id="location-status"' in page and "checkin/self_checkin.js" in page


def test_the_page_sends_the_phones_location_with_the_form(client, located_poster):
    page = _page(
        client, located_poster, {"name": "近", "category": "farmer", "latitude": NEAR[0], "longitude": NEAR[1]}
    )
    assert 'data-status="ok"' in page and "data-review" not in page
    page = _page(client, located_poster, {"name": "远", "category": "farmer", "latitude": "91", "longitude": "0"})
    assert 'data-review="pending"' in page and "组织者会确认这次签到" in page  # not a place on Earth: none given
    assert CheckIn.objects.get(attendee__name="远").flag_reasons == "no_location"


def test_the_page_has_no_inline_script_or_event_handler(client, located_poster):
    page = client.get(f"/c/{located_poster.code}/").content.decode()
    assert "onclick" not in page and "<script>" not in page and "<style>" not in page


def test_accepting_a_flagged_checkin_counts_it_and_asks_for_the_tally_again(
    event, poster, organizer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CHECKIN_SELF_BURST_PER_EVENT = 0
    _checkin(poster, name="甲")
    checkin = CheckIn.objects.get()
    assert _beneficiaries(event) == 0
    requested = []
    monkeypatch.setattr(stats_services, "tally_request", lambda **kwargs: requested.append(kwargs["event_id"]))
    with django_capture_on_commit_callbacks(execute=True):
        services.checkin_review(checkin=checkin, decision="accept", user=organizer)
    assert requested == [event.id]
    assert (checkin.awaiting_review, checkin.review, checkin.reviewed_by) == (False, "accepted", organizer)
    assert _beneficiaries(event) == 1 and selectors.event_counts(event=event)["awaiting_review"] == 0
    services.checkin_review(checkin=checkin, decision="accept", user=organizer)  # again: nothing changes
    with pytest.raises(ValidationError):
        services.checkin_review(checkin=checkin, decision="reject", user=organizer)


def test_rejecting_a_flagged_checkin_annuls_it_and_keeps_it(event, poster, organizer, settings):
    settings.CHECKIN_SELF_BURST_PER_EVENT = 0
    _checkin(poster, name="甲")
    checkin = services.checkin_review(checkin=CheckIn.objects.get(), decision="reject", user=organizer)
    assert (
        (checkin.awaiting_review, checkin.review) == (False, "rejected")
        and checkin.annulled_at is not None
        and checkin.annulled_by == organizer
    )
    assert _beneficiaries(event) == 0 and selectors.event_counts(event=event)["awaiting_review"] == 0
    assert checkin.scan_logs.filter(status="annulled").exists()


def test_a_checkin_that_waits_for_no_review_cannot_be_decided(event, poster, organizer):
    _checkin(poster, name="甲")
    with pytest.raises(ValidationError):
        services.checkin_review(checkin=CheckIn.objects.get(), decision="accept", user=organizer)


# --- the review endpoint and the admin actions -------------------------------------------------------


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def pending(poster, settings) -> CheckIn:
    settings.CHECKIN_SELF_BURST_PER_EVENT = 0
    _checkin(poster, name="甲")
    return CheckIn.objects.get()


def test_the_events_own_organizer_accepts_over_the_api(organizer_api, pending):
    response = organizer_api.post(f"/api/v1/checkin/checkins/{pending.id}/review/", {"decision": "accept"})
    assert response.status_code == 200 and response.json()["review"] == "accepted"


def test_the_api_lists_the_events_held_checkins_until_they_are_decided(organizer_api, pending, poster):
    _checkin(poster, name="乙")  # also held (no burst allowance): listed after the first, oldest first
    url = f"/api/v1/events/{pending.event_id}/checkins-held/"
    rows = organizer_api.get(url).json()["results"]
    assert (rows[0]["id"], rows[0]["name"], rows[0]["reasons"]) == (pending.id, "甲", ["burst"])
    assert [row["name"] for row in rows] == ["甲", "乙"]
    organizer_api.post(f"/api/v1/checkin/checkins/{pending.id}/review/", {"decision": "accept"})
    assert [row["name"] for row in organizer_api.get(url).json()["results"]] == ["乙"]
    other_county = _token_client(OrganizerFactory().user)
    assert other_county.get(url).status_code == 404


def test_a_wrong_decision_is_a_400_in_the_users_language(organizer_api, pending):
    response = organizer_api.post(f"/api/v1/checkin/checkins/{pending.id}/review/", {"decision": "maybe"})
    assert response.status_code == 400 and "decision" in response.json()


def test_only_the_events_own_association_reviews(api, user_api, pending):
    county = pending.event.association
    prefecture = AssociationFactory(region__level=Region.Level.PREFECTURE)
    county.parent = prefecture
    county.save()
    url = f"/api/v1/checkin/checkins/{pending.id}/review/"
    for user in (OrganizerFactory(association=prefecture).user, OrganizerFactory().user):
        assert _token_client(user).post(url, {"decision": "accept"}).status_code == 404
    assert user_api.post(url, {"decision": "accept"}).status_code == 403
    assert api.post(url, {"decision": "accept"}).status_code in (401, 403)
    pending.refresh_from_db()
    assert pending.awaiting_review


def test_organizers_accept_and_reject_in_the_admin_within_their_own_association(organizer, poster, settings):
    settings.CHECKIN_SELF_BURST_PER_EVENT = 0
    for name in ("甲", "乙"):
        _checkin(poster, name=name, device_id=name)
    other = PosterCodeFactory(event=EventFactory())
    _checkin(other, name="外县人", device_id="x")
    first, second = CheckIn.objects.filter(event=poster.event).order_by("id")
    foreign = CheckIn.objects.get(event=other.event)
    desk = Client()
    desk.force_login(organizer)
    desk.post("/admin/checkin/checkin/", {"action": "accept", "_selected_action": [first.pk, foreign.pk]})
    desk.post("/admin/checkin/checkin/", {"action": "reject", "_selected_action": [second.pk]})
    reviews = {c.id: (c.awaiting_review, c.review) for c in CheckIn.objects.all()}
    assert reviews == {first.id: (False, "accepted"), second.id: (False, "rejected"), foreign.id: (True, "")}


def test_a_prefecture_organizer_decides_nothing_in_the_admin(pending):
    county = pending.event.association
    prefecture = AssociationFactory(region__level=Region.Level.PREFECTURE)
    county.parent = prefecture
    county.save()
    desk = Client()
    desk.force_login(OrganizerFactory(association=prefecture).user)
    desk.post("/admin/checkin/checkin/", {"action": "accept", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.awaiting_review


def test_a_volunteer_cannot_review(pending):
    assert (
        _token_client(UserFactory())
        .post(f"/api/v1/checkin/checkins/{pending.id}/review/", {"decision": "accept"})
        .status_code
        == 403
    )
