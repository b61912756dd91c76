"""Reads of the volunteers app (what each user may read is kepu/access.py's to say)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from events.models import Association, Event, Region

from .models import (
    HOLDING,
    LIVE,
    Shift,
    SignUp,
    Volunteer,
    VolunteerInvitation,
    invitation_token_hash,
    next_star_threshold,
    star_level,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # types only: django-stubs is a development tool


def volunteer_of(user: User | AnonymousUser) -> Volunteer | None:
    if not user.is_authenticated:
        return None
    if Volunteer.user.field.remote_field.is_cached(user):  # read with the token (kepu.api.RolesTokenAuthentication)
        return getattr(user, "volunteer", None)
    return Volunteer.objects.filter(user=user).select_related("user", "association", "home_region").first()


def volunteer_with_phone(phone: str) -> Volunteer | None:
    return Volunteer.objects.select_related("association").filter(phone=phone).first()


def invitations_of(association: Association | None) -> QuerySet[VolunteerInvitation]:
    """An association's invitations, newest first (none without an association)."""
    if association is None:
        return VolunteerInvitation.objects.none()
    return VolunteerInvitation.objects.filter(association=association).order_by("-created_at", "-id")


def invitations_pending(association: Association | None, now: datetime | None = None) -> QuerySet[VolunteerInvitation]:
    now = now or timezone.now()
    return invitations_of(association).filter(accepted_at__isnull=True, expires_at__gt=now)


def invitation_for_token(token: str) -> VolunteerInvitation | None:
    """The invitation a link's token opens, or None (only the token's hash is stored)."""
    return (
        VolunteerInvitation.objects.select_related("association")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def open_events(
    *,
    association_id: int | None = None,
    town: Region | None = None,
    on: date | None = None,
    skill_id: int | None = None,
    near: Region | None = None,
    now: datetime | None = None,
) -> QuerySet[Event]:
    """Published events still to come that have shifts; those in the `near` town first ("near me")."""
    now = now or timezone.now()
    shifts = Shift.objects.all()
    if skill_id is not None:  # shifts this skill qualifies for: needing it, or needing no skill at all
        shifts = shifts.filter(Q(required_skills=skill_id) | Q(required_skills__isnull=True))
    events = (
        Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__gt=now, id__in=shifts.values("event_id"))
        .exclude(campaign__status="draft")
        .select_related("venue", "venue__region", "venue__region__parent")
    )
    if association_id is not None:
        events = events.filter(association_id=association_id)
    if town is not None:
        events = events.filter(Q(venue__region=town) | Q(venue__region__parent=town))
    if on is not None:
        events = events.filter(starts_at__date=on)
    per_event = Shift.objects.filter(event=OuterRef("pk")).values("event")
    events = events.annotate(
        places=Subquery(per_event.annotate(total=Sum("capacity")).values("total")),
        places_taken=Subquery(per_event.annotate(total=Sum("taken")).values("total")),
    )
    if near is not None:
        in_town = Q(venue__region=near) | Q(venue__region__parent=near)
        events = events.annotate(is_near=Case(When(in_town, then=Value(True)), default=Value(False)))
        return events.order_by("-is_near", "starts_at", "id")
    return events.order_by("starts_at", "id")


class ShiftOfEventFields(TypedDict):
    """What `shifts_of_event` adds to each shift."""

    team_signups: list[SignUp]
    remaining: int
    waiting: int


def shifts_of_event(event: Event) -> "QuerySet[WithAnnotations[Shift, ShiftOfEventFields]]":
    """The event's shifts with places left, queue length and the team holding places (as `team_signups`)."""
    team = SignUp.objects.filter(status__in=HOLDING).select_related("volunteer").order_by("created_at", "id")
    return event.shifts.prefetch_related(
        "required_skills", Prefetch("signups", queryset=team, to_attr="team_signups")
    ).annotate(
        remaining=F("capacity") - F("taken"),
        waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITLISTED)),
    )


def waitlist_position(signup: SignUp) -> int | None:
    """1 for the first in the queue; None if the sign-up is not waitlisted."""
    if signup.status != SignUp.Status.WAITLISTED:
        return None
    ahead = SignUp.objects.filter(shift_id=signup.shift_id, status=SignUp.Status.WAITLISTED).filter(
        Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, id__lt=signup.id)
    )
    return ahead.count() + 1


def schedule_of(volunteer: Volunteer, *, now: datetime | None = None) -> list[SignUp]:
    """The volunteer's coming shifts (confirmed and waitlisted), with waitlist positions."""
    now = now or timezone.now()
    signups = list(
        SignUp.objects.filter(volunteer=volunteer, status__in=LIVE, shift__ends_at__gt=now)
        .select_related("shift", "shift__event", "shift__event__venue")
        .order_by("shift__starts_at")
    )
    for signup in signups:
        signup.position = waitlist_position(signup)
    return signups


def calendar_signups(volunteer: Volunteer) -> QuerySet[SignUp]:
    """What the iCalendar feed shows: places held, from a month ago on."""
    return (
        SignUp.objects.filter(volunteer=volunteer, status__in=HOLDING)
        .filter(shift__ends_at__gte=timezone.now() - timedelta(days=31))
        .select_related("shift", "shift__event", "shift__event__venue")
        .order_by("shift__starts_at")
    )


