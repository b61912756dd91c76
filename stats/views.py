"""The organizer's dashboard: this year's figures, charts drawn as inline SVG, and the records behind every figure."""

from functools import wraps
from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from checkin.models import Attendee
from events.models import Association, Campaign, Region
from kepu import access
from kepu.replica import replica_reads

from . import figures as F_
from . import selectors, wording

CHART_WIDTH = 560


def organizer_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.is_organizer(request.user):
            raise PermissionDenied(_("Only organizers may see the statistics."))
        return view(request, *args, **kwargs)

    return wrapped


def _association(request) -> Association:
    """The signed-in organizer's association, whose figures they read (the views below let organizers only
    in; a partner account reads only its events' figures, on their own pages)."""
    association = access.association_of(request.user)
    if association is None or not access.may_read_figures(request.user):
        raise PermissionDenied(_("Only organizers may see the statistics."))
    return association


def _year_tally(request, association: Association, year: int):
    """The year's tally of the association, or for a township organizer of their township: computed now
    (a township's part is small, and no stored tally needs keeping fresh for it)."""
    town = access.township_of(request.user)
    if town is None:
        return selectors.year_tally(association_id=association.id, year=year)
    now = timezone.now()
    computed = F_.compute(F_.township_year_scope(association.id, town.id, year), now=now)
    return SimpleNamespace(**vars(computed), computed_at=now)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _language(request) -> str:
    code = (request.LANGUAGE_CODE or "zh-hans").lower()
    return code if code in wording.WORDS else "zh-hans"


def _bars(items: list[dict], *, width: int = CHART_WIDTH, label_width: int = 150, bar_height: int = 22) -> dict:
    """Horizontal bars laid out for an inline SVG: each item has label, value and maybe href and target."""
    top = max([i["value"] for i in items] + [i.get("target") or 0 for i in items] + [1])
    room = width - label_width - 120  # leave space for the value written after the bar
    bars = []
    for n, item in enumerate(items):
        bar = dict(item)
        bar["y"] = n * (bar_height + 6)
        bar["w"] = max(round(item["value"] / top * room), 1 if item["value"] else 0)
        bar["target_x"] = label_width + round(item["target"] / top * room) if item.get("target") else None
        bar["text_x"] = label_width + bar["w"] + 6
        bars.append(bar)
    return {
        "width": width,
        "height": max(len(items) * (bar_height + 6), bar_height),
        "label_width": label_width,
        "bar_height": bar_height,
        "bars": bars,
    }


def _columns(items: list[dict], *, width: int = CHART_WIDTH, height: int = 180) -> dict:
    """Vertical columns (attendance per month) for an inline SVG."""
    top = max([i["value"] for i in items] + [1])
    step = width / max(len(items), 1)
    columns = []
    for n, item in enumerate(items):
        h = round(item["value"] / top * (height - 30))
        columns.append({**item, "x": round(n * step + 4), "w": round(step - 8), "y": height - 20 - h, "h": h})
    return {"width": width, "height": height, "columns": columns, "base": height - 20}


def _headline(tally, year: int, lang: str) -> list[dict]:
    figures, evidence = tally.figures, tally.evidence
    cards = []
    for figure in F_.HEADLINE:
        name, value = figure.name, figures.get(figure.name)
        cards.append(
            {
                "name": name,
                "label": figure.label,
                "exact": wording.exact(value, lang),
                "words": wording.FORMATS[figure.wording](value, lang),
                "evidence": evidence.get(name),
                "href": f"figures/{name}/?year={year}",
            }
        )
    return cards


@organizer_required
@replica_reads
def dashboard(request):
    association = _association(request)
    year, lang = _year(request), _language(request)
    township = access.township_of(request.user)
    tally = _year_tally(request, association, year)
    breakdowns = tally.breakdowns
    months = [
        {
            "label": f"{m}",
            "value": breakdowns.get("by_month", {}).get(f"{year}-{m:02d}", {}).get("person_times", 0),
            "events": breakdowns.get("by_month", {}).get(f"{year}-{m:02d}", {}).get("events", 0),
        }
        for m in range(1, 13)
    ]
    # The campaigns' targets are the county's: a township organizer sees its own figures only.
    progress = [] if township else selectors.campaign_progress(association_id=association.id, year=year)
    campaign_bars = _bars(
        [
            {
                "label": p["campaign"].name,
                "value": p["figures"].get("beneficiaries_person_times", 0),
                "href": f"figures/beneficiaries_person_times/?year={year}&campaign={p['campaign'].id}",
                "behind": p["behind"],
                "target": next(
                    (t["target"] for t in p["targets"] if t["figure"] == "beneficiaries_person_times"), None
                ),
            }
            for p in progress
        ],
        width=1100,
        label_width=260,
    )
    towns = breakdowns.get("by_town", [])
    town_bars = _bars(
        [
            {
                "label": t["name"],
                "value": t["person_times"],
                "note": f"{t['villages_reached']}/{t['villages_total']}",
                "href": f"figures/beneficiaries_person_times/?year={year}&town={t['id']}",
            }
            for t in towns
        ]
    )
    categories = dict(Attendee.Category.choices) | {F_.HEADCOUNT_CATEGORY: _("Counted crowds (headcounts)")}
    category_bars = _bars(
        [
            {"label": str(categories.get(k, k)), "value": v, "href": f"figures/beneficiaries_person_times/?year={year}"}
            for k, v in sorted(breakdowns.get("by_category", {}).items(), key=lambda kv: -kv[1])
        ]
    )
    kinds = dict(Campaign.Kind.choices) | {F_.NO_CAMPAIGN: _("No campaign")}
    kind_bars = _bars(
        [
            {"label": str(kinds.get(k, k)), "value": v["person_times"]}
            for k, v in sorted(breakdowns.get("by_campaign_kind", {}).items(), key=lambda kv: -kv[1]["person_times"])
        ]
    )
    split = tally.evidence.get("beneficiaries_person_times", {"scanned": 0, "manual": 0, "estimated": 0})
    total = sum(split.values()) or 1
    evidence = [
        {"key": key, "label": label, "value": split.get(key, 0), "pct": round(split.get(key, 0) * 100 / total, 1)}
        for key, label in (
            ("scanned", _("Scanned")),
            ("manual", _("Paper or by hand")),
            ("estimated", _("Estimated (headcounts)")),
        )
    ]
    x = 0
    for part in evidence:
        part["x"], part["w"] = x, round(part["value"] / total * CHART_WIDTH)
        x += part["w"]
    context = {
        "year": year,
        "association": association,
        "tally": tally,
        "headline": _headline(tally, year, lang),
        "months": _columns(months),
        "campaigns": progress,
        "campaign_bars": campaign_bars,
        "towns": towns,
        "town_bars": town_bars,
        "category_bars": category_bars,
        "kind_bars": kind_bars,
        "evidence": evidence,
        "township": township,
        "today": [] if township else selectors.todays_events(association_id=association.id),
        "behind": [p for p in progress if p["behind"]],
    }
    return render(request, "stats/dashboard.html", context)


