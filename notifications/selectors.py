"""Reads of the notifications app (what each user may read is kepu/access.py's to say)."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet

from .models import Notification


def event_notification_summary(*, event_id: int) -> list[dict]:
    """How many messages of each kind went out on each channel, by delivery state."""
    rows = (
        Notification.objects.filter(event_id=event_id)
        .values("kind", "channel", "status")
        .annotate(count=Count("id"))
        .order_by("kind", "channel", "status")
    )
    return [dict(row) for row in rows]


def keys_recorded(*, kind: str, event_ids: Iterable[int]) -> set[str]:
    """The "kind:key" part of the dedupe keys of the events' messages of `kind` (whoever they went to, however).

    One read for a whole sweep: news already recorded is skipped without rendering anything.
    """
    return {
        dedupe_key.rsplit(":", 2)[0]
        for dedupe_key in Notification.objects.filter(kind=kind, event_id__in=set(event_ids)).values_list(
            "dedupe_key", flat=True
        )
    }


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, channel="inbox", status=Notification.Status.SENT).order_by(
        "-created_at", "-id"
    )


def inbox_unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()
