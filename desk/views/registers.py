"""The association's registers on the desk (年度工作): organizations, sites, demonstration bases, media
columns, news reports, contests and funding, each as a list for a year, a form to add a record and one to
change it, with what the record holds (yearly members, repairs, books, results, episodes, entries).

One pattern serves every register: a `Register` says which form, which access scopes (kepu.access) and
which services it uses, and the generic views below do the rest. Reads come from the register's
`*_for_read` scope (another county's record is a 404); every write takes its record from the
`*_for_write` scope, so a prefecture organizer reads its counties' registers without write buttons
and a write it sends anyway is refused (403). Writes go through the registers' services, as the API's.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events import services as event_services
from events.models import YEAR_MIN, Organization, Region
from events.services import InUse
from kepu import access
from kepu.spreadsheets import ImportRefused
from kepu.widgets import town_of_region
from outreach import selectors, services
from outreach.models import Contest, ContestEntry, DemonstrationBase, FundingRecord, MediaColumn, NewsReport, Site

from .. import register_forms as rf
from ..selectors import towns_for
from .common import association_organizer_required

PER_PAGE = 50


# --- how a register is shown and written ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: Promise
    value: Callable[[Any], Any]
    numeric: bool = False


@dataclass(frozen=True)
class Part:
    """What a record holds, added on its page: yearly members, repairs, books, results, episodes, entries."""

    slug: str  # the URL's last part and the form's prefix
    title: Promise
    form: type[forms.BaseForm]
    add: Callable[[Any, Any], Any]  # the service call, with the record and the valid form
    rows: Callable[[Any], Iterable]
    columns: tuple[Column, ...]
    saved: Promise
    takes_year: bool = False  # the form's year starts at the year the organizer works on


@dataclass(frozen=True)
class Register:
    slug: str  # /desk/registers/<slug>/ and the list's route name, desk-<slug>
    name: str  # the record's route names: desk-<name>, desk-<name>-new, desk-<name>-delete…
    title: Promise
    new_label: Promise
    form: type[rf.RegisterForm]
    read: Callable[[Any], QuerySet]
    write: Callable[[Any], QuerySet]
    blank: Callable[[Any], Any]  # a new record of the association
    save: Callable[[Any, Any, date | None], Any]  # (record, valid form, date before the change)
    delete: Callable[[Any], None]
    of_year: Callable[[QuerySet, int], QuerySet]
    columns: tuple[Column, ...]
    kinds: list | None = None  # filter by kind: the choices of `kind_field`
    kind_field: str = "kind"
    kind_label: Promise | None = None  # the kind filter's label (None: 类型)
    by_town: bool = False
    dated_by: str | None = None  # the date whose value before a change the save needs
    parts: tuple[Part, ...] = ()
    sections: tuple[tuple[Promise, tuple[str, ...]], ...] = field(default=())  # the form's panels
    heading: Promise | None = None  # the list's first column, the record linked to its page (None: its name)
    label: Callable[[Any], Any] = str
    importable: bool = False  # sites: the list's Excel import


def place(region: Region | None) -> str:
    """A record's place as the clerk reads it: 城关镇 · 上寨村, a town alone, or the county."""
    if region is None:
        return "—"
    town = town_of_region(region)
    if town is None:
        return _("County level")
    return town.name if town == region else f"{town.name} · {region.name}"


def _date(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _display(name: str) -> Callable[[Any], Any]:
    return lambda record: getattr(record, f"get_{name}_display")()


def _number(name: str) -> Callable[[Any], Any]:
    return lambda record: getattr(record, name) or 0


def _document_link(record: FundingRecord):
    if not record.document.name:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("api:fundingrecord-document", args=[record.pk]),
        _("Document"),
    )


def _prize(entry: ContestEntry) -> str:
    if not entry.award:
        return "—"
    return f"{entry.get_award_level_display()} {entry.get_award_display()}"


def _save_organization(record, form, was):
    return event_services.organization_save(record, was=was)


def _save_base(record, form, was):
    return services.base_save(record, partners=form.cleaned_data["partners"], events=form.cleaned_data["events"])


