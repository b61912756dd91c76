"""The figures of the summary: each defined once (FIGURES, docs/figures.md), computed in the database.

Every record-based figure comes from a handful of grouped aggregate queries
(COUNT, SUM, COUNT(DISTINCT …)) over the events held in a scope; only their
grouped rows (per event, per method, per region…) reach Python, never the
check-ins themselves. The same code computes an event, a campaign and a
period, so the figures of one scope never disagree with another's.

"In scope": events of the association (and its child associations, for a
prefecture) whose start falls in the period in Asia/Shanghai, that are not
draft or cancelled and have started ("held"). Check-ins, headcounts,
sign-ups, outputs and partners count when their event is held in scope;
annulled check-ins never count, nor self check-ins waiting for an organizer's
review (checkin.models.counted_checkins, the condition of the tally index).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from checkin.models import COUNTED_CHECKINS_SQL, Attendee, CheckIn, Headcount, counted_checkins
from events.models import (
    Association,
    Campaign,
    CountyEnrolment,
    Event,
    EventOutput,
    Organization,
    OrganizationMembership,
    OrganizationSupport,
    Region,
    Venue,
)
from events.selectors import association_subtree_ids, region_subtree_ids
from kepu.lookups import among
from outreach.models import (
    BaseYear,
    Contest,
    ContestEntry,
    DemonstrationBase,
    FundingRecord,
    MediaEpisode,
    NewsReport,
    Site,
    SiteBooks,
    SiteRepair,
)
from volunteers.models import SignUp, Volunteer

SCANNED_METHODS = (CheckIn.Method.STAFF_SCAN, CheckIn.Method.SELF, CheckIn.Method.OFFLINE)
MANUAL_METHODS = (CheckIn.Method.PAPER, CheckIn.Method.MANUAL)
NOT_HELD_STATUSES = (Event.Status.DRAFT, Event.Status.CANCELLED)
NO_CAMPAIGN = "none"
HEADCOUNT_CATEGORY = "headcount"  # people counted at open events, whose category nobody asked


@dataclass(frozen=True)
class Scope:
    """What a tally covers: one event, one campaign, or a period of an association."""

    kind: str  # "event" | "campaign" | "period"
    association_id: int
    event_id: int | None = None
    campaign_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None  # inclusive
    # A period of one township of the county (a township organizer's figures): the events whose venue
    # lies in the town's subtree, the villages of the town; none of the county's registers.
    town_id: int | None = None

    @property
    def key(self) -> str:
        if self.kind == "event":
            return f"event:{self.event_id}"
        if self.kind == "campaign":
            return f"campaign:{self.campaign_id}"
        starts_on, ends_on = self.period
        town = f":town:{self.town_id}" if self.town_id is not None else ""
        return f"period:{self.association_id}:{starts_on.isoformat()}:{ends_on.isoformat()}{town}"

    @property
    def event_pk(self) -> int:
        """The event of an event scope (which has one)."""
        assert self.event_id is not None, self
        return self.event_id

    @property
    def period(self) -> tuple[date, date]:
        """The first and last day of a period scope (which has both)."""
        assert self.starts_on is not None and self.ends_on is not None, self
        return self.starts_on, self.ends_on

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "association_id": self.association_id,
            "event_id": self.event_id,
            "campaign_id": self.campaign_id,
            "starts_on": self.starts_on.isoformat() if self.starts_on else None,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
            "town_id": self.town_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Scope":
        return cls(
            kind=data["kind"],
            association_id=data["association_id"],
            event_id=data.get("event_id"),
            campaign_id=data.get("campaign_id"),
            starts_on=date.fromisoformat(data["starts_on"]) if data.get("starts_on") else None,
            ends_on=date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None,
            town_id=data.get("town_id"),
        )

    @property
    def year(self) -> int | None:
        return self.ends_on.year if self.ends_on else None


def event_scope(event: Event) -> Scope:
    return Scope(kind="event", association_id=event.association_id, event_id=event.id)


def campaign_scope(campaign: Campaign) -> Scope:
    return Scope(
        kind="campaign",
        association_id=campaign.association_id,
        campaign_id=campaign.id,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
    )


def period_scope(association_id: int, starts_on: date, ends_on: date) -> Scope:
    return Scope(kind="period", association_id=association_id, starts_on=starts_on, ends_on=ends_on)


def year_scope(association_id: int, year: int) -> Scope:
    return period_scope(association_id, date(year, 1, 1), date(year, 12, 31))


def township_year_scope(association_id: int, town_id: int, year: int) -> Scope:
    """A year of one township of the association's county: its part of the county's figures."""
    return Scope(
        kind="period",
        association_id=association_id,
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
        town_id=town_id,
    )


# --- the figures, each defined once ----------------------------------------------------------------
#
# A figure is one entry of FIGURES: its name in the tallies and the summary's placeholders, its label,
# its unit, the tallies that hold it, how one event's records give it and how a campaign or a period
# rolls it up. Everything else (the appendix, the dashboard's cards, the records behind a figure, the
# campaign targets' choices, the known placeholders) is read from here. docs/figures.md says in words
# what each one counts; a test fails when a figure is missing there.

EVERY_SCOPE = ("event", "campaign", "period")
ROLLUPS = ("campaign", "period")  # figures of many events only
PERIODS = ("period",)  # the registries, as of a period's end


class Rollup(StrEnum):
    """How the figure of a campaign or a period comes from its events' records."""

    SUM = "sum"  # the events' figures added up
    SUM_BY_KEY = "sum by key"  # one figure per kind (outputs) or venue, each added up
    DISTINCT = "distinct"  # counted again over the whole scope, each person or unit once
    WHOLE = "whole"  # read for the scope as a whole: its regions, its pupils enrolled
    RATIO = "ratio"  # one figure of the scope over another, in percent rounded down to one decimal
    REGISTRY = "registry"  # the registries at the end of the period, whatever the events


class Across(StrEnum):
    """How a parent association's figure comes from its children's: a county's from its townships', a
    prefecture's from its counties' submitted snapshots (reporting), a province's from its prefectures'.

    Only an additive figure may be summed from snapshots; the others are recounted from the records (a
    person who came in two counties is one person of the prefecture) or recomputed from parts that add up.
    """

    ADD = "add"  # counts and sums: the children's figures added up (keyed ones key by key)
    RECOUNT = "recount"  # distinct people or units: counted again over the records, never summed
    RATIO = "ratio"  # a percentage: recomputed from its two parts when both add up, else per child only


# A figure's `across` when its definition does not say: what its rollup makes it. A figure of the scope as a
# whole (Rollup.WHOLE) must say, as nothing about "whole" tells whether its children's figures add up.
ACROSS_OF_ROLLUP = {
    "sum": Across.ADD,
    "sum by key": Across.ADD,
    "distinct": Across.RECOUNT,
    "ratio": Across.RATIO,
    # Each association's registers are its own records, none shared with another association's.
    "registry": Across.ADD,
}


@dataclass(frozen=True)
class EventFilter:
    """The held events a figure counts: one condition, for the database (the records behind a figure)
    and for an event's row as the computation reads it (its `values()`)."""

    q: Q
    test: Callable[[Mapping[str, Any]], bool]


CONSULTATIONS = EventFilter(Q(kind=Event.Kind.CONSULTATION), lambda e: e["kind"] == Event.Kind.CONSULTATION)
COUNTRYSIDE_TRIPS = EventFilter(Q(is_countryside_trip=True), lambda e: bool(e["is_countryside_trip"]))
TRAININGS = EventFilter(Q(kind=Event.Kind.TRAINING), lambda e: e["kind"] == Event.Kind.TRAINING)
AT_SCIENCE_CENTERS = EventFilter(
    Q(venue__kind=Venue.Kind.SCIENCE_CENTER), lambda e: e["venue__kind"] == Venue.Kind.SCIENCE_CENTER
)


@dataclass(frozen=True)
class HeldEvent:
    """One held event with its grouped records (_grouped_records): what a per-event figure reads."""

    event: Mapping[str, Any]  # id, kind, is_countryside_trip, venue_id; campaigns and periods add venue__kind
    row: dict
    person_times: int  # check-ins and headcounts
    split: dict[str, int]  # the person-times by evidence: scanned, manual, estimated


