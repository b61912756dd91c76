"""Writes of the notifications app, and the API the other apps call.

The other apps call the notify_* functions inside their own transaction:
the rows are written with the change that causes them (or not at all), and
the workers are nudged after commit. Each row has a unique dedupe key, so
calling twice records one message, and a worker sends a row only after
winning a conditional UPDATE (queued → sending), so two workers, two sweeps
or a redelivered task never send it twice. A worker killed mid-send leaves a
'sending' row whose lease runs out; the sweep takes it back.
"""

import hashlib
import logging
import random
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from checkin.models import Attendee, Registration
from events.models import Event
from kepu.queue import enqueue_on_commit, send_task_safely
from volunteers.models import Shift, SignUp, Volunteer, VolunteerInvitation

from .channels import PermanentError, TransientError, channel_names, get_channel, normalize_phone
from .messages import CHANGE_LABELS, render
from .models import MANDATORY_KINDS, Kind, LoginCode, Notification, Preference

logger = logging.getLogger(__name__)

Status = Notification.Status

SIGNUP_KINDS = {
    "confirmed": Kind.SIGNUP_CONFIRMED,
    "waitlisted": Kind.SIGNUP_WAITLISTED,
    "promoted": Kind.SIGNUP_PROMOTED,
    "removed": Kind.SIGNUP_REMOVED,
}


# --- Who gets a message, and how ----------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    ref: str  # part of the dedupe key: v<volunteer id>, a<attendee id>, p<phone>
    name: str
    language: str
    phone: str = ""
    email: str = ""
    user_id: int | None = None
    volunteer_id: int | None = None
    attendee_id: int | None = None
    preferred_channel: str = "sms"
    opted_out: frozenset[str] = field(default_factory=frozenset)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _preferences_of(user_ids: Iterable[int]) -> dict[int, Preference]:
    found: dict[int, Preference] = {}
    for chunk in _chunks(list(user_ids), 900):
        found.update({p.user_id: p for p in Preference.objects.filter(user_id__in=chunk)})
    return found


def _volunteer_recipients(volunteers: Iterable[Volunteer]) -> list[Recipient]:
    volunteers = list(volunteers)
    preferences = _preferences_of(v.user_id for v in volunteers)
    recipients = []
    for volunteer in volunteers:
        preference = preferences.get(volunteer.user_id)
        recipients.append(
            Recipient(
                ref=f"v{volunteer.id}",
                name=volunteer.name,
                language=volunteer.language or settings.LANGUAGE_CODE,
                phone=volunteer.phone,
                email=volunteer.user.email,
                user_id=volunteer.user_id,
                volunteer_id=volunteer.id,
                preferred_channel=preference.channel if preference else "sms",
                opted_out=frozenset(preference.opted_out) if preference else frozenset(),
            )
        )
    return recipients


def _attendee_recipient(attendee: Attendee, email: str = "") -> Recipient:
    # Attendees have no account and no language of their own: the site's language.
    return Recipient(
        ref=f"a{attendee.id}",
        name=attendee.name,
        language=settings.LANGUAGE_CODE,
        phone=attendee.phone,
        email=email,
        attendee_id=attendee.id,
        preferred_channel="sms",
    )


def _channels_for(recipient: Recipient, kind: str) -> list[str]:
    available = channel_names()
    if kind in (Kind.LOGIN_CODE, Kind.VOLUNTEER_INVITATION):
        return ["sms"]
    if recipient.volunteer_id is None:  # an attendee: whatever addresses we have
        return [c for c, address in (("sms", recipient.phone), ("email", recipient.email)) if address]
    preferred = recipient.preferred_channel if recipient.preferred_channel in available else "sms"
    if preferred == "email" and not recipient.email:
        preferred = "sms"
    channels = [preferred]
    # The volunteer's phone pages keep every message, whichever channel carried it.
    if preferred != "inbox" and "inbox" in available:
        channels.append("inbox")
    return channels


# --- Quiet hours and urgency ----------------------------------------------------------------------


