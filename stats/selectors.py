"""Reads of the tallies and of what the summary and the dashboard show beside them."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from checkin.models import CheckIn, Headcount, counted_checkins
from events.models import Association, Campaign, Event, Organization, Venue

from . import figures as F_
from .models import AnnualFigure, CampaignTarget, Tally


def tally_for(scope: F_.Scope, *, compute_if_missing: bool = True) -> Tally | None:
    """The stored tally of a scope; computed now (and stored) if none was ever computed."""
    tally = Tally.objects.filter(key=scope.key).first()
    if tally is None and compute_if_missing:
        from .services import tally_compute

        tally = tally_compute(scope=scope)
    return tally


def year_tally(*, association_id: int, year: int, compute_if_missing: bool = True) -> Tally | None:
    return tally_for(F_.year_scope(association_id, year), compute_if_missing=compute_if_missing)


def manual_figures(*, association_id: int, year: int) -> dict[str, Decimal]:
    return dict(AnnualFigure.objects.filter(association_id=association_id, year=year).values_list("name", "value"))


def _year_events(association_id: int, year: int) -> QuerySet[Event]:
    scope = F_.year_scope(association_id, year)
    return F_.held_events(scope)


def summary_extras(*, association_id: int, year: int) -> dict[str, str]:
    """Names the narrative cites beside the figures: training topics, demonstration bases, new associations."""
    held = _year_events(association_id, year)
    topics = (
        held.filter(kind=Event.Kind.TRAINING)
        .values("title")
        .annotate(n=Count("id"))
        .order_by("-n", "title")
        .values_list("title", flat=True)[:3]
    )
    topics = [t.removesuffix("培训班").removesuffix("培訓班").removesuffix(" training") for t in topics]
    associations = F_.association_tree(association_id)
    bases = Venue.objects.filter(association_id__in=associations, kind=Venue.Kind.FARM).order_by("name")
    new_rural = Organization.objects.filter(
        association_id__in=associations,
        kind=Organization.Kind.RURAL_TECH_ASSOCIATION,
        founded_on__gte=date(year, 1, 1),
        founded_on__lte=date(year, 12, 31),
    ).order_by("founded_on", "name")
    return {
        "training_topics": "、".join(topics) or "—",
        "demo_bases": "、".join(bases.values_list("name", flat=True)[:2]) or "—",
        "new_rural_tech_names": "、".join(new_rural.values_list("name", flat=True)[:2]) or "—",
    }


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
    result = []
    for campaign in campaigns:
        tally = tally_for(F_.campaign_scope(campaign))
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
FIGURE_EVENTS = {
    "consultation_sessions": Q(kind=Event.Kind.CONSULTATION),
    "consultation_person_times": Q(kind=Event.Kind.CONSULTATION),
    "countryside_trips": Q(is_countryside_trip=True),
    "countryside_person_times": Q(is_countryside_trip=True),
    "countryside_expert_person_times": Q(is_countryside_trip=True),
    "trainings_held": Q(kind=Event.Kind.TRAINING),
    "trainees_person_times": Q(kind=Event.Kind.TRAINING),
    "science_center_person_times": Q(venue__kind=Venue.Kind.SCIENCE_CENTER),
}


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
    checkins = CheckIn.objects.filter(event=event).select_related("attendee", "attendee__region").order_by("scanned_at")
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