@dataclass(frozen=True)
class Whole:
    """A campaign or a period as a whole: what the figures that are not sums of their events read."""

    held_ids: list[int]
    reach: "Reach"
    grassroots: frozenset[int]  # the villages and communities of the association's counties
    reached: frozenset[int]  # those an event was held in or a resident checked in from
    enrolled: int | None  # pupils enrolled in the counties that year (CountyEnrolment), if entered
    association_ids: list[int]
    starts_on: date | None
    ends_on: date | None

    @cached_property
    def registries(self) -> dict[str, Any]:
        """The organizations and experts as of the end of a period (the only scope whose figures read them)."""
        assert self.starts_on is not None and self.ends_on is not None
        return _registries(self.association_ids, self.starts_on, self.ends_on)

    @cached_property
    def sites(self) -> dict[str, Any]:
        """The science-popularization sites as of the end of a period (outreach.models.Site)."""
        assert self.starts_on is not None and self.ends_on is not None
        return _site_registry(self.association_ids, self.starts_on, self.ends_on, self.grassroots)

    @cached_property
    def media(self) -> dict[str, Any]:
        """The media work and the contests of a period (outreach: episodes, reports, contests' entries)."""
        assert self.starts_on is not None and self.ends_on is not None
        return _media_and_contests(self.association_ids, self.starts_on, self.ends_on)

    @cached_property
    def bases(self) -> dict[str, Any]:
        """The demonstration bases and their year's results (outreach.models.DemonstrationBase); issue 14 item 3."""
        assert self.starts_on is not None and self.ends_on is not None
        return _base_registry(self.association_ids, self.starts_on, self.ends_on, self.held_ids)

    @cached_property
    def funding(self) -> dict[str, Any]:
        """The period's income by source and spending by use (outreach.models.FundingRecord); issue 14 item 6."""
        assert self.starts_on is not None and self.ends_on is not None
        return _funding_registry(self.association_ids, self.starts_on, self.ends_on)

    def units(self) -> int:
        """Partner organizations of the events, each once."""
        partners = Event.partners.through.objects.filter(among("event_id", self.held_ids))
        return partners.aggregate(n=Count("organization_id", distinct=True))["n"]

    def volunteers(self) -> int:
        """Volunteers with an attended sign-up at the events, each once."""
        attended = SignUp.objects.filter(among("shift__event_id", self.held_ids), status=SignUp.Status.ATTENDED)
        return attended.aggregate(n=Count("volunteer_id", distinct=True))["n"]


@dataclass(frozen=True)
class Register:
    """Where a registry figure's rows come from: the register's rows that make the figure in a period (the
    records behind it, on the dashboard), and how they make it. One definition, read by the records page and
    checked by the tests against the figure: the rows' count (or the sum of `value`), per `key` for a keyed
    figure, is the figure (money in whole yuan per key, as `yuan` rounds it)."""

    rows: Callable[["Scope"], QuerySet]  # the rows of a period scope, for its association and those below it
    value: str | None = None  # the field (or annotation) each row adds: minutes, books…; None: each row is one
    key: str | None = None  # the field whose value keys a keyed figure: kind, source, prize level…
    dated: str | None = None  # the date shown beside each row (built, aired, published…)
    money: bool = False  # the sums are yuan: each key's sum rounded to whole yuan


@dataclass(frozen=True)
class Target:
    """A figure a campaign may set a target for: its place in the form's list and its label there."""

    place: int
    label: Promise


@dataclass(frozen=True)
class Figure:
    """One figure of the tallies, the dashboard and the summary: its whole definition (docs/figures.md)."""

    name: str
    label: Promise | None  # in the appendix, on the dashboard and the records page; None: never shown by name
    unit: str  # what one of it is (docs/figures.md); "%" figures are worded as percentages
    rollup: Rollup
    scopes: tuple[str, ...] = EVERY_SCOPE  # the tallies that hold it
    per_event: Callable[[HeldEvent], Any] | None = None  # one held event's figure (of the events `among`)
    among: EventFilter | None = None  # the held events it counts; None: every held event
    evidence: bool = False  # its person-times split into scanned, manual and estimated, event by event
    whole: Callable[[Whole], Any] | None = None  # campaigns and periods: computed over the scope as a whole
    whole_evidence: Callable[[Whole], dict[str, int]] | None = None  # the same for its evidence, if it has some
    ratio_of: tuple[str, str] | None = None  # (part, whole) for a RATIO
    keyed: bool = False  # a number per kind (or venue): {key: n}; its label, if any, names the key: %(kind)s
    source: tuple[str, str] | None = None  # the appendix's "source" when it has no evidence: (Chinese, English)
    headline: int | None = None  # its place among the dashboard's cards (1 first); None: no card
    target: Target | None = None
    # How it goes up a level (Across; docs/figures.md "Across levels"); None: as its rollup says.
    across: Across | None = None
    register: Register | None = None  # a registry figure's rows: the records behind it are these, not events

    def __post_init__(self) -> None:
        # A definition that no tally could compute fails when Kepu starts, not in a tally.
        if self.across is None:
            if self.rollup not in ACROSS_OF_ROLLUP:
                raise ValueError(f"{self.name}: a {self.rollup} figure says how it goes up a level (across)")
            object.__setattr__(self, "across", ACROSS_OF_ROLLUP[self.rollup])
        summed = self.rollup in (Rollup.SUM, Rollup.SUM_BY_KEY)
        if "event" in self.scopes and self.per_event is None:
            raise ValueError(f"{self.name}: an event's tally holds it, so it needs per_event")
        if summed and self.per_event is None:
            raise ValueError(f"{self.name}: a sum needs per_event")
        if self.rollup == Rollup.SUM_BY_KEY and not self.keyed:
            raise ValueError(f"{self.name}: a sum by key is keyed")
        if (self.rollup == Rollup.RATIO) != (self.ratio_of is not None):
            raise ValueError(f"{self.name}: a ratio, and only a ratio, names ratio_of")
        if not summed and self.rollup != Rollup.RATIO and self.whole is None:
            raise ValueError(f"{self.name}: a {self.rollup} figure needs whole")
        if (self.rollup == Rollup.REGISTRY) != (self.register is not None):
            raise ValueError(f"{self.name}: a registry figure, and only one, says where its rows come from")

    @property
    def adds_up(self) -> bool:
        """Whether a parent's figure is the sum of its children's (Across.ADD)."""
        return self.across == Across.ADD

    @property
    def wording(self) -> str:
        """The form the summary and the dashboard write it in by default (stats.wording.FORMATS)."""
        return "pct" if self.unit == "%" else "approx"

    def zero(self) -> Any:
        return {} if self.keyed else 0

    def counts(self, held: HeldEvent) -> bool:
        return self.among is None or self.among.test(held.event)

    def of_event(self, held: HeldEvent) -> Any:
        """The figure of one held event: zero for an event it does not count."""
        if self.per_event is None or not self.counts(held):
            return self.zero()
        return self.per_event(held)


# --- the registers' rows: what each registry figure counts, read by the figure and by its records ---------
#
# Each takes the associations and the period and returns the rows of one register that make a figure
# (Figure.register names them): the figure is their count, or the sum of a field, per key when keyed.


