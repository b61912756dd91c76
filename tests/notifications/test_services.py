import re
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from checkin import messages as checkin_messages
from events import services as event_services
from kepu import login_codes
from notifications import services
from notifications.channels import Channel
from notifications.models import Kind, LoginCode, Notification
from tests.factories import (
    EventFactory,
    NotificationFactory,
    PreferenceFactory,
    RegistrationFactory,
    ShiftFactory,
    SignUpFactory,
    VenueFactory,
    VolunteerFactory,
)
from volunteers import messages as volunteer_messages
from volunteers.models import SignUp

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = Notification.Status


def sms_of(**filters):
    return Notification.objects.filter(channel="sms", **filters)


def tomorrow_event(**fields):
    start = timezone.now() + timedelta(days=2)
    return EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), **fields)


# --- Recording ----------------------------------------------------------------------------------


def test_signup_confirmation_goes_by_sms_and_to_the_inbox():
    signup = SignUpFactory(shift__event=tomorrow_event(title="科学种田讲座"))
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    sms = sms_of(kind=Kind.SIGNUP_CONFIRMED).get()
    assert sms.status == Status.QUEUED
    assert sms.address == signup.volunteer.phone
    assert "科学种田讲座" in sms.body and signup.volunteer.name in sms.body
    inbox = Notification.objects.get(channel="inbox")
    assert inbox.status == Status.SENT and inbox.user == signup.volunteer.user


def test_the_same_notification_twice_is_recorded_once():
    signup = SignUpFactory(shift__event=tomorrow_event())
    assert volunteer_messages.notify_signup(signup=signup, kind="confirmed") == 2
    assert volunteer_messages.notify_signup(signup=signup, kind="confirmed") == 0
    assert Notification.objects.count() == 2


def test_waitlisted_message_says_the_position():
    shift = ShiftFactory(event=tomorrow_event())
    SignUpFactory(shift=shift, status=SignUp.Status.WAITLISTED)
    second = SignUpFactory(shift=shift, status=SignUp.Status.WAITLISTED, volunteer__language="en")
    volunteer_messages.notify_signup(signup=second, kind="waitlisted")
    assert "number 2 on the waiting list" in sms_of().get().body


def test_an_unknown_signup_kind_is_refused():
    with pytest.raises(ValueError):
        volunteer_messages.notify_signup(signup=SignUpFactory(), kind="maybe")


def test_a_message_is_in_the_volunteers_language():
    signup = SignUpFactory(shift__event=tomorrow_event(title="Pig farming"), volunteer__language="en")
    volunteer_messages.notify_signup(signup=signup, kind="promoted")
    sms = sms_of().get()
    assert sms.language == "en"
    assert sms.body.startswith(f"{signup.volunteer.name}, a place opened")


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "您已确认担任“讲座”的"), ("zh-hant", "您已確認擔任「讲座」的"), ("en", "you are confirmed as")],
)
def test_messages_are_written_in_each_supported_language(language, words):
    signup = SignUpFactory(shift__event=tomorrow_event(title="讲座"), volunteer__language=language)
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    assert words in sms_of().get().body


def test_cancelling_an_event_tells_confirmed_volunteers_and_registered_attendees():
    event = tomorrow_event()
    confirmed = SignUpFactory(shift__event=event)
    SignUpFactory(shift=confirmed.shift, volunteer=confirmed.volunteer, status=SignUp.Status.CANCELLED)
    SignUpFactory(shift__event=event, status=SignUp.Status.WAITLISTED)
    registered = RegistrationFactory(event=event, attendee__phone="13912345678")
    RegistrationFactory(event=event, attendee__phone="")  # no way to reach them
    RegistrationFactory(event=event, attendee__phone="13912345679", revoked_at=timezone.now())

    event_services.event_cancel(event=event)

    told = sms_of(kind=Kind.EVENT_CANCELLED)
    assert sorted(told.values_list("address", flat=True)) == sorted(
        [confirmed.volunteer.phone, registered.attendee.phone]
    )
    assert all(n.event == event and n.status == Status.QUEUED for n in told)


