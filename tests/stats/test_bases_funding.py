"""Issue 14 items 3 and 6: two years of demonstration bases and funding, each figure of each year against
a plain recount and against the numbers a clerk would count by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stats import figures
from tests.factories import (
    AssociationFactory,
    BaseYearFactory,
    DemonstrationBaseFactory,
    EventFactory,
    FundingRecordFactory,
    OrganizationFactory,
    TownFactory,
    VenueFactory,
    VillageFactory,
)
from tests.stats.rows import recount_listed_rows, without_zeros
from tests.stats.test_figures_property import recount_bases_and_funding

pytestmark = pytest.mark.django_db
FIRST, SECOND = 2024, 2025
NAMES = ("demonstration_bases", "varieties_introduced", "techniques_introduced", "households_reached")
NAMES += ("base_trainings", "funding_income", "funding_spent")


def _event(association, venue, year, month, kind="training", status="done"):
    when = timezone.make_aware(datetime(year, month, 10, 9))
    return EventFactory(
        association=association,
        venue=venue,
        kind=kind,
        starts_at=when,
        ends_at=when + timedelta(hours=3),
        status=status,
    )


@pytest.fixture
def county():
    """A county's bases and money over 2024 and 2025, with each case the rules name."""
    association = AssociationFactory(name="河东县科学技术协会")
    town = TownFactory(parent=association.region, name="东关镇")
    village = VillageFactory(parent=town, name="桥头村")
    venue = VenueFactory(association=association, region=village)
    institute = OrganizationFactory(association=association, kind="department", name="县农科所")
    tea = DemonstrationBaseFactory(
        association=association, name="桥头村茶叶示范基地", region=village, established_on=date(2019, 4, 1)
    )
    tea.partners.add(institute)
    BaseYearFactory(base=tea, year=FIRST, varieties=2, techniques=3, households=120)
    BaseYearFactory(base=tea, year=SECOND, varieties=1, techniques=4, households=150)
    # Trainings held there: one in each year, a lecture (not a training), a cancelled one; one linked twice.
    first, second = _event(association, venue, FIRST, 5), _event(association, venue, SECOND, 6)
    tea.events.add(first, second, _event(association, venue, SECOND, 7, kind="lecture"))
    tea.events.add(_event(association, venue, SECOND, 8, status="cancelled"))
    # A project that ended on 1 July 2025: running at the end of 2024, not of 2025; its 2025 results count.
    project = DemonstrationBaseFactory(
        association=association,
        kind="project",
        name="食用菌示范项目",
        region=town,
        established_on=date(FIRST, 3, 1),
        closed_on=date(SECOND, 7, 1),
    )
    project.events.add(second)  # the same training: counted once
    BaseYearFactory(base=project, year=SECOND, varieties=3, techniques=1, households=60)
    # A park opened in 2025.
    DemonstrationBaseFactory(
        association=association, kind="park", name="县现代农业示范园", region=town, established_on=date(SECOND, 9, 1)
    )
    # Money: income by source, spending by use, on both sides of the new year.
    FundingRecordFactory(association=association, date=date(FIRST, 3, 1), source="government", amount=100000)
    FundingRecordFactory(
        association=association, date=date(FIRST, 12, 31), source="donation", amount=Decimal("5000.50")
    )
    FundingRecordFactory(association=association, date=date(SECOND, 1, 1), source="government", amount=120000)
    FundingRecordFactory(association=association, date=date(SECOND, 6, 1), source="own", amount=Decimal("8000.40"))
    for day, use, amount in ((date(FIRST, 6, 1), "training", 30000), (date(SECOND, 4, 1), "activities", 45000)):
        FundingRecordFactory(association=association, date=day, direction="spending", source="", use=use, amount=amount)
    FundingRecordFactory(
        association=association, date=date(SECOND, 9, 1), direction="spending", source="", use="sites", amount=20000
    )
    # A neighbour's: never counted.
    other = AssociationFactory()
    BaseYearFactory(base=DemonstrationBaseFactory(association=other), year=SECOND, varieties=9)
    FundingRecordFactory(association=other, date=date(SECOND, 2, 1), amount=999)
    return association


def _figures(association, year):
    return figures.compute(figures.year_scope(association.id, year)).figures


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_each_figure_of_each_year_equals_a_plain_recount(county, year):
    got = _figures(county, year)
    expected = recount_bases_and_funding(county, year)
    assert {name: got[name] for name in NAMES} == {name: expected[name] for name in NAMES}


def test_the_first_year_by_hand(county):
    got = _figures(county, FIRST)

    assert got["demonstration_bases"] == {"base": 1, "project": 1}
    assert (got["varieties_introduced"], got["techniques_introduced"], got["households_reached"]) == (2, 3, 120)
    assert got["base_trainings"] == 1
    assert got["funding_income"] == {"donation": 5001, "government": 100000}  # 5000.50 rounds half up
    assert got["funding_spent"] == {"training": 30000}


def test_the_second_year_by_hand(county):
    got = _figures(county, SECOND)

    assert got["demonstration_bases"] == {"base": 1, "park": 1}  # the project ended in July
    assert (got["varieties_introduced"], got["techniques_introduced"], got["households_reached"]) == (4, 5, 210)
    assert got["base_trainings"] == 1  # the lecture and the cancelled training are not; the shared one once
    assert got["funding_income"] == {"government": 120000, "own": 8000}
    assert got["funding_spent"] == {"activities": 45000, "sites": 20000}


def test_a_prefecture_adds_up_its_counties(county):
    prefecture = AssociationFactory()
    county.parent = prefecture
    county.save()
    FundingRecordFactory(association=prefecture, date=date(SECOND, 3, 1), source="government", amount=10000)

    got = _figures(prefecture, SECOND)

    assert got["funding_income"] == {"government": 130000, "own": 8000}
    assert got["demonstration_bases"] == {"base": 1, "park": 1}


def test_the_summary_reads_the_bases_and_the_money_from_their_records(county):
    from stats import summary

    built = summary.summary_build(association=county, year=SECOND, language="zh-hans")
    text = "\n".join(built.text)

    assert "全县有科普示范基地1个、示范园1个（桥头村茶叶示范基地、县现代农业示范园），依托县农科所建设" in text
    assert "全年在基地举办培训1期，带动农户210户。" in text
    assert "全年共引进推广新品种4个、新技术5项。" in text  # the bases' results, not the events' outputs
    assert (
        "2、全年科普经费收入128000元（其中财政拨款120000元、自筹8000元），"
        "支出65000元（其中科普活动45000元、阵地和基地建设20000元）。由于科普经费保证机制尚未完善" in text
    )


def test_without_funding_records_the_difficulty_stays_as_written_and_the_checklist_says_so():
    from stats import summary

    association = AssociationFactory()
    venue = VenueFactory(association=association)
    _event(association, venue, SECOND, 3)
    built = summary.summary_build(association=association, year=SECOND, language="zh-hans")

    assert "2、由于科普经费保证机制尚未完善，科普经费仍显不足" in "\n".join(built.text)
    assert any("经费登记" in line for line in built.checklist)


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_the_rows_behind_each_figure_make_the_figure(county, year):
    got = _figures(county, year)

    for name in NAMES:
        assert recount_listed_rows(county, year, name) == without_zeros(got[name]), name