def _save_funding(record, form, was):
    return services.funding_save(record, document=form.cleaned_data.get("document") or None, previous_date=was)


def _delete_organization(record) -> None:
    event_services.organization_delete(organization=record)


ORGANIZATIONS = Register(
    slug="organizations",
    name="organization",
    title=gettext_lazy("Societies and associations"),
    new_label=gettext_lazy("New organization"),
    form=rf.OrganizationForm,
    read=lambda user: access.organizations_for_read(user).select_related("region__parent"),
    write=access.organizations_for_write,
    blank=lambda association: Organization(association=association),
    save=_save_organization,
    delete=_delete_organization,
    of_year=selectors.organizations_of_year,
    columns=(
        Column(gettext_lazy("Kind"), _display("kind")),
        Column(gettext_lazy("Town or village"), lambda o: place(o.region)),
        Column(gettext_lazy("Founded on"), lambda o: _date(o.founded_on)),
        Column(gettext_lazy("Dissolved on"), lambda o: _date(o.dissolved_on)),
        Column(
            gettext_lazy("Members that year"), lambda o: o.year_members if o.year_members is not None else "—", True
        ),
    ),
    kinds=Organization.Kind.choices,
    by_town=True,
    dated_by="founded_on",
    parts=(
        Part(
            "members",
            gettext_lazy("Members by year"),
            rf.MembershipForm,
            lambda o, form: event_services.organization_members_set(organization=o, **form.cleaned_data),
            lambda o: o.memberships.all(),
            (
                Column(gettext_lazy("Year"), lambda m: m.year),
                Column(gettext_lazy("Members"), lambda m: m.members, True),
            ),
            gettext_lazy("The members of the year are saved."),
            takes_year=True,
        ),
        Part(
            "supports",
            gettext_lazy("Support given"),
            rf.SupportForm,
            lambda o, form: event_services.organization_support_add(organization=o, **form.cleaned_data),
            lambda o: o.supports.all(),
            (
                Column(gettext_lazy("Date"), lambda s: _date(s.date)),
                Column(gettext_lazy("Kind"), _display("kind")),
                Column(gettext_lazy("Note"), lambda s: s.note),
            ),
            gettext_lazy("The support is recorded."),
        ),
    ),
)

SITES = Register(
    slug="sites",
    name="site",
    title=gettext_lazy("Science popularization sites"),
    new_label=gettext_lazy("New site"),
    form=rf.SiteForm,
    read=lambda user: access.sites_for_read(user).select_related("region__parent"),
    write=access.sites_for_write,
    blank=lambda association: Site(association=association),
    save=lambda record, form, was: services.site_save(record),
    delete=lambda record: services.site_delete(site=record),
    of_year=selectors.sites_of_year,
    columns=(
        Column(gettext_lazy("Kind"), _display("kind")),
        Column(gettext_lazy("Town or village"), lambda s: place(s.region)),
        Column(gettext_lazy("Built on"), lambda s: _date(s.built_on)),
        Column(gettext_lazy("Repaired that year"), lambda s: _("Yes") if s.repaired_in_year else ""),
        Column(gettext_lazy("Retired on"), lambda s: _date(s.retired_on)),
        Column(gettext_lazy("Books that year"), lambda s: s.year_books if s.year_books is not None else "—", True),
    ),
    kinds=Site.Kind.choices,
    by_town=True,
    importable=True,
    parts=(
        Part(
            "repairs",
            gettext_lazy("Repairs"),
            rf.RepairForm,
            lambda s, form: services.site_repair_add(site=s, **form.cleaned_data),
            lambda s: s.repairs.all(),
            (
                Column(gettext_lazy("Repaired on"), lambda r: _date(r.repaired_on)),
                Column(gettext_lazy("Note"), lambda r: r.note),
            ),
            gettext_lazy("The repair is recorded."),
        ),
        Part(
            "books",
            gettext_lazy("Books by year"),
            rf.BooksForm,
            lambda s, form: services.site_books_set(site=s, **form.cleaned_data),
            lambda s: s.book_counts.all(),
            (Column(gettext_lazy("Year"), lambda b: b.year), Column(gettext_lazy("Books"), lambda b: b.books, True)),
            gettext_lazy("The books of the year are saved."),
            takes_year=True,
        ),
    ),
)

