"""The demo prefecture (seed_demo --prefecture): three counties with townships and partners, one year accepted."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from events.models import Association, Event, Organization, Region
from reporting.demo import seed_prefecture
from reporting.models import Submission
from tests.factories import AssociationFactory, EventFactory, HeadcountFactory, RegionFactory, TownFactory

pytestmark = pytest.mark.django_db


def test_the_demo_prefecture_has_three_counties_and_the_demo_countys_year_is_accepted():
    prefecture_region = RegionFactory(level=Region.Level.PREFECTURE, name="云岭州")
    prefecture = AssociationFactory(region=prefecture_region, name="云岭州科学技术协会")
    county = AssociationFactory(parent=prefecture, region=RegionFactory(parent=prefecture_region, name="清河县"))
    town = TownFactory(parent=county.region)
    event = EventFactory(association=county, venue__region__parent=town)
    HeadcountFactory(event=event, count=30, counted_at=event.starts_at)
    demo = SimpleNamespace(association=county, year=timezone.localdate().year)

    seed_prefecture(demo)
    seed_prefecture(demo)  # a second run adds nothing

    counties = Association.objects.filter(parent=prefecture)
    assert counties.count() == 3
    for neighbour in counties.exclude(id=county.id):
        assert Region.objects.filter(parent=neighbour.region, level=Region.Level.TOWN).count() == 4
        assert Organization.objects.filter(association=neighbour, kind=Organization.Kind.DEPARTMENT).count() == 4
        assert Event.objects.filter(association=neighbour).exists()
    accepted = Submission.objects.get(association=county)
    assert (accepted.state, accepted.version) == (Submission.State.ACCEPTED, 1)
    assert accepted.snapshot["figures"]["beneficiaries_person_times"] == 30
    assert Submission.objects.filter(state=Submission.State.SUBMITTED).count() == 1
