import io
from datetime import timedelta
from uuid import uuid4

import pytest
from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from checkin import services
from checkin.models import CheckIn, Registration, ScanLog
from events.models import Event
from tests.factories import (
    EventFactory,
    OrganizerFactory,
    RegistrationFactory,
    ShiftFactory,
    SignUpFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

SCAN = "/api/v1/checkin/scan/"
BATCH = "/api/v1/checkin/batch/"


@pytest.fixture
def event(association):
    return EventFactory(association=association)


@pytest.fixture
def registration(event):
    return services.registration_create(event=event, name="王大山", phone="13812345678")


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _scan(client, event, code, **extra):
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    body = {"code": code, "event": event.id, "client_id": str(uuid4()), **extra}
    return client.post(SCAN, body, format="json", **headers)


# --- registrations -----------------------------------------------------------------------------


def test_organizer_registers_an_attendee_and_gets_the_code_and_qr_links(organizer_api, event):
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/registrations/", {"name": "李小红", "phone": "13900001111"}, format="json"
    )
    assert response.status_code == 201, response.data
    body = response.json()
    registration = Registration.objects.get(pk=body["id"])
    assert body["code"] == registration.code and body["phone"] == "139****1111"
    png = organizer_api.get(body["qr_png"])
    svg = organizer_api.get(body["qr_svg"])
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert svg.status_code == 200 and b"<svg" in svg.content


def test_a_registered_attendee_with_a_phone_gets_the_ticket_link_once(organizer_api, event):
    from notifications.models import Notification

    for _ in range(2):  # registering the same person twice returns the same registration
        organizer_api.post(
            f"/api/v1/events/{event.id}/registrations/", {"name": "李小红", "phone": "13900001111"}, format="json"
        )
    message = Notification.objects.get()
    assert (message.kind, message.channel, message.address) == ("registration", "sms", "+8613900001111")
    assert Registration.objects.get().code in message.body


def test_registration_without_a_name_is_a_400_naming_the_field(organizer_api, event):
    response = organizer_api.post(f"/api/v1/events/{event.id}/registrations/", {"phone": "1"}, format="json")
    assert response.status_code == 400 and "name" in response.json()


def test_registrations_of_another_association_are_404(organizer_api):
    other = EventFactory()
    response = organizer_api.post(f"/api/v1/events/{other.id}/registrations/", {"name": "甲"}, format="json")
    assert response.status_code == 404
    registration = RegistrationFactory(event=other)
    assert organizer_api.get(f"/api/v1/registrations/{registration.id}/qr.png").status_code == 404
    assert organizer_api.get(f"/api/v1/events/{other.id}/registrations/").json()["results"] == []


def test_non_organizers_cannot_register(user_api, event):
    response = user_api.post(f"/api/v1/events/{event.id}/registrations/", {"name": "甲"}, format="json")
    assert response.status_code == 403


def test_organizer_revokes_a_registration(organizer_api, registration, event):
    response = organizer_api.post(f"/api/v1/registrations/{registration.id}/revoke/")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert _scan(organizer_api, event, registration.code).json()["status"] == "revoked"


def test_import_of_an_excel_list_answers_how_many_were_registered(organizer_api, event):
    book = Workbook()
    book.active.append(["姓名", "手机"])
    book.active.append(["张三", "13800000001"])
    book.active.append(["李四", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "list.xlsx"
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/registrations/import/",
        {"file": buffer, "category": "farmer", "consent_confirmed": "true"},
        format="multipart",
    )
    assert response.status_code == 201, response.data
    assert response.json() == {"created": 2, "existing": 0, "notes": []}


def test_import_of_a_bad_file_is_a_400_on_the_file_field(organizer_api, event):
    upload = io.BytesIO(b"not excel")
    upload.name = "list.xlsx"
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/registrations/import/",
        {"file": upload, "consent_confirmed": "true"},
        format="multipart",
    )
    assert response.status_code == 400 and "file" in response.json()


# --- scanning ----------------------------------------------------------------------------------


def test_scan_answers_ok_then_already_checked_in_with_the_first_time(organizer_api, event, registration):
    first = _scan(organizer_api, event, registration.code).json()
    second = _scan(organizer_api, event, registration.code).json()
    assert first["status"] == "ok" and first["attendee"]["name"] == "王大山" and first["message"]
    assert second["status"] == "already_checked_in" and second["checked_in_at"] == first["checked_in_at"]


