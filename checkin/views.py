"""Pages of check-in: the scanner at the door, self check-in from the poster, printable tickets and poster."""

import json
import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from events.models import Event, Organization, Region
from events.selectors import grassroots_regions_of, region_descendant_ids
from kepu import access, privacy
from kepu.links import public_url

from . import selectors, services
from .forms import SelfCheckInForm, posted_location
from .models import Attendee, PosterCode
from .qr import qr_svg

REMEMBER_COOKIE = "kepu_attendee"
DEVICE_COOKIE = "kepu_device"
REMEMBER_SALT = "checkin.self.attendee"
DEVICE_SALT = "checkin.self.device"
REMEMBER_SECONDS = 2 * 365 * 24 * 3600
TICKETS_PER_PAGE = (8, 12, 24)


# --- the scanner ---------------------------------------------------------------------------------


@login_required(login_url="v-login")  # mostly volunteers on phones; the page links organizers to theirs
@ensure_csrf_cookie
def scanner(request, event_id: int):
    """The door: camera scanning, manual entry, search, live count; works offline after the first visit."""
    event = get_object_or_404(Event.objects.select_related("venue"), pk=event_id)
    if not access.may_scan(request.user, event):
        raise PermissionDenied(_("Only organizers and volunteers on duty at this event may scan."))
    config = {
        "event": event.id,
        "scanUrl": reverse("api:checkin-scan"),
        "batchUrl": reverse("api:checkin-batch"),
        "searchUrl": reverse("api:checkin-search"),
        "countsUrl": reverse("api:event-attendance", kwargs={"event_id": event.id}),
        "headcountsUrl": reverse("api:event-headcounts", kwargs={"event_id": event.id}),
        "annulUrl": reverse("api:checkin-annul", kwargs={"pk": 0}),
        "swUrl": reverse("checkin:scanner-sw"),
        "jsqrUrl": static("checkin/vendor/jsQR.js"),
        "i18n": {
            "ok": _("Checked in"),
            "already_checked_in": _("Already checked in"),
            "invalid": _("Invalid code"),
            "wrong_event": _("Another event"),
            "outside_window": _("Not open now"),
            "revoked": _("Revoked"),
            "queued": _("Saved on this phone; it will be sent when the network is back."),
            "queuedTitle": _("Saved offline"),
            "pending": _("waiting to sync"),
            "synced": _("Synced"),
            "offline": _("Offline"),
            "online": _("Online"),
            "noCamera": _("No camera: type the code or search by name."),
            "annulled": _("Check-in annulled."),
            "searchHint": _("Type at least 2 characters of the name or 4 digits of the phone."),
            "checkedIn": _("checked in"),
            "headcountSaved": _("Headcount saved."),
            "error": _("Something went wrong; try again."),
            "firstAt": _("First check-in at %(time)s"),
        },
    }
    return render(request, "checkin/scanner.html", {"event": event, "config": config})


@never_cache
def service_worker(request):
    """The scanner's service worker, served from /scan/ so that it controls the scanner pages."""
    assets = [static("checkin/scanner.js"), static("checkin/scanner.css"), static("checkin/vendor/jsQR.js")]
    body = render(request, "checkin/sw.js", {"assets_json": json.dumps(assets)}).content
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/scan/"
    return response


# --- self check-in ----------------------------------------------------------------------------


def _remembered_attendee(request, association_id: int) -> Attendee | None:
    try:
        attendee_id = signing.loads(
            request.COOKIES.get(REMEMBER_COOKIE, ""), salt=REMEMBER_SALT, max_age=REMEMBER_SECONDS
        )
    except signing.BadSignature:
        return None
    return selectors.attendee_of_association(attendee_id=attendee_id, association_id=association_id)


def _device_id(request) -> str:
    """This phone's id, from the signed cookie this page set; a new one for a client without (a valid) one."""
    try:
        return signing.loads(request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT, max_age=REMEMBER_SECONDS)
    except signing.BadSignature:
        return secrets.token_urlsafe(12)