def organizations_standing(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet:
    """Organizations standing at the period's end (founded by then, not dissolved by then), each with its
    members of the period's year (`year_members`: its entry for that year, else its latest earlier one)."""
    return (
        Organization.objects.filter(association_id__in=association_ids)
        .filter(standing_at(ends_on, born="founded_on", gone="dissolved_on"))
        .annotate(year_members=_latest_entry(OrganizationMembership, "organization", "members", ends_on.year))
    )


def organizations_founded(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet:
    return organizations_standing(association_ids, starts_on, ends_on).filter(founded_on__gte=starts_on)


def supports_given(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[OrganizationSupport]:
    return OrganizationSupport.objects.filter(
        organization__association_id__in=association_ids, date__gte=starts_on, date__lte=ends_on
    ).select_related("organization")


def experts_registered(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[Volunteer]:
    """Expert volunteers registered by the end of the period."""
    return Volunteer.objects.filter(
        association_id__in=association_ids,
        is_expert=True,
        created_at__lt=_local_midnight(ends_on + timedelta(days=1)),
    ).select_related("user")


def sites_standing(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet:
    """Sites standing at the period's end (built by then, not retired by then), each with its books of the
    period's year (`year_books`: its entry for that year, else its latest earlier one) and its last repair
    within the period (`repaired_in_period`, None if it had none)."""
    return (
        Site.objects.filter(association_id__in=association_ids)
        .filter(standing_at(ends_on, born="built_on", gone="retired_on"))
        .annotate(
            year_books=_latest_entry(SiteBooks, "site", "books", ends_on.year),
            repaired_in_period=Subquery(
                SiteRepair.objects.filter(site=OuterRef("pk"), repaired_on__gte=starts_on, repaired_on__lte=ends_on)
                .order_by("-repaired_on")
                .values("repaired_on")[:1]
            ),
        )
        .select_related("region")
    )


def sites_built(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet:
    return sites_standing(association_ids, starts_on, ends_on).filter(built_on__gte=starts_on)


def sites_repaired(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet:
    """Standing sites repaired within the period: a site repaired twice is one repaired site."""
    return sites_standing(association_ids, starts_on, ends_on).filter(repaired_in_period__isnull=False)


def sites_with_books(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet:
    return sites_standing(association_ids, starts_on, ends_on).filter(year_books__gt=0)


def villages_with_sites(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[Region]:
    """The villages and communities a standing site stands in (a site checks that its place is of its county)."""
    standing = sites_standing(association_ids, starts_on, ends_on).values("region_id")
    return Region.objects.filter(id__in=standing, level__in=Region.GRASSROOTS_LEVELS).select_related("parent")


def episodes_aired(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[MediaEpisode]:
    return MediaEpisode.objects.filter(
        column__association_id__in=association_ids, aired_on__gte=starts_on, aired_on__lte=ends_on
    ).select_related("column")


def episodes_on_air(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[MediaEpisode]:
    """The period's episodes with minutes on air (print pages and posts have none)."""
    return episodes_aired(association_ids, starts_on, ends_on).filter(minutes__gt=0)


def reports_published(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[NewsReport]:
    return NewsReport.objects.filter(
        association_id__in=association_ids, published_on__gte=starts_on, published_on__lte=ends_on
    )


def contests_of(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[Contest]:
    return Contest.objects.filter(association_id__in=association_ids, held_on__gte=starts_on, held_on__lte=ends_on)


def contest_entries_of(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[ContestEntry]:
    """The entries of the period's contests, by the contest's date."""
    contests = contests_of(association_ids, starts_on, ends_on)
    return ContestEntry.objects.filter(contest__in=contests).select_related("contest")


def entries_with_pupils(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[ContestEntry]:
    return contest_entries_of(association_ids, starts_on, ends_on).filter(pupils__gt=0)


def entries_awarded(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[ContestEntry]:
    return contest_entries_of(association_ids, starts_on, ends_on).exclude(award="")


def bases_running(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[DemonstrationBase]:
    return (
        DemonstrationBase.objects.filter(association_id__in=association_ids)
        .filter(standing_at(ends_on, born="established_on", gone="closed_on"))
        .select_related("region")
    )


def base_results(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[BaseYear]:
    """The results entered for the period's years by every base (one closed during the year still reports)."""
    return BaseYear.objects.filter(
        base__association_id__in=association_ids, year__gte=starts_on.year, year__lte=ends_on.year
    ).select_related("base")


def base_trainings_held(association_ids: list[int], held_ids: Iterable[int]) -> QuerySet[Event]:
    """The held trainings linked to a base of the associations, each once."""
    linked = DemonstrationBase.events.through.objects.filter(demonstrationbase__association_id__in=association_ids)
    return Event.objects.filter(
        among("id", list(held_ids)), kind=Event.Kind.TRAINING, id__in=linked.values("event_id")
    ).select_related("venue")


def funding_dated(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[FundingRecord]:
    return FundingRecord.objects.filter(association_id__in=association_ids, date__gte=starts_on, date__lte=ends_on)


def income_of(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[FundingRecord]:
    return funding_dated(association_ids, starts_on, ends_on).filter(direction=FundingRecord.Direction.INCOME)


def spending_of(association_ids: list[int], starts_on: date, ends_on: date) -> QuerySet[FundingRecord]:
    return funding_dated(association_ids, starts_on, ends_on).filter(direction=FundingRecord.Direction.SPENDING)


def _in_period(rows: Callable[[list[int], date, date], QuerySet]) -> Callable[[Scope], QuerySet]:
    """A register's rows for a period scope: of its association and those below it."""

    def of_scope(scope: Scope) -> QuerySet:
        return rows(association_tree(scope.association_id), *scope.period)

    return of_scope


def _base_trainings_of(scope: Scope) -> QuerySet[Event]:
    return base_trainings_held(association_tree(scope.association_id), held_events(scope).values_list("id", flat=True))


def _one(held: HeldEvent) -> int:
    return 1


def _person_times(held: HeldEvent) -> int:
    return held.person_times


def _experts(held: HeldEvent) -> int:
    return held.row["expert_signups"]


def _students_evidence(whole: Whole) -> dict[str, int]:
    students, scanned = whole.reach.students, whole.reach.students_scanned
    return {"scanned": scanned, "manual": students - scanned, "estimated": 0}


# In the appendix's order (the summary's), the figures never shown by name beside the ones they complete.
FIGURES = (
    Figure(
        "units_participating",
        gettext_lazy("Departments and units taking part"),
        "units",
        Rollup.DISTINCT,
        per_event=lambda held: held.row["partners"],
        whole=Whole.units,
        source=("活动的合作单位（去重）", "partner organizations of the events, each once"),
        headline=3,
        target=Target(7, gettext_lazy("Units taking part")),
    ),
    Figure(
        "expert_person_times",
        gettext_lazy("Experts and science workers (person-times)"),
        "person-times",
        Rollup.SUM,
        per_event=_experts,
        source=("专家志愿者的到岗记录", "attended expert sign-ups"),
        headline=9,
        target=Target(6, gettext_lazy("Experts and science workers (person-times)")),
    ),
    Figure(
        "coverage_pct",
        gettext_lazy("Coverage of villages and communities (%)"),
        "%",
        Rollup.RATIO,
        scopes=ROLLUPS,
        ratio_of=("villages_reached", "villages_total"),
        headline=4,
        target=Target(4, gettext_lazy("Coverage (%)")),
    ),
    Figure(
        "villages_reached",
        gettext_lazy("Villages and communities reached"),
        "villages",
        Rollup.WHOLE,
        scopes=ROLLUPS,
        across=Across.ADD,  # each village lies in one town and one county
        whole=lambda whole: len(whole.reached),
        source=("办过活动或有居民签到的村（社区）", "villages with an event or a resident's check-in"),
    ),
    Figure(
        "villages_total",
        gettext_lazy("Villages and communities of the county"),
        "villages",
        Rollup.WHOLE,
        scopes=ROLLUPS,
        across=Across.ADD,  # each village lies in one town and one county
        whole=lambda whole: len(whole.grassroots),
        source=("区划登记中的村（社区）", "villages and communities of the region registry"),
    ),
    Figure(
        "beneficiaries_person_times",
        gettext_lazy("Direct beneficiaries (person-times)"),
        "person-times",
        Rollup.SUM,
        per_event=_person_times,
        evidence=True,
        headline=1,
        target=Target(1, gettext_lazy("Beneficiaries (person-times)")),
    ),
    Figure(
        "checkins", None, "check-ins", Rollup.SUM, per_event=lambda held: held.person_times - held.split["estimated"]
    ),
    Figure("headcount_people", None, "people", Rollup.SUM, per_event=lambda held: held.split["estimated"]),
    Figure(
        "events_held",
        gettext_lazy("Events held"),
        "events",
        Rollup.SUM,
        per_event=_one,
        source=("已举办的活动", "events held"),
        headline=2,
        target=Target(2, gettext_lazy("Events held")),
    ),
    Figure(
        "consultation_sessions",
        gettext_lazy("Consultation sessions"),
        "events",
        Rollup.SUM,
        per_event=_one,
        among=CONSULTATIONS,
        source=("科技咨询类活动", "consultation events"),
    ),
    Figure(
        "consultation_person_times",
        gettext_lazy("People consulted (person-times)"),
        "person-times",
        Rollup.SUM,
        per_event=_person_times,
        among=CONSULTATIONS,
        evidence=True,
        headline=7,
    ),
    Figure(
        "countryside_trips",
        gettext_lazy("Three-to-the-countryside trips"),
        "events",
        Rollup.SUM,
        per_event=_one,
        among=COUNTRYSIDE_TRIPS,
        source=("标为“三下乡”的活动", "events marked as countryside trips"),
    ),
    Figure(
        "countryside_expert_person_times",
        gettext_lazy("Experts on countryside trips (person-times)"),
        "person-times",
        Rollup.SUM,
        per_event=_experts,
        among=COUNTRYSIDE_TRIPS,
        source=("“三下乡”活动中专家的到岗记录", "attended expert sign-ups on trips"),
    ),
    Figure(
        "countryside_person_times",
        gettext_lazy("Villagers reached by countryside trips (person-times)"),
        "person-times",
        Rollup.SUM,
        per_event=_person_times,
        among=COUNTRYSIDE_TRIPS,
        evidence=True,
        headline=8,
    ),
    Figure(
        "students_participating",
        gettext_lazy("Primary and secondary pupils taking part"),
        "people",
        Rollup.DISTINCT,
        # One live check-in per attendee and event (a unique constraint): per event, check-ins are people.
        per_event=lambda held: held.row["categories"].get(Attendee.Category.STUDENT, 0),
        whole=lambda whole: whole.reach.students,
        whole_evidence=_students_evidence,
        headline=5,
        target=Target(5, gettext_lazy("Students taking part")),
    ),
    Figure(
        "students_enrolled",
        gettext_lazy("Pupils enrolled in the county"),
        "people",
        Rollup.WHOLE,
        scopes=ROLLUPS,
        across=Across.ADD,  # each county enters its own enrolment
        whole=lambda whole: whole.enrolled,
        source=("人工填报的在校生人数", "the enrolment entered by hand"),
    ),
    Figure(
        "student_participation_pct",
        gettext_lazy("Pupil participation rate (%)"),
        "%",
        Rollup.RATIO,
        scopes=ROLLUPS,
        ratio_of=("students_participating", "students_enrolled"),
    ),
    Figure(
        "trainings_held",
        gettext_lazy("Training classes held"),
        "events",
        Rollup.SUM,
        per_event=_one,
        among=TRAININGS,
        source=("培训类活动", "training events"),
    ),
    Figure(
        "trainees_person_times",
        gettext_lazy("Trainees (person-times)"),
        "person-times",
        Rollup.SUM,
        per_event=_person_times,
        among=TRAININGS,
        evidence=True,
        headline=6,
        target=Target(3, gettext_lazy("Trainees (person-times)")),
    ),
    Figure(
        "science_center_person_times",
        gettext_lazy("Visitors to the science centre (person-times)"),
        "person-times",
        Rollup.SUM,
        scopes=ROLLUPS,
        per_event=_person_times,
        among=AT_SCIENCE_CENTERS,
        evidence=True,
    ),
    Figure(
        "venue_person_times",
        gettext_lazy("Visitors at %(venue)s (person-times)"),
        "person-times per venue",
        Rollup.SUM_BY_KEY,
        per_event=lambda held: {str(held.event["venue_id"]): held.person_times},
        keyed=True,
    ),
    Figure(
        "volunteers_active",
        gettext_lazy("Volunteers who served"),
        "people",
        Rollup.DISTINCT,
        per_event=lambda held: held.row["volunteers"],
        whole=Whole.volunteers,
        source=("有到岗记录的志愿者（去重）", "volunteers with an attended sign-up, each once"),
        headline=10,
    ),
    Figure(
        "volunteer_hours",
        gettext_lazy("Volunteer hours"),
        "hours",
        Rollup.SUM,
        per_event=lambda held: held.row["hours"],
        source=("志愿者到岗记录的时长", "hours of the attended sign-ups"),
        headline=11,
        target=Target(8, gettext_lazy("Volunteer hours")),
    ),
    Figure(
        "expert_volunteers",
        gettext_lazy("Expert volunteers registered"),
        "people",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.registries["expert_volunteers"],
        source=("志愿者登记中的专家", "experts of the volunteer registry"),
        register=Register(_in_period(experts_registered), dated="created_at"),
    ),
    # The outputs are labelled by their kind (summary.OUTPUT_LABELS).
    Figure(
        "outputs", None, "per kind of output", Rollup.SUM_BY_KEY, per_event=lambda held: held.row["outputs"], keyed=True
    ),
    Figure(
        "organizations",
        gettext_lazy("Organizations: %(kind)s"),
        "organizations per kind",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.registries["organizations"],
        keyed=True,
        register=Register(_in_period(organizations_standing), key="kind", dated="founded_on"),
    ),
    Figure(
        "members",
        gettext_lazy("Members: %(kind)s"),
        "members per kind of organization",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.registries["members"],
        keyed=True,
        register=Register(_in_period(organizations_standing), value="year_members", key="kind", dated="founded_on"),
    ),
    Figure(
        "new_organizations",
        gettext_lazy("Founded this year: %(kind)s"),
        "organizations per kind",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.registries["new_organizations"],
        keyed=True,
        register=Register(_in_period(organizations_founded), key="kind", dated="founded_on"),
    ),
    Figure(
        "support_given",
        gettext_lazy("Support given to organizations: %(kind)s"),
        "times per kind of support",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.registries["support_given"],
        keyed=True,
        register=Register(_in_period(supports_given), key="kind", dated="date"),
    ),
    # The science-popularization sites (outreach.models.Site), labelled by their kind.
    Figure(
        "sites",
        gettext_lazy("Science popularization sites: %(kind)s"),
        "sites per kind",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.sites["sites"],
        keyed=True,
        register=Register(_in_period(sites_standing), key="kind", dated="built_on"),
    ),
    Figure(
        "new_sites",
        gettext_lazy("Sites built this year: %(kind)s"),
        "sites per kind",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.sites["new_sites"],
        keyed=True,
        register=Register(_in_period(sites_built), key="kind", dated="built_on"),
    ),
    Figure(
        "repaired_sites",
        gettext_lazy("Sites repaired this year: %(kind)s"),
        "sites per kind",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.sites["repaired_sites"],
        keyed=True,
        register=Register(_in_period(sites_repaired), key="kind", dated="repaired_in_period"),
    ),
    Figure(
        "site_books",
        gettext_lazy("Books in the reading rooms"),
        "books",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.sites["site_books"],
        source=("科普阵地登记：各图书室当年的藏书", "the register of sites: each reading room's books that year"),
        register=Register(_in_period(sites_with_books), value="year_books", dated="built_on"),
    ),
    Figure(
        "site_villages",
        gettext_lazy("Villages and communities with a science site"),
        "villages",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.sites["site_villages"],
        source=(
            "科普阵地登记：年底有阵地的村（社区）",
            "the register of sites: villages with a site at the year's end",
        ),
        register=Register(_in_period(villages_with_sites)),
    ),
    Figure(
        "site_coverage_pct",
        gettext_lazy("Villages and communities with a science site (%)"),
        "%",
        Rollup.RATIO,
        scopes=PERIODS,
        ratio_of=("site_villages", "villages_total"),
    ),
    # --- media and contests (outreach: MediaColumn and its episodes, NewsReport, Contest and its entries)
    Figure(
        "media_episodes",
        gettext_lazy("Media episodes and posts"),
        "episodes",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.media["media_episodes"],
        source=("媒体栏目登记：当年播出或刊发的各期", "the media columns: episodes aired or posted that year"),
        register=Register(_in_period(episodes_aired), dated="aired_on"),
    ),
    Figure(
        "media_minutes",
        gettext_lazy("Minutes on air"),
        "minutes",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.media["media_minutes"],
        source=("媒体栏目登记：当年各期的播出时长", "the media columns: minutes on air of that year's episodes"),
        register=Register(_in_period(episodes_on_air), value="minutes", dated="aired_on"),
    ),
    Figure(
        "news_reports",
        gettext_lazy("News reports published"),
        "reports",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.media["news_reports"],
        source=("新闻报道登记：当年刊发的报道", "the news reports published that year"),
        register=Register(_in_period(reports_published), dated="published_on"),
    ),
    Figure(
        "contests_held",
        gettext_lazy("Contests and reviews"),
        "contests",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.media["contests_held"],
        source=("竞赛评比登记：当年举办或参加的竞赛", "the contests and reviews held or entered that year"),
        register=Register(_in_period(contests_of), dated="held_on"),
    ),
    Figure(
        "contest_entries",
        gettext_lazy("Contest entries"),
        "entries",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.media["contest_entries"],
        source=("竞赛评比登记：当年竞赛的参赛作品", "the entries of that year's contests"),
        register=Register(_in_period(contest_entries_of), dated="contest__held_on"),
    ),
    Figure(
        "contest_pupils",
        gettext_lazy("Pupils entering contests (person-times)"),
        "person-times",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.media["contest_pupils"],
        source=("竞赛评比登记：参赛作品的中小学生人数", "the entries of that year's contests: the pupils each names"),
        register=Register(_in_period(entries_with_pupils), value="pupils", dated="contest__held_on"),
    ),
    Figure(
        "contest_prizes",
        gettext_lazy("Prizes won: %(kind)s"),
        "prizes per level",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.media["contest_prizes"],
        keyed=True,
        register=Register(_in_period(entries_awarded), key="award_level", dated="contest__held_on"),
    ),
    # --- issue 14 item 3: demonstration bases, parks and projects (outreach.models.DemonstrationBase) ---
    Figure(
        "demonstration_bases",
        gettext_lazy("Demonstration bases: %(kind)s"),
        "bases per kind",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.bases["demonstration_bases"],
        keyed=True,
        register=Register(_in_period(bases_running), key="kind", dated="established_on"),
    ),
    Figure(
        "varieties_introduced",
        gettext_lazy("Varieties introduced at the demonstration bases"),
        "varieties",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.bases["varieties_introduced"],
        source=("示范基地登记：各基地当年的成果", "the register of demonstration bases: each one's results that year"),
        register=Register(_in_period(base_results), value="varieties"),
    ),
    Figure(
        "techniques_introduced",
        gettext_lazy("Techniques introduced at the demonstration bases"),
        "techniques",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.bases["techniques_introduced"],
        source=("示范基地登记：各基地当年的成果", "the register of demonstration bases: each one's results that year"),
        register=Register(_in_period(base_results), value="techniques"),
    ),
    Figure(
        "households_reached",
        gettext_lazy("Households reached by the demonstration bases"),
        "households",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.bases["households_reached"],
        source=("示范基地登记：各基地当年的成果", "the register of demonstration bases: each one's results that year"),
        register=Register(_in_period(base_results), value="households"),
    ),
    Figure(
        "base_trainings",
        gettext_lazy("Trainings held at the demonstration bases"),
        "events",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.bases["base_trainings"],
        source=("示范基地登记中关联的培训活动", "the trainings linked to the demonstration bases"),
        register=Register(_base_trainings_of, dated="starts_at"),
    ),
    # --- issue 14 item 6: funding (outreach.models.FundingRecord), in whole yuan ---
    Figure(
        "funding_income",
        gettext_lazy("Income: %(kind)s"),
        "yuan per source",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.funding["funding_income"],
        keyed=True,
        register=Register(_in_period(income_of), value="amount", key="source", dated="date", money=True),
    ),
    Figure(
        "funding_spent",
        gettext_lazy("Spending: %(kind)s"),
        "yuan per use",
        Rollup.REGISTRY,
        scopes=PERIODS,
        whole=lambda whole: whole.funding["funding_spent"],
        keyed=True,
        register=Register(_in_period(spending_of), value="amount", key="use", dated="date", money=True),
    ),
)
BY_NAME = {figure.name: figure for figure in FIGURES}
# The figures named by a label of their own: the appendix's rows, the dashboard's records pages.
LABELLED = tuple(figure for figure in FIGURES if figure.label is not None and not figure.keyed)
# The dashboard's cards, in their order.
HEADLINE = tuple(sorted((f for f in FIGURES if f.headline), key=lambda f: f.headline or 0))
# CampaignTarget.figure's choices, in the form's order (a change here is a migration).
TARGET_CHOICES = [
    (f.name, f.target.label)
    for f in sorted(FIGURES, key=lambda f: f.target.place if f.target else 0)
    if f.target is not None
]


@dataclass
class Computed:
    """The result of one computation: the scope's figures and the per-event figures behind them."""

    figures: dict[str, Any]
    evidence: dict[str, dict[str, int]]
    breakdowns: dict[str, Any]
    record_counts: dict[str, int]
    per_event: dict[int, dict[str, Any]] = field(default_factory=dict)


association_tree = association_subtree_ids  # the association and the ones below it


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def held_events(scope: Scope, *, now: datetime | None = None) -> QuerySet[Event]:
    """The events of a scope that took place: the base of every figure."""
    now = now or timezone.now()
    return Event.objects.filter(starts_at__lte=now).exclude(status__in=NOT_HELD_STATUSES).filter(_in_scope(scope))


def _in_scope(scope: Scope, prefix: str = "") -> Q:
    """The events a scope covers, held or not; `prefix` reaches them from another model ("event__")."""
    if scope.kind == "event":
        return Q(**{f"{prefix}id": scope.event_id})
    if scope.kind == "campaign":
        return Q(**{f"{prefix}campaign_id": scope.campaign_id})
    starts_on, ends_on = scope.period
    in_period = Q(
        **{
            f"{prefix}association_id__in": association_tree(scope.association_id),
            f"{prefix}starts_at__gte": _local_midnight(starts_on),
            f"{prefix}starts_at__lt": _local_midnight(ends_on + timedelta(days=1)),
        }
    )
    if scope.town_id is not None:
        in_period &= Q(**{f"{prefix}venue__region_id__in": region_subtree_ids(scope.town_id)})
    return in_period


def _num(value: Decimal | int | None) -> int | float:
    """JSON-friendly: whole numbers as int, others as float."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _pct(part: int, whole: int | None) -> float | None:
    """A percentage rounded DOWN to one decimal: 143 of 149 is 95.9, never 96.0 ("96%以上" would overstate it)."""
    if not whole:
        return None
    return (part * 1000 // whole) / 10


def _evidence() -> dict[str, int]:
    return {"scanned": 0, "manual": 0, "estimated": 0}


def _new_event_row() -> dict[str, Any]:
    return {
        "methods": defaultdict(int),
        "categories": defaultdict(int),
        "headcount_people": 0,
        "headcount_rows": 0,
        "expert_signups": 0,
        "signups": 0,
        "hours": Decimal(0),
        "volunteers": 0,
        "partners": 0,
        "outputs": defaultdict(Decimal),
        "output_rows": 0,
    }


_COUNTED = ("checkins", "headcounts", "signups", "outputs", "partners")


def _grouped_records(held_ids: list[int], *, checkins: bool = True) -> tuple[dict[int, dict], dict[str, int]]:
    """Per-event aggregates of check-ins (by method and by the attendees' category), headcounts, sign-ups,
    partners and outputs. Without `checkins`, the caller counts those itself (Batch, on PostgreSQL)."""
    rows: dict[int, dict] = defaultdict(_new_event_row)
    counts = dict.fromkeys(_COUNTED, 0)
    if checkins:
        live_checkins = CheckIn.objects.filter(counted_checkins(), among("event_id", held_ids))
        for row in live_checkins.values("event_id", "attendee_category", "method").annotate(n=Count("id")).order_by():
            counts["checkins"] += _count_checkins(
                rows[row["event_id"]], row["attendee_category"], row["method"], row["n"]
            )
    headcounts = Headcount.objects.filter(among("event_id", held_ids))
    for headcount in headcounts.values("event_id").annotate(people=Sum("count"), n=Count("id")).order_by():
        rows[headcount["event_id"]]["headcount_people"] += headcount["people"] or 0
        rows[headcount["event_id"]]["headcount_rows"] += headcount["n"]
        counts["headcounts"] += headcount["n"]
    attended = SignUp.objects.filter(among("shift__event_id", held_ids), status=SignUp.Status.ATTENDED)
    for signups in (
        attended.values("shift__event_id")
        .annotate(
            n=Count("id"),
            experts=Count("id", filter=Q(volunteer__is_expert=True)),
            hours=Sum("hours"),
            volunteers=Count("volunteer_id", distinct=True),
        )
        .order_by()
    ):
        event = rows[signups["shift__event_id"]]
        event["signups"] = signups["n"]
        event["expert_signups"] = signups["experts"]
        event["hours"] = signups["hours"] or Decimal(0)
        event["volunteers"] = signups["volunteers"]
        counts["signups"] += signups["n"]
    partners = Event.partners.through.objects.filter(among("event_id", held_ids))
    for partner in partners.values("event_id").annotate(n=Count("organization_id")).order_by():
        rows[partner["event_id"]]["partners"] = partner["n"]
        counts["partners"] += partner["n"]
    outputs = EventOutput.objects.filter(among("event_id", held_ids))
    for output in outputs.values("event_id", "kind").annotate(q=Sum("quantity"), n=Count("id")).order_by():
        rows[output["event_id"]]["outputs"][output["kind"]] += output["q"] or Decimal(0)
        rows[output["event_id"]]["output_rows"] += output["n"]
        counts["outputs"] += output["n"]
    return rows, counts


def _count_checkins(event_row: dict, category: str, method: str, n: int) -> int:
    event_row["methods"][method] += n
    event_row["categories"][category] += n
    return n


class Batch:
    """The records of many scopes computed at one moment (the full recompute), each aggregate read once.

    The per-event rows of every held event come from one set of grouped
    queries; a campaign or a period adds up its events' rows instead of
    grouping the check-ins again. Whom the scopes reached (regions, distinct
    students) is read once for them all, and scopes with the same events
    (a county's year and its prefecture's) share one result.

    `held_ids` are the events held at one moment, and each scope given to
    the batch comes with its held events at that moment: a scope's
    check-ins are then those of the batch's events that the scope covers.

    On PostgreSQL one pass over the check-ins' tally index gives both the
    per-event rows and the regions the scopes reached, and a second over
    the students' check-ins alone their distinct students (_read_pass);
    elsewhere the reach takes passes of its own (_reach_of).
    """

    def __init__(
        self,
        held_ids: Iterable[int],
        held_by_scope: dict[Scope, list[int]] | None = None,
        *,
        verify_copies: bool = False,
    ):
        self.held_ids = set(held_ids)
        self._reach: dict[tuple[int, ...], Reach] = {}
        # Attendees whose category or home region copied onto their counted check-ins is not theirs
        # (PostgreSQL, with verify_copies: the nightly recompute repairs them and reads again).
        self.stale_copies: set[int] = set()
        scopes = self._scopes_to_read(held_by_scope or {})
        if connection.vendor == "postgresql":
            self.rows, _ = _grouped_records(sorted(self.held_ids), checkins=False)
            self._read_pass(list(scopes), verify_copies=verify_copies)
        else:
            self.rows, _ = _grouped_records(sorted(self.held_ids))
            self._read_reach(scopes)

    @cached_property
    def region_tree(self) -> "_RegionTree":
        """The region registry, read once for all the batch's scopes."""
        return _RegionTree.load()

    def records(self, held_ids: list[int]) -> tuple[dict[int, dict], dict[str, int]]:
        """The per-event rows of these held events and their record counts, as _grouped_records returns them."""
        missing = [i for i in held_ids if i not in self.held_ids]
        rows, counts = _grouped_records(missing) if missing else ({}, dict.fromkeys(_COUNTED, 0))
        for event_id in held_ids:
            if event_id in self.held_ids and event_id in self.rows:
                row = rows[event_id] = self.rows[event_id]
                counts["checkins"] += sum(row["methods"].values())
                counts["headcounts"] += row["headcount_rows"]
                counts["signups"] += row["signups"]
                counts["outputs"] += row["output_rows"]
                counts["partners"] += row["partners"]
        return rows, counts

    def _scopes_to_read(self, held_by_scope: dict[Scope, list[int]]) -> dict[tuple[int, ...], Scope]:
        """The scopes whose events are all in the batch, one per set of events (the key)."""
        scopes: dict[tuple[int, ...], Scope] = {}
        for scope, ids in held_by_scope.items():
            key = tuple(sorted(ids))
            if key not in scopes and self.held_ids.issuperset(key):
                scopes[key] = scope
        return scopes

    def _read_pass(self, keys: list[tuple[int, ...]], *, verify_copies: bool) -> None:
        """PostgreSQL: everything the check-ins give the batch, in one pass over the tally index.

        The counted check-ins of the batch's events are read once (event by event, from the index) and
        grouped two ways at once (GROUPING SETS, hashed): by event, category and method (the per-event
        rows), and by person (attendee, with the copied category and home region). Each event carries a
        bit per set of events given (the scopes: a year, a campaign), so a person's row says in which
        scopes they checked in, and in which they were scanned. The database then sums the people up:
        per scope the distinct students and the scanned ones, per home region the scopes it was reached
        in; only those few rows, and the per-event rows, come back, so memory does not grow with the
        check-ins. With `verify_copies`, the people are also compared with the attendees: whoever's
        copied category or region is not theirs is in `stale_copies` (the nightly job repairs them).
        """
        bits = [key for key in keys if key]
        if () in keys:
            self._reach[()] = Reach()  # a scope that held no event reached nobody
        words = max(1, -(-len(bits) // _MASK_BITS))
        masks: dict[int, list[int]] = {event_id: [0] * words for event_id in self.held_ids}
        for bit, key in enumerate(bits):
            for event_id in key:
                masks[event_id][bit // _MASK_BITS] |= 1 << (bit % _MASK_BITS)
        events = sorted(masks)
        params: list[Any] = [events, *([masks[e][w] for e in events] for w in range(words))]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{_PASS_WORK_MEM}'")  # the people's hash table, in memory
            cursor.execute("SET LOCAL jit = off")  # compiling the statement costs more than it saves here
            # The people are compared with the attendees by hashing the attendees (a nested loop would look
            # each one up); the pass over the events stays a nested loop, which its LATERAL requires.
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(_pass_sql(words, verify_copies), params)
            found = cursor.fetchall()
        regions: list[set[int]] = [set() for _ in bits]
        students = [[0, 0] for _ in bits]
        for kind, a, category, method, n, *scope_words in found:
            if kind == "e":
                _count_checkins(self.rows[a], category, method, n)
            elif kind == "r":
                for bit in range(len(bits)):
                    if scope_words[bit // _MASK_BITS] >> (bit % _MASK_BITS) & 1:
                        regions[bit].add(a)
            elif kind in ("s", "c"):  # students with these scope bits; "c": scanned in these scopes
                column = 0 if kind == "s" else 1
                for bit in range(len(bits)):
                    if scope_words[bit // _MASK_BITS] >> (bit % _MASK_BITS) & 1:
                        students[bit][column] += n
            elif kind == "d":
                self.stale_copies.add(a)
        for bit, key in enumerate(bits):
            self._reach[key] = Reach(frozenset(regions[bit]), *students[bit])

    def _read_reach(self, scopes: dict[tuple[int, ...], Scope]) -> None:
        """Whom many scopes reached, in one pass over the check-ins (with a filter per scope)."""
        keys = list(scopes)
        everything = tuple(sorted(self.held_ids))
        for first in range(0, len(keys), 30):  # a few dozen columns per scope and query
            chunk = keys[first : first + 30]
            # A scope of all the batch's events (the year, often) needs no filter.
            parts = [Q() if k == everything else _in_scope(scopes[k], "event__") for k in chunk]
            found = _reach_of(list(everything), parts)
            self._reach.update(zip(chunk, found, strict=True))

    def reach(self, held_ids: list[int]) -> "Reach":
        """Whom these held events reached: read with the batch when they were given as a scope's."""
        key = tuple(sorted(held_ids))
        if key not in self._reach:
            self._reach[key] = _reach(held_ids)
        return self._reach[key]


_MASK_BITS = 62  # scopes per bigint word of a person's mask (bit 63 is the sign)


# The pass's hash tables (one row per person of the batch: about 24 MB for 100,000 attendees) stay in memory
# up to this; beyond, PostgreSQL spills them to disk, slower but correct. For this one statement only.
_PASS_WORK_MEM = "64MB"


def _pass_sql(words: int, verify_copies: bool) -> str:
    """The statement of Batch._read_pass for masks of `words` bigints (parameters: the event ids, then a
    mask array per word)."""
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    attendees = connection.ops.quote_name(Attendee._meta.db_table)
    scanned = ", ".join(f"'{method}'" for method in SCANNED_METHODS)
    student = Attendee.Category.STUDENT.value
    w = range(words)
    mask_columns = ", ".join(f"w{k}" for k in w)
    unnest = ", ".join(["%s::bigint[]"] * (words + 1))
    per_person = ", ".join(
        f"BIT_OR(m.w{k}) AS w{k}, COALESCE(BIT_OR(m.w{k}) FILTER (WHERE c.method IN ({scanned})), 0) AS s{k}" for k in w
    )
    nulls = ", ".join("NULL::bigint" for _ in w)
    parts = [f"SELECT 'e', event_id, category, method, n, {nulls} FROM g WHERE per_person = 0"]
    parts.append(
        f"SELECT 'r', region, NULL, NULL, NULL, {', '.join(f'BIT_OR(w{k})' for k in w)} "
        "FROM g WHERE per_person = 1 AND region IS NOT NULL GROUP BY region"
    )
    # The students grouped by their scope bits: a few rows, whose bits Python counts (_read_pass).
    parts.append(
        f"SELECT 's', NULL, NULL, NULL, COUNT(*), {', '.join(f'w{k}' for k in w)} FROM g "
        f"WHERE per_person = 1 AND category = '{student}' GROUP BY {', '.join(f'w{k}' for k in w)}"
    )
    parts.append(
        f"SELECT 'c', NULL, NULL, NULL, COUNT(*), {', '.join(f's{k}' for k in w)} FROM g "
        f"WHERE per_person = 1 AND category = '{student}' GROUP BY {', '.join(f's{k}' for k in w)}"
    )
    if verify_copies:
        parts.append(
            f"SELECT DISTINCT 'd', g.attendee_id, NULL, NULL, NULL::bigint, {nulls} FROM g "
            f"JOIN {attendees} a ON a.id = g.attendee_id WHERE g.per_person = 1 "
            "AND (g.category IS DISTINCT FROM a.category OR g.region IS DISTINCT FROM a.region_id)"
        )
    # OFFSET 0 keeps the subquery a nested loop over the events: each event's check-ins from the tally index.
    return (
        f"WITH m (event_id, {mask_columns}) AS (SELECT * FROM unnest({unnest})), "
        "g AS MATERIALIZED ("
        " SELECT c.event_id, c.attendee_category AS category, c.method, c.attendee_id,"
        f" c.attendee_region_id AS region, COUNT(*) AS n, {per_person},"
        " GROUPING(c.event_id) AS per_person"
        " FROM m CROSS JOIN LATERAL ("
        f"  SELECT event_id, attendee_category, method, attendee_id, attendee_region_id FROM {table}"
        f"  WHERE event_id = m.event_id AND {COUNTED_CHECKINS_SQL} OFFSET 0) c"
        " GROUP BY GROUPING SETS ((c.event_id, c.attendee_category, c.method),"
        " (c.attendee_id, c.attendee_category, c.attendee_region_id))"
        ") " + " UNION ALL ".join(parts)
    )


def _held(event: Mapping[str, Any], row: dict) -> HeldEvent:
    """One held event with its records, its person-times (check-ins + headcounts) and how they split by evidence."""
    scanned = sum(row["methods"].get(m, 0) for m in SCANNED_METHODS)
    manual = sum(row["methods"].get(m, 0) for m in MANUAL_METHODS)
    estimated = row["headcount_people"]
    split = {"scanned": scanned, "manual": manual, "estimated": estimated}
    return HeldEvent(event=event, row=row, person_times=scanned + manual + estimated, split=split)


def _natural(key: str) -> tuple:
    """Venues (ids) in numeric order, kinds in alphabetical order."""
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _plain(value: Any) -> Any:
    """A summed figure as the tallies store it: JSON-friendly numbers, a keyed figure's keys in order."""
    if isinstance(value, dict):
        return {key: _num(n) for key, n in sorted(value.items(), key=lambda kv: _natural(kv[0]))}
    return _num(value)


EVENT_FIGURES = tuple(f for f in FIGURES if "event" in f.scopes)


def _event_figures(held: HeldEvent) -> dict[str, Any]:
    """The figures of one held event, from its grouped rows."""
    return {f.name: _plain(f.of_event(held)) for f in EVENT_FIGURES}


def _event_evidence(held: HeldEvent) -> dict[str, dict[str, int]]:
    return {f.name: dict(held.split) if f.counts(held) else _evidence() for f in EVENT_FIGURES if f.evidence}


def compute_events(scope: Scope, *, now: datetime | None = None) -> dict[int, Computed]:
    """Per-event tallies of every event held in a scope."""
    return compute_events_of(held_events(scope, now=now))


def compute_events_of(held: QuerySet[Event], *, batch: Batch | None = None) -> dict[int, Computed]:
    """Per-event tallies of these held events, from one set of grouped queries (or the batch's rows)."""
    events = list(held.values("id", "kind", "is_countryside_trip", "venue_id"))
    if batch is not None and all(e["id"] in batch.held_ids for e in events):
        rows = batch.rows
    else:
        # The ids themselves, not a subquery: PostgreSQL then reads a campaign's check-ins by index.
        rows, _ = _grouped_records([e["id"] for e in events])
    result = {}
    for event in events:
        row = rows.get(event["id"]) or _new_event_row()
        one = _held(event, row)
        result[event["id"]] = Computed(
            figures=_event_figures(one),
            evidence=_event_evidence(one),
            breakdowns={
                "by_category": _categories(row),
                "by_method": dict(sorted(row["methods"].items())),
            },
            record_counts={
                "checkins": one.split["scanned"] + one.split["manual"],
                "headcounts": row["headcount_rows"],
                "signups": row["signups"],
                "outputs": sum(1 for _ in row["outputs"]),
            },
        )
    return result


def zero_event() -> Computed:
    """The tally of an event that has not taken place (yet, or at all)."""
    return Computed(
        figures={f.name: f.zero() for f in EVENT_FIGURES},
        evidence={f.name: _evidence() for f in EVENT_FIGURES if f.evidence},
        breakdowns={},
        record_counts={},
    )


def compute_event(event_id: int, *, now: datetime | None = None) -> Computed:
    """One event's tally; zeros for an event that has not taken place (yet)."""
    event = Event.objects.get(id=event_id)
    return compute_events(event_scope(event), now=now).get(event_id) or zero_event()


def _categories(row: dict) -> dict[str, int]:
    categories = {k: v for k, v in row["categories"].items() if v}
    if row["headcount_people"]:
        categories[HEADCOUNT_CATEGORY] = row["headcount_people"]
    return dict(sorted(categories.items()))


@dataclass(frozen=True)
class Reach:
    """Whom a scope's check-ins reached, each person once: their home regions and the students among them."""

    regions: frozenset[int] = frozenset()
    students: int = 0
    students_scanned: int = 0  # students scanned at least once; the others are on paper or entered by hand


def _reach(held_ids: list[int]) -> Reach:
    return _reach_of(held_ids, [Q()])[0]


def _reach_of(held_ids: list[int], parts: list[Q]) -> list[Reach]:
    """The Reach of several parts of these held events (each a filter on the check-ins), in two passes.

    Both read the attendees' copy on the check-ins (CheckIn.attendee_category), not the attendees.
    The regions come grouped by region, with a count per part; the students as _students_of counts them.
    """
    if not held_ids:
        return [Reach() for _ in parts]
    live = CheckIn.objects.filter(counted_checkins(), among("event_id", held_ids))
    per_part = {f"n{i}": Count("id", filter=part) if part else Count("id") for i, part in enumerate(parts)}
    regions: list[set[int]] = [set() for _ in parts]
    for row in live.filter(attendee_region__isnull=False).values("attendee_region_id").annotate(**per_part).order_by():
        counts: Mapping[str, Any] = row  # the per-part counts' keys are made up above
        for i, found in enumerate(regions):
            if counts[f"n{i}"]:
                found.add(row["attendee_region_id"])
    students = _students_of(held_ids, parts)
    return [Reach(frozenset(found), *students[i]) for i, found in enumerate(regions)]


def _students_of(held_ids: list[int], parts: list[Q]) -> list[tuple[int, int]]:
    """Per part of these held events: how many distinct students checked in, and how many of them were
    scanned at least once. The students' check-ins are grouped by person, with a count and a scanned flag
    per part, and those rows are summed up in the database: it is the ORM's SQL, wrapped."""
    live = CheckIn.objects.filter(
        counted_checkins(), among("event_id", held_ids), attendee_category=Attendee.Category.STUDENT
    )
    scanned = Case(When(method__in=SCANNED_METHODS, then=Value(1)), default=Value(0), output_field=IntegerField())
    per_part: dict[str, Count | Max] = {}
    for i, part in enumerate(parts):
        per_part[f"n{i}"] = Count("id", filter=part) if part else Count("id")
        per_part[f"s{i}"] = Max(scanned, filter=part) if part else Max(scanned)
    inner, params = live.values("attendee_id").annotate(**per_part).order_by().query.sql_with_params()
    columns = ", ".join(f"SUM(CASE WHEN s.n{i} > 0 THEN 1 ELSE 0 END), SUM(s.s{i})" for i in range(len(parts)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM ({inner}) s", params)
        found = cursor.fetchone()
    return [(int(found[2 * i] or 0), int(found[2 * i + 1] or 0)) for i in range(len(parts))]


@dataclass
class _RegionTree:
    by_id: dict[int, Mapping[str, Any]]

    @classmethod
    def load(cls) -> "_RegionTree":
        return cls({r["id"]: r for r in Region.objects.values("id", "name", "level", "parent_id")})

    def descendants(self, root_ids: list[int]) -> list[int]:
        children = defaultdict(list)
        for region in self.by_id.values():
            children[region["parent_id"]].append(region["id"])
        found, frontier = [], list(root_ids)
        while frontier:
            found.extend(frontier)
            frontier = [child for parent in frontier for child in children[parent]]
        return found

    def town_of(self, region_id: int | None) -> int | None:
        region = self.by_id.get(region_id) if region_id is not None else None
        while region is not None:
            if region["level"] == Region.Level.TOWN:
                return region["id"]
            region = self.by_id.get(region["parent_id"])
        return None


def compute(scope: Scope, *, now: datetime | None = None, batch: Batch | None = None) -> Computed:
    """Every figure of a campaign or a period, with breakdowns and evidence (from the batch's records, if given)."""
    if scope.kind == "event":
        return compute_event(scope.event_pk, now=now)
    now = now or timezone.now()
    held = held_events(scope, now=now)
    events = list(
        held.values(
            "id",
            "kind",
            "is_countryside_trip",
            "campaign_id",
            "campaign__kind",
            "venue_id",
            "venue__kind",
            "venue__region_id",
            "starts_at",
            "township_id",
        )
    )
    held_ids = [e["id"] for e in events]  # a list, not a subquery: see compute_events_of
    if batch is None:  # a batch of one scope: on PostgreSQL, one pass over its check-ins
        batch = Batch(held_ids, {scope: held_ids})
    rows, record_counts = batch.records(held_ids)
    reach = batch.reach(held_ids)
    record_counts["events"] = len(events)
    association_ids = association_tree(scope.association_id)
    # A township's figures: the county's registers (sites, bases, funding, media…) are not the township's.
    register_ids = association_ids if scope.town_id is None else []

    in_scope = tuple(f for f in FIGURES if scope.kind in f.scopes)
    summed = tuple(f for f in in_scope if f.rollup in (Rollup.SUM, Rollup.SUM_BY_KEY))
    sums: dict[str, Any] = {f.name: defaultdict(int) if f.keyed else 0 for f in summed}
    evidence = {f.name: _evidence() for f in in_scope if f.evidence}
    by_month: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0})
    by_campaign: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0, "units": 0})
    by_kind: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0, "units": 0})
    by_event_kind: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0})
    by_category: dict[str, int] = defaultdict(int)
    by_method: dict[str, int] = defaultdict(int)
    # Per town: every event held there, and those its own township organizers planned (who did what).
    per_town: dict[int | None, dict] = defaultdict(
        lambda: {"events": 0, "person_times": 0, "township_events": 0, "township_person_times": 0}
    )
    venue_ids = {e["venue_id"] for e in events}
    venues = {v["id"]: v for v in Venue.objects.filter(id__in=venue_ids).values("id", "name", "kind")}
    tree = batch.region_tree

    for event in events:
        row = rows.get(event["id"]) or _new_event_row()
        one = _held(event, row)
        for figure in summed:
            if not figure.counts(one):
                continue
            value = figure.of_event(one)
            if figure.keyed:
                for key, n in value.items():
                    sums[figure.name][key] += n
            else:
                sums[figure.name] += value
            if figure.evidence:
                for source, n in one.split.items():
                    evidence[figure.name][source] += n
        person_times = one.person_times
        month = timezone.localtime(event["starts_at"]).strftime("%Y-%m")
        by_month[month]["events"] += 1
        by_month[month]["person_times"] += person_times
        campaign_key = str(event["campaign_id"]) if event["campaign_id"] else NO_CAMPAIGN
        by_campaign[campaign_key]["events"] += 1
        by_campaign[campaign_key]["person_times"] += person_times
        kind_key = event["campaign__kind"] or NO_CAMPAIGN
        by_kind[kind_key]["events"] += 1
        by_kind[kind_key]["person_times"] += person_times
        by_event_kind[event["kind"]]["events"] += 1
        by_event_kind[event["kind"]]["person_times"] += person_times
        if row["headcount_people"]:
            by_category[HEADCOUNT_CATEGORY] += row["headcount_people"]
        for category, n in row["categories"].items():
            by_category[category] += n
        for method, n in row["methods"].items():
            by_method[method] += n
        town = per_town[tree.town_of(event["venue__region_id"])]
        town["events"] += 1
        town["person_times"] += person_times
        if event["township_id"] is not None:
            town["township_events"] += 1
            town["township_person_times"] += person_times

    # Units taking part per campaign and kind of campaign: distinct, as the scope's own figure.
    partners = Event.partners.through.objects.filter(among("event_id", held_ids))
    units = Count("organization_id", distinct=True)
    for of_campaign in partners.values("event__campaign_id").annotate(n=units).order_by():
        by_campaign[str(of_campaign["event__campaign_id"] or NO_CAMPAIGN)]["units"] = of_campaign["n"]
    for of_kind in partners.values("event__campaign__kind").annotate(n=units).order_by():
        by_kind[of_kind["event__campaign__kind"] or NO_CAMPAIGN]["units"] = of_kind["n"]

    # Coverage: villages and communities of the county reached by an event held there or by a resident's check-in.
    associations = list(Association.objects.filter(id__in=association_ids).values("id", "region_id"))
    county_ids = [a["region_id"] for a in associations] if scope.town_id is None else [scope.town_id]
    grassroots = {rid for rid in tree.descendants(county_ids) if tree.by_id[rid]["level"] in Region.GRASSROOTS_LEVELS}
    reached = {e["venue__region_id"] for e in events} | reach.regions
    reached &= grassroots
    enrolled = None
    if scope.year is not None:
        counties = [rid for rid in tree.descendants(county_ids) if tree.by_id[rid]["level"] == Region.Level.COUNTY]
        enrolled = CountyEnrolment.objects.filter(county_id__in=counties, year=scope.year).aggregate(n=Sum("students"))[
            "n"
        ]
    whole = Whole(
        held_ids=held_ids,
        reach=reach,
        grassroots=frozenset(grassroots),
        reached=frozenset(reached),
        enrolled=enrolled,
        association_ids=register_ids,
        starts_on=scope.starts_on,
        ends_on=scope.ends_on,
    )
    values = {name: _plain(total) for name, total in sums.items()}
    for figure in in_scope:
        if figure.whole is not None:
            values[figure.name] = figure.whole(whole)
        if figure.whole_evidence is not None:
            evidence[figure.name] = figure.whole_evidence(whole)
    for figure in in_scope:
        if figure.ratio_of is not None:
            part, of = figure.ratio_of
            values[figure.name] = _pct(values[part], values[of])
    figures = {f.name: values[f.name] for f in in_scope}

    towns = _town_breakdown(tree, county_ids, grassroots, reached, per_town)
    breakdowns = {
        "by_month": dict(sorted(by_month.items())),
        "by_campaign": dict(by_campaign),
        "by_campaign_kind": dict(sorted(by_kind.items())),
        "by_event_kind": dict(sorted(by_event_kind.items())),
        "by_category": dict(sorted(by_category.items())),
        "by_method": dict(sorted(by_method.items())),
        "by_town": towns,
        "venues": {
            str(v["id"]): {"name": v["name"], "kind": v["kind"]} for v in sorted(venues.values(), key=lambda v: v["id"])
        },
    }
    return Computed(figures=figures, evidence=evidence, breakdowns=breakdowns, record_counts=record_counts)


def _town_breakdown(tree: _RegionTree, county_ids, grassroots: set[int], reached: set[int], per_town) -> list[dict]:
    towns = []
    for town_id in tree.descendants(county_ids):
        town = tree.by_id[town_id]
        if town["level"] != Region.Level.TOWN:
            continue
        villages = sorted(
            (rid for rid in tree.descendants([town_id]) if rid in grassroots), key=lambda rid: tree.by_id[rid]["name"]
        )
        towns.append(
            {
                "id": town_id,
                "name": town["name"],
                "events": per_town[town_id]["events"],
                "person_times": per_town[town_id]["person_times"],
                "township_events": per_town[town_id]["township_events"],
                "township_person_times": per_town[town_id]["township_person_times"],
                "villages_total": len(villages),
                "villages_reached": sum(1 for v in villages if v in reached),
                "not_reached": [tree.by_id[v]["name"] for v in villages if v not in reached],
            }
        )
    return sorted(towns, key=lambda t: t["name"])


def standing_at(day: date, *, born: str, gone: str) -> Q:
    """Records that exist at the end of `day`: begun on or before it (or with no date: long ago) and not
    gone by then (`gone` is the first day without them). The one rule of the registries' figures."""
    return (Q(**{f"{born}__isnull": True}) | Q(**{f"{born}__lte": day})) & (
        Q(**{f"{gone}__isnull": True}) | Q(**{f"{gone}__gt": day})
    )


def _latest_entry(model, owner: str, value: str, year: int):
    """A subquery: the owner's yearly entry for `year`, else its latest before it (never a later one)."""
    return Subquery(model.objects.filter(**{owner: OuterRef("pk")}, year__lte=year).order_by("-year").values(value)[:1])


def _registries(association_ids: list[int], starts_on: date, ends_on: date) -> dict[str, Any]:
    """Organizations, their members, the support given and the expert volunteers, as of the end of the period.

    An organization counts when it stands at the period's end (founded by then, not dissolved by then);
    its members are those of its entry for the period's year, else of its latest earlier entry."""
    organizations = organizations_standing(association_ids, starts_on, ends_on)
    counts: dict[str, int] = defaultdict(int)
    members: dict[str, int] = defaultdict(int)
    new: dict[str, int] = defaultdict(int)
    for kind, founded_on, year_members in organizations.values_list("kind", "founded_on", "year_members"):
        counts[kind] += 1
        members[kind] += year_members or 0
        new[kind] += int(founded_on is not None and founded_on >= starts_on)
    support = {
        row["kind"]: row["n"]
        for row in supports_given(association_ids, starts_on, ends_on)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    }
    return {
        "organizations": dict(sorted(counts.items())),
        "members": dict(sorted(members.items())),
        "new_organizations": dict(sorted(new.items())),
        "support_given": support,
        "expert_volunteers": experts_registered(association_ids, starts_on, ends_on).count(),
    }


def _site_registry(association_ids: list[int], starts_on: date, ends_on: date, grassroots: frozenset[int]) -> dict:
    """The science-popularization sites standing at the end of the period (built by then, not retired by
    then): per kind, those of them built and repaired within the period, their books (each one's entry
    for the period's year, else its latest earlier one) and the villages and communities they stand in."""
    standing = sites_standing(association_ids, starts_on, ends_on)
    sites: dict[str, int] = defaultdict(int)
    new: dict[str, int] = defaultdict(int)
    repaired: dict[str, int] = defaultdict(int)
    books, villages = 0, set()
    for kind, built_on, region_id, year_books, repaired_on in standing.values_list(
        "kind", "built_on", "region_id", "year_books", "repaired_in_period"
    ):
        sites[kind] += 1
        new[kind] += int(built_on is not None and built_on >= starts_on)
        repaired[kind] += int(repaired_on is not None)
        books += year_books or 0
        if region_id in grassroots:
            villages.add(region_id)
    return {
        "sites": dict(sorted(sites.items())),
        "new_sites": {k: n for k, n in sorted(new.items()) if n},
        "repaired_sites": {k: n for k, n in sorted(repaired.items()) if n},
        "site_books": books,
        "site_villages": len(villages),
    }


def _media_and_contests(association_ids: list[int], starts_on: date, ends_on: date) -> dict[str, Any]:
    """The period's media work and contests, each record by its own date: an episode by its air date, a
    report by its publication date, a contest's entries and prizes by the contest's date."""
    period = (association_ids, starts_on, ends_on)
    episodes = episodes_aired(*period).aggregate(n=Count("id"), minutes=Sum("minutes"))
    totals = contest_entries_of(*period).aggregate(n=Count("id"), pupils=Sum("pupils"))
    prizes = {
        row["award_level"]: row["n"]
        for row in entries_awarded(*period).values("award_level").annotate(n=Count("id")).order_by("award_level")
    }
    return {
        "media_episodes": episodes["n"],
        "media_minutes": episodes["minutes"] or 0,
        "news_reports": reports_published(*period).count(),
        "contests_held": contests_of(*period).count(),
        "contest_entries": totals["n"],
        "contest_pupils": totals["pupils"] or 0,
        "contest_prizes": prizes,
    }


# --- issue 14 items 3 and 6: demonstration bases and funding ------------------------------------------


def _base_registry(association_ids: list[int], starts_on: date, ends_on: date, held_ids: list[int]) -> dict:
    """The demonstration bases running at the end of the period (established by then, not closed by then)
    per kind; the results entered for the period's years by every base (one closed during the year
    still reports that year's); the held trainings of the period linked to a base, each once."""
    period = (association_ids, starts_on, ends_on)
    running = bases_running(*period).values("kind").annotate(n=Count("id")).order_by("kind")
    results = base_results(*period).aggregate(
        varieties=Sum("varieties"), techniques=Sum("techniques"), households=Sum("households")
    )
    return {
        "demonstration_bases": {row["kind"]: row["n"] for row in running},
        "varieties_introduced": results["varieties"] or 0,
        "techniques_introduced": results["techniques"] or 0,
        "households_reached": results["households"] or 0,
        "base_trainings": base_trainings_held(association_ids, held_ids).count(),
    }


def yuan(amount: Decimal | int | None) -> int:
    """A sum of money in whole yuan, half up (the funding figures)."""
    return int(Decimal(amount or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _funding_registry(association_ids: list[int], starts_on: date, ends_on: date) -> dict:
    """The funding records dated within the period: income per source, spending per use, in whole yuan."""

    def by(records: QuerySet[FundingRecord], key: str) -> dict[str, int]:
        rows = records.values(key).annotate(total=Sum("amount")).order_by(key)
        return {row[key]: yuan(row["total"]) for row in rows if row["total"]}

    return {
        "funding_income": by(income_of(association_ids, starts_on, ends_on), "source"),
        "funding_spent": by(spending_of(association_ids, starts_on, ends_on), "use"),
    }