def test_cancelling_twice_tells_people_once():
    event = tomorrow_event()
    SignUpFactory(shift__event=event)
    event_services.event_cancel(event=event)
    event_services.event_cancel(event=event)
    assert sms_of(kind=Kind.EVENT_CANCELLED).count() == 1


def test_no_message_is_recorded_when_the_change_rolls_back():
    event = tomorrow_event()
    SignUpFactory(shift__event=event)
    with pytest.raises(RuntimeError), transaction.atomic():
        event_services.event_cancel(event=event)
        raise RuntimeError("the request failed after the cancel")
    assert not Notification.objects.exists()


def test_cancelling_drops_the_events_pending_messages():
    event = tomorrow_event()
    pending = NotificationFactory(event=event, kind=Kind.SHIFT_REMINDER)
    event_services.event_cancel(event=event)
    pending.refresh_from_db()
    assert pending.status == Status.CANCELLED


def test_moving_an_event_tells_what_changed():
    event = tomorrow_event()
    SignUpFactory(shift__event=event, volunteer__language="en")
    new_venue = VenueFactory(association=event.association, name="County science center")
    later = event.starts_at + timedelta(days=1)
    event_services.event_update(event=event, starts_at=later, ends_at=later + timedelta(hours=2), venue=new_venue)
    body = sms_of(kind=Kind.EVENT_CHANGED).get().body
    assert "Start:" in body and "End:" in body
    assert "→ County science center" in body


def test_an_update_that_changes_no_time_or_venue_tells_nobody():
    event = tomorrow_event()
    SignUpFactory(shift__event=event)
    event_services.event_update(event=event, title="新标题", starts_at=event.starts_at)
    assert not Notification.objects.exists()


def test_changing_a_draft_event_tells_nobody():
    event = tomorrow_event(status="draft")
    SignUpFactory(shift__event=event)
    event_services.event_update(event=event, starts_at=event.starts_at + timedelta(hours=1))
    assert not Notification.objects.exists()


def test_registration_confirmation_sends_the_ticket_link_by_sms_and_the_qr_by_email(settings):
    settings.NOTIFICATIONS_TICKET_URL = "https://kepu.example/t/{code}"
    registration = RegistrationFactory(event=tomorrow_event(), attendee__phone="13912345678")
    checkin_messages.notify_registration(registration=registration, email="farmer@example.com")
    sms = sms_of().get()
    assert f"https://kepu.example/t/{registration.code}" in sms.body
    email = Notification.objects.get(channel="email")
    assert services.notification_send(notification_id=email.id) == "sent"
    (message,) = mail.outbox
    assert message.to == ["farmer@example.com"]
    assert message.attachments[0][0] == "ticket.png"


# --- Sending ------------------------------------------------------------------------------------


def test_a_queued_message_is_sent_once():
    row = NotificationFactory()
    with mock.patch("notifications.channels.ConsoleSmsBackend.send", return_value="id-1") as send:
        assert services.notification_send(notification_id=row.id) == "sent"
        assert services.notification_send(notification_id=row.id) == "not_queued"
    assert send.call_count == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_message_id) == (Status.SENT, 1, "id-1")
    assert row.sent_at is not None


def test_a_row_claimed_by_another_worker_is_not_sent():
    row = NotificationFactory()
    Notification.objects.filter(id=row.id).update(status=Status.SENDING, claimed_at=timezone.now())
    with mock.patch("notifications.channels.ConsoleSmsBackend.send") as send:
        assert services.notification_send(notification_id=row.id) == "not_queued"
    send.assert_not_called()


def test_a_bad_phone_number_fails_with_a_reason_and_the_others_go_out():
    bad = NotificationFactory(address="12345")
    good = NotificationFactory()
    outcomes = services.notifications_send(ids=[bad.id, good.id])
    assert outcomes == {"failed": 1, "sent": 1}
    bad.refresh_from_db()
    assert bad.status == Status.FAILED and bad.permanent_error
    assert "invalid phone number" in bad.last_error