def quiet_hours_end(moment: datetime) -> datetime | None:
    """If `moment` falls within the SMS quiet hours, the moment they end; otherwise None."""
    if not settings.NOTIFICATIONS_QUIET_HOURS:
        return None
    start, end = (time.fromisoformat(value) for value in settings.NOTIFICATIONS_QUIET_HOURS)
    zone = ZoneInfo(settings.NOTIFICATIONS_QUIET_HOURS_TIME_ZONE)
    local = moment.astimezone(zone)
    now = local.time()
    if start > end:  # spans midnight, e.g. 22:00–07:00
        if now >= start:
            day = local.date() + timedelta(days=1)
        elif now < end:
            day = local.date()
        else:
            return None
    elif start <= now < end:
        day = local.date()
    else:
        return None
    return datetime.combine(day, end, tzinfo=zone)


def _is_urgent(kind: str, starts_at: datetime | None, now: datetime) -> bool:
    """Urgent messages go out in quiet hours too: codes, and news that would come too late in the morning."""
    if kind == Kind.LOGIN_CODE:
        return True
    morning = quiet_hours_end(now)
    if morning is None or starts_at is None:
        return False
    return starts_at <= morning + timedelta(minutes=settings.NOTIFICATIONS_URGENT_MARGIN_MINUTES)


# --- Recording ----------------------------------------------------------------------------------


def _notify(
    *,
    kind: str,
    recipients: list[Recipient],
    key: str,
    context: Callable[[Recipient], dict[str, Any]],
    event: Event | None = None,
    association_id: int | None = None,
    starts_at: datetime | None = None,
    extra: dict | None = None,
    now: datetime | None = None,
    variant: str = "",
) -> int:
    """Record one message per recipient and channel, skipping those already recorded; returns how many were new."""
    now = now or timezone.now()
    routes = [(r, c) for r in recipients for c in _channels_for(r, kind)]
    keys = {(r.ref, c): f"{kind}:{key}:{r.ref}:{c}" for r, c in routes}
    existing: set[str] = set()
    for chunk in _chunks(list(keys.values()), 900):
        existing.update(Notification.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True))
    urgent = _is_urgent(kind, starts_at, now)
    morning = quiet_hours_end(now)
    channels = {name: get_channel(name) for name in {c for _r, c in routes}}
    rendered: dict[tuple, tuple[str, str]] = {}
    rows = []
    for recipient, channel in routes:
        dedupe_key = keys[(recipient.ref, channel)]
        if dedupe_key in existing:
            continue
        values = context(recipient)
        memo = (recipient.language, tuple(sorted((k, repr(v)) for k, v in values.items())))
        if memo not in rendered:  # one event's cancellation renders once per language, not 5,000 times
            rendered[memo] = render(kind, recipient.language, values, variant)
        subject, body = rendered[memo]
        row = Notification(
            kind=kind,
            channel=channel,
            association_id=association_id or (event.association_id if event else None),
            event=event,
            user_id=recipient.user_id,
            volunteer_id=recipient.volunteer_id,
            attendee_id=recipient.attendee_id,
            recipient_name=recipient.name[:50],
            address=channels[channel].address_for(recipient),
            language=recipient.language,
            subject=subject[:200],
            body=body,
            extra=extra or {},
            urgent=urgent,
            dedupe_key=dedupe_key,
            scheduled_at=now,
            next_attempt_at=now,
            created_at=now,
        )
        if kind in recipient.opted_out and kind not in MANDATORY_KINDS:
            row.status = Status.SUPPRESSED
        elif channels[channel].delivered_on_record:
            row.status, row.sent_at = Status.SENT, now
        elif channels[channel].quiet_hours and morning and not urgent:
            row.scheduled_at = row.next_attempt_at = morning  # held until the quiet hours end; the sweep sends it
        rows.append(row)
    return _record(rows, now=now)


