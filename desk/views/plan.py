"""Plan: campaigns and events as a list and a month calendar; create, edit, copy, cancel; shifts."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from events import services as event_services
from events.models import Campaign, Event
from kepu import access
from stats.figures import TARGET_CHOICES
from volunteers import services as volunteer_services
from volunteers.models import Shift
from volunteers.selectors import roster_of

from .. import selectors
from ..forms import CampaignForm, CopyForm, EventForm, PlanFilterForm, shift_formset
from .common import association_organizer_required, organizer_required

PAGE_SIZE = 50


def _plan_filter(request) -> tuple[PlanFilterForm, selectors.PlanFilter, str]:
    form = PlanFilterForm(request.GET or None, user=request.user, towns=selectors.towns_for(request.user))
    plan_filter, period = selectors.PlanFilter(), "upcoming"
    if form.is_valid():
        data = form.cleaned_data
        plan_filter = selectors.PlanFilter(
            town=data["town"], kind=data["kind"], campaign=data["campaign"], status=data["status"]
        )
        period = data["period"] or "upcoming"
    return form, plan_filter, period


def _filter_query(request, *drop: str) -> str:
    """The filters of this request, to keep them on the next link (the month's arrows, the other view)."""
    kept = {k: v for k, v in request.GET.items() if k not in drop and k != "page" and v}
    return urlencode(kept)


@organizer_required
@require_GET
def events_list(request):
    """Campaigns, then the events (upcoming first), filtered by town, kind, campaign, status."""
    form, plan_filter, period = _plan_filter(request)
    events = selectors.events_filtered(request.user, plan_filter).select_related("venue__region__parent")
    now = timezone.now()
    if period == "upcoming":
        events = events.filter(ends_at__gte=now).order_by("starts_at", "title")
    elif period == "past":
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "title")
    else:
        events = events.order_by("-starts_at", "title")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    campaigns = access.campaigns_for_read(request.user)
    if plan_filter.campaign is not None:
        campaigns = campaigns.filter(pk=plan_filter.campaign.pk)
    else:
        campaigns = campaigns.filter(ends_on__gte=timezone.localdate().replace(month=1, day=1))
    return render(
        request,
        "desk/events.html",
        {
            "filter_form": form,
            "page": page,
            "campaigns": campaigns,
            "query": _filter_query(request),
            "writable": access.associations_for_write(request.user),
            "may_plan": access.may_plan_events(request.user),
        },
    )


def _month(request) -> date:
    """The month asked for (?month=2026-05), this month when none or a wrong one is asked for."""
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        if 2000 <= year <= 2100:
            return date(year, month, 1)
    except ValueError:
        pass
    return timezone.localdate().replace(day=1)


@organizer_required
@require_GET
def events_calendar(request):
    """A month of events, a week per row, filtered like the list."""
    form, plan_filter, _period = _plan_filter(request)
    month = _month(request)
    weeks = selectors.month_calendar(selectors.events_filtered(request.user, plan_filter), month.year, month.month)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    query = _filter_query(request, "month")
    return render(
        request,
        "desk/calendar.html",
        {
            "filter_form": form,
            "weeks": weeks,
            "month": month,
            "previous": previous,
            "following": following,
            "query": query,
        },
    )


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal onto the form: on its field where the form has one, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def _save_event(request, form: EventForm, formset, event_id: int | None) -> Event | None:
    """Create or change the event and its shifts through the services, all or nothing; None when a
    service refused (its messages are then on the forms)."""
    data = dict(form.cleaned_data)
    partners = data.pop("partners")
    try:
        with transaction.atomic():
            if event_id is None:
                association = access.association_of(request.user)
                assert association is not None  # organizer_required lets organizers alone in
                event = event_services.event_create(
                    association=association, partners=partners, township=access.township_of(request.user), **data
                )
            else:
                # A fresh copy: the form wrote its values onto its own instance, and the service compares the
                # old time and place with the new ones to tell the volunteers what changed.
                event = event_services.event_update(
                    event=access.access_event_for_write(request.user, event_id), partners=partners, **data
                )
            for shift_form in formset.forms:
                if shift_form.instance.pk and shift_form.cleaned_data.get("DELETE"):
                    shift = access.shifts_for_write(request.user).get(pk=shift_form.instance.pk, event=event)
                    try:
                        volunteer_services.shift_delete(shift=shift)
                    except ValidationError as error:
                        _add_errors(shift_form, error)
                        raise
                    continue
                if not shift_form.has_changed():
                    continue
                fields = {k: v for k, v in shift_form.cleaned_data.items() if k not in ("id", "DELETE")}
                skills = fields.pop("required_skills")
                fields["starts_at"] = fields["starts_at"] or event.starts_at
                fields["ends_at"] = fields["ends_at"] or event.ends_at
                try:
                    if shift_form.instance.pk:
                        shift = access.shifts_for_write(request.user).get(pk=shift_form.instance.pk, event=event)
                        volunteer_services.shift_update(shift=shift, required_skills=skills, **fields)
                    else:
                        volunteer_services.shift_create(event=event, required_skills=skills, **fields)
                except ValidationError as error:
                    _add_errors(shift_form, error)
                    raise
            return event
    except ValidationError as error:
        if not any(f.errors for f in formset.forms):  # a shift's refusal is already on its row
            _add_errors(form, error)
        return None


