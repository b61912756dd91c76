"""An event's shifts added up (volunteers.selectors.staffing_totals), as the desk's staffing page shows them."""

from decimal import Decimal

import pytest

from tests.factories import EventFactory, ShiftFactory, SignUpFactory
from volunteers import selectors
from volunteers.models import SignUp

pytestmark = pytest.mark.django_db


def test_totals_count_places_held_arrivals_no_shows_and_the_hours_of_those_who_came():
    event = EventFactory()
    guides = ShiftFactory(event=event, capacity=3)
    scanners = ShiftFactory(event=event, capacity=2)
    SignUpFactory(shift=guides, status=SignUp.Status.ATTENDED, hours=Decimal("2.5"))
    SignUpFactory(shift=guides, status=SignUp.Status.NO_SHOW, hours=Decimal("4"))  # not credited
    SignUpFactory(shift=guides, status=SignUp.Status.WAITLISTED)
    SignUpFactory(shift=scanners, status=SignUp.Status.ATTENDED, hours=Decimal("3"))
    SignUpFactory(shift=scanners, status=SignUp.Status.CONFIRMED)

    rosters = selectors.roster_of(event)
    totals = selectors.staffing_totals(rosters)

    by_shift = {r.shift.id: r for r in rosters}
    assert (by_shift[guides.id].attended, by_shift[guides.id].no_show, by_shift[guides.id].hours) == (
        1,
        1,
        Decimal("2.5"),
    )
    assert by_shift[scanners.id].full and not by_shift[guides.id].full
    assert [s.status for s in by_shift[guides.id].signups_by_status] == ["attended", "no_show", "waitlisted"]
    assert (totals.confirmed, totals.capacity, totals.attended, totals.no_show) == (4, 5, 2, 1)
    assert totals.hours == Decimal("5.5") and totals.fill_rate == 80