def test_a_bad_email_address_fails_with_a_reason():
    row = NotificationFactory(channel="email", address="not-an-address")
    assert services.notification_send(notification_id=row.id) == "failed"
    row.refresh_from_db()
    assert "invalid e-mail address" in row.last_error and row.permanent_error


def test_a_transient_error_is_retried_later_with_backoff(fake_sms_provider, settings):
    settings.NOTIFICATIONS_RETRY = {"base_seconds": 60, "cap_seconds": 3600, "max_attempts": 5}
    fake_sms_provider.fail_times = 1
    row = NotificationFactory()
    before = timezone.now()
    assert services.notification_send(notification_id=row.id) == "retry"
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.attempts == 1 and "HTTP 503" in row.last_error
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert services.notification_send(notification_id=row.id) == "not_due"
    assert services.notification_send(notification_id=row.id, now=row.next_attempt_at) == "sent"
    assert len(fake_sms_provider.accepted) == 1


def test_retry_delays_grow_and_are_capped(settings):
    settings.NOTIFICATIONS_RETRY = {"base_seconds": 10, "cap_seconds": 100, "max_attempts": 8}
    delays = [services.retry_delay(n).total_seconds() for n in range(1, 9)]
    assert 5 <= delays[0] <= 10
    assert 20 <= delays[2] <= 40
    assert all(50 <= d <= 100 for d in delays[4:])


def test_a_message_fails_after_the_last_attempt(fake_sms_provider, settings):
    settings.NOTIFICATIONS_RETRY = {"base_seconds": 1, "cap_seconds": 1, "max_attempts": 2}
    fake_sms_provider.fail_times = 5
    row = NotificationFactory()
    assert services.notification_send(notification_id=row.id) == "retry"
    later = timezone.now() + timedelta(seconds=5)
    assert services.notification_send(notification_id=row.id, now=later) == "failed"
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 2 and not row.permanent_error


def test_a_provider_4xx_is_permanent_and_not_retried(fake_sms_provider):
    fake_sms_provider.fail_times, fake_sms_provider.fail_status = 1, 400
    row = NotificationFactory()
    assert services.notification_send(notification_id=row.id) == "failed"
    row.refresh_from_db()
    assert row.permanent_error and "HTTP 400" in row.last_error
    assert services.notifications_dispatch_due() == 0


def test_a_provider_that_hangs_is_cut_off_by_the_timeout(fake_sms_provider, settings):
    settings.NOTIFICATIONS_SMS_HTTP = {**settings.NOTIFICATIONS_SMS_HTTP, "timeout": 0.3}
    fake_sms_provider.hang_first = 3
    row = NotificationFactory()
    assert services.notification_send(notification_id=row.id) == "retry"
    row.refresh_from_db()
    assert "timed out" in row.last_error.lower()


def test_the_provider_gets_the_dedupe_key_as_idempotency_key(fake_sms_provider):
    row = NotificationFactory()
    services.notification_send(notification_id=row.id)
    assert fake_sms_provider.accepted[0]["idempotency_key"] == row.dedupe_key
    assert fake_sms_provider.accepted[0]["to"] == row.address


def test_an_unexpected_error_is_retried_not_lost():
    row = NotificationFactory()
    with mock.patch("notifications.channels.ConsoleSmsBackend.send", side_effect=KeyError("bug")):
        assert services.notification_send(notification_id=row.id) == "retry"
    row.refresh_from_db()
    assert row.status == Status.QUEUED and "KeyError" in row.last_error


# --- The sweep ----------------------------------------------------------------------------------


