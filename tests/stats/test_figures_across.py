"""Figures across levels (Figure.across, docs/figures.md "Across levels"): a county's tally is the sum over its
townships where the figure adds up, and people (or units) are counted once across them where it does not."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from checkin.models import Attendee, CheckIn
from events.models import Event, EventOutput
from reporting.selectors import added_up
from stats import figures as F_
from tests.factories import (
    AssociationFactory,
    AttendeeFactory,
    CheckInFactory,
    CountyFactory,
    EventFactory,
    EventOutputFactory,
    HeadcountFactory,
    OrganizationFactory,
    ShiftFactory,
    SignUpFactory,
    TownFactory,
    VenueFactory,
    VillageFactory,
    VolunteerFactory,
)
from volunteers.models import SignUp

DOC = Path(__file__).resolve().parents[2] / "docs" / "figures.md"


def test_every_figure_says_how_it_goes_up_a_level():
    for figure in F_.FIGURES:
        assert figure.across in F_.Across, figure.name
        if figure.rollup == F_.Rollup.DISTINCT:
            assert figure.across == F_.Across.RECOUNT, f"{figure.name}: distinct people never add up"
        if figure.rollup == F_.Rollup.RATIO:
            assert figure.across == F_.Across.RATIO, f"{figure.name}: a percentage is never summed"


def test_the_doc_names_every_figure_that_does_not_add_up():
    section = DOC.read_text(encoding="utf-8").split("## Across levels", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", section))
    assert {f.name for f in F_.FIGURES if not f.adds_up} <= named


@pytest.fixture
def county():
    """A county with two towns; in each, two held events at venues of its villages, with their records.

    The same pupil, the same volunteer and the same partner organization are at events in both towns.
    """
    association = AssociationFactory(region=CountyFactory())
    towns = [TownFactory(parent=association.region) for _ in range(2)]
    pupil = AttendeeFactory(association=association, category=Attendee.Category.STUDENT)
    volunteer = VolunteerFactory(association=association, is_expert=True)
    partner = OrganizationFactory(association=association)
    started = timezone.now() - timedelta(hours=3)
    events_by_town: dict[int, list[Event]] = {}
    for n, town in enumerate(towns):
        for kind in (Event.Kind.LECTURE, Event.Kind.TRAINING):
            venue = VenueFactory(association=association, region=VillageFactory(parent=town))
            event = EventFactory(association=association, venue=venue, kind=kind, starts_at=started)
            event.partners.add(partner, OrganizationFactory(association=association))
            for _ in range(n + 2):
                CheckInFactory(event=event, scanned_at=started + timedelta(minutes=5))
            CheckInFactory(
                event=event,
                attendee=pupil,
                attendee_category=Attendee.Category.STUDENT,
                method=CheckIn.Method.PAPER,
                scanned_at=started + timedelta(minutes=6),
            )
            HeadcountFactory(event=event, count=10 * (n + 1), counted_at=started + timedelta(minutes=10))
            EventOutputFactory(event=event, kind=EventOutput.Kind.MATERIALS, quantity=50 + n)
            shift = ShiftFactory(event=event)
            SignUpFactory(shift=shift, volunteer=volunteer, status=SignUp.Status.ATTENDED, hours=Decimal("2.5"))
            events_by_town.setdefault(town.id, []).append(event)
    return association, events_by_town


def _town_figures(events: list[Event]) -> dict:
    """A township's figures the way its own events give them: each event's tally, added up where that is true."""
    return added_up([F_.compute_event(event.id).figures for event in events])


@pytest.mark.django_db
def test_a_countys_tally_is_the_sum_over_its_townships_where_the_figure_adds_up(county):
    association, events_by_town = county
    year = F_.compute(F_.year_scope(association.id, timezone.localdate().year)).figures
    towns = [_town_figures(events) for events in events_by_town.values()]
    summed = added_up(towns)

    per_event_additive = [f for f in F_.FIGURES if f.adds_up and "event" in f.scopes]
    assert per_event_additive, "the registry has additive per-event figures"
    for figure in per_event_additive:
        assert year[figure.name] == summed[figure.name], figure.name
    assert year["events_held"] == 4 and year["trainings_held"] == 2
    assert year["beneficiaries_person_times"] == (2 + 1 + 10) * 2 + (3 + 1 + 20) * 2
    assert year["outputs"] == {"materials": 50 * 2 + 51 * 2}
    assert year["volunteer_hours"] == 10


@pytest.mark.django_db
def test_people_and_units_are_counted_once_across_the_townships(county):
    association, events_by_town = county
    year = F_.compute(F_.year_scope(association.id, timezone.localdate().year)).figures
    per_town_events = [[F_.compute_event(e.id).figures for e in events] for events in events_by_town.values()]

    recounted = {f.name for f in F_.FIGURES if f.across == F_.Across.RECOUNT}
    assert {"students_participating", "volunteers_active", "units_participating"} <= recounted
    # The pupil and the volunteer came to all four events, in both towns: one of each in the county.
    assert year["students_participating"] == 1
    assert year["volunteers_active"] == 1
    # Two partners of its own per event, and the one partner at all four: 4 × 1 + 1.
    assert year["units_participating"] == 5
    # Summing the events' (or the towns') figures would count them again and again.
    assert sum(e["students_participating"] for town in per_town_events for e in town) == 4
    assert sum(e["volunteers_active"] for town in per_town_events for e in town) == 4
    assert "students_participating" not in added_up([e for town in per_town_events for e in town])


@pytest.mark.django_db
def test_a_percentage_is_recomputed_from_its_parts_once_they_are_added_up():
    counties = [{"villages_reached": 3, "villages_total": 10}, {"villages_reached": 1, "villages_total": 30}]
    assert added_up(counties)["coverage_pct"] == 10.0  # 4 of 40, not the mean of 30 % and 3.3 %


def test_a_whole_figure_must_say_how_it_goes_up_a_level():
    with pytest.raises(ValueError, match="across"):
        F_.Figure("x", None, "things", F_.Rollup.WHOLE, scopes=F_.ROLLUPS, whole=lambda whole: 0)
