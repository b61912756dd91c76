"""What check-in tells attendees, in which words: the registration SMS with its ticket link.

The notifications outbox sends it (notifications.services.notify); an attendee has no account and
no language of their own, so they are told in the site's language.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from events.models import Event
from notifications.messages import Message
from notifications.models import Kind
from notifications.services import Recipient, notify

from .models import Attendee, Registration

REGISTRATION = Message(
    _("Your ticket: %(event)s"),
    _("%(name)s, you are registered for “%(event)s”, %(when)s, %(venue)s. Your ticket: %(ticket)s"),
)


def attendee_recipient(attendee: Attendee, email: str = "") -> Recipient:
    # Attendees have no account and no language of their own: the site's language.
    return Recipient(
        ref=f"a{attendee.id}",
        name=attendee.name,
        language=settings.LANGUAGE_CODE,
        phone=attendee.phone,
        email=email,
        attendee_id=attendee.id,
    )


def event_attendee_recipients(event: Event) -> list[Recipient]:
    """Everyone registered for the event (live registrations) who left a phone number."""
    attendees = (
        Attendee.objects.filter(registrations__event=event, registrations__revoked_at__isnull=True)
        .exclude(phone="")
        .distinct()
        .order_by("id")
    )
    return [attendee_recipient(a) for a in attendees]


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
    return notify(
        kind=Kind.REGISTRATION,
        recipients=[attendee_recipient(attendee, email=email)],
        key=f"{registration.id}",
        message=REGISTRATION,
        context=values,
        event_id=event.id,
        association_id=event.association_id,
        starts_at=event.starts_at,
        extra={"ticket_code": registration.code},
    )
