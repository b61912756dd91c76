import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Kind, Notification
from tests.factories import (
    AssociationFactory,
    EventFactory,
    NotificationFactory,
    SignUpFactory,
    VolunteerFactory,
)
from volunteers import messages as volunteer_messages

pytestmark = pytest.mark.django_db
Status = Notification.Status


@pytest.fixture
def event(association):
    start = timezone.now() + timedelta(days=2)
    return EventFactory(association=association, starts_at=start, ends_at=start + timedelta(hours=2))


def volunteer_api(volunteer) -> APIClient:
    client = APIClient()
    client.force_authenticate(volunteer.user)
    return client


# --- Organizers: delivery per event, resend ---------------------------------------------------------


def test_organizers_see_who_was_told_what_about_their_event(organizer_api, event):
    signup = SignUpFactory(shift__event=event)
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    NotificationFactory(volunteer__association=AssociationFactory())  # another county's message
    response = organizer_api.get("/api/v1/notifications/", {"event": event.id, "channel": "sms"})
    assert response.status_code == 200
    (row,) = response.data["results"]
    assert row["recipient_name"] == signup.volunteer.name
    assert (row["kind"], row["status"], row["event_title"]) == (Kind.SIGNUP_CONFIRMED, "queued", event.title)


def test_cancelling_through_the_events_api_records_the_messages(organizer_api, event):
    signup = SignUpFactory(shift__event=event)
    assert organizer_api.post(f"/api/v1/events/{event.id}/cancel/").status_code == 200
    told = Notification.objects.get(kind=Kind.EVENT_CANCELLED, channel="sms")
    assert (told.volunteer, told.status) == (signup.volunteer, Status.QUEUED)


def test_moving_an_event_through_the_events_api_records_the_change(organizer_api, event):
    SignUpFactory(shift__event=event)
    later = event.starts_at + timedelta(hours=3)
    response = organizer_api.patch(
        f"/api/v1/events/{event.id}/",
        {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat()},
        format="json",
    )
    assert response.status_code == 200
    assert Notification.objects.filter(kind=Kind.EVENT_CHANGED, channel="sms").count() == 1


def test_organizers_do_not_see_other_associations_messages(organizer_api):
    other = NotificationFactory(volunteer__association=AssociationFactory())
    assert organizer_api.get("/api/v1/notifications/").data["count"] == 0
    assert organizer_api.get(f"/api/v1/notifications/{other.id}/").status_code == 404


def test_volunteers_cannot_read_the_delivery_list(user_api):
    assert user_api.get("/api/v1/notifications/").status_code == 403


def test_an_organizer_resends_a_failed_message(organizer_api, association):
    failed = NotificationFactory(
        volunteer__association=association, status=Status.FAILED, last_error="HTTP 400", permanent_error=True
    )
    response = organizer_api.post(f"/api/v1/notifications/{failed.id}/resend/")
    assert response.status_code == 202
    assert response.data["status"] == "queued"


def test_resending_a_message_that_did_not_fail_is_a_400(organizer_api, association):
    sent = NotificationFactory(volunteer__association=association, status=Status.SENT, sent_at=timezone.now())
    response = organizer_api.post(f"/api/v1/notifications/{sent.id}/resend/")
    assert response.status_code == 400
    assert "status" in response.data


def test_the_event_summary_counts_messages_by_state(organizer_api, event):
    for _ in range(2):
        volunteer_messages.notify_signup(signup=SignUpFactory(shift__event=event), kind="confirmed")
    response = organizer_api.get("/api/v1/notifications/summary/", {"event": event.id})
    assert response.status_code == 200
    assert {"kind": Kind.SIGNUP_CONFIRMED, "channel": "sms", "status": "queued", "count": 2} in response.data


def test_the_event_summary_needs_an_event(organizer_api):
    response = organizer_api.get("/api/v1/notifications/summary/", {"event": "x"})
    assert response.status_code == 400 and "event" in response.data
    assert organizer_api.get("/api/v1/notifications/summary/", {"event": 999999}).status_code == 404


# --- Volunteers: inbox, preferences -------------------------------------------------------------


def test_the_inbox_shows_ones_own_messages_and_the_unread_count(event):
    signup = SignUpFactory(shift__event=event)
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    volunteer_messages.notify_signup(signup=SignUpFactory(shift__event=event), kind="confirmed")  # someone else's
    client = volunteer_api(signup.volunteer)
    listing = client.get("/api/v1/inbox/").data
    assert listing["count"] == 1 and listing["results"][0]["unread"] is True
    assert client.get("/api/v1/inbox/unread-count/").data == {"unread": 1}
    message_id = listing["results"][0]["id"]
    assert client.post(f"/api/v1/inbox/{message_id}/read/").data["unread"] is False
    assert client.get("/api/v1/inbox/unread-count/").data == {"unread": 0}