def _record(rows: list[Notification], *, now: datetime) -> int:
    """Insert the rows (a concurrent duplicate is skipped by the unique key) and nudge a worker after commit."""
    if not rows:
        return 0
    for row in rows:
        if row.status == Status.QUEUED and row.next_attempt_at <= now:
            row.dispatched_at = now
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        # ignore_conflicts leaves the ids unset: find the rows this call inserted by key and time.
        due_keys = [r.dedupe_key for r in rows if r.dispatched_at]
        due_ids: list[int] = []
        for chunk in _chunks(due_keys, 900):
            due_ids += Notification.objects.filter(
                dedupe_key__in=chunk, created_at=now, status=Status.QUEUED
            ).values_list("id", flat=True)
        _dispatch_on_commit(due_ids)
    return len(rows)


def _dispatch_on_commit(ids: list[int]) -> None:
    from . import tasks  # tasks import this module

    for chunk in _chunks(sorted(ids), settings.NOTIFICATIONS_BATCH_SIZE):
        enqueue_on_commit(tasks.send_notifications, chunk)


# --- The public API of the other apps -----------------------------------------------------------


def notify_signup(*, signup: SignUp, kind: str, position: int | None = None) -> int:
    """Tell a volunteer about their sign-up: kind is confirmed, waitlisted (with position), promoted or removed."""
    if kind not in SIGNUP_KINDS:
        raise ValueError(f"unknown sign-up notification {kind!r}; one of {sorted(SIGNUP_KINDS)}")
    shift = signup.shift
    event = shift.event
    if kind == "waitlisted" and position is None:
        from volunteers.selectors import waitlist_position  # volunteers' services import this module

        position = waitlist_position(signup)
    volunteer = Volunteer.objects.select_related("user").get(id=signup.volunteer_id)
    if kind == "removed":  # no reminder for a shift they no longer have
        Notification.objects.filter(
            kind=Kind.SHIFT_REMINDER, dedupe_key__startswith=f"{Kind.SHIFT_REMINDER}:{signup.id}:", status=Status.QUEUED
        ).update(status=Status.CANCELLED, last_error=_("The sign-up was removed."))
    values = {
        "event": event.title,
        "role": Shift.Role(shift.role).label,
        "when": shift.starts_at,
        "venue": event.venue.name,
        "position": position or "",
    }
    return _notify(
        kind=SIGNUP_KINDS[kind],
        recipients=_volunteer_recipients([volunteer]),
        # The shift is part of the key: a volunteer moved to another shift is told again.
        key=f"{signup.id}:{shift.id}",
        context=lambda r: {**values, "name": r.name},
        event=event,
        starts_at=shift.starts_at,
    )


def _event_recipients(event: Event) -> list[Recipient]:
    volunteers = (
        Volunteer.objects.filter(signups__shift__event=event, signups__status=SignUp.Status.CONFIRMED)
        .select_related("user")
        .distinct()
        .order_by("id")
    )
    attendees = (
        Attendee.objects.filter(registrations__event=event, registrations__revoked_at__isnull=True)
        .exclude(phone="")
        .distinct()
        .order_by("id")
    )
    return _volunteer_recipients(volunteers) + [_attendee_recipient(a) for a in attendees]


def notify_event_changed(*, event: Event, changes: dict[str, tuple[Any, Any]]) -> int:
    """Tell every confirmed volunteer and registered attendee what changed (starts_at, ends_at, venue)."""
    changes = {name: (old, new) for name, (old, new) in changes.items() if name in CHANGE_LABELS and old != new}
    if not changes:
        return 0
    # One message per saved change: the same call twice dedupes, a later change is news again.
    fingerprint = repr(sorted((name, str(new)) for name, (old, new) in changes.items()))
    fingerprint += str(event.updated_at.isoformat() if event.updated_at else "")
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    values = {"event": event.title, "changes": changes}
    return _notify(
        kind=Kind.EVENT_CHANGED,
        recipients=_event_recipients(event),
        key=f"{event.id}:{digest}",
        context=lambda r: values,
        event=event,
        starts_at=event.starts_at,
    )


