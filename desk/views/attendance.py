"""An event's live attendance: counts refreshing by themselves, the scanner link, the scan log.

The counts page polls `live_counts` (JSON, desk/static/desk/live.js) every few seconds; the endpoint
reads the event as the page does (404 unseen). Reviewing a flagged self check-in goes through
checkin.services.checkin_review, as the API's review action does.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from checkin import selectors, services
from checkin.models import Attendee, CheckIn, ScanLog
from checkin.qr import qr_svg
from events.models import Event
from kepu import access
from kepu.links import public_url

from .common import organizer_required

SCAN_LOG_LENGTH = 50


def live_figures(event: Event) -> dict:
    """What the page shows and the poll answers: the door's totals, by category, by village."""
    counts = selectors.event_counts(event=event)
    groups = selectors.event_counts_by_group(event=event)
    categories = dict(Attendee.Category.choices)
    return {
        "checked_in": counts["checked_in"],
        "registered": counts["registered"],
        "headcount": counts["headcount"],
        "person_times": counts["person_times"],
        "awaiting_review": counts["awaiting_review"],
        "failed_scans": counts["failed_scans"],
        "by_category": [
            {"key": g["category"], "label": str(categories.get(g["category"], g["category"])), "count": g["count"]}
            for g in groups["by_category"]
        ],
        "by_region": [
            {
                "key": str(g["region"] or ""),
                "label": " · ".join(part for part in (g["town"], g["name"]) if part) or _("Village not given"),
                "count": g["count"],
            }
            for g in groups["by_region"]
        ],
    }


@organizer_required
@require_GET
def live(request, event_id: int):
    event = access.access_event_for_read(request.user, event_id)
    event = Event.objects.select_related("venue").get(pk=event.pk)
    failed_only = request.GET.get("failed") == "1"
    log = (
        access.scan_logs_for_read(request.user)
        .filter(event=event)
        .select_related("registration__attendee", "checkin__attendee", "scanned_by")
        .order_by("-received_at", "-id")
    )
    if failed_only:
        log = log.filter(status__in=selectors.FAILED_SCAN_STATUSES)
    held = selectors.checkins_awaiting_review(access.checkins_for_read(request.user), event=event)
    flag_labels = dict(CheckIn.Flag.choices)
    scanner_url = public_url(reverse("checkin:scanner", kwargs={"event_id": event.pk}), request)
    context = {
        "event": event,
        "writable": access.may_write(request.user, event),
        "figures": live_figures(event),
        "counts_url": reverse("desk-event-live-counts", kwargs={"event_id": event.pk}),
        "scanner_url": scanner_url,
        "scanner_qr": qr_svg(scanner_url, border=1),
        "log": [
            {"entry": entry, "failed": entry.status in selectors.FAILED_SCAN_STATUSES}
            for entry in log[:SCAN_LOG_LENGTH]
        ],
        "failed_only": failed_only,
        "held": [
            {
                "checkin": checkin,
                "reasons": [flag_labels.get(code, code) for code in checkin.flag_reasons.split(",") if code],
            }
            for checkin in held
        ],
        "failed_statuses": selectors.FAILED_SCAN_STATUSES,
        "ok_status": ScanLog.Status.OK,
    }
    return render(request, "desk/event_live.html", context)


@never_cache
@organizer_required
@require_GET
def live_counts(request, event_id: int):
    """The live figures as JSON, for the page's poll."""
    event = access.access_event_for_read(request.user, event_id)
    return JsonResponse(live_figures(event))


@organizer_required
@require_POST
def checkin_review(request, event_id: int, pk: int):
    """Accept (the figures count it) or reject (annulled, kept) a self check-in held for review."""
    event = access.access_event_for_write(request.user, event_id)
    checkin = get_object_or_404(access.checkins_for_write(request.user).select_related("attendee"), pk=pk, event=event)
    decision = request.POST.get("decision", "")
    try:
        services.checkin_review(checkin=checkin, decision=decision, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if decision == services.ReviewDecision.ACCEPT:
            messages.success(request, _("%(name)s's check-in is accepted.") % {"name": checkin.attendee.name})
        else:
            messages.success(request, _("%(name)s's check-in is rejected.") % {"name": checkin.attendee.name})
    return redirect(reverse("desk-event-live", kwargs={"event_id": event.pk}) + "#review")


urlpatterns = [
    path("events/<int:event_id>/live/", live, name="desk-event-live"),
    path("events/<int:event_id>/live/counts.json", live_counts, name="desk-event-live-counts"),
    path("events/<int:event_id>/live/checkins/<int:pk>/review/", checkin_review, name="desk-checkin-review"),
]