BASES = Register(
    slug="bases",
    name="base",
    title=gettext_lazy("Demonstration bases and projects"),
    new_label=gettext_lazy("New demonstration base"),
    form=rf.BaseForm,
    read=lambda user: access.bases_for_read(user).select_related("region__parent").prefetch_related("partners"),
    write=access.bases_for_write,
    blank=lambda association: DemonstrationBase(association=association),
    save=_save_base,
    delete=lambda record: services.base_delete(base=record),
    of_year=selectors.bases_of_year,
    columns=(
        Column(gettext_lazy("Kind"), _display("kind")),
        Column(gettext_lazy("Town or village"), lambda b: place(b.region)),
        Column(gettext_lazy("Partners"), lambda b: "、".join(p.name for p in b.partners.all()) or "—"),
        Column(gettext_lazy("Established on"), lambda b: _date(b.established_on)),
        Column(gettext_lazy("Households reached that year"), lambda b: b.year_households or 0, True),
    ),
    kinds=DemonstrationBase.Kind.choices,
    by_town=True,
    parts=(
        Part(
            "results",
            gettext_lazy("Results by year"),
            rf.BaseYearForm,
            lambda b, form: services.base_year_set(base=b, **form.cleaned_data),
            lambda b: b.years.all(),
            (
                Column(gettext_lazy("Year"), lambda y: y.year),
                Column(gettext_lazy("Varieties introduced"), lambda y: y.varieties, True),
                Column(gettext_lazy("Techniques introduced"), lambda y: y.techniques, True),
                Column(gettext_lazy("Households reached"), lambda y: y.households, True),
            ),
            gettext_lazy("The results of the year are saved."),
            takes_year=True,
        ),
    ),
    sections=(
        (gettext_lazy("The base"), ("name", "kind", "region", "established_on", "closed_on", "note")),
        (gettext_lazy("Who runs it and what is held there"), ("partners", "events")),
    ),
)

MEDIA_COLUMNS = Register(
    slug="media-columns",
    name="media-column",
    title=gettext_lazy("Media columns"),
    new_label=gettext_lazy("New column"),
    form=rf.MediaColumnForm,
    read=access.media_columns_for_read,
    write=access.media_columns_for_write,
    blank=lambda association: MediaColumn(association=association),
    save=lambda record, form, was: services.media_column_save(record),
    delete=lambda record: services.media_column_delete(column=record),
    of_year=selectors.columns_of_year,
    columns=(
        Column(gettext_lazy("Kind"), _display("kind")),
        Column(gettext_lazy("Outlet"), lambda c: c.outlet or "—"),
        Column(gettext_lazy("Episodes that year"), _number("year_episodes"), True),
        Column(gettext_lazy("Minutes on air that year"), _number("year_minutes"), True),
    ),
    kinds=MediaColumn.Kind.choices,
    parts=(
        Part(
            "episodes",
            gettext_lazy("Episodes and posts"),
            rf.EpisodeForm,
            lambda c, form: services.media_episode_add(column=c, **form.cleaned_data),
            lambda c: c.episodes.all(),
            (
                Column(gettext_lazy("Aired on"), lambda e: _date(e.aired_on)),
                Column(gettext_lazy("Title"), lambda e: e.title),
                Column(gettext_lazy("Minutes on air"), lambda e: e.minutes, True),
            ),
            gettext_lazy("The episode is recorded."),
        ),
    ),
)

