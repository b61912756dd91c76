"""After the event an organizer accepts a headcount as reported or corrects it (checkin.services)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from checkin import services
from tests.factories import EventFactory, HeadcountFactory, OrganizerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def headcount():
    event = EventFactory(capacity=50)
    return HeadcountFactory(event=event, count=120, counted_at=event.starts_at + timedelta(minutes=10))


def test_accepting_keeps_the_figure_and_says_who_accepted(headcount):
    organizer = OrganizerFactory(association=headcount.event.association).user
    services.headcount_accept(headcount=headcount, user=organizer)
    headcount.refresh_from_db()
    assert (headcount.count, headcount.reported_count, headcount.reviewed_by) == (120, None, organizer)


def test_correcting_replaces_the_figure_keeps_the_first_reported_and_tallies(headcount, monkeypatch):
    asked = []
    monkeypatch.setattr(services.stats_services, "tally_request", lambda *, event_id, **kw: asked.append(event_id))
    organizer = OrganizerFactory(association=headcount.event.association).user
    services.headcount_correct(headcount=headcount, count=90, user=organizer)
    services.headcount_correct(headcount=headcount, count=95, user=organizer)
    headcount.refresh_from_db()
    assert (headcount.count, headcount.reported_count) == (95, 120)
    assert asked == [headcount.event_id, headcount.event_id]


@pytest.mark.parametrize("count", [0, 501, 100_001])
def test_a_correction_follows_the_headcount_rule(headcount, count):
    organizer = OrganizerFactory(association=headcount.event.association).user
    with pytest.raises(ValidationError):
        services.headcount_correct(headcount=headcount, count=count, user=organizer)
    headcount.refresh_from_db()
    assert headcount.count == 120 and headcount.reviewed_at is None
