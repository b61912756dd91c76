"""The figures of the summary, as DESIGN.md defines them, computed in the database.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from checkin.models import COUNTED_CHECKINS_SQL, Attendee, CheckIn, Headcount, counted_checkins
from events.models import Association, Campaign, CountyEnrolment, Event, EventOutput, Organization, Region, Venue
from events.selectors import association_subtree_ids
from kepu.lookups import among
from volunteers.models import SignUp, Volunteer

SCANNED_METHODS = (CheckIn.Method.STAFF_SCAN, CheckIn.Method.SELF, CheckIn.Method.OFFLINE)
MANUAL_METHODS = (CheckIn.Method.PAPER, CheckIn.Method.MANUAL)
NOT_HELD_STATUSES = (Event.Status.DRAFT, Event.Status.CANCELLED)
NO_CAMPAIGN = "none"
HEADCOUNT_CATEGORY = "headcount"  # people counted at open events, whose category nobody asked

# Figures that are person-times of attendees: each splits into scanned, manual and estimated evidence.
PERSON_TIME_FIGURES = (
    "beneficiaries_person_times",
    "consultation_person_times",
    "countryside_person_times",
    "trainees_person_times",
    "science_center_person_times",
)


@dataclass(frozen=True)
class Scope:
    """What a tally covers: one event, one campaign, or a period of an association."""

    kind: str  # "event" | "campaign" | "period"
    association_id: int
    event_id: int | None = None
    campaign_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "event":
            return f"event:{self.event_id}"
        if self.kind == "campaign":
            return f"campaign:{self.campaign_id}"
        starts_on, ends_on = self.period
        return f"period:{self.association_id}:{starts_on.isoformat()}:{ends_on.isoformat()}"

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
    return Q(
        **{
            f"{prefix}association_id__in": association_tree(scope.association_id),
            f"{prefix}starts_at__gte": _local_midnight(starts_on),
            f"{prefix}starts_at__lt": _local_midnight(ends_on + timedelta(days=1)),
        }
    )


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

    def __init__(self, held_ids: Iterable[int], held_by_scope: dict[Scope, list[int]] | None = None):
        self.held_ids = set(held_ids)
        self._reach: dict[tuple[int, ...], Reach] = {}
        scopes = self._scopes_to_read(held_by_scope or {})
        if connection.vendor == "postgresql":
            self.rows, _ = _grouped_records(sorted(self.held_ids), checkins=False)
            self._read_pass(list(scopes))
        else:
            self.rows, _ = _grouped_records(sorted(self.held_ids))
            self._read_reach(scopes)

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

    def _read_pass(self, keys: list[tuple[int, ...]]) -> None:
        """PostgreSQL: the check-ins' per-event rows and the reach of each set of events, in two passes.

        The check-ins come grouped by event, category and method straight from the tally index, each
        group with its home regions (at most as many as the county has). The groups stream in through
        a server-side cursor and leave only each scope's regions: memory does not grow with the
        check-ins. The distinct students are counted in the database (_students_of), over the
        students' check-ins only, which the same index holds together.
        """
        scopes_of_event: dict[int, list[int]] = defaultdict(list)
        for i, key in enumerate(keys):
            for event_id in key:
                scopes_of_event[event_id].append(i)
        regions: list[set[int]] = [set() for _ in keys]
        table = connection.ops.quote_name(CheckIn._meta.db_table)
        sql = (
            "SELECT event_id, attendee_category, method, COUNT(*),"
            " ARRAY_AGG(DISTINCT attendee_region_id) FILTER (WHERE attendee_region_id IS NOT NULL)"
            f" FROM {table} WHERE {COUNTED_CHECKINS_SQL} AND event_id = ANY(%s) GROUP BY 1, 2, 3"
        )
        with transaction.atomic(), connection.cursor() as settings, connection.chunked_cursor() as cursor:
            # The planner prices hashing a year of groups below reading them in the index's order, which
            # bench/tally measured at less than half the time (and the DISTINCT then sorts small groups).
            settings.execute("SET LOCAL enable_hashagg = off")
            cursor.execute(sql, [sorted(self.held_ids)])
            while groups := cursor.fetchmany(2000):  # iterating would fetch a hundred groups per round trip
                for event_id, category, method, n, group_regions in groups:
                    _count_checkins(self.rows[event_id], category, method, n)
                    for i in scopes_of_event.get(event_id, ()):
                        regions[i].update(group_regions or ())
        everything = tuple(sorted(self.held_ids))
        with_events = [i for i, key in enumerate(keys) if key]
        if () in keys:
            self._reach[()] = Reach()  # a scope that held no event reached nobody
        for first in range(0, len(with_events), 30):  # a few dozen columns per scope and query
            chunk = with_events[first : first + 30]
            parts = [Q() if keys[i] == everything else among("event_id", keys[i]) for i in chunk]
            for i, (students, scanned) in zip(chunk, _students_of(list(everything), parts), strict=True):
                self._reach[keys[i]] = Reach(frozenset(regions[i]), students, scanned)

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


def _person_times(row: dict) -> tuple[int, dict[str, int]]:
    """Check-ins + headcounts of one event, and how they split by evidence."""
    scanned = sum(row["methods"].get(m, 0) for m in SCANNED_METHODS)
    manual = sum(row["methods"].get(m, 0) for m in MANUAL_METHODS)
    estimated = row["headcount_people"]
    return scanned + manual + estimated, {"scanned": scanned, "manual": manual, "estimated": estimated}


def _event_figures(event: Mapping[str, Any], row: dict) -> dict[str, Any]:
    """The figures of one held event, from its grouped rows."""
    person_times, split = _person_times(row)
    is_consultation = event["kind"] == Event.Kind.CONSULTATION
    is_training = event["kind"] == Event.Kind.TRAINING
    is_trip = event["is_countryside_trip"]
    return {
        "events_held": 1,
        "beneficiaries_person_times": person_times,
        "checkins": person_times - split["estimated"],
        "headcount_people": split["estimated"],
        "expert_person_times": row["expert_signups"],
        "consultation_sessions": int(is_consultation),
        "consultation_person_times": person_times if is_consultation else 0,
        "countryside_trips": int(is_trip),
        "countryside_expert_person_times": row["expert_signups"] if is_trip else 0,
        "countryside_person_times": person_times if is_trip else 0,
        "trainings_held": int(is_training),
        "trainees_person_times": person_times if is_training else 0,
        # One live check-in per attendee and event (a unique constraint): per event, check-ins are people.
        "students_participating": row["categories"].get(Attendee.Category.STUDENT, 0),
        "units_participating": row["partners"],
        "volunteers_active": row["volunteers"],
        "volunteer_hours": _num(row["hours"]),
        "outputs": {kind: _num(q) for kind, q in sorted(row["outputs"].items())},
        "venue_person_times": {str(event["venue_id"]): person_times},
        "_split": split,
    }


def _event_evidence(figures: dict) -> dict[str, dict[str, int]]:
    split = figures["_split"]
    zero = _evidence()
    return {
        "beneficiaries_person_times": dict(split),
        "consultation_person_times": dict(split) if figures["consultation_sessions"] else dict(zero),
        "countryside_person_times": dict(split) if figures["countryside_trips"] else dict(zero),
        "trainees_person_times": dict(split) if figures["trainings_held"] else dict(zero),
    }


def _zero_event_figures() -> dict[str, Any]:
    return {
        "events_held": 0,
        "beneficiaries_person_times": 0,
        "checkins": 0,
        "headcount_people": 0,
        "expert_person_times": 0,
        "consultation_sessions": 0,
        "consultation_person_times": 0,
        "countryside_trips": 0,
        "countryside_expert_person_times": 0,
        "countryside_person_times": 0,
        "trainings_held": 0,
        "trainees_person_times": 0,
        "students_participating": 0,
        "units_participating": 0,
        "volunteers_active": 0,
        "volunteer_hours": 0,
        "outputs": {},
        "venue_person_times": {},
    }


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
        figures = _event_figures(event, row)
        evidence = _event_evidence(figures)
        split = figures.pop("_split")
        result[event["id"]] = Computed(
            figures=figures,
            evidence=evidence,
            breakdowns={
                "by_category": _categories(row),
                "by_method": dict(sorted(row["methods"].items())),
            },
            record_counts={
                "checkins": split["scanned"] + split["manual"],
                "headcounts": row["headcount_rows"],
                "signups": row["signups"],
                "outputs": sum(1 for _ in row["outputs"]),
            },
        )
    return result


def zero_event() -> Computed:
    """The tally of an event that has not taken place (yet, or at all)."""
    evidence = {
        name: _evidence()
        for name in (
            "beneficiaries_person_times",
            "consultation_person_times",
            "countryside_person_times",
            "trainees_person_times",
        )
    }
    return Computed(figures=_zero_event_figures(), evidence=evidence, breakdowns={}, record_counts={})


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
            "venue__region_id",
            "starts_at",
        )
    )
    held_ids = [e["id"] for e in events]  # a list, not a subquery: see compute_events_of
    if batch is None:  # a batch of one scope: on PostgreSQL, one pass over its check-ins
        batch = Batch(held_ids, {scope: held_ids})
    rows, record_counts = batch.records(held_ids)
    reach = batch.reach(held_ids)
    record_counts["events"] = len(events)
    association_ids = association_tree(scope.association_id)

    figures: dict[str, Any] = _zero_event_figures()
    evidence = {name: _evidence() for name in PERSON_TIME_FIGURES}
    by_month: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0})
    by_campaign: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0, "units": 0})
    by_kind: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0, "units": 0})
    by_event_kind: dict[str, dict] = defaultdict(lambda: {"events": 0, "person_times": 0})
    by_category: dict[str, int] = defaultdict(int)
    by_method: dict[str, int] = defaultdict(int)
    per_town: dict[int | None, dict] = defaultdict(lambda: {"events": 0, "person_times": 0})
    venue_ids = {e["venue_id"] for e in events}
    venues = {v["id"]: v for v in Venue.objects.filter(id__in=venue_ids).values("id", "name", "kind")}
    tree = _RegionTree.load()
    hours = Decimal(0)
    outputs: dict[str, Decimal] = defaultdict(Decimal)
    venue_person_times: dict[str, int] = defaultdict(int)

    for event in events:
        row = rows.get(event["id"]) or _new_event_row()
        one = _event_figures(event, row)
        split = one.pop("_split")
        for name in (
            "events_held",
            "beneficiaries_person_times",
            "checkins",
            "headcount_people",
            "expert_person_times",
            "consultation_sessions",
            "consultation_person_times",
            "countryside_trips",
            "countryside_expert_person_times",
            "countryside_person_times",
            "trainings_held",
            "trainees_person_times",
        ):
            figures[name] += one[name]
        for name, part in _event_evidence({**one, "_split": split}).items():
            for source, n in part.items():
                evidence[name][source] += n
        hours += row["hours"]
        for kind, q in row["outputs"].items():
            outputs[kind] += q
        person_times = one["beneficiaries_person_times"]
        venue_person_times[str(event["venue_id"])] += person_times
        if venues[event["venue_id"]]["kind"] == Venue.Kind.SCIENCE_CENTER:
            for source, n in split.items():
                evidence["science_center_person_times"][source] += n
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

    # Distinct counts over the whole scope: these cannot be summed from events.
    students, students_scanned = reach.students, reach.students_scanned
    figures["students_participating"] = students
    evidence["students_participating"] = {
        "scanned": students_scanned,
        "manual": students - students_scanned,
        "estimated": 0,
    }
    partners = Event.partners.through.objects.filter(among("event_id", held_ids))
    figures["units_participating"] = partners.aggregate(n=Count("organization_id", distinct=True))["n"]
    for units in partners.values("event__campaign_id").annotate(n=Count("organization_id", distinct=True)).order_by():
        by_campaign[str(units["event__campaign_id"] or NO_CAMPAIGN)]["units"] = units["n"]
    for units_of_kind in (
        partners.values("event__campaign__kind").annotate(n=Count("organization_id", distinct=True)).order_by()
    ):
        by_kind[units_of_kind["event__campaign__kind"] or NO_CAMPAIGN]["units"] = units_of_kind["n"]
    attended = SignUp.objects.filter(among("shift__event_id", held_ids), status=SignUp.Status.ATTENDED)
    figures["volunteers_active"] = attended.aggregate(n=Count("volunteer_id", distinct=True))["n"]
    figures["volunteer_hours"] = _num(hours)
    figures["outputs"] = {kind: _num(q) for kind, q in sorted(outputs.items())}
    figures["venue_person_times"] = dict(sorted(venue_person_times.items(), key=lambda kv: int(kv[0])))
    figures["science_center_person_times"] = sum(
        n for venue_id, n in venue_person_times.items() if venues[int(venue_id)]["kind"] == Venue.Kind.SCIENCE_CENTER
    )

    # Coverage: villages and communities of the county reached by an event held there or by a resident's check-in.
    associations = list(Association.objects.filter(id__in=association_ids).values("id", "region_id"))
    county_ids = [a["region_id"] for a in associations]
    grassroots = {rid for rid in tree.descendants(county_ids) if tree.by_id[rid]["level"] in Region.GRASSROOTS_LEVELS}
    reached = {e["venue__region_id"] for e in events} | reach.regions
    reached &= grassroots
    figures["villages_total"] = len(grassroots)
    figures["villages_reached"] = len(reached)
    figures["coverage_pct"] = _pct(len(reached), len(grassroots))

    year = scope.year
    enrolled = None
    if year is not None:
        counties = [rid for rid in tree.descendants(county_ids) if tree.by_id[rid]["level"] == Region.Level.COUNTY]
        enrolled = CountyEnrolment.objects.filter(county_id__in=counties, year=year).aggregate(n=Sum("students"))["n"]
    figures["students_enrolled"] = enrolled
    figures["student_participation_pct"] = _pct(students, enrolled)

    if scope.kind == "period":
        figures.update(_registries(association_ids, *scope.period))

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
                "villages_total": len(villages),
                "villages_reached": sum(1 for v in villages if v in reached),
                "not_reached": [tree.by_id[v]["name"] for v in villages if v not in reached],
            }
        )
    return sorted(towns, key=lambda t: t["name"])


def _registries(association_ids: list[int], starts_on: date, ends_on: date) -> dict[str, Any]:
    """Organizations, their members and the expert volunteers, as of the end of the period."""
    organizations = Organization.objects.filter(association_id__in=association_ids).filter(
        Q(founded_on__isnull=True) | Q(founded_on__lte=ends_on)
    )
    counts, members, new = {}, {}, {}
    for row in (
        organizations.values("kind")
        .annotate(
            n=Count("id"),
            members=Sum("member_count"),
            new=Count("id", filter=Q(founded_on__gte=starts_on)),
        )
        .order_by("kind")
    ):
        counts[row["kind"]] = row["n"]
        members[row["kind"]] = row["members"] or 0
        new[row["kind"]] = row["new"]
    experts = Volunteer.objects.filter(
        association_id__in=association_ids,
        is_expert=True,
        created_at__lt=_local_midnight(ends_on + timedelta(days=1)),
    ).count()
    return {"organizations": counts, "members": members, "new_organizations": new, "expert_volunteers": experts}
