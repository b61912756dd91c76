"""What the volunteers app tells volunteers, in which words: sign-ups, shift reminders, invitations.

The notifications outbox records and sends the messages (notifications.services.notify), in the
volunteer's language and on the channel they prefer; it knows nothing of shifts or sign-ups.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Event
from notifications import selectors as notification_selectors
from notifications.messages import Message
from notifications.models import Kind
from notifications.services import Recipient, notify, queued_cancel

from .models import Shift, SignUp, Volunteer, VolunteerInvitation
from .selectors import waitlist_position

SIGNUP_CONFIRMED = Message(
    gettext_lazy("You are confirmed: %(event)s"),
    gettext_lazy("%(name)s, you are confirmed as %(role)s at “%(event)s”, %(when)s, %(venue)s. Thank you!"),
)
SIGNUP_WAITLISTED = Message(
    gettext_lazy("You are on the waiting list: %(event)s"),
    gettext_lazy(
        "%(name)s, the shift %(role)s at “%(event)s” (%(when)s) is full. You are number %(position)s on the "
        "waiting list; we will tell you when a place opens."
    ),
)
SIGNUP_PROMOTED = Message(
    gettext_lazy("A place opened for you: %(event)s"),
    gettext_lazy("%(name)s, a place opened: you are now confirmed as %(role)s at “%(event)s”, %(when)s, %(venue)s."),
)
SIGNUP_REMOVED = Message(
    gettext_lazy("Your sign-up was removed: %(event)s"),
    gettext_lazy("%(name)s, the organizer removed your sign-up as %(role)s at “%(event)s” (%(when)s)."),
)
SHIFT_REMINDER = Message(
    gettext_lazy("Reminder: %(event)s"),
    gettext_lazy("%(name)s, a reminder: your shift as %(role)s at “%(event)s” starts %(when)s at %(venue)s."),
)
# The same text whether the number is new to Kepu or a volunteer elsewhere: the link's page tells them apart.
VOLUNTEER_INVITATION = Message(
    gettext_lazy("Invitation to volunteer: %(association)s"),
    gettext_lazy(
        "%(name)s, %(association)s invites you to volunteer with it. Open %(url)s to accept "
        "(valid until %(expires)s). If you did not expect this, ignore this message."
    ),
)

# What happened to a sign-up → (kind, words).
SIGNUP_MESSAGES = {
    "confirmed": (Kind.SIGNUP_CONFIRMED, SIGNUP_CONFIRMED),
    "waitlisted": (Kind.SIGNUP_WAITLISTED, SIGNUP_WAITLISTED),
    "promoted": (Kind.SIGNUP_PROMOTED, SIGNUP_PROMOTED),
    "removed": (Kind.SIGNUP_REMOVED, SIGNUP_REMOVED),
}


# --- Whom to tell --------------------------------------------------------------------------------


def volunteer_recipient(volunteer: Volunteer) -> Recipient:
    """A volunteer, told in their language; the outbox adds the channel they prefer (by their user)."""
    return Recipient(
        ref=f"v{volunteer.id}",
        name=volunteer.name,
        language=volunteer.language or settings.LANGUAGE_CODE,
        phone=volunteer.phone,
        email=volunteer.user.email,
        user_id=volunteer.user_id,
        volunteer_id=volunteer.id,
    )


def event_volunteer_recipients(event: Event) -> list[Recipient]:
    """The volunteers confirmed on a shift of the event."""
    volunteers = (
        Volunteer.objects.filter(signups__shift__event=event, signups__status=SignUp.Status.CONFIRMED)
        .select_related("user")
        .distinct()
        .order_by("id")
    )
    return [volunteer_recipient(v) for v in volunteers]


# --- Sign-ups and invitations ---------------------------------------------------------------------


def notify_signup(*, signup: SignUp, kind: str, position: int | None = None) -> int:
    """Tell a volunteer about their sign-up: kind is confirmed, waitlisted (with position), promoted or removed."""
    if kind not in SIGNUP_MESSAGES:
        raise ValueError(f"unknown sign-up notification {kind!r}; one of {sorted(SIGNUP_MESSAGES)}")
    shift = signup.shift
    event = shift.event
    if kind == "waitlisted" and position is None:
        position = waitlist_position(signup)
    volunteer = signup.volunteer if SignUp.volunteer.is_cached(signup) else None
    if volunteer is None or not Volunteer.user.is_cached(volunteer):  # the sign-up path has both at hand
        volunteer = Volunteer.objects.select_related("user").get(id=signup.volunteer_id)
    if kind == "removed":  # no reminder for a shift they no longer have
        queued_cancel(kind=Kind.SHIFT_REMINDER, key_prefix=f"{signup.id}:", reason=_("The sign-up was removed."))
    values = {
        "event": event.title,
        "role": Shift.Role(shift.role).label,
        "when": shift.starts_at,
        "venue": event.venue.name,
        "position": position or "",
    }
    notification_kind, message = SIGNUP_MESSAGES[kind]
    return notify(
        kind=notification_kind,
        recipients=[volunteer_recipient(volunteer)],
        # The shift is part of the key: a volunteer moved to another shift is told again.
        key=f"{signup.id}:{shift.id}",
        message=message,
        context=lambda r: {**values, "name": r.name},
        event_id=event.id,
        association_id=event.association_id,
        starts_at=shift.starts_at,
    )


def join_url(token: str) -> str:
    return settings.NOTIFICATIONS_JOIN_URL.format(token=token)


def notify_volunteer_invitation(*, invitation: VolunteerInvitation, token: str) -> int:
    """Send an organizer's invitation to its phone number, with the link that accepts it.

    Addressed to the number, never to a volunteer who may hold it: the row (which the inviting
    association's organizers can list) looks the same for a new number and a taken one.
    """
    values: dict[str, Any] = {
        "name": invitation.name,
        "association": invitation.association.name,
        "url": join_url(token),
        "expires": invitation.expires_at,
    }
    return notify(
        kind=Kind.VOLUNTEER_INVITATION,
        recipients=[
            Recipient(
                ref=f"p{invitation.phone}", name=invitation.name, language=invitation.language, phone=invitation.phone
            )
        ],
        key=f"{invitation.id}",
        message=VOLUNTEER_INVITATION,
        context=values,
        association_id=invitation.association_id,
    )


# --- Reminders ----------------------------------------------------------------------------------


def _with_recipient_name(values: dict[str, Any]) -> Callable[[Recipient], dict[str, Any]]:
    """The message's values with each recipient's own name: bound to these values, not to a loop's last ones."""
    return lambda recipient: {**values, "name": recipient.name}


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
        signups = list(
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
        # One read for the whole window: a sign-up already reminded is skipped without rendering anything.
        done = notification_selectors.keys_recorded(
            kind=Kind.SHIFT_REMINDER, event_ids={s.shift.event_id for s in signups}
        )
        for signup in signups:
            shift, event = signup.shift, signup.shift.event
            key = f"{signup.id}:{minutes}:{int(shift.starts_at.timestamp())}"
            if f"{Kind.SHIFT_REMINDER}:{key}" in done:
                continue
            values = {
                "event": event.title,
                "role": Shift.Role(shift.role).label,
                "when": shift.starts_at,
                "venue": event.venue.name,
            }
            recorded += notify(
                kind=Kind.SHIFT_REMINDER,
                recipients=[volunteer_recipient(signup.volunteer)],
                key=key,  # the start time is in it: a shift that moves is reminded of again
                message=SHIFT_REMINDER,
                context=_with_recipient_name(values),
                event_id=event.id,
                association_id=event.association_id,
                starts_at=shift.starts_at,
                now=now,
            )
    return recorded