def test_the_sweep_hands_out_rows_no_worker_took():
    never_dispatched = NotificationFactory()
    dispatched_long_ago = NotificationFactory(dispatched_at=timezone.now() - timedelta(hours=1))
    just_dispatched = NotificationFactory(dispatched_at=timezone.now())
    NotificationFactory(next_attempt_at=timezone.now() + timedelta(hours=1))  # a retry not yet due
    with mock.patch("notifications.services.send_task_safely") as send_task:
        assert services.notifications_dispatch_due() == 2
    (ids,) = send_task.call_args.args[1:]
    assert sorted(ids) == sorted([never_dispatched.id, dispatched_long_ago.id])
    just_dispatched.refresh_from_db()
    never_dispatched.refresh_from_db()
    assert never_dispatched.dispatched_at is not None


def test_the_sweep_takes_back_a_row_whose_worker_died(settings):
    settings.NOTIFICATIONS_LEASE_SECONDS = 60
    dead = NotificationFactory(status=Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=5), attempts=1)
    alive = NotificationFactory(status=Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=10), attempts=1)
    with mock.patch("notifications.services.send_task_safely"):
        services.notifications_dispatch_due()
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Status.QUEUED and alive.status == Status.SENDING
    assert services.notification_send(notification_id=dead.id) == "sent"
    dead.refresh_from_db()
    assert dead.attempts == 2


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_outcome(settings):
    row = NotificationFactory()
    claimed_at = timezone.now()

    def slow_send(**kwargs):
        # the sweep took the row back meanwhile, and another worker sent it
        Notification.objects.filter(id=row.id).update(status=Status.SENT, sent_at=timezone.now(), claimed_at=None)
        raise TimeoutError("slow")

    with mock.patch("notifications.channels.ConsoleSmsBackend.send", side_effect=slow_send):
        services.notification_send(notification_id=row.id, now=claimed_at)
    row.refresh_from_db()
    assert row.status == Status.SENT


# --- Reminders ----------------------------------------------------------------------------------


def _signup_for_shift_in(hours: float, signed_up_days_before: int = 3, event_status="published", **fields):
    start = timezone.now() + timedelta(hours=hours)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), status=event_status)
    signup = SignUpFactory(shift__event=event, **fields)
    SignUp.objects.filter(id=signup.id).update(created_at=start - timedelta(days=signed_up_days_before))
    return signup


def test_reminders_go_24_hours_and_2_hours_before_once_each():
    day_ahead = _signup_for_shift_in(hours=23)
    hour_ahead = _signup_for_shift_in(hours=1.5)
    _signup_for_shift_in(hours=30)  # not yet
    volunteer_messages.reminders_record_due()
    volunteer_messages.reminders_record_due()
    reminders = sms_of(kind=Kind.SHIFT_REMINDER)
    assert sorted(reminders.values_list("address", flat=True)) == sorted(
        [day_ahead.volunteer.phone, hour_ahead.volunteer.phone]
    )
    assert reminders.get(volunteer=day_ahead.volunteer).dedupe_key.split(":")[2] == "1440"
    assert reminders.get(volunteer=hour_ahead.volunteer).dedupe_key.split(":")[2] == "120"


def test_a_sweep_over_reminded_signups_costs_a_few_queries_however_many(django_assert_max_num_queries):
    for _ in range(5):
        _signup_for_shift_in(hours=1)
    volunteer_messages.reminders_record_due()
    with django_assert_max_num_queries(4):  # per offset: the sign-ups, the reminders already recorded
        assert volunteer_messages.reminders_record_due() == 0


def test_the_2_hour_reminder_follows_the_24_hour_one():
    signup = _signup_for_shift_in(hours=23)
    volunteer_messages.reminders_record_due()
    volunteer_messages.reminders_record_due(now=timezone.now() + timedelta(hours=22))
    assert sms_of(kind=Kind.SHIFT_REMINDER, volunteer=signup.volunteer).count() == 2