def test_someone_elses_inbox_message_is_a_404(event):
    signup = SignUpFactory(shift__event=event)
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    message = Notification.objects.get(channel="inbox")
    assert volunteer_api(VolunteerFactory()).post(f"/api/v1/inbox/{message.id}/read/").status_code == 404


def test_a_volunteer_sets_channel_and_opt_outs():
    volunteer = VolunteerFactory(user__email="v@example.com")
    client = volunteer_api(volunteer)
    response = client.patch(
        "/api/v1/notification-preferences/", {"channel": "email", "opted_out": ["shift_reminder"]}, format="json"
    )
    assert response.status_code == 200
    assert (response.data["channel"], response.data["opted_out"]) == ("email", ["shift_reminder"])
    assert client.get("/api/v1/notification-preferences/").data["channel"] == "email"


def test_opting_out_of_cancellations_is_a_400_in_the_requests_language():
    client = volunteer_api(VolunteerFactory())
    response = client.patch(
        "/api/v1/notification-preferences/",
        {"opted_out": ["event_cancelled"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.data["opted_out"] == ["Login codes and cancellations are always sent."]


def test_an_unknown_channel_is_a_400():
    response = volunteer_api(VolunteerFactory()).patch(
        "/api/v1/notification-preferences/", {"channel": "pigeon"}, format="json"
    )
    assert response.status_code == 400 and "channel" in response.data


# --- Login codes ----------------------------------------------------------------------------------


def test_a_volunteer_logs_in_with_a_code_sent_by_sms(api):
    volunteer = VolunteerFactory(language="en")
    assert api.post("/api/v1/auth/login-code/", {"phone": volunteer.phone}).status_code == 202
    code = re.search(r"\b\d{6}\b", Notification.objects.get(kind=Kind.LOGIN_CODE).body).group()
    response = api.post("/api/v1/auth/login-code/verify/", {"phone": volunteer.phone, "code": code})
    assert response.status_code == 200 and response.data["token"]
    again = api.post("/api/v1/auth/login-code/verify/", {"phone": volunteer.phone, "code": code})
    assert again.status_code == 400 and "code" in again.data


def test_asking_for_codes_too_often_is_a_429(api):
    volunteer = VolunteerFactory()
    api.post("/api/v1/auth/login-code/", {"phone": volunteer.phone})
    response = api.post("/api/v1/auth/login-code/", {"phone": volunteer.phone})
    assert response.status_code == 429


def test_an_unknown_phone_gets_the_same_answer(api):
    response = api.post("/api/v1/auth/login-code/", {"phone": "13912345678"})
    assert response.status_code == 202
    assert not Notification.objects.exists()


def test_a_malformed_phone_is_a_400(api):
    response = api.post("/api/v1/auth/login-code/", {"phone": "12"})
    assert response.status_code == 400 and "phone" in response.data


# --- Admin --------------------------------------------------------------------------------------


def test_the_admin_lists_failed_messages_and_resends_them(client, organizer, association):
    failed = NotificationFactory(
        volunteer__association=association, status=Status.FAILED, last_error="HTTP 400: unknown number"
    )
    NotificationFactory(volunteer__association=AssociationFactory(), status=Status.FAILED, last_error="other county")
    client.force_login(organizer)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200
    assert "HTTP 400: unknown number" in page.content.decode() and "other county" not in page.content.decode()
    response = client.post(changelist, {"action": "resend", "_selected_action": [failed.id]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED


def test_organizers_cannot_edit_or_delete_messages(client, organizer, association):
    row = NotificationFactory(volunteer__association=association)
    client.force_login(organizer)
    page = client.get(reverse("admin:notifications_notification_change", args=[row.id]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:notifications_notification_delete", args=[row.id])).status_code == 403


def test_a_volunteer_cannot_open_the_admin_list(client):
    client.force_login(VolunteerFactory().user)
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code in (302, 403)


def test_the_admin_list_of_one_event_opens_with_its_delivery_summary(client, organizer, event):
    for _ in range(3):
        volunteer_messages.notify_signup(signup=SignUpFactory(shift__event=event), kind="confirmed")
    Notification.objects.filter(channel="sms").update(status=Status.SENT, sent_at=timezone.now())
    client.force_login(organizer)
    page = client.get(reverse("admin:notifications_notification_changelist"), {"event__id__exact": event.id})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="event-summary"' in html
    assert event.title in html


def test_the_admin_shows_no_summary_of_another_associations_event(client, organizer):
    other = EventFactory(association=AssociationFactory())
    client.force_login(organizer)
    page = client.get(reverse("admin:notifications_notification_changelist"), {"event__id__exact": other.id})
    assert 'id="event-summary"' not in page.content.decode()