@organizer_required
@replica_reads
def figure_records(request, figure: str):
    """The records a figure of the year is computed from: for a registry figure the register's rows that
    make it (the sites standing at the year's end, the episodes aired…), for the others the events with
    their check-ins and headcounts."""
    definition = F_.BY_NAME.get(figure)
    if definition is not None and definition.register is not None:
        return _register_records(request, definition)
    if definition not in F_.LABELLED:  # a figure without a label of its own has no records page
        raise Http404
    association = _association(request)
    year = _year(request)
    events = selectors.events_behind(association_id=association.id, year=year, figure=figure)
    if not access.holds_association(request.user):  # a township organizer: the township's events only
        events = events.filter(id__in=access.events_for_read(request.user).values("id"))
    if (campaign := request.GET.get("campaign", "")).isdigit():
        events = events.filter(campaign_id=int(campaign))
    if (town := request.GET.get("town", "")).isdigit():
        events = events.filter(Q(venue__region_id=int(town)) | Q(venue__region__parent_id=int(town)))
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/figure_records.html",
        {"figure": figure, "label": definition.label, "year": year, "page": page},
    )


def _register_records(request, definition: F_.Figure):
    """The register's rows behind a registry figure, of one key (?key=window) or all, with what they add up to."""
    register = definition.register
    assert register is not None
    association, year = _association(request), _year(request)
    key = request.GET.get("key", "") if register.key else ""
    rows = selectors.register_rows(association_id=association.id, year=year, figure=definition.name, key=key)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    label = definition.label or definition.name
    if definition.keyed:
        shown = selectors.register_row(page[0], register)["key"] if key and page.object_list else _("all")
        label = label % {"kind": shown}
    return render(
        request,
        "stats/figure_rows.html",
        {
            "figure": definition.name,
            "label": label,
            "year": year,
            "key": key,
            "page": page,
            "rows": [selectors.register_row(row, register) for row in page],
            "total": selectors.register_total(rows, register),
            "counts_each": register.value is None,
        },
    )


@organizer_required
@replica_reads
def event_records(request, event_id: int):
    """One event's check-ins and headcounts: the records its figures rest on."""
    event = access.events_for_read(request.user).filter(id=event_id).first()
    if event is None:
        raise Http404
    records = selectors.event_records(event=event)
    page = Paginator(records["checkins"], 200).get_page(request.GET.get("page"))
    tally = selectors.tally_for(F_.event_scope(event))
    return render(
        request,
        "stats/event_records.html",
        {
            "event": event,
            "page": page,
            "headcounts": records["headcounts"],
            "tally": tally,
            # A village is named with its town: a county may have a 上寨村 in several towns.
            "grassroots": Region.GRASSROOTS_LEVELS,
        },
    )


@organizer_required
@replica_reads  # as stats.tasks.summary_file reads: both name the file alike
def summary_file(request, year: int):
    """The dashboard's Word/Excel link: the file at once if written, else a page that waits for the worker."""
    from django.core.files.storage import default_storage
    from django.http import FileResponse, HttpResponseBadRequest, JsonResponse

    from . import summary, summary_files

    if not access.holds_association(request.user):  # the summary speaks for the whole association
        raise PermissionDenied(_("Only organizers may see the statistics."))
    fmt = request.GET.get("format", "docx")
    lang = request.GET.get("lang") or _language(request)
    if fmt not in summary.FORMATS or lang not in summary.LANGUAGES or not 2000 <= year <= 2100:
        return HttpResponseBadRequest(_("Unknown format, language or year."))
    association = _association(request)
    found = summary_files.summary_file_request(association=association, year=year, language=lang, fmt=fmt)
    if request.GET.get("status"):
        return JsonResponse({"ready": found.ready}, status=200 if found.ready else 202)
    if found.ready:
        return FileResponse(
            default_storage.open(found.name, "rb"),
            as_attachment=True,
            filename=found.download_name,
            content_type=summary.CONTENT_TYPES[fmt],
        )
    return render(request, "stats/summary_file.html", {"year": year, "format": fmt}, status=202)
