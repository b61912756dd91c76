"""An event's registrations: add, import, tickets, poster, revoke, the self check-in code.

Reads go through kepu.access (404 for an event the user may not see, 403 for a write to one they only
read: a prefecture organizer sees its counties' pages without their buttons); writes go through
checkin.services, as the API's do.
"""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from checkin import services
from checkin.models import Attendee, CheckIn, PosterCode
from checkin.qr import qr_svg
from events.models import Event, Organization, Region
from events.selectors import grassroots_regions_of
from kepu import access, phones
from kepu.links import public_url
from kepu.text import NameFormField
from kepu.widgets import TownVillageField

from .common import organizer_required

PER_PAGE = 50


def place_field(event: Event, **kwargs) -> forms.Field:
    """The attendee's village or community, town first (kepu.widgets)."""
    queryset = grassroots_regions_of(event.association.region) if event.association.region_id else Region.objects.none()
    field = TownVillageField(queryset=queryset)
    field.required = False
    for name, value in kwargs.items():
        setattr(field, name, value)
    return field


class RegistrationForm(forms.Form):
    """One person registered by hand. No category is preset: the organizer says which."""

    name = NameFormField(label=pgettext_lazy("desk", "Name"), max_length=50)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", "—"), *Attendee.Category.choices], required=True
    )
    phone = forms.CharField(label=gettext_lazy("Mobile phone (optional)"), max_length=30, required=False)
    school = forms.ModelChoiceField(
        label=gettext_lazy("School (optional)"), queryset=Organization.objects.none(), required=False
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = place_field(event, label=_("Village or community (optional)"))
        self.order_fields(["name", "category", "region", "phone", "school"])
        cast(forms.ModelChoiceField, self.fields["school"]).queryset = Organization.objects.filter(
            association_id=event.association_id, kind=Organization.Kind.SCHOOL
        ).order_by("name")
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "autofocus": True})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Class or village list (.xlsx or .csv)"))
    category = forms.ChoiceField(
        label=gettext_lazy("Category of rows without one"),
        choices=[("", "—"), *Attendee.Category.choices],
        required=False,
    )
    school = forms.ModelChoiceField(
        label=gettext_lazy("School of rows without one"), queryset=Organization.objects.none(), required=False
    )
    # The Personal Information Protection Law: the organizer confirms the people's consent (checked again by
    # the import service).
    consent_confirmed = forms.BooleanField(
        label=gettext_lazy(
            "The people on this list agreed to their names and phone numbers being kept for the association's events"
        ),
        required=True,
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        cast(forms.ModelChoiceField, self.fields["school"]).queryset = Organization.objects.filter(
            association_id=event.association_id, kind=Organization.Kind.SCHOOL
        ).order_by("name")


def _event(request, event_id: int) -> Event:
    """The event: read for a GET, written for anything else (403 for a read-only organizer)."""
    fetch = access.access_event_for_read if request.method == "GET" else access.access_event_for_records
    event = fetch(request.user, event_id)
    return Event.objects.select_related("venue", "association__region").get(pk=event.pk)


def _self_checkin(request, event: Event, *, writable: bool) -> dict | None:
    """The live poster code, its link and QR. Made on first use by those who change the event; a reader is
    shown the code there is (None: none yet), and reading writes nothing."""
    poster: PosterCode | None
    if writable:
        poster = services.poster_code_for(event=event)
    else:
        poster = access.poster_codes_for_read(request.user).filter(event=event, retired_at__isnull=True).first()
        if poster is None:
            return None
    url = public_url(reverse("checkin:self", kwargs={"code": poster.code}), request)
    return {"code": poster, "url": url, "qr": qr_svg(url, border=1)}


@organizer_required
@require_http_methods(["GET", "POST"])
def registrations(request, event_id: int):
    """The list of registrations with the add form (POST registers one person, then back to the list)."""
    event = _event(request, event_id)
    writable = access.may_record(request.user, event)
    form = RegistrationForm(request.POST or None, event=event) if writable else None
    if request.method == "POST" and form is not None and form.is_valid():
        fields = form.cleaned_data
        try:
            registration = services.registration_create(
                event=event,
                name=fields["name"],
                phone=fields["phone"],
                category=fields["category"],
                region=fields["region"],
                school=fields["school"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("%(name)s is registered; ticket code %(code)s.")
                % {"name": registration.attendee.name, "code": registration.code},
            )
            return redirect("desk-event-registrations", event_id=event.pk)
    query = request.GET.get("q", "").strip()
    listed = (
        access.registrations_for_read(request.user)
        .filter(event=event)
        .select_related("attendee__region__parent", "attendee__school")
        .order_by("revoked_at", "-id")  # live ones first (NULL first), newest first
    )
    if query:
        listed = listed.filter(attendee__name__icontains=query)
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    checked_in = set(
        access.checkins_for_read(request.user)
        .filter(event=event, annulled_at__isnull=True, attendee_id__in=[r.attendee_id for r in page])
        .values_list("attendee_id", flat=True)
    )
    rows = [
        {
            "registration": r,
            "phone": phones.mask_phone(r.attendee.phone),
            "checked_in": r.attendee_id in checked_in,
        }
        for r in page
    ]
    live = access.registrations_for_read(request.user).filter(event=event, revoked_at__isnull=True).count()
    context = {
        "event": event,
        "writable": writable,
        "form": form,
        "rows": rows,
        "page": page,
        "query": query,
        "live_count": live,
        "runs_door": access.may_write(request.user, event),  # rotates the poster code (a partner does not)
        "self_checkin": _self_checkin(request, event, writable=access.may_write(request.user, event)),
        "tickets_url": reverse("checkin:tickets", kwargs={"event_id": event.pk}),
        "poster_url": reverse("checkin:poster", kwargs={"event_id": event.pk}),
    }
    return render(request, "desk/event_registrations.html", context)


@organizer_required
@require_http_methods(["GET", "POST"])
def registrations_import(request, event_id: int):
    """Upload a class or village list; the per-row report: every row registered, or the wrong rows and why."""
    event = access.access_event_for_records(request.user, event_id)
    event = Event.objects.select_related("venue", "association__region").get(pk=event.pk)
    form = ImportForm(request.POST or None, request.FILES or None, event=event)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.registrations_import_report(
                event=event,
                file=form.cleaned_data["file"],
                consent_confirmed=form.cleaned_data["consent_confirmed"],
                category=form.cleaned_data["category"],
                school=form.cleaned_data["school"],
            )
        except ValidationError as invalid:  # the file itself (not a spreadsheet, too large, no name column…)
            for field, errors in invalid.message_dict.items():
                form.add_error(field if field in form.fields else "file", errors)
    return render(request, "desk/event_import.html", {"event": event, "form": form, "report": report})


@organizer_required
@require_http_methods(["GET", "POST"])
def registration_revoke(request, event_id: int, pk: int):
    """GET asks to confirm; POST revokes: the ticket's code then scans as revoked. Check-ins already made stay."""
    event = access.access_event_for_records(request.user, event_id)
    registration = get_object_or_404(
        access.registrations_for_write(request.user).select_related("attendee"), pk=pk, event=event
    )
    if request.method == "POST":
        services.registration_revoke(registration=registration)
        messages.success(request, _("%(name)s's registration is revoked.") % {"name": registration.attendee.name})
        return redirect("desk-event-registrations", event_id=event.pk)
    event = Event.objects.select_related("venue").get(pk=event.pk)
    checked_in = CheckIn.objects.filter(event=event, attendee=registration.attendee, annulled_at__isnull=True).exists()
    return render(
        request,
        "desk/event_revoke.html",
        {"event": event, "registration": registration, "checked_in": checked_in},
    )


@organizer_required
@require_POST
def poster_code_rotate(request, event_id: int):
    """A new self check-in code: the printed poster (and any photo of it) stops working."""
    event = access.access_event_for_write(request.user, event_id)
    services.poster_code_rotate(event=event)
    messages.success(request, _("The self check-in code is new: print the poster again."))
    return redirect(reverse("desk-event-registrations", kwargs={"event_id": event.pk}) + "#self-checkin")


urlpatterns = [
    path("events/<int:event_id>/registrations/", registrations, name="desk-event-registrations"),
    path(
        "events/<int:event_id>/registrations/import/",
        registrations_import,
        name="desk-event-registrations-import",
    ),
    path(
        "events/<int:event_id>/registrations/<int:pk>/revoke/",
        registration_revoke,
        name="desk-registration-revoke",
    ),
    path(
        "events/<int:event_id>/self-checkin-code/rotate/",
        poster_code_rotate,
        name="desk-event-poster-code-rotate",
    ),
]
