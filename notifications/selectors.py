"""Reads of the notifications app (what each user may read is kepu/access.py's to say)."""

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet

from checkin.models import Registration
from events.models import Event

from .models import Notification


def event_notification_summary(*, event: Event) -> list[dict]:
    """How many messages of each kind went out on each channel, by delivery state."""
    rows = (
        Notification.objects.filter(event=event)
        .values("kind", "channel", "status")
        .annotate(count=Count("id"))
        .order_by("kind", "channel", "status")
    )
    return [dict(row) for row in rows]


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, channel="inbox", status=Notification.Status.SENT).order_by(
        "-created_at", "-id"
    )


def inbox_unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


def ticket_for_code(code: str) -> Registration | None:
    """The live event registration a ticket link names; whoever holds the code holds the ticket."""
    return (
        Registration.objects.select_related("attendee", "event__venue")
        .filter(code=code, revoked_at__isnull=True, event__isnull=False)
        .first()
    )