def notify_event_cancelled(*, event: Event) -> int:
    """Tell every confirmed volunteer and registered attendee that the event is off; drop its pending messages."""
    Notification.objects.filter(event=event, status=Status.QUEUED).exclude(kind=Kind.EVENT_CANCELLED).update(
        status=Status.CANCELLED, last_error=_("The event was cancelled.")
    )
    values = {"event": event.title, "when": event.starts_at, "venue": event.venue.name}
    return _notify(
        kind=Kind.EVENT_CANCELLED,
        recipients=_event_recipients(event),
        key=f"{event.id}",
        context=lambda r: values,
        event=event,
        starts_at=event.starts_at,
    )


def ticket_url(code: str) -> str:
    return settings.NOTIFICATIONS_TICKET_URL.format(code=code)


def notify_registration(*, registration: Registration, email: str = "") -> int:
    """Confirm an attendee's registration: the ticket link by SMS, the QR ticket attached by e-mail."""
    event = registration.event
    if event is None:  # a campaign registration: no time and place to tell yet
        return 0
    attendee = registration.attendee
    values = {
        "event": event.title,
        "when": event.starts_at,
        "venue": event.venue.name,
        "ticket": ticket_url(registration.code),
        "name": attendee.name,
    }
    return _notify(
        kind=Kind.REGISTRATION,
        recipients=[_attendee_recipient(attendee, email=email)],
        key=f"{registration.id}",
        context=lambda r: values,
        event=event,
        starts_at=event.starts_at,
        extra={"ticket_code": registration.code},
    )


def join_url(token: str) -> str:
    return settings.NOTIFICATIONS_JOIN_URL.format(token=token)


def notify_volunteer_invitation(*, invitation: VolunteerInvitation, token: str) -> int:
    """Send an organizer's invitation to its phone number, with the link that accepts it.

    Addressed to the number, never to a volunteer who may hold it: the row (which the inviting
    association's organizers can list) looks the same for a new number and a taken one.
    """
    values = {
        "name": invitation.name,
        "association": invitation.association.name,
        "url": join_url(token),
        "expires": invitation.expires_at,
    }
    return _notify(
        kind=Kind.VOLUNTEER_INVITATION,
        recipients=[
            Recipient(
                ref=f"p{invitation.phone}", name=invitation.name, language=invitation.language, phone=invitation.phone
            )
        ],
        key=f"{invitation.id}",
        context=lambda r: values,
        association_id=invitation.association_id,
    )


# --- Reminders ----------------------------------------------------------------------------------


def reminders_record_due(*, now: datetime | None = None) -> int:
    """Record the shift reminders now due (24 h and 2 h before, by default); safe to run at any time, twice.

    A sign-up gets the reminder of the nearest offset only, and none for an
    offset that had already passed when the volunteer signed up.
    """
    now = now or timezone.now()
    offsets = sorted(settings.NOTIFICATIONS_REMINDER_OFFSETS)
    recorded = 0
    for index, minutes in enumerate(offsets):
        offset = timedelta(minutes=minutes)
        inner = timedelta(minutes=offsets[index - 1]) if index else timedelta(0)
        window = (
            SignUp.objects.filter(
                status=SignUp.Status.CONFIRMED,
                shift__event__status=Event.Status.PUBLISHED,
                shift__starts_at__gt=now + inner,
                shift__starts_at__lte=now + offset,
                created_at__lte=F("shift__starts_at") - offset,
            )
            .select_related("shift__event__venue", "volunteer__user")
            .order_by("id")
        )
        signups = list(window)
        # One read for the whole window: a sign-up already reminded is skipped without rendering anything.
        done = {
            key.rsplit(":", 2)[0]
            for key in Notification.objects.filter(
                kind=Kind.SHIFT_REMINDER, event_id__in={s.shift.event_id for s in signups}
            ).values_list("dedupe_key", flat=True)
        }
        for signup in signups:
            shift, event = signup.shift, signup.shift.event
            key = f"{signup.id}:{minutes}:{int(shift.starts_at.timestamp())}"
            if f"{Kind.SHIFT_REMINDER}:{key}" in done:
                continue
            values: dict[str, Any] = {
                "event": event.title,
                "role": Shift.Role(shift.role).label,
                "when": shift.starts_at,
                "venue": event.venue.name,
            }

            def context(recipient: Recipient, values: dict[str, Any] = values) -> dict[str, Any]:
                return {**values, "name": recipient.name}

            recorded += _notify(
                kind=Kind.SHIFT_REMINDER,
                recipients=_volunteer_recipients([signup.volunteer]),
                key=key,  # the start time is in it: a shift that moves is reminded of again
                context=context,
                event=event,
                starts_at=shift.starts_at,
                now=now,
            )
    return recorded