def test_removing_a_volunteer_drops_their_pending_reminder():
    signup = _signup_for_shift_in(hours=1)
    volunteer_messages.reminders_record_due()
    volunteer_messages.notify_signup(signup=signup, kind="removed")
    reminder = sms_of(kind=Kind.SHIFT_REMINDER).get()
    assert reminder.status == Status.CANCELLED
    assert sms_of(kind=Kind.SIGNUP_REMOVED).get().status == Status.QUEUED


def test_no_24_hour_reminder_for_a_signup_made_within_the_last_day():
    start = timezone.now() + timedelta(hours=20)
    SignUpFactory(shift__event=EventFactory(starts_at=start, ends_at=start + timedelta(hours=1)))
    assert volunteer_messages.reminders_record_due() == 0


def test_no_reminders_for_waitlisted_signups_or_cancelled_events():
    _signup_for_shift_in(hours=1, status=SignUp.Status.WAITLISTED)
    _signup_for_shift_in(hours=1, event_status="cancelled")
    assert volunteer_messages.reminders_record_due() == 0


def test_reminder_offsets_come_from_the_settings(settings):
    settings.NOTIFICATIONS_REMINDER_OFFSETS = [60 * 48]
    _signup_for_shift_in(hours=40, signed_up_days_before=5)
    volunteer_messages.reminders_record_due()
    assert sms_of(kind=Kind.SHIFT_REMINDER).get().dedupe_key.split(":")[2] == "2880"


# --- Preferences and quiet hours ------------------------------------------------------------------


def test_an_opted_out_kind_is_recorded_as_suppressed_and_not_sent():
    signup = _signup_for_shift_in(hours=1)
    PreferenceFactory(user=signup.volunteer.user, opted_out=[Kind.SHIFT_REMINDER])
    volunteer_messages.reminders_record_due()
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SUPPRESSED}
    with mock.patch("notifications.services.send_task_safely") as send_task:
        assert services.notifications_dispatch_due() == 0
    send_task.assert_not_called()


def test_cancellations_reach_people_who_opted_out_of_everything_else():
    event = tomorrow_event()
    signup = SignUpFactory(shift__event=event)
    services.preference_update(user=signup.volunteer.user, opted_out=[Kind.EVENT_CHANGED, Kind.SHIFT_REMINDER])
    event_services.event_cancel(event=event)
    assert sms_of(kind=Kind.EVENT_CANCELLED).get().status == Status.QUEUED


def test_nobody_can_opt_out_of_cancellations_or_login_codes():
    with pytest.raises(ValidationError) as refused:
        services.preference_update(user=VolunteerFactory().user, opted_out=[Kind.EVENT_CANCELLED])
    assert "opted_out" in refused.value.message_dict


def test_a_volunteer_who_prefers_email_gets_email():
    volunteer = VolunteerFactory(user__email="v@example.com")
    services.preference_update(user=volunteer.user, channel="email")
    volunteer_messages.notify_signup(
        signup=SignUpFactory(volunteer=volunteer, shift__event=tomorrow_event()), kind="confirmed"
    )
    assert sorted(Notification.objects.values_list("channel", "address")) == [
        ("email", "v@example.com"),
        ("inbox", ""),
    ]


class PigeonChannel(Channel):
    """A channel added by a test, as a WeChat template message would be: one class and one setting."""

    name = "pigeon"
    label = "Pigeon post"
    delivered: list[tuple[str, str]] = []

    def address_for(self, recipient):
        return f"loft-{recipient.user_id}"

    def send(self, notification):
        PigeonChannel.delivered.append((notification.address, notification.body))
        return "pigeon-1"


def test_a_new_channel_is_one_class_and_one_setting(settings):
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "pigeon": "tests.notifications.test_services.PigeonChannel",
    }
    volunteer = VolunteerFactory()
    services.preference_update(user=volunteer.user, channel="pigeon")
    volunteer_messages.notify_signup(
        signup=SignUpFactory(volunteer=volunteer, shift__event=tomorrow_event()), kind="confirmed"
    )
    row = Notification.objects.get(channel="pigeon")
    assert services.notification_send(notification_id=row.id) == "sent"
    assert PigeonChannel.delivered == [(f"loft-{volunteer.user_id}", row.body)]