def _event_form_page(request, event: Event | None):
    association = access.association_of(request.user)
    if association is None or (event is None and not access.may_plan_events(request.user)):
        raise PermissionDenied(_("Your account records the work of events; it plans none."))
    shifts = event.shifts.order_by("starts_at", "role") if event else Shift.objects.none()
    formset_class = shift_formset(extra=1 if event else 2)  # a new event: room for two shifts at once
    if request.method == "POST":
        form = EventForm(request.POST, instance=event, user=request.user)
        formset = formset_class(request.POST, queryset=shifts, prefix="shifts")
        if form.is_valid() and formset.is_valid():
            saved = _save_event(request, form, formset, event.pk if event else None)
            if saved is not None:
                messages.success(request, _("The event “%(title)s” is saved.") % {"title": saved.title})
                return redirect("desk-event", saved.pk)
    else:
        initial = {}
        if event is None and request.GET.get("campaign"):
            initial["campaign"] = request.GET["campaign"]
        form = EventForm(instance=event, user=request.user, initial=initial)
        formset = formset_class(queryset=shifts, prefix="shifts")
    return render(request, "desk/event_form.html", {"form": form, "formset": formset, "event": event})


@organizer_required
def event_new(request):
    return _event_form_page(request, None)


@organizer_required
def event_edit(request, event_id: int):
    event = access.access_event_for_write(request.user, event_id)
    if event.status == Event.Status.CANCELLED:
        messages.warning(request, _("A cancelled event is kept as it was; copy it to plan it again."))
        return redirect("desk-event", event.pk)
    return _event_form_page(request, event)


@organizer_required
@require_GET
def event_overview(request, event_id: int):
    """The event workspace's first tab: what, where, when, who helps; edit, copy, cancel."""
    event = access.access_event_for_read(request.user, event_id)
    figures = selectors.with_live_figures(access.events_for_read(request.user).filter(pk=event.pk)).get()
    return render(
        request,
        "desk/event_overview.html",
        {
            "event": event,
            "figures": figures,
            "rosters": roster_of(event),
            "writable": access.may_write(request.user, event),
            "region": event.venue.region,
        },
    )


@organizer_required
def event_copy(request, event_id: int):
    """Copy the event to several venues in one step: one draft per venue."""
    event = access.access_event_for_write(request.user, event_id)
    form = CopyForm(request.POST or None, user=request.user, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            copies = event_services.event_copy(
                event=event,
                venues=form.cleaned_data["venues"],
                starts_at=form.cleaned_data["starts_at"],
                with_shifts=form.cleaned_data["with_shifts"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d copy made, as a draft: check it and publish it.",
                    "%(n)d copies made, as drafts: check them and publish them.",
                    len(copies),
                )
                % {"n": len(copies)},
            )
            if len(copies) == 1:
                return redirect("desk-event", copies[0].pk)
            query: dict[str, str | int] = {"period": "all", "status": Event.Status.DRAFT}
            if event.campaign_id:
                query["campaign"] = event.campaign_id
            return redirect(f"{reverse('desk-events')}?{urlencode(query)}")
    return render(request, "desk/event_copy.html", {"event": event, "form": form})


@organizer_required
def event_cancel(request, event_id: int):
    """Cancel (after a confirmation): the records stay, volunteers and registered attendees are told."""
    event = access.access_event_for_write(request.user, event_id)
    if request.method == "POST":
        if event.status != Event.Status.CANCELLED:
            event_services.event_cancel(event=event)
            messages.success(request, _("The event “%(title)s” is cancelled.") % {"title": event.title})
        return redirect("desk-event", event.pk)
    figures = selectors.with_live_figures(access.events_for_read(request.user).filter(pk=event.pk)).get()
    return render(request, "desk/event_cancel.html", {"event": event, "figures": figures})


def _campaign_form_page(request, campaign: Campaign | None):
    association = access.association_of(request.user)
    if association is None:
        raise PermissionDenied
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("target_")}
        try:
            with transaction.atomic():
                if campaign is None:
                    saved = event_services.campaign_create(association=association, **data)
                else:
                    fresh = access.campaigns_for_write(request.user).get(pk=campaign.pk)
                    saved = event_services.campaign_update(campaign=fresh, **data)
                event_services.campaign_targets_set(campaign=saved, targets=form.targets())
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                name = field if field in form.fields else f"target_{field}"
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("The campaign “%(name)s” is saved.") % {"name": saved.name})
            query: dict[str, str | int] = {"campaign": saved.pk, "period": "all"}
            return redirect(f"{reverse('desk-events')}?{urlencode(query)}")
    return render(
        request,
        "desk/campaign_form.html",
        {"form": form, "campaign": campaign, "figures": TARGET_CHOICES},
    )


@association_organizer_required
def campaign_new(request):
    return _campaign_form_page(request, None)


@association_organizer_required
def campaign_edit(request, campaign_id: int):
    campaign = get_object_or_404(access.campaigns_for_read(request.user), pk=campaign_id)
    if campaign.association_id not in access.associations_for_write(request.user):
        raise PermissionDenied(_("You read this record but may not change it."))
    return _campaign_form_page(request, campaign)


urlpatterns: list = [
    path("events/", events_list, name="desk-events"),
    path("events/calendar/", events_calendar, name="desk-events-calendar"),
    path("events/new/", event_new, name="desk-event-new"),
    path("events/<int:event_id>/", event_overview, name="desk-event"),
    path("events/<int:event_id>/edit/", event_edit, name="desk-event-edit"),
    path("events/<int:event_id>/copy/", event_copy, name="desk-event-copy"),
    path("events/<int:event_id>/cancel/", event_cancel, name="desk-event-cancel"),
    path("campaigns/new/", campaign_new, name="desk-campaign-new"),
    path("campaigns/<int:campaign_id>/edit/", campaign_edit, name="desk-campaign-edit"),
]
