"""The demo county's statistics inputs: hand-entered figures, campaign targets, and a first tally of the year."""

from decimal import Decimal

from django.db import transaction

from events.models import Campaign, Event, EventOutput, Venue

from . import services
from .models import AnnualFigure, CampaignTarget

# The seed's figures that no Kepu record holds, entered by the organizer once a year. The books, windows,
# galleries, new windows and new boards typed here before now come from the register of sites (outreach).
HAND_ENTERED: dict[str, tuple[str, int]] = {}
TARGETS = {
    Campaign.Kind.SCIENCE_WEEK: {"beneficiaries_person_times": 3500, "events_held": 15},
    Campaign.Kind.COUNTRYSIDE: {"beneficiaries_person_times": 5000, "coverage_pct": 20},
    Campaign.Kind.TRAINING_SERIES: {"trainees_person_times": 3000, "events_held": 30},
    Campaign.Kind.YOUTH: {"students_participating": 2000},
    Campaign.Kind.SCIENCE_DRIVE: {"beneficiaries_person_times": 10000, "units_participating": 30},
    Campaign.Kind.THEMED: {"beneficiaries_person_times": 3000},
    Campaign.Kind.CONSULTATION_DRIVE: {"beneficiaries_person_times": 6000},
}


@transaction.atomic
def _inputs(demo) -> None:
    for name, (label, value) in HAND_ENTERED.items():
        AnnualFigure.objects.get_or_create(
            association=demo.association,
            year=demo.year,
            name=name,
            defaults={"label": label, "value": Decimal(value * demo.scale)},
        )
    for campaign in Campaign.objects.filter(association=demo.association, starts_on__year=demo.year):
        for figure, target in TARGETS.get(Campaign.Kind(campaign.kind), {}).items():
            scaled = target if figure == "coverage_pct" else target * demo.scale
            CampaignTarget.objects.get_or_create(campaign=campaign, figure=figure, defaults={"target": scaled})


def _introductions(demo) -> None:
    """New varieties shown at the demonstration bases: the seed's 引进新品种."""
    farm_events = Event.objects.filter(id__in=[e.id for e in demo.events], venue__kind=Venue.Kind.FARM).order_by("id")
    if EventOutput.objects.filter(event__in=farm_events, kind=EventOutput.Kind.NEW_VARIETIES).exists():
        return
    for event in farm_events[::3]:
        EventOutput.objects.create(event=event, kind=EventOutput.Kind.NEW_VARIETIES, quantity=Decimal(1))


def seed_stats(demo) -> None:
    """Hand-entered figures and targets, then the year's tallies computed in this process (no worker needed)."""
    _inputs(demo)
    _introductions(demo)
    services.tally_recompute_request(year=demo.year)
    services.tally_drain(year=demo.year)