# --- Sending ------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff, capped, with jitter (half fixed, half random) so retries do not arrive together."""
    retry = settings.NOTIFICATIONS_RETRY
    delay = min(retry["cap_seconds"], retry["base_seconds"] * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


_CODE_RE = re.compile(r"\b\d{4,8}\b")


def _finish(row: Notification, claim: datetime, **fields: Any) -> bool:
    """Record the outcome, if this worker still holds the claim."""
    if row.kind == Kind.LOGIN_CODE:
        fields["body"] = _CODE_RE.sub("******", row.body)  # the code must not outlive its sending in clear
    done = Notification.objects.filter(id=row.id, status=Status.SENDING, claimed_at=claim).update(**fields)
    if not done:
        logger.warning("notification %s: claim lost before the outcome was recorded", row.id)
    return bool(done)


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one queued message if it is due and this caller wins the claim; returns what happened."""
    return _send(Notification.objects.filter(id=notification_id).first(), now=now or timezone.now())


def _send(row: Notification | None, *, now: datetime) -> str:
    if row is None or row.status != Status.QUEUED:
        return "not_queued"
    if row.next_attempt_at > now:
        return "not_due"
    if row.kind == Kind.LOGIN_CODE and row.created_at < now - timedelta(
        minutes=settings.NOTIFICATIONS_LOGIN_CODE["ttl_minutes"]
    ):
        Notification.objects.filter(id=row.id, status=Status.QUEUED).update(
            status=Status.CANCELLED, body=_CODE_RE.sub("******", row.body), last_error=_("The code expired unsent.")
        )
        return "expired"
    try:
        channel = get_channel(row.channel)
    except PermanentError:
        channel = None  # reported as the outcome below
    if channel and channel.quiet_hours and not row.urgent and (morning := quiet_hours_end(now)):
        Notification.objects.filter(id=row.id, status=Status.QUEUED).update(next_attempt_at=morning, dispatched_at=None)
        return "held"
    claimed = Notification.objects.filter(id=row.id, status=Status.QUEUED, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "taken"  # another worker or sweep won
    row.attempts += 1
    try:
        provider_id = (channel or get_channel(row.channel)).send(row)
    except PermanentError as error:
        _finish(row, now, status=Status.FAILED, last_error=str(error)[:2000], permanent_error=True)
        return "failed"
    except Exception as error:  # TransientError, and anything unexpected: worth another try
        if not isinstance(error, TransientError):
            logger.exception("notification %s: unexpected error while sending", row.id)
        message = f"{type(error).__name__}: {error}"[:2000]
        if row.attempts >= settings.NOTIFICATIONS_RETRY["max_attempts"]:
            _finish(row, now, status=Status.FAILED, last_error=message)
            return "failed"
        _finish(
            row,
            now,
            status=Status.QUEUED,
            last_error=message,
            next_attempt_at=timezone.now() + retry_delay(row.attempts),
            dispatched_at=None,
            claimed_at=None,
        )
        return "retry"
    _finish(row, now, status=Status.SENT, sent_at=timezone.now(), provider_message_id=provider_id[:100], last_error="")
    return "sent"


def notifications_send(*, ids: Iterable[int]) -> dict[str, int]:
    """Send a batch of messages, each claimed on its own (so each has its own lease); returns the outcomes."""
    ids = list(ids)
    rows = Notification.objects.in_bulk(ids)  # one read for the batch; the claim re-checks each row's state
    outcomes: dict[str, int] = {}
    for notification_id in ids:
        outcome = _send(rows.get(notification_id), now=timezone.now())
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def notifications_dispatch_due(*, now: datetime | None = None, limit: int = 10_000) -> int:
    """The beat sweep: take back rows of dead workers, hand due rows nobody took to the workers.

    Safe to run twice at once: at worst a row is handed out twice, and the
    claim in notification_send lets one worker send it.
    """
    now = now or timezone.now()
    lease_ended = now - timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    stale = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=lease_ended)
    stale.filter(attempts__gte=settings.NOTIFICATIONS_RETRY["max_attempts"]).update(
        status=Status.FAILED, last_error=_("The worker sending this message stopped; given up."), claimed_at=None
    )
    stale.update(status=Status.QUEUED, next_attempt_at=now, dispatched_at=None, claimed_at=None)
    redispatch_before = now - timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER_SECONDS)
    due = list(
        Notification.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=redispatch_before))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    from . import tasks  # tasks import this module

    for chunk in _chunks(due, settings.NOTIFICATIONS_BATCH_SIZE):
        Notification.objects.filter(id__in=chunk, status=Status.QUEUED).update(dispatched_at=now)
        send_task_safely(tasks.send_notifications, chunk)
    return len(due)


@transaction.atomic
def notification_resend(*, notification: Notification) -> Notification:
    """Queue a failed message again (an organizer fixed the address, or the provider is back)."""
    now = timezone.now()
    resent = Notification.objects.filter(id=notification.id, status=Status.FAILED).update(
        status=Status.QUEUED,
        attempts=0,
        permanent_error=False,
        next_attempt_at=now,
        dispatched_at=now,
        claimed_at=None,
    )
    if not resent:
        raise ValidationError({"status": _("Only a failed message can be sent again.")})
    _dispatch_on_commit([notification.id])
    notification.refresh_from_db()
    return notification


# --- People's choices, the inbox -------------------------------------------------------------------


def preference_update(*, user: User, channel: str | None = None, opted_out: list[str] | None = None) -> Preference:
    errors: dict[str, str] = {}
    if channel is not None:
        if channel not in channel_names():
            errors["channel"] = _("Unknown channel.")
        elif channel == "email" and not user.email:
            errors["channel"] = _("Add an e-mail address to your account first.")
    if opted_out is not None:
        unknown = [k for k in opted_out if k not in Kind.values]
        mandatory = [k for k in opted_out if k in MANDATORY_KINDS]
        if unknown:
            errors["opted_out"] = _("Unknown kinds: %(kinds)s") % {"kinds": ", ".join(unknown)}
        elif mandatory:
            errors["opted_out"] = _("Login codes and cancellations are always sent.")
    if errors:
        raise ValidationError(errors)
    preference, _created = Preference.objects.get_or_create(user=user)
    if channel is not None:
        preference.channel = channel
    if opted_out is not None:
        preference.opted_out = sorted(set(opted_out))
    preference.save()
    return preference


def inbox_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one message of the user's inbox read, or all of them; returns how many changed."""
    unread = Notification.objects.filter(user=user, channel="inbox", read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(id=notification_id)
    return unread.update(read_at=timezone.now())


# --- One-time login codes -----------------------------------------------------------------------


class LoginCodeThrottled(Exception):
    def __init__(self, wait_seconds: int):
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


def _code_hash(*, phone: str, code: str, salt: str) -> str:
    digest = salted_hmac("kepu.notifications.login_code", f"{salt}:{phone}:{code}", algorithm="sha256").hexdigest()
    return f"{salt}${digest}"


def _phone_or_error(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except ValueError:
        raise ValidationError({"phone": _("Enter a valid mobile phone number.")}) from None


@transaction.atomic
def login_code_send(
    *,
    phone: str,
    now: datetime | None = None,
    purpose: str = "login",
    association_id: int | None = None,
    language: str | None = None,
) -> None:
    """Send a one-time login code to a volunteer's phone.

    Rate-limited per phone (unknown numbers too, and with the same answer, so
    the form does not tell who is a volunteer). Only the code's hash is kept.

    purpose "register": someone registers with this number (volunteers.services.volunteer_register_start).
    A number Kepu does not know gets a registration code (in `language`); a volunteer's number gets a
    message saying someone tried to register with it, with a code that signs its owner in.
    """
    now = now or timezone.now()
    config = settings.NOTIFICATIONS_LOGIN_CODE
    phone = _phone_or_error(phone)
    recent = LoginCode.objects.filter(phone=phone, created_at__gte=now - timedelta(minutes=config["window_minutes"]))
    latest = recent.order_by("-created_at").first()
    if latest and latest.created_at > now - timedelta(seconds=config["min_interval_seconds"]):
        wait = latest.created_at + timedelta(seconds=config["min_interval_seconds"]) - now
        raise LoginCodeThrottled(int(wait.total_seconds()) + 1)
    if recent.count() >= config["max_per_window"]:
        oldest = recent.order_by("created_at").first()
        wait = (oldest.created_at if oldest else now) + timedelta(minutes=config["window_minutes"]) - now
        raise LoginCodeThrottled(int(wait.total_seconds()) + 1)
    code = f"{secrets.randbelow(10**6):06d}"
    login_code = LoginCode.objects.create(
        phone=phone,
        code_hash=_code_hash(phone=phone, code=code, salt=secrets.token_hex(8)),
        created_at=now,
        expires_at=now + timedelta(minutes=config["ttl_minutes"]),
    )
    volunteer = Volunteer.objects.select_related("user").filter(phone=phone).first()
    if volunteer is not None:
        recipients = _volunteer_recipients([volunteer])
        association_id = volunteer.association_id
        variant = "register_taken" if purpose == "register" else ""
    elif purpose == "register":
        recipients = [Recipient(ref=f"p{phone}", name="", language=language or settings.LANGUAGE_CODE, phone=phone)]
        variant = "register"
    else:
        return
    _notify(
        kind=Kind.LOGIN_CODE,
        recipients=recipients,
        key=f"{login_code.id}",
        context=lambda r: {"code": code, "minutes": config["ttl_minutes"]},
        association_id=association_id,
        now=now,
        variant=variant,
    )


def login_code_check(*, phone: str, code: str, now: datetime | None = None) -> bool:
    """Whether `code` is the phone's latest live code; a right code is used up, a wrong one counts against it."""
    now = now or timezone.now()
    try:
        phone = normalize_phone(phone)
    except ValueError:
        return False
    login_code = (
        LoginCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first()
    )
    if login_code is None or login_code.failed_attempts >= settings.NOTIFICATIONS_LOGIN_CODE["max_attempts"]:
        return False
    salt = login_code.code_hash.split("$", 1)[0]
    if not constant_time_compare(_code_hash(phone=phone, code=str(code).strip(), salt=salt), login_code.code_hash):
        LoginCode.objects.filter(id=login_code.id).update(failed_attempts=F("failed_attempts") + 1)
        return False
    # Single use, also when two requests race with the same code: the conditional UPDATE picks one.
    return bool(LoginCode.objects.filter(id=login_code.id, used_at__isnull=True).update(used_at=now))


def login_code_verify(*, phone: str, code: str, now: datetime | None = None) -> User | None:
    """The volunteer's user if `code` is the phone's latest live code (then used up); None otherwise."""
    if not login_code_check(phone=phone, code=code, now=now):
        return None
    volunteer = Volunteer.objects.select_related("user").filter(phone=normalize_phone(phone)).first()
    return volunteer.user if volunteer else None
