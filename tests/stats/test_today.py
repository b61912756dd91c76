import pytest

from stats import selectors
from tests.factories import CheckInFactory, EventFactory, HeadcountFactory

pytestmark = pytest.mark.django_db


def test_todays_events_count_checkins_and_headcounts_apart(association):
    event = EventFactory(association=association)
    CheckInFactory.create_batch(3, event=event)
    HeadcountFactory(event=event, count=120)
    HeadcountFactory(event=event, count=80)

    [today] = selectors.todays_events(association_id=association.id)

    assert (today["event"], today["checked_in"], today["headcount"], today["running"]) == (event, 3, 200, True)


def test_todays_events_do_not_query_per_event(association, django_assert_max_num_queries):
    for _ in range(5):
        event = EventFactory(association=association)
        HeadcountFactory(event=event)
        CheckInFactory(event=event)
    with django_assert_max_num_queries(3):
        assert len(selectors.todays_events(association_id=association.id)) == 5