NEWS_REPORTS = Register(
    slug="news-reports",
    name="news-report",
    title=pgettext_lazy("desk", "News reports"),
    new_label=gettext_lazy("New news report"),
    form=rf.NewsReportForm,
    read=access.news_reports_for_read,
    write=access.news_reports_for_write,
    blank=lambda association: NewsReport(association=association),
    save=lambda record, form, was: services.news_report_save(record, was=was),
    delete=lambda record: services.news_report_delete(report=record),
    of_year=selectors.reports_of_year,
    columns=(
        Column(gettext_lazy("Published on"), lambda r: _date(r.published_on)),
        Column(gettext_lazy("Outlet"), lambda r: r.outlet),
        Column(gettext_lazy("Level"), _display("level")),
    ),
    kinds=list(NewsReport._meta.get_field("level").choices or []),
    kind_field="level",
    kind_label=gettext_lazy("Level"),
    dated_by="published_on",
    heading=gettext_lazy("Title"),
)

CONTESTS = Register(
    slug="contests",
    name="contest",
    title=pgettext_lazy("desk", "Contests and reviews"),
    new_label=gettext_lazy("New contest"),
    form=rf.ContestForm,
    read=access.contests_for_read,
    write=access.contests_for_write,
    blank=lambda association: Contest(association=association),
    save=lambda record, form, was: services.contest_save(record, was=was),
    delete=lambda record: services.contest_delete(contest=record),
    of_year=selectors.contests_of_year,
    columns=(
        Column(gettext_lazy("Kind"), _display("kind")),
        Column(gettext_lazy("Held on"), lambda c: _date(c.held_on)),
        Column(gettext_lazy("Entries"), _number("entry_count"), True),
        Column(gettext_lazy("Pupils"), _number("pupil_count"), True),
        Column(gettext_lazy("Prizes"), _number("prize_count"), True),
    ),
    kinds=Contest.Kind.choices,
    dated_by="held_on",
    parts=(
        Part(
            "entries",
            gettext_lazy("Entries"),
            rf.EntryForm,
            lambda c, form: services.contest_entry_save(form.instance),
            lambda c: c.entries.all(),
            (
                Column(gettext_lazy("Person or team"), lambda e: e.entrant),
                Column(gettext_lazy("School"), lambda e: e.school or "—"),
                Column(gettext_lazy("Title"), lambda e: e.title),
                Column(gettext_lazy("Pupils"), lambda e: e.pupils, True),
                Column(gettext_lazy("Prize"), _prize),
            ),
            gettext_lazy("The entry is recorded."),
        ),
    ),
)

FUNDING = Register(
    slug="funding",
    name="funding-record",
    title=gettext_lazy("Funding"),
    new_label=gettext_lazy("New funding record"),
    form=rf.FundingForm,
    read=access.funding_for_read,
    write=access.funding_for_write,
    blank=lambda association: FundingRecord(association=association),
    save=_save_funding,
    delete=lambda record: services.funding_delete(record=record),
    of_year=selectors.funding_of_year,
    columns=(
        Column(gettext_lazy("Income or spending"), _display("direction")),
        Column(
            gettext_lazy("Source or use"),
            lambda r: r.get_source_display() if r.direction == FundingRecord.Direction.INCOME else r.get_use_display(),
        ),
        Column(gettext_lazy("Amount (yuan)"), lambda r: r.amount, True),
        Column(gettext_lazy("Note"), lambda r: r.note or "—"),
        Column(gettext_lazy("Document"), _document_link),
    ),
    kinds=FundingRecord.Direction.choices,
    kind_field="direction",
    kind_label=gettext_lazy("Income or spending"),
    dated_by="date",
    heading=gettext_lazy("Date"),
    label=lambda r: _date(r.date),
)

REGISTERS = (ORGANIZATIONS, SITES, BASES, MEDIA_COLUMNS, NEWS_REPORTS, CONTESTS, FUNDING)


# --- the year the organizer works on ----------------------------------------------------------


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year + 1, max(YEAR_MIN, this_year - 10) - 1, -1))


