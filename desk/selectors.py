"""What the desk's home and plan pages read. Every queryset starts from kepu.access's read scope, so an
organizer sees their association (and, for a prefecture, its counties) and nothing else."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from checkin.models import CheckIn, Headcount, Registration, counted_checkins
from events.models import Campaign, Event, EventOutput, Region
from kepu import access
from kepu.access import AnyUser
from notifications.models import Notification
from stats.selectors import campaign_progress
from volunteers.models import Shift
from volunteers.selectors import shifts_short_of_volunteers

# Ended events still waiting for their outputs or attendance, looked for this far back: older ones are the
# annual summary's business (the dashboard), the desk keeps to what is still fresh in memory.
NEEDS_LOOKBACK_DAYS = 30
NEEDS_LIMIT = 10  # rows per kind of "needs a hand"; the page says how many more there are


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _subquery_total(queryset: QuerySet, column: str) -> Coalesce:
    """A per-event total as a subquery: joined with check-ins, a sum over shifts would be multiplied by them."""
    total = queryset.filter(event=OuterRef("pk")).values("event").annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def _subquery_count(queryset: QuerySet) -> Coalesce:
    count = queryset.filter(event=OuterRef("pk")).values("event").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def with_live_figures(events: QuerySet[Event]) -> QuerySet[Event]:
    """Events with their counts read from the records now: check-ins, headcounts, registrations, places."""
    return events.annotate(
        checked_in=_subquery_count(CheckIn.objects.filter(counted_checkins())),
        headcount=_subquery_total(Headcount.objects.all(), "count"),
        registered=_subquery_count(Registration.objects.filter(revoked_at__isnull=True)),
        places=_subquery_total(Shift.objects.all(), "capacity"),
        places_taken=_subquery_total(Shift.objects.all(), "taken"),
        short_shifts=_subquery_count(Shift.objects.filter(taken__lt=F("capacity"))),
    )


def events_between(user: AnyUser, start: datetime, end: datetime) -> QuerySet[Event]:
    """The user's events starting in [start, end), cancelled ones left out, with their live figures.
    Events with short-staffed shifts come first within a day's order of time (see the home page)."""
    events = access.events_for_read(user).filter(starts_at__gte=start, starts_at__lt=end)
    return with_live_figures(events.exclude(status=Event.Status.CANCELLED)).order_by("starts_at", "title")


@dataclass
class Home:
    today: list[Event]
    week: list[Event]
    short_shifts: list[Shift]
    needs: "Needs"


@dataclass
class Needs:
    without_outputs: list[Event] = field(default_factory=list)
    without_attendance: list[Event] = field(default_factory=list)
    to_review: list[Event] = field(default_factory=list)  # annotated .awaiting
    failed_notifications: list[dict] = field(default_factory=list)  # {"event": Event | None, "failed": n}
    campaigns_behind: list[dict] = field(default_factory=list)  # stats.selectors.campaign_progress rows
    more: dict[str, int] = field(default_factory=dict)  # kind → rows beyond NEEDS_LIMIT

    @property
    def count(self) -> int:
        return (
            len(self.without_outputs)
            + len(self.without_attendance)
            + len(self.to_review)
            + len(self.failed_notifications)
            + len(self.campaigns_behind)
            + sum(self.more.values())
        )


def _limited(needs: Needs, kind: str, rows: list) -> list:
    if len(rows) > NEEDS_LIMIT:
        needs.more[kind] = len(rows) - NEEDS_LIMIT
    return rows[:NEEDS_LIMIT]


