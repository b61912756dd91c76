"""The attendee's ticket page, opened from the link in the registration SMS (checkin/messages.py)."""

from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from . import selectors
from .qr import qr_svg


@require_GET
def ticket(request, code: str):
    """The attendee's QR ticket; no login (the code is the key)."""
    registration = selectors.ticket_for_code(code)
    if registration is None:
        raise Http404
    context = {
        "registration": registration,
        "event": registration.event,
        "qr": mark_safe(qr_svg(registration.code)),  # generated SVG markup, no user input
    }
    return render(request, "checkin/ticket.html", context)
