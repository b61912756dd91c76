import pytest

from tests.factories import UpcomingShiftFactory, VolunteerFactory


@pytest.fixture
def shift(association):
    """Tomorrow's shift with 10 places, at an event of `association`."""
    return UpcomingShiftFactory(event__association=association, capacity=10)


@pytest.fixture
def make_volunteer(association):
    def make(**fields):
        return VolunteerFactory(association=association, **fields)

    return make


@pytest.fixture
def volunteer(make_volunteer):
    return make_volunteer()