def _year(request) -> int:
    """The year asked for (?year=2025), this year when none or a wrong one is asked for."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if YEAR_MIN <= year <= timezone.localdate().year + 1 else timezone.localdate().year


def _association(request):
    association = access.association_of(request.user)
    assert association is not None  # association_organizer_required lets whole-association organizers alone in
    return association


# --- the registers' home ----------------------------------------------------------------------


@association_organizer_required
@require_GET
def registers_home(request):
    """Each register with what it counts in the chosen year, and the way to its list."""
    year = _year(request)
    user = request.user
    counts = selectors.year_counts(
        year=year,
        organizations=access.organizations_for_read(user),
        sites=access.sites_for_read(user),
        bases=access.bases_for_read(user),
        columns=access.media_columns_for_read(user),
        reports=access.news_reports_for_read(user),
        contests=access.contests_for_read(user),
        funding=access.funding_for_read(user),
    )
    return render(
        request,
        "desk/registers.html",
        {
            "year": year,
            "years": _years(),
            "counts": counts,
            "registers": {r.name.replace("-", "_"): r for r in REGISTERS},
            "association": access.association_of(user),
        },
    )


# --- a register's list --------------------------------------------------------------------------


@association_organizer_required
@require_GET
def register_list(request, register: Register):
    year = _year(request)
    filter_form = rf.RegisterFilterForm(
        request.GET or None,
        years=_years() if year in _years() else [year, *_years()],
        towns=towns_for(request.user) if register.by_town else None,
        kinds=register.kinds,
        initial={"year": year},
    )
    if register.kind_label and "kind" in filter_form.fields:
        filter_form.fields["kind"].label = str(register.kind_label)
    records = register.of_year(register.read(request.user), year)
    if filter_form.is_valid():
        if town := filter_form.cleaned_data.get("town"):
            records = records.filter(selectors.in_town(town))
        if kind := filter_form.cleaned_data.get("kind"):
            records = records.filter(**{register.kind_field: kind})
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    writable = access.associations_for_write(request.user)
    rows = [
        {
            "label": register.label(record),
            "url": reverse(f"desk-{register.name}", kwargs={"pk": record.pk}) + f"?year={year}",
            "cells": [(column, column.value(record)) for column in register.columns],
            "writable": record.association_id in writable,
        }
        for record in page
    ]
    context: dict[str, Any] = {
        "register": register,
        "heading": register.heading or pgettext("register", "Name"),
        "year": year,
        "filter_form": filter_form,
        "page": page,
        "rows": rows,
        "new_url": reverse(f"desk-{register.name}-new"),
        "import_url": reverse("desk-sites-import") if register.importable else None,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page" and v}),
    }
    if register is FUNDING:
        totals = selectors.funding_totals(records)
        context["totals"] = {
            "income": totals.income,
            "spending": totals.spending,
            "by_source": [(FundingRecord.Source(k).label, v) for k, v in sorted(totals.by_source.items())],
            "by_use": [(FundingRecord.Use(k).label, v) for k, v in sorted(totals.by_use.items())],
        }
    return render(request, "desk/register_list.html", context)


# --- a record: new, shown, changed, deleted ------------------------------------------------------


def _record_for_read(request, register: Register, pk: int):
    return get_object_or_404(register.read(request.user), pk=pk)


def _record_for_write(request, register: Register, pk: int):
    """The record, if this user may change it: 404 for one they may not see, 403 for one they only read."""
    record = _record_for_read(request, register, pk)
    writable = register.write(request.user).filter(pk=record.pk).first()
    if writable is None:
        raise PermissionDenied(_("You read this record but may not change it."))
    return writable


def _saved(request, register: Register, form: rf.RegisterForm, record, was) -> Any:
    """Save through the register's service; None when it refused (its messages are then on the form)."""
    try:
        with transaction.atomic():
            return register.save(record, form, was)
    except ValidationError as refused:
        rf.add_errors(form, refused)
        return None


def _part_forms(register: Register, year: int, bound: dict | None = None) -> list[dict]:
    bound = bound or {}
    return [
        {
            "part": part,
            "form": bound.get(part.slug)
            or part.form(prefix=part.slug, initial={"year": year} if part.takes_year else None, **_part_kwargs(part)),
        }
        for part in register.parts
    ]


def _part_kwargs(part: Part) -> dict:
    return {"user": None} if issubclass(part.form, rf.RegisterForm) else {}