def test_email_preference_needs_an_email_address():
    with pytest.raises(ValidationError):
        services.preference_update(user=VolunteerFactory().user, channel="email")


@pytest.mark.parametrize(
    ("local", "end"),
    [
        ("2026-11-28 23:30", "2026-11-29 07:00"),
        ("2026-11-29 03:00", "2026-11-29 07:00"),
        ("2026-11-29 22:00", "2026-11-30 07:00"),
        ("2026-11-29 07:00", None),
        ("2026-11-29 12:00", None),
    ],
)
def test_quiet_hours_end_in_the_morning(settings, local, end):
    settings.NOTIFICATIONS_QUIET_HOURS = ["22:00", "07:00"]
    moment = datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)
    expected = datetime.fromisoformat(end).replace(tzinfo=SHANGHAI) if end else None
    assert services.quiet_hours_end(moment) == expected


def _at_night():
    return datetime(2026, 11, 28, 23, 30, tzinfo=SHANGHAI)


def test_an_sms_recorded_at_night_is_held_until_morning(settings):
    settings.NOTIFICATIONS_QUIET_HOURS = ["22:00", "07:00"]
    event = tomorrow_event()
    event.starts_at = _at_night() + timedelta(days=2)
    event.ends_at = event.starts_at + timedelta(hours=1)
    event.save()
    signup = SignUpFactory(shift__event=event)
    with mock.patch("django.utils.timezone.now", return_value=_at_night()):
        volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    sms = sms_of().get()
    assert sms.next_attempt_at == sms.scheduled_at == datetime(2026, 11, 29, 7, 0, tzinfo=SHANGHAI)
    assert not sms.urgent
    assert Notification.objects.get(channel="inbox").status == Status.SENT  # the inbox does not wake anyone


def test_an_urgent_sms_goes_out_at_night(settings):
    settings.NOTIFICATIONS_QUIET_HOURS = ["22:00", "07:00"]
    start = datetime(2026, 11, 29, 7, 30, tzinfo=SHANGHAI)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    SignUpFactory(shift__event=event)
    with mock.patch("django.utils.timezone.now", return_value=_at_night()):
        event_services.event_cancel(event=event)
    sms = sms_of().get()
    assert sms.urgent and sms.next_attempt_at == _at_night()


def test_a_worker_holds_a_non_urgent_sms_that_comes_due_at_night(settings):
    settings.NOTIFICATIONS_QUIET_HOURS = ["22:00", "07:00"]
    row = NotificationFactory(next_attempt_at=_at_night() - timedelta(hours=2))
    assert services.notification_send(notification_id=row.id, now=_at_night()) == "held"
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.next_attempt_at == datetime(2026, 11, 29, 7, 0, tzinfo=SHANGHAI)


# --- Resend -------------------------------------------------------------------------------------


def test_a_failed_message_can_be_sent_again():
    row = NotificationFactory(status=Status.FAILED, attempts=8, last_error="HTTP 500", permanent_error=True)
    services.notification_resend(notification=row)
    assert (row.status, row.attempts) == (Status.QUEUED, 0)
    assert services.notification_send(notification_id=row.id) == "sent"


def test_only_a_failed_message_can_be_sent_again():
    with pytest.raises(ValidationError):
        services.notification_resend(notification=NotificationFactory(status=Status.SENT, sent_at=timezone.now()))


# --- Inbox --------------------------------------------------------------------------------------


def test_marking_inbox_messages_read():
    signup = SignUpFactory(shift__event=tomorrow_event())
    volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    volunteer_messages.notify_signup(signup=signup, kind="removed")
    user = signup.volunteer.user
    first = Notification.objects.filter(channel="inbox").first()
    assert services.inbox_mark_read(user=user, notification_id=first.id) == 1
    assert services.inbox_mark_read(user=VolunteerFactory().user) == 0
    assert services.inbox_mark_read(user=user) == 1


