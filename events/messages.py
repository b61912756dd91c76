"""What the events app tells the people of an event, in which words: it changed, or it is cancelled.

Everyone concerned hears it: the volunteers confirmed on its shifts and the attendees registered
for it. The notifications outbox records and sends the messages (notifications.services.notify).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checkin.messages import event_attendee_recipients
from notifications.messages import Message
from notifications.models import Kind
from notifications.services import Recipient, notify, queued_cancel
from volunteers.messages import event_volunteer_recipients

from .models import Event

EVENT_CHANGED = Message(
    gettext_lazy("Changed: %(event)s"),
    gettext_lazy("“%(event)s” has changed. %(changes)s"),
)
EVENT_CANCELLED = Message(
    gettext_lazy("Cancelled: %(event)s"),
    gettext_lazy("“%(event)s” (%(when)s, %(venue)s) has been cancelled. We are sorry for the trouble."),
)

CHANGE_LABELS: dict[str, Promise] = {
    "starts_at": gettext_lazy("Start: %(old)s → %(new)s."),
    "ends_at": gettext_lazy("End: %(old)s → %(new)s."),
    "venue": gettext_lazy("Venue: %(old)s → %(new)s."),
}


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return str(value)


@dataclass(frozen=True)
class Changes:
    """What changed, field → (old, new); as text, 'Start: … → …. Venue: … → ….' in the active language.

    The outbox renders it in each recipient's language (its str()), and tells apart the messages
    of one call by its repr().
    """

    changes: dict[str, tuple[Any, Any]]

    def __str__(self) -> str:
        return " ".join(
            str(CHANGE_LABELS[field]) % {"old": _text(old), "new": _text(new)}
            for field, (old, new) in self.changes.items()
            if field in CHANGE_LABELS
        )


def _event_recipients(event: Event) -> list[Recipient]:
    return event_volunteer_recipients(event) + event_attendee_recipients(event)


def notify_event_changed(*, event: Event, changes: dict[str, tuple[Any, Any]]) -> int:
    """Tell every confirmed volunteer and registered attendee what changed (starts_at, ends_at, venue)."""
    changes = {name: (old, new) for name, (old, new) in changes.items() if name in CHANGE_LABELS and old != new}
    if not changes:
        return 0
    # One message per saved change: the same call twice dedupes, a later change is news again.
    fingerprint = repr(sorted((name, str(new)) for name, (old, new) in changes.items()))
    fingerprint += str(event.updated_at.isoformat() if event.updated_at else "")
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    return notify(
        kind=Kind.EVENT_CHANGED,
        recipients=_event_recipients(event),
        key=f"{event.id}:{digest}",
        message=EVENT_CHANGED,
        context={"event": event.title, "changes": Changes(changes)},
        event_id=event.id,
        association_id=event.association_id,
        starts_at=event.starts_at,
    )


def notify_event_cancelled(*, event: Event) -> int:
    """Tell every confirmed volunteer and registered attendee that the event is off; drop its pending messages."""
    queued_cancel(event_id=event.id, except_kind=Kind.EVENT_CANCELLED, reason=_("The event was cancelled."))
    return notify(
        kind=Kind.EVENT_CANCELLED,
        recipients=_event_recipients(event),
        key=f"{event.id}",
        message=EVENT_CANCELLED,
        context={"event": event.title, "when": event.starts_at, "venue": event.venue.name},
        event_id=event.id,
        association_id=event.association_id,
        starts_at=event.starts_at,
    )
