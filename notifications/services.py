"""Writes of the notifications app: the outbox that the other apps hand their messages to.

The outbox knows no other app: each app composes its own messages (what to tell whom, in
which words; e.g. volunteers/messages.py) and calls `notify` with the recipients, the message
and its values, inside its own transaction: the rows are written with the change that causes
them (or not at all), and the workers are nudged after commit. Each row has a unique dedupe
key, so calling twice records one message, and a worker sends a row only after winning a
conditional UPDATE (queued → sending), so two workers, two sweeps or a redelivered task never
send it twice. A worker killed mid-send leaves a 'sending' row whose lease runs out; the sweep
takes it back.
"""

import logging
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.queue import enqueue_on_commit, send_task_safely

from .channels import PermanentError, TransientError, channel_names, get_channel
from .messages import Message, render
from .models import MANDATORY_KINDS, Kind, Notification, Preference

logger = logging.getLogger(__name__)

Status = Notification.Status

# Sent by SMS only, whatever the recipient prefers: they go to a phone number, and are about that number.
SMS_ONLY_KINDS = (Kind.LOGIN_CODE, Kind.VOLUNTEER_INVITATION)


# --- Who gets a message, and how ----------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Whom to tell: the sending app fills in who they are; the outbox adds their preferences (by user_id)."""

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


def _with_preferences(recipients: list[Recipient]) -> list[Recipient]:
    """The recipients with an account, with their preferred channel and the kinds they opted out of."""
    preferences = _preferences_of({r.user_id for r in recipients if r.user_id is not None})
    chosen = []
    for recipient in recipients:
        preference = preferences.get(recipient.user_id) if recipient.user_id is not None else None
        if preference is not None:
            recipient = replace(
                recipient, preferred_channel=preference.channel, opted_out=frozenset(preference.opted_out)
            )
        chosen.append(recipient)
    return chosen


def _channels_for(recipient: Recipient, kind: str) -> list[str]:
    available = channel_names()
    if kind in SMS_ONLY_KINDS:
        return ["sms"]
    if recipient.user_id is None:  # no account (an attendee): whatever addresses we have
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


def notify(
    *,
    kind: str,
    recipients: list[Recipient],
    key: str,
    message: Message,
    context: dict[str, Any] | Callable[[Recipient], dict[str, Any]],
    event_id: int | None = None,
    association_id: int | None = None,
    starts_at: datetime | None = None,
    extra: dict | None = None,
    now: datetime | None = None,
) -> int:
    """Record `message` for each recipient and channel, skipping those already recorded; returns how many were new.

    `key` identifies the news (the dedupe key is kind:key:recipient:channel); `context` holds the values
    of the message's placeholders, or gives them per recipient; `starts_at` (when what it is about
    begins) makes it urgent when the quiet hours would hold it too long.
    """
    now = now or timezone.now()
    recipients = _with_preferences(recipients)
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
        values = context(recipient) if callable(context) else context
        memo = (recipient.language, tuple(sorted((k, repr(v)) for k, v in values.items())))
        if memo not in rendered:  # one event's cancellation renders once per language, not 5,000 times
            rendered[memo] = render(message, recipient.language, values)
        subject, body = rendered[memo]
        row = Notification(
            kind=kind,
            channel=channel,
            association_id=association_id,
            event_id=event_id,
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


def queued_cancel(
    *,
    reason: str,
    event_id: int | None = None,
    kind: str | None = None,
    except_kind: str | None = None,
    key_prefix: str = "",
) -> int:
    """Cancel the messages still queued (of an event, of a kind, whose key starts so); returns how many."""
    queued = Notification.objects.filter(status=Status.QUEUED)
    if event_id is not None:
        queued = queued.filter(event_id=event_id)
    if kind is not None:
        queued = queued.filter(kind=kind)
    if except_kind is not None:
        queued = queued.exclude(kind=except_kind)
    if key_prefix:
        queued = queued.filter(dedupe_key__startswith=f"{kind}:{key_prefix}" if kind else key_prefix)
    return queued.update(status=Status.CANCELLED, last_error=reason)


def _record(rows: list[Notification], *, now: datetime) -> int:
    """Insert the rows (a concurrent duplicate is skipped by the unique key) and nudge a worker after commit."""
    if not rows:
        return 0
    for row in rows:
        if row.status == Status.QUEUED and row.next_attempt_at <= now:
            row.dispatched_at = now
    if connection.vendor == "postgresql" and len(rows) <= 500:
        # One statement, all or nothing by itself: no savepoint (two more trips on a sign-up's path).
        _dispatch_on_commit(_insert_returning_due(rows))
        return len(rows)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            due_ids = _insert_returning_due(rows)
        else:
            Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
            # ignore_conflicts leaves the ids unset: find the rows this call inserted by key and time.
            due_keys = [r.dedupe_key for r in rows if r.dispatched_at]
            due_ids = []
            for chunk in _chunks(due_keys, 900):
                due_ids += Notification.objects.filter(
                    dedupe_key__in=chunk, created_at=now, status=Status.QUEUED
                ).values_list("id", flat=True)
        _dispatch_on_commit(due_ids)
    return len(rows)


def _insert_returning_due(rows: list[Notification]) -> list[int]:
    """PostgreSQL: insert the rows, a concurrent duplicate skipped, and return the ids of those inserted that
    are due now, in one statement per 500 rows (`INSERT … ON CONFLICT DO NOTHING RETURNING`). The ORM's
    bulk_create returns no ids with ignore_conflicts, and reading them back cost a sign-up two more trips."""
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    one_row = f"({', '.join(['%s'] * len(fields))})"
    due_ids: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 500):
            params = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for row in chunk for f in fields]
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(Notification._meta.db_table)} ({columns}) "
                f"VALUES {', '.join([one_row] * len(chunk))} "
                f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name('id')}, "
                f"{connection.ops.quote_name('dispatched_at')} IS NOT NULL",
                params,
            )
            due_ids += [row_id for row_id, due in cursor.fetchall() if due]
    return due_ids


def _dispatch_on_commit(ids: list[int]) -> None:
    from . import tasks  # tasks import this module

    for chunk in _chunks(sorted(ids), settings.NOTIFICATIONS_BATCH_SIZE):
        enqueue_on_commit(tasks.send_notifications, chunk)


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
