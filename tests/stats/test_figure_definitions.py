"""Each figure is defined once (stats.figures.FIGURES): the documentation, the tallies and the pages follow it."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from events.models import Event, Venue
from stats import figures, summary
from stats.models import CampaignTarget
from tests.factories import AssociationFactory, CampaignFactory, EventFactory, VenueFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "figures.md"


def _documented() -> list[str]:
    """The figures of docs/figures.md's table: the first cell of each row, as `name`."""
    return re.findall(r"^\| `([a-z_]+)` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_docs_figures_describes_every_figure_of_the_registry_once():
    documented = _documented()
    assert sorted(documented) == sorted(f.name for f in figures.FIGURES)
    assert len(documented) == len(set(documented))


def test_the_doc_lists_the_figures_in_the_registrys_order():
    assert _documented() == [f.name for f in figures.FIGURES]


def test_the_appendix_the_dashboard_and_the_targets_name_only_figures_of_the_registry():
    names = set(figures.BY_NAME)
    assert set(summary.FIGURE_LABELS) <= names
    assert {f.name for f in figures.HEADLINE} <= set(summary.FIGURE_LABELS)  # a card links to its records page
    assert {name for name, _label in CampaignTarget._meta.get_field("figure").choices} <= names
    assert set(summary.COUNTED_DICTS) <= names


@pytest.mark.django_db
def test_a_tally_holds_exactly_the_figures_of_its_scope():
    association = AssociationFactory()
    event = EventFactory(association=association, starts_at=timezone.now() - timedelta(hours=1))
    year = timezone.localdate().year
    expected = {kind: {f.name for f in figures.FIGURES if kind in f.scopes} for kind in figures.EVERY_SCOPE}
    assert set(figures.compute_event(event.id).figures) == expected["event"]
    assert set(figures.zero_event().figures) == expected["event"]
    assert set(figures.compute(figures.year_scope(association.id, year)).figures) == expected["period"]
    campaign = CampaignFactory(association=association)
    assert set(figures.compute(figures.campaign_scope(campaign)).figures) == expected["campaign"]


@pytest.mark.django_db
def test_an_event_filter_says_the_same_in_the_database_and_on_an_events_row():
    association = AssociationFactory()
    science_center = VenueFactory(association=association, kind=Venue.Kind.SCIENCE_CENTER)
    square = VenueFactory(association=association, kind=Venue.Kind.SQUARE)
    for kind in (Event.Kind.LECTURE, Event.Kind.TRAINING, Event.Kind.CONSULTATION):
        for trip in (False, True):
            for venue in (science_center, square):
                EventFactory(association=association, kind=kind, is_countryside_trip=trip, venue=venue)
    events = Event.objects.filter(association=association)
    rows = list(events.values("id", "kind", "is_countryside_trip", "venue__kind"))
    for name, among in ((f.name, f.among) for f in figures.FIGURES if f.among is not None):
        in_database = set(events.filter(among.q).values_list("id", flat=True))
        assert in_database == {row["id"] for row in rows if among.test(row)}, name
        assert 0 < len(in_database) < len(rows), name