# --- Login codes --------------------------------------------------------------------------------


def _sent_code(volunteer) -> str:
    sms = sms_of(kind=Kind.LOGIN_CODE, volunteer=volunteer).latest("id")
    return re.search(r"\b\d{6}\b", sms.body).group()


def test_a_login_code_logs_the_volunteer_in_once():
    volunteer = VolunteerFactory(language="en")
    login_codes.login_code_send(phone=volunteer.phone)
    code = _sent_code(volunteer)
    assert code not in LoginCode.objects.get().code_hash
    assert login_codes.login_code_verify(phone=volunteer.phone, code=code) == volunteer.user
    assert login_codes.login_code_verify(phone=volunteer.phone, code=code) is None


def test_a_login_code_is_urgent_and_kept_hidden_after_sending():
    volunteer = VolunteerFactory(language="en")
    login_codes.login_code_send(phone=volunteer.phone)
    code = _sent_code(volunteer)
    sms = sms_of(kind=Kind.LOGIN_CODE).get()
    assert sms.urgent and not Notification.objects.filter(kind=Kind.LOGIN_CODE, channel="inbox").exists()
    services.notification_send(notification_id=sms.id)
    sms.refresh_from_db()
    assert sms.status == Status.SENT and code not in sms.body


def test_a_login_code_not_sent_before_it_expires_is_dropped():
    volunteer = VolunteerFactory(language="en")
    login_codes.login_code_send(phone=volunteer.phone)
    sms = sms_of(kind=Kind.LOGIN_CODE).get()
    later = timezone.now() + timedelta(minutes=11)
    assert services.notification_send(notification_id=sms.id, now=later) == "expired"
    sms.refresh_from_db()
    assert sms.status == Status.CANCELLED and "******" in sms.body


def test_a_wrong_or_expired_login_code_is_refused():
    volunteer = VolunteerFactory(language="en")
    login_codes.login_code_send(phone=volunteer.phone)
    code = _sent_code(volunteer)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert login_codes.login_code_verify(phone=volunteer.phone, code=wrong) is None
    assert LoginCode.objects.get().failed_attempts == 1
    later = timezone.now() + timedelta(minutes=11)
    assert login_codes.login_code_verify(phone=volunteer.phone, code=code, now=later) is None


def test_a_login_code_dies_after_too_many_wrong_guesses():
    volunteer = VolunteerFactory(language="en")
    login_codes.login_code_send(phone=volunteer.phone)
    code = _sent_code(volunteer)
    for _ in range(5):
        login_codes.login_code_verify(phone=volunteer.phone, code="000000" if code != "000000" else "111111")
    assert login_codes.login_code_verify(phone=volunteer.phone, code=code) is None


def test_login_codes_are_rate_limited_per_phone():
    volunteer = VolunteerFactory()
    now = timezone.now()
    login_codes.login_code_send(phone=volunteer.phone, now=now)
    with pytest.raises(login_codes.LoginCodeThrottled) as throttled:
        login_codes.login_code_send(phone=volunteer.phone, now=now + timedelta(seconds=10))
    assert 0 < throttled.value.wait_seconds <= 60
    for minute in range(1, 5):
        login_codes.login_code_send(phone=volunteer.phone, now=now + timedelta(minutes=minute))
    with pytest.raises(login_codes.LoginCodeThrottled):
        login_codes.login_code_send(phone=volunteer.phone, now=now + timedelta(minutes=6))


def test_an_unknown_phone_gets_no_code_but_the_same_answer():
    login_codes.login_code_send(phone="13912345678")
    assert LoginCode.objects.filter(phone="+8613912345678").exists()
    assert not Notification.objects.exists()


def test_a_malformed_phone_is_a_field_error():
    with pytest.raises(ValidationError) as invalid:
        login_codes.login_code_send(phone="12")
    assert "phone" in invalid.value.message_dict
