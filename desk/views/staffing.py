"""An event's staffing: the roster with fill rates, attendance and hours, messages and their delivery.

A page that reads: the actions (add, move, mark attendance, confirm hours, resend) stay where they are
(the roster page /v/org/…, the admin's resend), linked from here for those who may change the event.
"""

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


@organizer_required
@require_GET
def staffing(request, event_id: int):
    event = access.access_event_staff(request.user, event_id)
    rosters = volunteer_selectors.roster_of(event)
    staff_messages = _staff_messages(request.user, event)
    by_status = dict(staff_messages.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    messages_list = list(staff_messages.order_by("-created_at", "-id")[:MESSAGES_SHOWN])
    labels: dict[str, str] = {}
    for message in messages_list:
        message.channel_name = labels.setdefault(message.channel, channel_label(message.channel))
        message.masked_address = mask_phone(message.address) if message.address.startswith("+") else message.address
        message.tag = STATUS_TAGS.get(message.status, "")
    context = {
        "event": event,
        "can_write": access.may_write(request.user, event),
        "shifts": rosters,
        "totals": volunteer_selectors.staffing_totals(rosters),
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
