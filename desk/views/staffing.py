"""An event's staffing: the roster with fill rates, attendance and hours, messages and their delivery.

A page that reads: the actions (add, move, mark attendance, confirm hours, resend) stay where they are
(the roster page /v/org/…, the admin's resend), linked from here for those who may change the event.
"""

from decimal import Decimal

from django.db.models import Count
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from events.models import Event
from kepu import access
from kepu.phones import mask_phone
from notifications.channels import channel_label
from notifications.models import Kind, Notification
from volunteers import selectors as volunteer_selectors
from volunteers.models import SignUp

from .common import organizer_required

# The messages about the event's shifts and its volunteers (not the attendees' tickets, not login codes).
STAFF_KINDS = (
    Kind.SIGNUP_CONFIRMED,
    Kind.SIGNUP_WAITLISTED,
    Kind.SIGNUP_PROMOTED,
    Kind.SIGNUP_REMOVED,
    Kind.SHIFT_REMINDER,
    Kind.EVENT_CHANGED,
    Kind.EVENT_CANCELLED,
)
MESSAGES_SHOWN = 100
STATUS_TAGS: dict[str, str] = {
    Notification.Status.SENT: "ok",
    Notification.Status.FAILED: "bad",
    Notification.Status.QUEUED: "warn",
    Notification.Status.SENDING: "warn",
}


def _staff_messages(user, event: Event):
    return (
        access.notifications_for_read(user)
        .filter(event=event, kind__in=STAFF_KINDS)
        .exclude(volunteer__isnull=True)
        .select_related("volunteer")
    )


def _plain(hours: Decimal | None) -> str:
    """2.5 and 10, not 2.50 and 10.00 (nor 1E+1)."""
    return "" if hours is None else f"{hours.normalize():f}"


def _shift_rows(rosters) -> list[dict]:
    rows = []
    for roster in rosters:
        signups = roster.signups  # places held (no-shows included: they held one) and the waitlist
        for signup in signups:
            signup.hours_text = _plain(signup.hours)
        attended = [s for s in signups if s.status == SignUp.Status.ATTENDED]
        rows.append(
            {
                "shift": roster.shift,
                "confirmed": roster.confirmed,
                "capacity": roster.shift.capacity,
                "fill_rate": roster.fill_rate,
                "full": roster.confirmed >= roster.shift.capacity,
                "waitlisted": len(roster.waitlisted),
                "attended": len(attended),
                "no_show": sum(s.status == SignUp.Status.NO_SHOW for s in signups),
                "hours": sum((s.hours or Decimal(0) for s in attended), Decimal(0)),
                "signups": sorted(signups, key=lambda s: (_STATUS_ORDER.get(s.status, 9), s.created_at, s.id)),
            }
        )
    return rows


_STATUS_ORDER = {"attended": 0, "confirmed": 1, "no_show": 2, "waitlisted": 3}


@organizer_required
@require_GET
def staffing(request, event_id: int):
    event = access.access_event_staff(request.user, event_id)
    rosters = volunteer_selectors.roster_of(event)
    shifts = _shift_rows(rosters)
    staff_messages = _staff_messages(request.user, event)
    by_status = dict(staff_messages.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    messages_list = list(staff_messages.order_by("-created_at", "-id")[:MESSAGES_SHOWN])
    labels: dict[str, str] = {}
    for message in messages_list:
        message.channel_name = labels.setdefault(message.channel, channel_label(message.channel))
        message.masked_address = mask_phone(message.address) if message.address.startswith("+") else message.address
        message.tag = STATUS_TAGS.get(message.status, "")
    for row in shifts:
        row["hours_text"] = _plain(row["hours"])
    hours = sum((r["hours"] for r in shifts), Decimal(0))
    context = {
        "event": event,
        "can_write": access.may_write(request.user, event),
        "shifts": shifts,
        "fill_rate": volunteer_selectors.event_fill_rate(rosters),
        "totals": {
            "confirmed": sum(r["confirmed"] for r in shifts),
            "capacity": sum(r["capacity"] for r in shifts),
            "attended": sum(r["attended"] for r in shifts),
            "no_show": sum(r["no_show"] for r in shifts),
            "hours": hours,
            "hours_text": _plain(hours),
        },
        "message_states": [
            {"status": value, "label": label, "count": by_status.get(value, 0), "tag": STATUS_TAGS.get(value, "")}
            for value, label in Notification.Status.choices
            if by_status.get(value)
        ],
        "message_total": sum(by_status.values()),
        "staff_messages": messages_list,
        "messages_shown": MESSAGES_SHOWN,
    }
    return render(request, "desk/staffing.html", context)


urlpatterns: list = [
    path("events/<int:event_id>/staffing/", staffing, name="desk-event-staffing"),
]