def self_checkin(request, code: str):
    """/c/<poster code>/: the attendee's one-screen check-in (one tap when the phone remembers them)."""
    poster = PosterCode.objects.select_related("event__venue", "event__association__region").filter(code=code).first()
    if poster is None:
        raise Http404
    event = poster.event
    remembered = _remembered_attendee(request, event.association_id)
    regions = Region.objects.filter(id__in=region_descendant_ids(event.association.region)).exclude(
        level__in=[Region.Level.COUNTY, Region.Level.PREFECTURE]
    )
    regions = regions.order_by("level", "name")
    context: dict[str, Any] = {"event": event, "remembered": remembered, "refused": None, "limit": None, "done": None}
    device_id = _device_id(request)
    if poster.retired_at is not None:
        context["refused"] = "retired"
    form = SelfCheckInForm(regions=regions)
    if request.method == "POST" and context["refused"] is None:
        use_remembered = remembered is not None and request.POST.get("me") == "1"
        form = SelfCheckInForm(request.POST, regions=regions)
        if use_remembered or form.is_valid():
            fields = {} if use_remembered else dict(form.cleaned_data)
            try:
                context["done"] = services.self_checkin(
                    poster=poster,
                    device_id=device_id,
                    ip=request.META.get("REMOTE_ADDR"),
                    attendee=remembered if use_remembered else None,
                    location=posted_location(request.POST),
                    **fields,
                )
            except services.SelfCheckInRefused as refused:
                context["refused"], context["limit"] = refused.code, refused.limit
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
    elif context["refused"] is None:
        opens, closes = event.checkin_window
        if not opens <= timezone.now() <= closes:
            context["refused"] = "outside_window"
    context["form"] = form
    context["opens"], context["closes"] = event.checkin_window
    # The page asks the phone where it is only where there is a venue to compare with.
    context["asks_location"] = event.venue.latitude is not None and event.venue.longitude is not None
    context["retention_days"] = privacy.retention_days()  # said in the privacy notice above the consent box
    response = render(request, "checkin/self_checkin.html", context)
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(device_id, salt=DEVICE_SALT),
        max_age=REMEMBER_SECONDS,
        httponly=True,
        samesite="Lax",
    )
    if context["done"]:
        response.set_cookie(
            REMEMBER_COOKIE,
            signing.dumps(context["done"].attendee.id, salt=REMEMBER_SALT),
            max_age=REMEMBER_SECONDS,
            httponly=True,
            samesite="Lax",
        )
    return response


# --- printables (organizers) ----------------------------------------------------------------------


def _organizer_event(request, event_id: int) -> Event:
    """The event, to print for (a prefecture prints its counties' too: printing changes nothing)."""
    if not access.is_organizer(request.user):
        raise PermissionDenied(_("Only organizers may do this."))
    return access.access_event_for_read(request.user, event_id)


@login_required
def tickets(request, event_id: int):
    """A4 sheets of tickets (name, event, QR) for the event's registrations, optionally one school or village.

    Inline SVG codes: 300 tickets render in about a second, so no background task is needed.
    """
    event = _organizer_event(request, event_id)
    registrations = (
        access.registrations_for_read(request.user)
        .filter(event=event, revoked_at__isnull=True)
        .order_by("attendee__school__name", "attendee__region__name", "attendee__name", "id")
    )
    school = request.GET.get("school")
    region = request.GET.get("region")
    if school and school.isdigit():
        registrations = registrations.filter(attendee__school_id=int(school))
    if region and region.isdigit():
        registrations = registrations.filter(attendee__region_id__in=region_descendant_ids(Region(id=int(region))))
    try:
        per_page = int(request.GET.get("per_page", 12))
    except ValueError:
        per_page = 12
    per_page = per_page if per_page in TICKETS_PER_PAGE else 12
    tickets = [{"registration": r, "qr": qr_svg(r.code, border=1)} for r in registrations.select_related("attendee")]
    pages = [tickets[i : i + per_page] for i in range(0, len(tickets), per_page)]
    columns = {8: 2, 12: 3, 24: 4}[per_page]
    return render(
        request,
        "checkin/tickets.html",
        {
            "event": event,
            "pages": pages,
            "count": len(tickets),
            "per_page": per_page,
            "columns": columns,
            "rows": per_page // columns,
            "schools": Organization.objects.filter(association_id=event.association_id, kind="school"),
            # Grouped by town in the select: a county's village names repeat from town to town.
            "villages": grassroots_regions_of(event.association.region)
            .select_related("parent")
            .order_by("parent__name", "name")
            if event.association.region_id
            else [],
        },
    )


def _poster_code(user, event: Event) -> PosterCode:
    """The event's live poster code. Made on first use by an organizer who changes the event; one who only
    reads it (a prefecture) is shown the code there is, and reading writes nothing."""
    if access.may_write(user, event):
        return services.poster_code_for(event=event)
    code = access.poster_codes_for_read(user).filter(event=event, retired_at__isnull=True).first()
    if code is None:
        raise Http404(_("This event has no self check-in code yet."))
    return code


@require_GET
@login_required
def poster(request, event_id: int):
    """A printable A4 poster for self check-in: event, time, venue and a large QR of /c/<poster code>/."""
    event = _organizer_event(request, event_id)
    code = _poster_code(request.user, event)
    url = public_url(reverse("checkin:self", kwargs={"code": code.code}), request)
    return render(request, "checkin/poster.html", {"event": event, "url": url, "qr": qr_svg(url, border=1)})
