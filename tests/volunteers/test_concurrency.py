"""Capacity under real concurrency: many threads, each with its own PostgreSQL connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import close_old_connections, connection, connections

from tests.factories import AssociationFactory, UpcomingShiftFactory
from volunteers import selectors, services
from volunteers.models import Shift, SignUp, Volunteer

VOLUNTEERS = 200
PLACES = 10
# PostgreSQL's max_connections (100 by default) is shared with the test database's own
# connection and other sessions: at most this many sign-ups hold a connection at once.
CONNECTIONS = 40

pytestmark = pytest.mark.django_db(transaction=True)
needs_postgresql = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serializes all writers, so 200 threads only queue up; the row-lock race needs PostgreSQL",
)


def _volunteers(association, count: int) -> list[Volunteer]:
    password = make_password(None)
    users = User.objects.bulk_create([User(username=f"+86139{n:08d}", password=password) for n in range(count)])
    return Volunteer.objects.bulk_create(
        [Volunteer(user=u, association=association, phone=u.username, name=f"志愿者{n}") for n, u in enumerate(users)]
    )


def _run_at_once(count: int, work) -> list:
    """Start `count` threads that each call work(i) at the same instant, each on its own connection."""
    start = threading.Barrier(count)
    slots = threading.Semaphore(CONNECTIONS)

    def one(i):
        start.wait()
        with slots:
            try:
                return work(i)
            finally:
                connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _simultaneous_signups_confirm_exactly_the_places(volunteer_count: int, places: int) -> None:
    association = AssociationFactory()
    shift = UpcomingShiftFactory(event__association=association, capacity=places)
    volunteers = _volunteers(association, volunteer_count)
    close_old_connections()

    results = _run_at_once(volunteer_count, lambda i: services.shift_signup(shift=shift, volunteer=volunteers[i]).pk)

    signups = SignUp.objects.filter(shift=shift)
    assert len(set(results)) == volunteer_count == signups.count()
    assert signups.filter(status=SignUp.Status.CONFIRMED).count() == places
    waitlisted = list(signups.filter(status=SignUp.Status.WAITLISTED).order_by("created_at", "id"))
    assert len(waitlisted) == volunteer_count - places
    # The queue is the arrival order: positions 1..N, each once, following the sign-up times.
    assert [selectors.waitlist_position(s) for s in waitlisted] == list(range(1, volunteer_count - places + 1))
    assert Shift.objects.get(pk=shift.pk).taken == places
    # First come, first served: in sign-up order every place comes before the queue (nobody is confirmed
    # after someone who was waitlisted before them).
    in_order = list(signups.order_by("created_at", "id").values_list("status", flat=True))
    assert in_order == [SignUp.Status.CONFIRMED] * places + [SignUp.Status.WAITLISTED] * (volunteer_count - places)


@needs_postgresql
def test_200_simultaneous_signups_for_10_places_confirm_exactly_10():
    _simultaneous_signups_confirm_exactly_the_places(VOLUNTEERS, PLACES)


def test_30_simultaneous_signups_for_5_places_confirm_exactly_5_on_either_database():
    _simultaneous_signups_confirm_exactly_the_places(30, 5)


def test_simultaneous_cancellations_promote_one_waitlisted_each():
    association = AssociationFactory()
    shift = UpcomingShiftFactory(event__association=association, capacity=PLACES)
    volunteers = _volunteers(association, 30)
    signups = [services.shift_signup(shift=shift, volunteer=v) for v in volunteers]
    holders = [s for s in signups if s.status == SignUp.Status.CONFIRMED]
    first_waiting = [s.pk for s in signups if s.status == SignUp.Status.WAITLISTED][:5]
    close_old_connections()

    _run_at_once(5, lambda i: services.signup_cancel(signup=holders[i]).pk)

    confirmed = set(SignUp.objects.filter(shift=shift, status=SignUp.Status.CONFIRMED).values_list("pk", flat=True))
    assert len(confirmed) == PLACES == Shift.objects.get(pk=shift.pk).taken
    assert set(first_waiting) <= confirmed


def test_double_tap_from_two_connections_makes_one_signup():
    association = AssociationFactory()
    shift = UpcomingShiftFactory(event__association=association, capacity=PLACES)
    (volunteer,) = _volunteers(association, 1)
    close_old_connections()

    results = _run_at_once(8, lambda i: services.shift_signup(shift=shift, volunteer=volunteer).pk)

    assert len(set(results)) == 1
    assert SignUp.objects.filter(shift=shift).count() == 1
    assert Shift.objects.get(pk=shift.pk).taken == 1