def needs_a_hand(user: AnyUser, *, now: datetime | None = None) -> Needs:
    """What is waiting for an organizer: ended events missing outputs or attendance, self check-ins flagged for
    review, messages that failed, campaigns behind their targets. Only the user's own association's records:
    a prefecture reads its counties' but does not do their work."""
    now = now or timezone.now()
    write_ids = access.associations_for_write(user)
    needs = Needs()
    if not write_ids and access.township_of(user) is None:  # a partner account plans and reviews nothing
        return needs
    ended = (
        access.events_for_write(user)
        .filter(ends_at__lte=now, ends_at__gte=now - timedelta(days=NEEDS_LOOKBACK_DAYS))
        .exclude(status__in=(Event.Status.CANCELLED, Event.Status.DRAFT))
        .order_by("-ends_at")
    )
    without_outputs = ended.exclude(id__in=EventOutput.objects.values("event_id"))
    needs.without_outputs = _limited(needs, "without_outputs", list(without_outputs))
    without_attendance = ended.exclude(id__in=CheckIn.objects.filter(counted_checkins()).values("event_id")).exclude(
        id__in=Headcount.objects.values("event_id")
    )
    needs.without_attendance = _limited(needs, "without_attendance", list(without_attendance))
    to_review = (
        access.events_for_write(user)
        .filter(checkins__awaiting_review=True, checkins__annulled_at__isnull=True)
        .annotate(awaiting=Count("checkins"))
        .order_by("-starts_at")
    )
    needs.to_review = _limited(needs, "to_review", list(to_review))
    failed = (
        access.notifications_for_write(user)
        .filter(status=Notification.Status.FAILED, created_at__gte=now - timedelta(days=NEEDS_LOOKBACK_DAYS))
        .values("event")
        .annotate(failed=Count("id"))
        .order_by("-failed")
    )
    events = access.events_for_read(user).in_bulk([row["event"] for row in failed if row["event"]])
    rows = [{"event": events.get(row["event"]), "failed": row["failed"]} for row in failed]
    needs.failed_notifications = _limited(needs, "failed_notifications", rows)
    if not write_ids:  # a township organizer: the campaigns' targets are the county's
        return needs
    today = timezone.localdate(now)
    running = [
        row
        for row in campaign_progress(association_id=write_ids[0], year=today.year, today=today)
        if row["behind"]
        and row["campaign"].association_id in write_ids
        and row["campaign"].starts_on <= today <= row["campaign"].ends_on
        and row["campaign"].status != Campaign.Status.CLOSED
    ]
    needs.campaigns_behind = _limited(needs, "campaigns_behind", running)
    return needs


def todays_events(user: AnyUser, *, now: datetime | None = None) -> list[Event]:
    """Today's events with their live figures (the home page refreshes this part by itself)."""
    start = _local_midnight(timezone.localdate(now or timezone.now()))
    return list(events_between(user, start, start + timedelta(days=1)))


def home(user: AnyUser, *, now: datetime | None = None) -> Home:
    """The desk's home page: today, the coming week, the short-staffed shifts and what needs a hand."""
    now = now or timezone.now()
    start = _local_midnight(timezone.localdate(now))
    today = todays_events(user, now=now)
    week = list(events_between(user, start + timedelta(days=1), start + timedelta(days=8)))
    short = list(shifts_short_of_volunteers(association_ids=access.associations_for_read(user), now=now)[:NEEDS_LIMIT])
    return Home(today=today, week=week, short_shifts=short, needs=needs_a_hand(user, now=now))


# --- the plan: lists and the calendar --------------------------------------------------------------


@dataclass
class PlanFilter:
    town: Region | None = None
    kind: str = ""
    campaign: Campaign | None = None
    status: str = ""


def events_filtered(user: AnyUser, plan_filter: PlanFilter) -> QuerySet[Event]:
    events = access.events_for_read(user)
    if plan_filter.town is not None:
        # The venue is in the town or in one of its villages.
        events = events.filter(Q(venue__region=plan_filter.town) | Q(venue__region__parent=plan_filter.town))
    if plan_filter.kind:
        events = events.filter(kind=plan_filter.kind)
    if plan_filter.campaign is not None:
        events = events.filter(campaign=plan_filter.campaign)
    if plan_filter.status:
        events = events.filter(status=plan_filter.status)
    return events


def towns_for(user: AnyUser) -> QuerySet[Region]:
    """The towns of the organizer's counties (their association's region and those below it)."""
    associations = access.associations_for_read(user)
    counties = Region.objects.filter(associations__id__in=associations)
    return Region.objects.filter(
        Q(parent__in=counties) | Q(parent__parent__in=counties), level=Region.Level.TOWN
    ).order_by("name")


def grassroots_for(user: AnyUser) -> QuerySet[Region]:
    """The villages and communities of the organizer's own county (where its events may go)."""
    associations = access.associations_for_write(user)
    counties = Region.objects.filter(associations__id__in=associations)
    return Region.objects.filter(
        Q(parent__parent__in=counties) | Q(parent__parent__parent__in=counties), level__in=Region.GRASSROOTS_LEVELS
    ).order_by("parent__name", "name")


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    events: list[Event]


def month_calendar(
    events: QuerySet[Event], year: int, month: int, *, today: date | None = None
) -> list[list[CalendarDay]]:
    """The month's weeks (Monday first), each day with its events."""
    today = today or timezone.localdate()
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    by_day: dict[date, list[Event]] = {}
    in_range = events.filter(
        starts_at__gte=_local_midnight(first), starts_at__lt=_local_midnight(last + timedelta(days=1))
    )
    for event in in_range.order_by("starts_at", "title"):
        by_day.setdefault(timezone.localdate(event.starts_at), []).append(event)
    return [[CalendarDay(day, day.month == month, day == today, by_day.get(day, [])) for day in week] for week in weeks]