def test_repeated_client_id_gets_the_first_answer_again(organizer_api, event, registration):
    body = {"code": registration.code, "event": event.id, "client_id": str(uuid4())}
    first = organizer_api.post(SCAN, body, format="json").json()
    again = organizer_api.post(SCAN, body, format="json").json()
    assert again["status"] == first["status"] == "ok" and again["checkin"] == first["checkin"] and again["replayed"]
    assert (CheckIn.objects.count(), ScanLog.objects.count()) == (1, 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": 1, "client_id": str(uuid4())}, "code"),
        ({"code": "X", "client_id": str(uuid4())}, "event"),
        ({"code": "X", "event": 1}, "client_id"),
        ({"code": "X", "event": 1, "client_id": "not-a-uuid"}, "client_id"),
        ({"code": "X", "event": 1, "client_id": str(uuid4()), "scanned_at": "yesterday"}, "scanned_at"),
    ],
)
def test_scan_with_bad_input_is_a_400_naming_the_field(organizer_api, event, body, field):
    body = {**body, "event": event.id} if "event" in body else body
    response = organizer_api.post(SCAN, body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_malformed_json_is_a_400(organizer_api):
    response = organizer_api.post(SCAN, data="{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("body", ["[1, 2]", '"a string"'])
def test_a_scan_body_that_is_no_object_is_a_400(organizer_api, body):
    response = organizer_api.post(SCAN, data=body, content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_a_form_encoded_scan_is_answered_like_a_json_one(organizer_api, event, registration):
    response = organizer_api.post(SCAN, {"code": registration.code, "event": event.id, "client_id": str(uuid4())})
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_get_on_the_scan_endpoint_is_405(organizer_api):
    assert organizer_api.get(SCAN).status_code == 405


def test_token_and_session_scans_get_the_same_answers(organizer, organizer_api, event):
    """Token scans skip DRF's request and response wrapping (ScanView.dispatch); sessions go through DRF."""
    session = APIClient(enforce_csrf_checks=False)
    session.force_login(organizer)
    codes = [services.registration_create(event=event, name=f"王{i}").code for i in range(2)]
    by_token = [_scan(organizer_api, event, codes[0]).json(), _scan(organizer_api, event, codes[0]).json()]
    by_session = [_scan(session, event, codes[1]).json(), _scan(session, event, codes[1]).json()]
    for token_answer, session_answer in zip(by_token, by_session, strict=True):
        assert token_answer.keys() == session_answer.keys()
        assert token_answer["status"] == session_answer["status"]
    assert [a["status"] for a in by_token] == ["ok", "already_checked_in"]
    errors = [
        client.post(SCAN, {"code": "X", "event": event.id, "client_id": "nope"}, format="json")
        for client in (organizer_api, session)
    ]
    assert errors[0].status_code == errors[1].status_code == 400
    assert errors[0].json() == errors[1].json()
    assert errors[0]["Content-Type"] == errors[1]["Content-Type"] == "application/json"


def test_scan_of_an_unknown_event_is_a_400_on_event(organizer_api):
    response = organizer_api.post(SCAN, {"code": "X", "event": 999999, "client_id": str(uuid4())}, format="json")
    assert response.status_code == 400 and "event" in response.json()


def test_forged_code_is_invalid_not_an_error(organizer_api, event):
    response = _scan(organizer_api, event, "A" * 300)
    assert response.status_code == 200 and response.json()["status"] == "invalid"


def test_far_future_scanned_at_is_accepted_but_flagged(organizer_api, event, registration):
    future = (timezone.now() + timedelta(days=1)).isoformat()
    body = _scan(organizer_api, event, registration.code, scanned_at=future).json()
    assert body["status"] == "ok" and body["flagged"] is True


def test_anonymous_scan_is_401(api, event):
    assert _scan(api, event, "X").status_code == 401


# The scan endpoint checks its token inside the scan's lookup (one statement): the same answers as elsewhere.


def test_scan_with_an_unknown_token_is_401_and_writes_nothing(api, event, registration):
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = _scan(api, event, registration.code)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not ScanLog.objects.exists() and not CheckIn.objects.exists()


@pytest.mark.parametrize("header", ["Token", "Token two parts"])
def test_scan_with_a_malformed_token_header_is_401(api, event, registration, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    assert _scan(api, event, registration.code).status_code == 401


def test_scan_with_the_token_of_a_deactivated_organizer_is_401(organizer, event, registration):
    client = _client_for(organizer)
    organizer.is_active = False
    organizer.save()
    assert _scan(client, event, registration.code).status_code == 401
    assert not CheckIn.objects.exists()


def test_scan_for_an_unknown_event_tells_a_bad_token_from_a_bad_event(organizer, api, registration):
    missing = Event(id=999_999)
    response = _scan(_client_for(organizer), missing, registration.code)
    assert response.status_code == 400 and "event" in response.json()
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert _scan(api, missing, registration.code).status_code == 401


def test_scan_by_token_records_the_token_user_as_the_scanner(organizer_api, organizer, event, registration):
    assert _scan(organizer_api, event, registration.code).json()["status"] == "ok"
    assert CheckIn.objects.get().scanned_by == organizer
    assert ScanLog.objects.get().scanned_by == organizer


def test_a_stranger_cannot_scan_at_an_event(user_api, event, registration):
    assert _scan(user_api, event, registration.code).status_code == 403
    assert not ScanLog.objects.exists()


def test_organizer_of_another_association_cannot_scan(event, registration):
    outsider = OrganizerFactory().user
    assert _scan(_client_for(outsider), event, registration.code).status_code == 403


def test_volunteer_on_duty_at_the_event_may_scan(event, registration):
    signup = SignUpFactory(shift=ShiftFactory(event=event), status="confirmed")
    response = _scan(_client_for(signup.volunteer.user), event, registration.code)
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize("status", ["waitlisted", "cancelled"])
def test_volunteer_not_on_duty_cannot_scan(event, registration, status):
    signup = SignUpFactory(shift=ShiftFactory(event=event), status=status)
    assert _scan(_client_for(signup.volunteer.user), event, registration.code).status_code == 403


def test_volunteer_of_another_event_cannot_scan(event, registration):
    elsewhere = SignUpFactory(
        shift=ShiftFactory(event=EventFactory(association=event.association)),
        volunteer=VolunteerFactory(association=event.association),
    )
    assert _scan(_client_for(elsewhere.volunteer.user), event, registration.code).status_code == 403


def test_scan_succeeds_with_the_broker_down_and_leaves_the_tally_to_the_sweep(
    organizer_api, event, registration, monkeypatch, django_capture_on_commit_callbacks
):
    from kepu.celery import app
    from stats.models import TallyMarker

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(app, "send_task", broker_down)
    monkeypatch.setattr("celery.app.task.Task.apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = _scan(organizer_api, event, registration.code)
    assert response.json()["status"] == "ok"
    assert CheckIn.objects.count() == 1
    # No message went out, but the request for the event's tally is in the database for the sweep.
    dirty = TallyMarker.objects.filter(version__gt=F("done_version"))
    assert [marker.scope["event_id"] for marker in dirty] == [event.id]


# --- offline batches ---------------------------------------------------------------------------


def _offline(code, event, minutes_ago, client_id=None):
    return {
        "code": code,
        "event": event.id,
        "client_id": str(client_id or uuid4()),
        "scanned_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
    }


def test_batch_answers_each_scan_in_order(organizer_api, event, registration):
    scans = [_offline(registration.code, event, 5), _offline(registration.code, event, 9), _offline("NO", event, 1)]
    response = organizer_api.post(BATCH, {"scans": scans, "device": "phone-3"}, format="json")
    assert response.status_code == 200, response.data
    assert [r["status"] for r in response.json()["results"]] == ["already_checked_in", "ok", "invalid"]
    assert CheckIn.objects.get().device == "phone-3"


def test_batch_uploaded_twice_counts_nothing_twice(organizer_api, event, registration):
    scans = [_offline(registration.code, event, 5)]
    organizer_api.post(BATCH, {"scans": scans}, format="json")
    again = organizer_api.post(BATCH, {"scans": scans}, format="json").json()["results"]
    assert again[0]["status"] == "ok" and again[0]["replayed"]
    assert (CheckIn.objects.count(), ScanLog.objects.count()) == (1, 1)


def test_batch_over_1000_scans_is_a_400(organizer_api, event):
    scans = [_offline("X", event, 1) for _ in range(1001)]
    response = organizer_api.post(BATCH, {"scans": scans}, format="json")
    assert response.status_code == 400 and "scans" in response.json()


def test_batch_scan_without_scanned_at_is_a_400(organizer_api, event):
    scan = _offline("X", event, 1)
    del scan["scanned_at"]
    response = organizer_api.post(BATCH, {"scans": [scan]}, format="json")
    assert response.status_code == 400 and "scans" in response.json()


def test_batch_for_an_event_the_user_may_not_scan_is_403(organizer_api):
    response = organizer_api.post(BATCH, {"scans": [_offline("X", EventFactory(), 1)]}, format="json")
    assert response.status_code == 403


# --- search, counts, headcounts, annul, paper, poster, log -------------------------------------


def test_search_needs_a_few_characters_and_masks_phones(organizer_api, event, registration):
    url = f"/api/v1/checkin/search/?event={event.id}&q="
    assert organizer_api.get(url + "王").json()["results"] == []
    assert organizer_api.get(url + "1381").json()["results"][0]["phone"] == "138****5678"
    found = organizer_api.get(url + "大山").json()["results"]
    assert [(p["name"], p["phone"], p["checked_in"]) for p in found] == [("王大山", "138****5678", False)]


def test_search_only_finds_people_registered_for_the_event(organizer_api, event, registration):
    services.registration_create(event=EventFactory(association=event.association), name="王大山的邻居")
    found = organizer_api.get(f"/api/v1/checkin/search/?event={event.id}&q=王大").json()["results"]
    assert [p["name"] for p in found] == ["王大山"]


def test_attendance_counts_checkins_and_headcounts_apart(organizer_api, event, registration):
    _scan(organizer_api, event, registration.code)
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/headcounts/", {"count": 120, "note": "广场"}, format="json"
    )
    assert response.status_code == 201, response.data
    counts = organizer_api.get(f"/api/v1/events/{event.id}/attendance/").json()
    assert counts["checked_in"] == 1 and counts["headcount"] == 120 and counts["person_times"] == 121
    assert counts["by_method"] == {"staff_scan": 1}


def test_headcount_of_zero_is_a_400(organizer_api, event):
    response = organizer_api.post(f"/api/v1/events/{event.id}/headcounts/", {"count": 0}, format="json")
    assert response.status_code == 400 and "count" in response.json()


def test_scanner_annuls_its_own_checkin(organizer_api, event, registration):
    checkin_id = _scan(organizer_api, event, registration.code).json()["checkin"]
    response = organizer_api.post(f"/api/v1/checkin/checkins/{checkin_id}/annul/")
    assert response.status_code == 200 and response.json()["annulled_at"]
    assert organizer_api.get(f"/api/v1/events/{event.id}/attendance/").json()["checked_in"] == 0


def test_annul_by_someone_else_is_a_400(organizer_api, event, registration):
    checkin_id = _scan(organizer_api, event, registration.code).json()["checkin"]
    colleague = _client_for(OrganizerFactory(association=event.association).user)
    response = colleague.post(f"/api/v1/checkin/checkins/{checkin_id}/annul/")
    assert response.status_code == 400


def test_paper_list_entered_after_the_event(organizer_api, event, registration):
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2, hours=-2)
    )
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/paper-checkins/",
        {"entries": [{"code": registration.code}, {"name": "赵六", "category": "farmer"}]},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.json() == {"checked_in": 2, "already": 0}
    assert set(CheckIn.objects.values_list("method", flat=True)) == {"paper"}


def test_paper_list_entry_without_a_name_is_a_400(organizer_api, event):
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/paper-checkins/", {"entries": [{"phone": "13800000000"}]}, format="json"
    )
    assert response.status_code == 400 and "entries" in response.json()


def test_organizer_rotates_the_poster_code(organizer_api, event):
    first = organizer_api.get(f"/api/v1/events/{event.id}/poster-code/").json()
    rotated = organizer_api.post(f"/api/v1/events/{event.id}/poster-code/").json()
    assert first["code"] != rotated["code"] and rotated["url"].endswith(f"/c/{rotated['code']}/")


def test_scan_log_shows_failed_scans_to_the_organizer(organizer_api, event):
    _scan(organizer_api, event, "FORGED", device="phone-9")
    log = organizer_api.get(f"/api/v1/events/{event.id}/scan-log/?status=invalid").json()["results"]
    assert [(e["code"], e["device"]) for e in log] == [("FORGED", "phone-9")]


def test_scan_log_of_another_association_is_404(organizer_api):
    assert organizer_api.get(f"/api/v1/events/{EventFactory().id}/scan-log/").status_code == 404


def test_openapi_schema_documents_the_scan_endpoint(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200 and b"/api/v1/checkin/scan/" in response.content


def test_bad_input_is_explained_in_the_request_language(organizer_api, event):
    body = {"code": "X", "event": event.id, "client_id": "nope"}
    chinese = organizer_api.post(SCAN, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = organizer_api.post(SCAN, body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese["client_id"] == ["必须是 UUID，例如 crypto.randomUUID() 生成的值。"]
    assert english["client_id"] == ["Must be a UUID, e.g. a crypto.randomUUID()."]


def test_scan_answer_message_is_in_the_request_language(organizer_api, event, registration):
    body = _scan(organizer_api, event, registration.code, HTTP_ACCEPT_LANGUAGE="zh-hant").json()
    assert body["message"] == "簽到成功，歡迎！"


@pytest.mark.parametrize("body", [[], {"scans": 5}, {"scans": "x"}, {"scans": [5]}, {"scans": []}, "null"])
def test_batch_of_the_wrong_shape_is_a_400(organizer_api, body):
    response = organizer_api.post(BATCH, body, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("body", [[], [{"code": "X"}], {"code": "X", "event": "abc", "client_id": str(uuid4())}])
def test_scan_of_the_wrong_shape_is_a_400(organizer_api, body):
    assert organizer_api.post(SCAN, body, format="json").status_code == 400
