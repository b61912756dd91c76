"""The volunteer's inbox on the phone pages, and the attendee's ticket that the registration SMS links to."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from checkin.qr import qr_svg

from . import selectors, services


@login_required(login_url="v-login")
def inbox(request):
    messages = list(selectors.inbox_of(request.user)[:100])
    context = {"messages": messages, "unread": selectors.inbox_unread_count(request.user)}
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def inbox_read(request, notification_id: int):
    services.inbox_mark_read(user=request.user, notification_id=notification_id)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    services.inbox_mark_read(user=request.user)
    return redirect("inbox")


@require_GET
def ticket(request, code: str):
    """The attendee's QR ticket, opened from the link in the registration SMS; no login (the code is the key)."""
    registration = selectors.ticket_for_code(code)
    if registration is None:
        raise Http404
    context = {
        "registration": registration,
        "event": registration.event,
        "qr": mark_safe(qr_svg(registration.code)),  # generated SVG markup, no user input
    }
    return render(request, "notifications/ticket.html", context)
