from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    AssociationFactory,
    OrganizerFactory,
    UpcomingEventFactory,
    UpcomingShiftFactory,
    VolunteerFactory,
)
from volunteers import services
from volunteers.models import Shift, SignUp, VolunteerInvitation

pytestmark = pytest.mark.django_db


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def volunteer_api(volunteer):
    return _client_for(volunteer.user)


def test_volunteer_signs_up_through_the_api(volunteer_api, shift):
    response = volunteer_api.post(f"/api/v1/shifts/{shift.id}/signup/")
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"


def test_signing_up_twice_answers_the_same_signup(volunteer_api, shift):
    first = volunteer_api.post(f"/api/v1/shifts/{shift.id}/signup/").json()
    second = volunteer_api.post(f"/api/v1/shifts/{shift.id}/signup/")
    assert second.status_code == 200
    assert second.json()["id"] == first["id"]
    assert SignUp.objects.count() == 1


def test_full_shift_answers_waitlisted_with_the_position(volunteer_api, shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    services.shift_signup(shift=shift, volunteer=make_volunteer())
    response = volunteer_api.post(f"/api/v1/shifts/{shift.id}/signup/")
    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"
    assert response.json()["waitlist_position"] == 1


def test_signup_after_the_deadline_is_a_400_with_the_reason(volunteer_api, shift):
    Shift.objects.filter(pk=shift.pk).update(signup_deadline=shift.starts_at - timedelta(days=2))
    response = volunteer_api.post(f"/api/v1/shifts/{shift.id}/signup/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "deadline" in response.json()["shift"][0]


def test_overlap_error_is_in_the_users_language(volunteer_api, volunteer, shift):
    services.shift_signup(shift=shift, volunteer=volunteer)
    other = UpcomingShiftFactory(event=shift.event)
    response = volunteer_api.post(f"/api/v1/shifts/{other.id}/signup/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "时间" in response.json()["shift"][0]


def test_a_user_who_is_not_a_volunteer_cannot_sign_up(user_api, shift):
    assert user_api.post(f"/api/v1/shifts/{shift.id}/signup/").status_code == 403


def test_cancel_through_the_api_promotes_the_waitlist(volunteer_api, volunteer, shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    services.shift_signup(shift=shift, volunteer=volunteer)
    waiting = services.shift_signup(shift=shift, volunteer=make_volunteer())
    response = volunteer_api.post(f"/api/v1/shifts/{shift.id}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert SignUp.objects.get(pk=waiting.pk).status == "confirmed"


def test_my_signups_and_my_hours(volunteer_api, volunteer, shift):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    services.signup_mark_attendance(signup=signup, attended=True)
    assert [s["id"] for s in volunteer_api.get("/api/v1/me/signups/").json()] == [signup.id]
    hours = volunteer_api.get("/api/v1/me/hours/").json()
    assert hours["total_hours"] == "2.00"
    assert hours["star_level"] == 0 and hours["next_star_at"] == 100
    assert hours["by_source"] == {"organizer": "2.00"}


def test_my_hours_refuses_a_bad_date(volunteer_api):
    response = volunteer_api.get("/api/v1/me/hours/?from=2026-13-01")
    assert response.status_code == 400
    assert "from" in response.json()


# --- privacy: a volunteer sees only their own -------------------------------------------------------


def test_a_volunteer_cannot_read_or_cancel_another_volunteers_signup(volunteer_api, shift, make_volunteer):
    others = services.shift_signup(shift=shift, volunteer=make_volunteer())
    assert volunteer_api.get(f"/api/v1/signups/{others.id}/").status_code == 404
    assert volunteer_api.post(f"/api/v1/signups/{others.id}/cancel/").status_code == 404
    assert volunteer_api.get("/api/v1/signups/").json()["count"] == 0
    assert SignUp.objects.get(pk=others.pk).status == "confirmed"


def test_a_volunteer_cannot_read_another_volunteer(volunteer_api, volunteer, make_volunteer):
    other = make_volunteer()
    assert volunteer_api.get(f"/api/v1/volunteers/{other.id}/").status_code == 404
    listed = volunteer_api.get("/api/v1/volunteers/").json()["results"]
    assert [v["id"] for v in listed] == [volunteer.id]
    assert listed[0]["phone"] == volunteer.phone  # their own number, unmasked


def test_a_volunteer_cannot_mark_attendance(volunteer_api, volunteer, shift):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    response = volunteer_api.post(f"/api/v1/signups/{signup.id}/attendance/", {"attended": True}, format="json")
    assert response.status_code == 403
    assert SignUp.objects.get(pk=signup.pk).status == "confirmed"


def test_organizers_of_another_association_do_not_see_the_signups(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    stranger = _client_for(OrganizerFactory(association=AssociationFactory()).user)
    assert stranger.get(f"/api/v1/signups/{signup.id}/").status_code == 404
    assert stranger.get(f"/api/v1/volunteers/{volunteer.id}/").status_code == 404


# --- organizers --------------------------------------------------------------------------------------


def test_organizer_creates_a_shift(organizer_api, association):
    event = UpcomingEventFactory(association=association)
    response = organizer_api.post(
        "/api/v1/shifts/",
        {
            "event": event.id,
            "role": "scanner",
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
            "capacity": 4,
            "required_skills": ["急救"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["remaining"] == 4
    assert Shift.objects.get().required_skills.get().name == "急救"


def test_shift_ending_before_it_starts_is_a_400(organizer_api, association):
    event = UpcomingEventFactory(association=association)
    response = organizer_api.post(
        "/api/v1/shifts/",
        {
            "event": event.id,
            "role": "guide",
            "starts_at": event.ends_at.isoformat(),
            "ends_at": event.starts_at.isoformat(),
            "capacity": 2,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()


def test_organizer_cannot_create_a_shift_for_another_associations_event(organizer_api):
    event = UpcomingEventFactory(association=AssociationFactory())
    response = organizer_api.post(
        "/api/v1/shifts/",
        {"event": event.id, "role": "guide", "starts_at": event.starts_at, "ends_at": event.ends_at, "capacity": 2},
        format="json",
    )
    assert response.status_code in (400, 403)
    assert not Shift.objects.exists()


def test_volunteers_cannot_create_shifts(volunteer_api, shift):
    response = volunteer_api.post(
        "/api/v1/shifts/",
        {
            "event": shift.event_id,
            "role": "guide",
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
            "capacity": 2,
        },
        format="json",
    )
    assert response.status_code == 403


def test_organizer_adds_marks_and_credits_hours(organizer_api, shift, volunteer):
    added = organizer_api.post(f"/api/v1/shifts/{shift.id}/add/", {"volunteer": volunteer.id}, format="json")
    assert added.status_code == 201
    signup_id = added.json()["id"]
    marked = organizer_api.post(f"/api/v1/signups/{signup_id}/attendance/", {"attended": True}, format="json")
    assert marked.json()["status"] == "attended"
    too_many = organizer_api.post(f"/api/v1/signups/{signup_id}/hours/", {"hours": "9"}, format="json")
    assert too_many.status_code == 400 and "hours" in too_many.json()
    credited = organizer_api.post(f"/api/v1/signups/{signup_id}/hours/", {"hours": "1.5"}, format="json")
    assert credited.json()["hours_source"] == "manual"


def test_organizer_moves_a_volunteer(organizer_api, shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    other = UpcomingShiftFactory(event=shift.event, role="scanner")
    response = organizer_api.post(f"/api/v1/signups/{signup.id}/move/", {"shift": other.id}, format="json")
    assert response.status_code == 200
    assert response.json()["shift"] == other.id


def test_organizer_invites_a_volunteer_and_bad_phone_is_a_400(organizer_api):
    bad = organizer_api.post("/api/v1/volunteers/", {"phone": "12345", "name": "张三"}, format="json")
    assert bad.status_code == 400 and "phone" in bad.json()
    good = organizer_api.post(
        "/api/v1/volunteers/", {"phone": "139 0000 1111", "name": "张三", "skills": ["农技"]}, format="json"
    )
    # Adding a volunteer invites the number (tests/volunteers/test_invitations.py): the answer is masked.
    assert good.status_code == 202, good.json()
    assert (good.json()["status"], good.json()["phone"]) == ("invited", "139****1111")
    invitation = VolunteerInvitation.objects.get()
    assert invitation.phone == "+8613900001111"
    assert list(invitation.skills.values_list("name", flat=True)) == ["农技"]


def test_organizer_sees_full_phone_numbers(organizer_api, association):
    volunteer = VolunteerFactory(association=association)
    assert organizer_api.get(f"/api/v1/volunteers/{volunteer.id}/").json()["phone"] == volunteer.phone


def test_shifts_filter_by_event_and_free_places(api, shift):
    full = UpcomingShiftFactory(event=shift.event, capacity=1)
    Shift.objects.filter(pk=full.pk).update(taken=1)
    found = api.get(f"/api/v1/shifts/?event={shift.event_id}&has_places=true")
    assert [s["id"] for s in found.json()["results"]] == [shift.id]


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "请输入有效的中国大陆手机号"), ("zh-hant", "請輸入有效的中國大陸手機號")]
)
def test_invalid_phone_error_is_in_the_requests_language(organizer_api, language, expected):
    response = organizer_api.post(
        "/api/v1/volunteers/", {"phone": "010-12345678", "name": "张三"}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert expected in response.json()["phone"][0]


def test_staff_scan_api_checks_in_then_refuses_a_forged_code(volunteer_api, volunteer, association):
    from django.utils import timezone

    shift = UpcomingShiftFactory(event__association=association, event__starts_at=timezone.now() + timedelta(hours=1))
    services.shift_signup(shift=shift, volunteer=volunteer)
    code = services.staff_code_of(shift.event).code
    answer = volunteer_api.post("/api/v1/me/staff-scan/", {"code": code}, format="json").json()
    assert answer["result"] == "checked_in" and answer["signup"]["checked_in_at"]
    forged = volunteer_api.post("/api/v1/me/staff-scan/", {"code": "x" * 22}, format="json").json()
    assert forged["result"] == "invalid" and forged["signup"] is None
    assert volunteer_api.post("/api/v1/me/staff-scan/", {}, format="json").status_code == 400


def test_volunteer_list_shows_star_levels(organizer_api, association, shift):
    from decimal import Decimal

    star = VolunteerFactory(association=association)
    signup = services.shift_signup(shift=shift, volunteer=star)
    SignUp.objects.filter(pk=signup.pk).update(status="attended", hours=Decimal("120"))
    listed = {v["id"]: v["star_level"] for v in organizer_api.get("/api/v1/volunteers/").json()["results"]}
    assert listed[star.id] == 1