@dataclass
class HoursRecord:
    """A volunteer's service hours over a period, with the sign-ups behind them."""

    volunteer: Volunteer
    start: date | None
    end: date | None
    signups: list[SignUp] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((s.hours or Decimal(0) for s in self.signups), Decimal(0))

    @property
    def stars(self) -> int:
        return star_level(self.total)

    @property
    def next_star(self) -> int | None:
        return next_star_threshold(self.total)

    @property
    def by_source(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for s in self.signups:
            totals[s.hours_source] = totals.get(s.hours_source, Decimal(0)) + (s.hours or Decimal(0))
        return totals


def _attended_with_hours(start: date | None, end: date | None) -> QuerySet[SignUp]:
    signups = SignUp.objects.filter(status=SignUp.Status.ATTENDED, hours__isnull=False)
    if start:
        signups = signups.filter(shift__starts_at__date__gte=start)
    if end:
        signups = signups.filter(shift__starts_at__date__lte=end)
    return signups.select_related("shift", "shift__event", "shift__event__venue", "volunteer").order_by(
        "shift__starts_at", "id"
    )


def hours_of(volunteer: Volunteer, *, start: date | None = None, end: date | None = None) -> HoursRecord:
    return HoursRecord(
        volunteer=volunteer,
        start=start,
        end=end,
        signups=list(_attended_with_hours(start, end).filter(volunteer=volunteer)),
    )


def hours_for_period(*, association_ids: list[int], start: date, end: date) -> QuerySet[SignUp]:
    """Every credited service record of the associations in the period (the national system's import)."""
    return _attended_with_hours(start, end).filter(shift__event__association_id__in=association_ids)


@dataclass
class ShiftRoster:
    shift: Shift
    signups: list[SignUp]

    @property
    def confirmed(self) -> int:
        return sum(1 for s in self.signups if s.status in HOLDING)

    @property
    def waitlisted(self) -> list[SignUp]:
        return [s for s in self.signups if s.status == SignUp.Status.WAITLISTED]

    @property
    def fill_rate(self) -> int:
        return round(100 * self.confirmed / self.shift.capacity) if self.shift.capacity else 100

    @property
    def full(self) -> bool:
        return self.confirmed >= self.shift.capacity

    @property
    def attended(self) -> int:
        return sum(1 for s in self.signups if s.status == SignUp.Status.ATTENDED)

    @property
    def no_show(self) -> int:
        return sum(1 for s in self.signups if s.status == SignUp.Status.NO_SHOW)

    @property
    def hours(self) -> Decimal:
        """Service hours credited on the shift: those of the volunteers who came."""
        return sum((s.hours or Decimal(0) for s in self.signups if s.status == SignUp.Status.ATTENDED), Decimal(0))

    @property
    def signups_by_status(self) -> list[SignUp]:
        """Who came first, then who holds a place, the no-shows, the waitlist; each in sign-up order."""
        return sorted(self.signups, key=lambda s: (_ROSTER_ORDER.get(s.status, 9), s.created_at, s.id))


_ROSTER_ORDER: dict[str, int] = {"attended": 0, "confirmed": 1, "no_show": 2, "waitlisted": 3}


@dataclass
class StaffingTotals:
    """An event's shifts added up: places filled of places offered, who came, who did not, hours credited."""

    confirmed: int
    capacity: int
    fill_rate: int
    attended: int
    no_show: int
    hours: Decimal


def staffing_totals(rosters: list[ShiftRoster]) -> StaffingTotals:
    return StaffingTotals(
        confirmed=sum(r.confirmed for r in rosters),
        capacity=sum(r.shift.capacity for r in rosters),
        fill_rate=event_fill_rate(rosters),
        attended=sum(r.attended for r in rosters),
        no_show=sum(r.no_show for r in rosters),
        hours=sum((r.hours for r in rosters), Decimal(0)),
    )


def roster_of(event: Event) -> list[ShiftRoster]:
    """Each shift of the event with its live sign-ups, waitlist in queue order."""
    shifts = list(event.shifts.prefetch_related("required_skills").order_by("starts_at", "role", "id"))
    signups = (
        SignUp.objects.filter(shift__event=event, status__in=LIVE)
        .select_related("volunteer", "shift")
        .order_by("created_at", "id")
    )
    by_shift: dict[int, list[SignUp]] = {s.id: [] for s in shifts}
    for signup in signups:
        by_shift[signup.shift_id].append(signup)
    return [ShiftRoster(shift=s, signups=by_shift[s.id]) for s in shifts]


def event_fill_rate(rosters: list[ShiftRoster]) -> int:
    capacity = sum(r.shift.capacity for r in rosters)
    return round(100 * sum(r.confirmed for r in rosters) / capacity) if capacity else 100


def shifts_short_of_volunteers(
    *, association_ids: list[int], now: datetime | None = None, days: int = 7
) -> QuerySet[Shift]:
    """Shifts of the coming week with free places, the emptiest first."""
    now = now or timezone.now()
    return (
        Shift.objects.filter(
            event__association_id__in=association_ids,
            event__status=Event.Status.PUBLISHED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=days),
            taken__lt=F("capacity"),
        )
        .select_related("event", "event__venue")
        .annotate(missing=F("capacity") - F("taken"))
        .order_by("-missing", "starts_at")
    )