def _record_page(request, register: Register, record, form, *, writable: bool, bound_parts=None, status=200):
    year = _year(request)
    parts = []
    stored = record is not None and record.pk is not None
    if stored:
        for entry in _part_forms(register, year, bound_parts):
            part = entry["part"]
            entry["rows"] = [[(c, c.value(row)) for c in part.columns] for row in part.rows(record)]
            entry["url"] = reverse(f"desk-{register.name}-{part.slug}", kwargs={"pk": record.pk})
            parts.append(entry)
    if not writable:
        for name in form.fields:
            form.fields[name].disabled = True
    sections = register.sections or ((register.title, tuple(form.fields)),)
    return render(
        request,
        "desk/register_record.html",
        {
            "register": register,
            "record": record if stored else None,
            "form": form,
            "list_url": reverse(f"desk-{register.slug}") + f"?year={year}",
            "delete_url": reverse(f"desk-{register.name}-delete", kwargs={"pk": record.pk}) if stored else None,
            "entries_import_url": (
                reverse("desk-contest-entries-import", kwargs={"pk": record.pk})
                if stored and register is CONTESTS
                else None
            ),
            "document_url": (
                reverse("api:fundingrecord-document", args=[record.pk])
                if stored and register is FUNDING and record.document.name
                else None
            ),
            "sections": [(title, [form[name] for name in names if name in form.fields]) for title, names in sections],
            "parts": parts,
            "writable": writable,
            "year": year,
        },
        status=status,
    )


