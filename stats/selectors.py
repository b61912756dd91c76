"""Reads of the tallies and of what the summary and the dashboard show beside them."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal, overload

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from checkin.models import CheckIn, Headcount, counted_checkins
from events.models import Association, Campaign, Event, Organization, Region, Venue

from . import figures as F_
from .models import AnnualFigure, CampaignTarget, Tally


@overload
def tally_for(scope: F_.Scope, *, compute_if_missing: Literal[True] = True) -> Tally: ...
@overload
def tally_for(scope: F_.Scope, *, compute_if_missing: bool) -> Tally | None: ...
def tally_for(scope: F_.Scope, *, compute_if_missing: bool = True) -> Tally | None:
    """The stored tally of a scope; computed now (and stored) if none was ever computed."""
    tally = Tally.objects.filter(key=scope.key).first()
    if tally is None and compute_if_missing:
        from kepu import replica

        from .services import tally_compute

        with replica.primary():  # stored on the primary: computed from the primary's records, not a replica's
            tally = tally_compute(scope=scope)
    return tally


@overload
def year_tally(*, association_id: int, year: int, compute_if_missing: Literal[True] = True) -> Tally: ...
@overload
def year_tally(*, association_id: int, year: int, compute_if_missing: bool) -> Tally | None: ...
def year_tally(*, association_id: int, year: int, compute_if_missing: bool = True) -> Tally | None:
    return tally_for(F_.year_scope(association_id, year), compute_if_missing=compute_if_missing)


def manual_figures(*, association_id: int, year: int) -> dict[str, Decimal]:
    """The hand-entered figures of the year; a prefecture's include its counties'."""
    rows = manual_figure_rows(association_ids=F_.association_tree(association_id), year=year)
    return {name: row["value"] for name, row in rows.items()}


def _year_events(association_id: int, year: int) -> QuerySet[Event]:
    scope = F_.year_scope(association_id, year)
    return F_.held_events(scope)


def summary_extras(*, association_id: int, year: int) -> dict[str, str | None]:
    """Names the narrative cites beside the figures: training topics, demonstration bases, new associations.

    A name the records do not hold is None: the sentence that cites it is left out of the summary.
    """
    records = summary_records(association_id=association_id, year=year)
    return {
        "training_topics": "、".join(records["training_topics"][:3]) or None,
        "demo_bases": "、".join((records["demo_bases_registered"] or [v["name"] for v in records["demo_sites"]])[:2])
        or None,
        "new_rural_tech_names": "、".join(records["new_rural_tech"][:2]) or None,
    }


def _names_by_count(rows) -> list[str]:
    """Names ordered by how many events they appear in, then by name."""
    counts: dict[str, int] = {}
    for name in rows:
        counts[name] = counts.get(name, 0) + 1
    return [name for name, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def summary_records(*, association_id: int, year: int) -> dict:
    """What the summary names from the year's records, beside the tallied figures.

    The campaigns held (with their dates and partners), the partner departments of the trainings, the
    trainings' subjects, the demonstration sites used, the programmes broadcast, the youth activities,
    the new rural technical associations, the hand-entered figures, and for a prefecture its counties.
    Everything is read from the association and the ones below it.
    """
    held = _year_events(association_id, year)
    associations = F_.association_tree(association_id)
    partner_rows = list(
        Event.partners.through.objects.filter(event__in=held)
        .values_list("event__campaign_id", "event__kind", "organization__name", "organization__kind")
        .order_by("organization__name")
    )
    campaign_ids = {c for c, *_rest in partner_rows if c} | set(
        held.exclude(campaign__isnull=True).values_list("campaign_id", flat=True)
    )
    campaigns = {
        c.id: {
            "id": c.id,
            "name": c.name,
            "kind": c.kind,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "partners": _names_by_count(name for cid, _k, name, _ok in partner_rows if cid == c.id),
        }
        for c in Campaign.objects.filter(id__in=campaign_ids)
    }
    for campaign in Campaign.objects.filter(id__in=campaign_ids):
        campaign_figures = tally_for(F_.campaign_scope(campaign)).figures
        campaigns[campaign.id]["experts"] = campaign_figures.get("expert_person_times") or 0
        campaigns[campaign.id]["villages_reached"] = campaign_figures.get("villages_reached") or 0
    trainings = held.filter(kind=Event.Kind.TRAINING)
    topics = _names_by_count(
        t.removesuffix("培训班").removesuffix("培訓班").removesuffix(" training")
        for t in trainings.values_list("title", flat=True)
    )
    training_partners = _names_by_count(
        name
        for _c, kind, name, org_kind in partner_rows
        if kind == Event.Kind.TRAINING and org_kind == Organization.Kind.DEPARTMENT
    )
    demo_sites = [
        {"name": row["venue__name"], "events": row["n"]}
        for row in held.filter(venue__kind=Venue.Kind.FARM)
        .values("venue__name")
        .annotate(n=Count("id"))
        .order_by("-n", "venue__name")
    ]
    programmes = _names_by_count(
        match
        for title in held.filter(kind=Event.Kind.BROADCAST).values_list("title", flat=True)
        for match in re.findall(r"《[^》]+》", title)
    )
    youth = _names_by_count(
        title.split("：")[0].split(":")[0]
        for title in held.filter(audience=Event.Audience.STUDENTS).values_list("title", flat=True)
    )
    new_rural = Organization.objects.filter(
        association_id__in=associations,
        kind=Organization.Kind.RURAL_TECH_ASSOCIATION,
        founded_on__gte=date(year, 1, 1),
        founded_on__lte=date(year, 12, 31),
    ).order_by("founded_on", "name")
    science_centers = list(
        held.filter(venue__kind=Venue.Kind.SCIENCE_CENTER)
        .values_list("venue__name", flat=True)
        .distinct()
        .order_by("venue__name")
    )
    both = held.filter(kind=Event.Kind.CONSULTATION, is_countryside_trip=True).count()
    counties = list(
        Association.objects.filter(parent_id=association_id)
        .order_by("region__name")
        .values_list("region__name", flat=True)
    )
    # issue 14 item 3: the demonstration bases running at the year's end, from their register.
    from outreach.models import DemonstrationBase

    registered = list(
        DemonstrationBase.objects.filter(association_id__in=associations)
        .filter(F_.standing_at(date(year, 12, 31), born="established_on", gone="closed_on"))
        .order_by("kind", "name")
        .values_list("name", flat=True)
    )
    return {
        **registers_named(association_ids=associations, year=year, held=held),
        "demo_bases_registered": registered,
        "campaigns": campaigns,
        "training_topics": topics,
        "training_partners": training_partners,
        "demo_sites": demo_sites,
        "programmes": programmes,
        "youth_activities": youth,
        "new_rural_tech": list(new_rural.values_list("name", flat=True)),
        "science_centers": science_centers,
        "countryside_consultations": both,
        "manual": manual_figure_rows(association_ids=associations, year=year),
        "counties": counties,
        **media_and_contest_records(association_ids=associations, year=year),
    }


# --- media and contests (outreach) -----------------------------------------------------------------


def media_and_contest_records(*, association_ids: list[int], year: int) -> dict:
    """What the summary names from the media and contest records of the year: the columns that aired
    (《name》 with their outlet, most episodes first) and the contests held or entered (by date)."""
    from outreach.models import Contest, MediaColumn

    columns = (
        MediaColumn.objects.filter(association_id__in=association_ids, episodes__aired_on__year=year)
        .annotate(n=Count("episodes"))
        .order_by("-n", "name")
    )
    contests = Contest.objects.filter(association_id__in=association_ids, held_on__year=year).order_by(
        "held_on", "name"
    )
    return {
        "media_columns": [{"name": c.name, "outlet": c.outlet, "kind": c.kind, "episodes": c.n} for c in columns],
        "contests": [{"name": c.name, "kind": c.kind} for c in contests],
    }


# The kinds of site the summary names when repaired, the larger first (a window or a board is one of many).
REPAIRED_NAMED_FIRST = ("activity_centre", "gallery", "farmers_school", "reading_room", "e_station", "other")


def registers_named(*, association_ids: list[int], year: int, held: QuerySet[Event]) -> dict:
    """What the summary names from the registers, beside their figures (the rows of stats.figures' row sets):
    the sites repaired (the larger first), the county-level galleries, whom the year's support went to, the
    partners of the running bases, what the rural technical associations introduced at the bases they run
    with the association, the lectures the societies gave and the paper reviews with their entries and prizes."""
    from outreach.models import Contest, ContestEntry, DemonstrationBase

    period = (association_ids, date(year, 1, 1), date(year, 12, 31))
    repaired = sorted(
        F_.sites_repaired(*period).values_list("kind", "name"),
        key=lambda kind_name: (
            REPAIRED_NAMED_FIRST.index(kind_name[0]) if kind_name[0] in REPAIRED_NAMED_FIRST else 99,
            kind_name[1],
        ),
    )
    supported: dict[str, list[str]] = {}
    for kind, name in (
        F_.supports_given(*period).order_by("date", "organization__name").values_list("kind", "organization__name")
    ):
        if name not in supported.setdefault(kind, []):
            supported[kind].append(name)
    bases = F_.bases_running(*period)
    # The institutes, departments and companies behind the bases (a rural association is named for its results).
    partners = _names_by_count(
        DemonstrationBase.partners.through.objects.filter(demonstrationbase__in=bases)
        .exclude(organization__kind=Organization.Kind.RURAL_TECH_ASSOCIATION)
        .order_by("organization__name")
        .values_list("organization__name", flat=True)
    )
    rural_results = []
    rural = Organization.objects.filter(
        association_id__in=association_ids, kind=Organization.Kind.RURAL_TECH_ASSOCIATION, bases__in=bases
    ).distinct()
    for association in rural.order_by("name"):
        results = F_.base_results(*period).filter(base__partners=association)
        totals = results.aggregate(varieties=Sum("varieties"), techniques=Sum("techniques"))
        if totals["varieties"] or totals["techniques"]:
            rural_results.append(
                {
                    "name": association.name,
                    "bases": sorted({r.base.name for r in results}),
                    "varieties": totals["varieties"] or 0,
                    "techniques": totals["techniques"] or 0,
                }
            )
    society_kinds = (Organization.Kind.SOCIETY, Organization.Kind.ENTERPRISE_ASSOCIATION)
    lectures = held.filter(kind=Event.Kind.LECTURE, partners__kind__in=society_kinds).distinct()
    reviews = [
        {
            "name": contest.name,
            "entries": ContestEntry.objects.filter(contest=contest).count(),
            "prizes": ContestEntry.objects.filter(contest=contest).exclude(award="").count(),
        }
        for contest in F_.contests_of(*period).filter(kind=Contest.Kind.PAPERS).order_by("held_on", "name")
    ]
    return {
        "repaired_sites_named": [name for _kind, name in repaired],
        "county_galleries": F_.sites_standing(*period)
        .filter(kind="gallery", region__level=Region.Level.COUNTY)
        .count(),
        "support_names": supported,
        "base_partners": partners,
        "rural_tech_results": rural_results,
        "society_lectures": {
            "events": lectures.count(),
            "societies": _names_by_count(
                Event.partners.through.objects.filter(event__in=lectures, organization__kind__in=society_kinds)
                .order_by("organization__name")
                .values_list("organization__name", flat=True)
            ),
            # A lecture's subject is its title without the word lecture (水果管理技术讲座 → 水果管理技术).
            "topics": _names_by_count(
                topic
                for title in lectures.values_list("title", flat=True)
                if title.endswith("讲座")
                and (topic := title.removesuffix("讲座").removesuffix("知识").removesuffix("科普").strip())
            ),
        },
        "paper_reviews": reviews,
    }


def manual_figure_rows(*, association_ids: list[int], year: int) -> dict[str, dict]:
    """The hand-entered figures of the year by name, summed over the associations (a prefecture rolls its
    counties' up), each with its label and who entered it."""
    rows: dict[str, dict] = {}
    for figure in (
        AnnualFigure.objects.filter(association_id__in=association_ids, year=year)
        .select_related("association")
        .order_by("name", "association__name")
    ):
        row = rows.setdefault(figure.name, {"name": figure.name, "label": figure.label, "value": 0, "sources": []})
        row["value"] += figure.value
        row["label"] = row["label"] or figure.label
        row["sources"].append(figure.association.name)
    return rows


def campaign_progress(*, association_id: int, year: int, today: date | None = None) -> list[dict]:
    """Each campaign of the year with its figures, its targets and whether it is behind."""
    today = today or timezone.localdate()
    campaigns = Campaign.objects.filter(
        association_id__in=F_.association_tree(association_id),
        starts_on__lte=date(year, 12, 31),
        ends_on__gte=date(year, 1, 1),
    ).order_by("starts_on", "name")
    targets: dict[int, list[CampaignTarget]] = {}
    for target in CampaignTarget.objects.filter(campaign__in=campaigns):
        targets.setdefault(target.campaign_id, []).append(target)
    # The stored tallies in one query, not one per campaign: a prefecture's page lists every county's
    # campaigns (bench/province). Without the breakdowns, which this list does not show.
    scopes = {campaign.id: F_.campaign_scope(campaign) for campaign in campaigns}
    stored = {
        tally.key: tally
        for tally in Tally.objects.filter(key__in=[scope.key for scope in scopes.values()]).defer(
            "breakdowns", "record_counts"
        )
    }
    result = []
    for campaign in campaigns:
        scope = scopes[campaign.id]
        tally = stored.get(scope.key) or tally_for(scope)
        elapsed = _elapsed_share(campaign.starts_on, campaign.ends_on, today)
        rows = []
        for target in targets.get(campaign.id, []):
            actual = tally.figures.get(target.figure) or 0
            share = float(actual) / float(target.target)
            rows.append(
                {
                    "figure": target.figure,
                    "label": str(target.get_figure_display()),
                    "target": float(target.target),
                    "actual": actual,
                    "pct": round(share * 100, 1),
                    # Behind: less of the target reached than of the campaign's time spent.
                    "behind": share < elapsed,
                }
            )
        result.append(
            {
                "campaign": campaign,
                "figures": tally.figures,
                "evidence": tally.evidence,
                "computed_at": tally.computed_at,
                "elapsed_pct": round(elapsed * 100),
                "targets": rows,
                "behind": any(r["behind"] for r in rows),
            }
        )
    return result


def _elapsed_share(starts_on: date, ends_on: date, today: date) -> float:
    if today < starts_on:
        return 0.0
    if today >= ends_on:
        return 1.0
    return ((today - starts_on).days + 1) / ((ends_on - starts_on).days + 1)


# --- the records behind a figure ------------------------------------------------------------

# Which held events a figure rests on.
FIGURE_EVENTS = {figure.name: figure.among.q for figure in F_.FIGURES if figure.among is not None}


def events_behind(*, association_id: int, year: int, figure: str) -> QuerySet[Event]:
    """The held events of the year a figure is computed from, with their counted records."""
    live = counted_checkins("checkins__")
    return (
        _year_events(association_id, year)
        .filter(FIGURE_EVENTS.get(figure, Q()))
        .select_related("venue", "campaign")
        .annotate(
            scanned=Count("checkins", filter=live & Q(checkins__method__in=F_.SCANNED_METHODS), distinct=True),
            manual=Count("checkins", filter=live & Q(checkins__method__in=F_.MANUAL_METHODS), distinct=True),
            headcount_rows=Count("headcounts", distinct=True),
        )
        .order_by("starts_at")
    )


def event_records(*, event: Event) -> dict:
    checkins = (
        CheckIn.objects.filter(event=event)
        .select_related("attendee", "attendee__region__parent")
        .order_by("scanned_at")
    )
    return {"checkins": checkins, "headcounts": Headcount.objects.filter(event=event).order_by("counted_at")}


def todays_events(*, association_id: int, now: datetime | None = None) -> list[dict]:
    """Today's events with their live counts, straight from the records."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = timezone.make_aware(datetime.combine(today, time.min))
    events = (
        Event.objects.filter(
            association_id__in=F_.association_tree(association_id),
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=1),
        )
        .exclude(status__in=F_.NOT_HELD_STATUSES)
        .select_related("venue")
        .annotate(
            checked_in=Count("checkins", filter=counted_checkins("checkins__")),
            # A subquery, not a join: joined with the check-ins the sum would be multiplied by them.
            headcount=Coalesce(
                Subquery(
                    Headcount.objects.filter(event=OuterRef("pk"))
                    .values("event")
                    .annotate(total=Sum("count"))
                    .values("total")
                ),
                0,
            ),
        )
        .order_by("starts_at")
    )
    return [
        {
            "event": event,
            "checked_in": event.checked_in,
            "headcount": event.headcount,
            "running": event.starts_at <= now < event.ends_at,
        }
        for event in events
    ]


def association_by_id(association_id: int) -> Association:
    return Association.objects.get(id=association_id)


def register_rows(*, association_id: int, year: int, figure: str, key: str = "") -> QuerySet:
    """The register's rows a registry figure of the year is made of (Figure.register), those of one key
    (a kind, a source…) if asked; ordered by their date, newest last."""
    register = F_.BY_NAME[figure].register
    assert register is not None, figure
    rows = register.rows(F_.year_scope(association_id, year))
    if key and register.key:
        rows = rows.filter(**{register.key: key})
    return rows.order_by(*([register.dated] if register.dated else []), "pk")


def register_row(row, register: F_.Register) -> dict:
    """One row as the records page shows it: the record, its key's name, its date and what it adds."""
    dated = row
    for part in (register.dated or "").split("__"):
        dated = getattr(dated, part, None) if part else None
    return {
        "record": str(row),
        "key": getattr(row, f"get_{register.key}_display")() if register.key else "",
        "date": dated.date() if isinstance(dated, datetime) else dated,
        "value": (getattr(row, register.value) or 0) if register.value else 1,
    }


def register_total(rows: QuerySet, register: F_.Register):
    """What the rows add up to: the figure (a keyed one's keys added up; money rounded per key, as the figure)."""
    if register.value is None:
        return rows.count()
    if not register.key:
        return sum((getattr(row, register.value) or 0) for row in rows)
    by_key: dict[str, Decimal] = {}
    for row in rows:
        by_key[getattr(row, register.key)] = by_key.get(getattr(row, register.key), Decimal(0)) + (
            getattr(row, register.value) or 0
        )
    return sum(F_.yuan(v) for v in by_key.values()) if register.money else sum(by_key.values())
