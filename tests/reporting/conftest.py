"""A prefecture with two counties, each with two towns, villages, venues and a held event in each town."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from events.models import Association, Event, Region
from tests.factories import (
    AssociationFactory,
    CheckInFactory,
    EventFactory,
    HeadcountFactory,
    OrganizerFactory,
    RegionFactory,
    TownFactory,
    VenueFactory,
    VillageFactory,
)


@dataclass
class County:
    association: Association
    organizer: User
    towns: list[Region]
    events: list[Event] = field(default_factory=list)  # one held event per town


@dataclass
class Prefecture:
    association: Association
    organizer: User
    counties: list[County]

    @property
    def year(self) -> int:
        return timezone.localdate().year


def held_event_in(association: Association, town: Region, **fields) -> Event:
    """A lecture held earlier today at a venue in one of the town's villages."""
    venue = VenueFactory(association=association, region=VillageFactory(parent=town))
    starts_at = timezone.now() - timedelta(hours=2)
    return EventFactory(association=association, venue=venue, starts_at=starts_at, **fields)


def county_in(prefecture: Association, tag: str) -> County:
    region = RegionFactory(parent=prefecture.region, name=f"{tag}县", level=Region.Level.COUNTY)
    association = AssociationFactory(parent=prefecture, region=region, name=f"{tag}县科协")
    organizer = OrganizerFactory(association=association, user__username=f"organizer-{tag}").user
    county = County(association, organizer, [TownFactory(parent=region, name=f"{tag}{n}镇") for n in (1, 2)])
    for town in county.towns:
        event = held_event_in(association, town)
        CheckInFactory(event=event, scanned_at=event.starts_at + timedelta(minutes=5))
        HeadcountFactory(event=event, count=40, counted_at=event.starts_at + timedelta(minutes=10))
        county.events.append(event)
    return county


@pytest.fixture
def prefecture() -> Prefecture:
    region = RegionFactory(level=Region.Level.PREFECTURE, name="测试州")
    association = AssociationFactory(region=region, name="测试州科协")
    organizer = OrganizerFactory(association=association, user__username="organizer-prefecture").user
    return Prefecture(association, organizer, [county_in(association, "甲"), county_in(association, "乙")])