@association_organizer_required
@require_http_methods(["GET", "POST"])
def register_new(request, register: Register):
    """A new record of the organizer's own association."""
    record = register.blank(_association(request))
    form = register.form(request.POST or None, request.FILES or None, instance=record, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _saved(request, register, form, form.instance, None)
        if saved is not None:
            messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
            return redirect(f"desk-{register.name}", pk=saved.pk)
    return _record_page(request, register, record, form, writable=True)


@association_organizer_required
@require_http_methods(["GET", "POST"])
def register_record(request, register: Register, pk: int):
    """The record's page: its form (read-only for a reader) and what it holds. POST saves a change."""
    if request.method == "GET":
        record = _record_for_read(request, register, pk)
        writable = access.may_write(request.user, record)
        return _record_page(
            request, register, record, register.form(instance=record, user=request.user), writable=writable
        )
    record = _record_for_write(request, register, pk)
    was = getattr(record, register.dated_by) if register.dated_by else None
    form = register.form(request.POST, request.FILES or None, instance=record, user=request.user)
    if form.is_valid():
        saved = _saved(request, register, form, form.instance, was)
        if saved is not None:
            messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
            return redirect(f"desk-{register.name}", pk=saved.pk)
    # A refused change is shown as typed; the page's title and lists read the record as it is stored.
    stored = _record_for_read(request, register, pk)
    return _record_page(request, register, stored, form, writable=True)


@association_organizer_required
@require_POST
def register_delete(request, register: Register, pk: int):
    """Delete a record entered by mistake (one that ended is given its end date instead)."""
    record = _record_for_write(request, register, pk)
    name = str(record)
    try:
        register.delete(record)
    except InUse as refused:
        messages.error(request, refused.message)
        return redirect(f"desk-{register.name}", pk=pk)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect(f"desk-{register.name}", pk=pk)
    messages.success(request, _("“%(name)s” is deleted.") % {"name": name})
    return redirect(f"desk-{register.slug}")


@association_organizer_required
@require_POST
def register_part(request, register: Register, part: Part, pk: int):
    """Add what the record holds (a year's members, a repair, an episode, an entry…) through its service."""
    record = _record_for_write(request, register, pk)
    kwargs = _part_kwargs(part)
    if issubclass(part.form, rf.RegisterForm):  # an entry: a record of its own, of this contest
        kwargs = {"user": request.user, "instance": ContestEntry(contest=record)}
    form = part.form(request.POST, prefix=part.slug, **kwargs)
    if form.is_valid():
        try:
            with transaction.atomic():
                part.add(record, form)
        except ValidationError as refused:
            rf.add_errors(form, refused)
        else:
            messages.success(request, str(part.saved))
            return redirect(reverse(f"desk-{register.name}", kwargs={"pk": record.pk}) + f"#{part.slug}")
    page_form = register.form(instance=_record_for_read(request, register, pk), user=request.user)
    return _record_page(request, register, record, page_form, writable=True, bound_parts={part.slug: form})


# --- the imports: sites, a contest's entries -----------------------------------------------------


def _import_page(request, *, title, back_url, form, run, columns_help, status=200):
    """An upload and its report: every row imported, or the wrong rows named and nothing saved (400)."""
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            result = run(form.cleaned_data)
        except ImportRefused as refused:
            report = {"imported": False, "summary": refused.summary, "rows": refused.report()}
            status = 400
        except ValidationError as invalid:  # the file itself: not a spreadsheet, too large, a column missing
            rf.add_errors(form, invalid)
        else:
            report = {"imported": True, **result}
    return render(
        request,
        "desk/register_import.html",
        {"title": title, "back_url": back_url, "form": form, "report": report, "columns_help": columns_help},
        status=status,
    )


@association_organizer_required
@require_http_methods(["GET", "POST"])
def sites_import(request):
    """The association's list of sites from Excel or CSV, into its own register (outreach.services)."""
    association = _association(request)
    form = rf.SitesImportForm(request.POST or None, request.FILES or None)
    return _import_page(
        request,
        title=_("Import a list of sites"),
        back_url=reverse("desk-sites"),
        form=form,
        run=lambda data: services.sites_import(association=association, file=data["file"], year=data["year"]),
        columns_help=_(
            "One site a row under a heading row: 名称 and 类别 (required), 乡镇, 村, 建成日期, 撤除日期, 藏书, 备注. "
            "All rows are imported, or none: if a row is wrong the report names it and nothing is saved. "
            "A site is known by its name: importing the list again updates it."
        ),
    )


@association_organizer_required
@require_http_methods(["GET", "POST"])
def contest_entries_import(request, pk: int):
    """A contest's list of entries from Excel or CSV (outreach.services.contest_entries_import)."""
    contest = _record_for_write(request, CONTESTS, pk)
    form = rf.EntriesImportForm(request.POST or None, request.FILES or None)
    return _import_page(
        request,
        title=_("Import the entries of “%(name)s”") % {"name": contest.name},
        back_url=reverse("desk-contest", kwargs={"pk": contest.pk}),
        form=form,
        run=lambda data: services.contest_entries_import(contest=contest, file=data["file"]),
        columns_help=_(
            "One entry a row under a heading row: 姓名 and 作品名称 (required), 学校, 学生人数, 奖项, 获奖级别. "
            "All rows are imported, or none: if a row is wrong the report names it and nothing is saved. "
            "An entry is known by its person or team and its title: importing the list again updates it."
        ),
    )


def _patterns(register: Register) -> list:
    kwargs = {"register": register}
    base = f"registers/{register.slug}/"
    patterns = [
        path(base, register_list, kwargs, name=f"desk-{register.slug}"),
        path(f"{base}new/", register_new, kwargs, name=f"desk-{register.name}-new"),
        path(f"{base}<int:pk>/", register_record, kwargs, name=f"desk-{register.name}"),
        path(f"{base}<int:pk>/delete/", register_delete, kwargs, name=f"desk-{register.name}-delete"),
    ]
    for part in register.parts:
        patterns.append(
            path(
                f"{base}<int:pk>/{part.slug}/",
                register_part,
                {**kwargs, "part": part},
                name=f"desk-{register.name}-{part.slug}",
            )
        )
    return patterns


urlpatterns: list = [
    path("registers/", registers_home, name="desk-registers"),
    path("registers/sites/import/", sites_import, name="desk-sites-import"),
    path("registers/contests/<int:pk>/entries/import/", contest_entries_import, name="desk-contest-entries-import"),
    *(pattern for register in REGISTERS for pattern in _patterns(register)),
]
