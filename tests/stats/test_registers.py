"""Two years of registers (organizations and sites), each figure of each year against a plain recount and
against the numbers a clerk would count by hand: a past year's summary says what stood that year."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from events.models import Region
from stats import figures, summary
from tests.factories import (
    AssociationFactory,
    EventFactory,
    HeadcountFactory,
    MembershipFactory,
    OrganizationFactory,
    OrganizerFactory,
    SiteBooksFactory,
    SiteFactory,
    SiteRepairFactory,
    SupportFactory,
    TownFactory,
    VenueFactory,
    VillageFactory,
)
from tests.stats.rows import recount_listed_rows, without_zeros
from tests.stats.test_figures_property import recount_registers

pytestmark = pytest.mark.django_db
FIRST, SECOND = 2024, 2025
REGISTRY = ("organizations", "members", "new_organizations", "support_given", "sites", "new_sites")
REGISTRY += ("repaired_sites", "site_books", "site_villages", "site_coverage_pct")


@pytest.fixture
def county():
    association = AssociationFactory(name="河东县科学技术协会")
    town = TownFactory(parent=association.region, name="东关镇")
    villages = [VillageFactory(parent=town, name=name) for name in ("桥头村", "柳树湾村", "新田村", "石桥村")]
    return association, town, villages


@pytest.fixture
def registers(county):
    """The year 2024 and the year 2025 of one county's registers, each case the issue names included."""
    association, _town, villages = county
    old = OrganizationFactory(association=association, kind="society", name="县农学会", founded_on=date(1990, 5, 1))
    MembershipFactory(organization=old, year=FIRST, members=120)
    MembershipFactory(organization=old, year=SECOND, members=135)
    # Founded in one year and dissolved in the next: new and counted in 2024, gone in 2025.
    brief = OrganizationFactory(
        association=association,
        kind="rural_tech",
        name="县烤烟协会",
        founded_on=date(FIRST, 4, 1),
        dissolved_on=date(SECOND, 7, 1),
    )
    MembershipFactory(organization=brief, year=FIRST, members=40)
    SupportFactory(organization=brief, kind="charter", date=date(FIRST, 4, 1))
    # Founded in 2025; only its 2025 members are known.
    new = OrganizationFactory(
        association=association, kind="rural_tech", name="县养蜂协会", founded_on=date(SECOND, 3, 1)
    )
    MembershipFactory(organization=new, year=SECOND, members=25)
    SupportFactory(organization=new, kind="charter", date=date(SECOND, 3, 1))
    SupportFactory(organization=old, kind="leader_training", date=date(SECOND, 5, 1))
    # A society whose 2024 count nobody entered: 2024 reads its 2023 entry, never 2025's.
    quiet = OrganizationFactory(association=association, kind="society", name="县医学会", founded_on=date(2001, 1, 1))
    MembershipFactory(organization=quiet, year=2023, members=60)
    MembershipFactory(organization=quiet, year=SECOND, members=80)

    room = SiteFactory(
        association=association, kind="reading_room", name="桥头村图书室", region=villages[0], built_on=date(2015, 1, 1)
    )
    SiteBooksFactory(site=room, year=FIRST, books=1000)
    SiteBooksFactory(site=room, year=SECOND, books=1100)
    # Repaired, not built, this year (2025): repaired in 2025, new in neither year.
    gallery = SiteFactory(
        association=association,
        kind="gallery",
        name="县级科普画廊",
        region=association.region,
        built_on=date(2012, 6, 1),
    )
    SiteRepairFactory(site=gallery, repaired_on=date(SECOND, 8, 15))
    # Built in 2024, retired at the start of 2025.
    SiteFactory(
        association=association,
        kind="window",
        name="柳树湾村橱窗",
        region=villages[1],
        built_on=date(FIRST, 5, 1),
        retired_on=date(SECOND, 1, 1),
    )
    # Built in 2025.
    SiteFactory(
        association=association, kind="board", name="新田村宣传栏", region=villages[2], built_on=date(SECOND, 9, 1)
    )
    SiteFactory(association=AssociationFactory(), kind="board", name="邻县宣传栏", region=villages[3])  # not ours
    return association, villages


def _figures(association, year):
    return figures.compute(figures.year_scope(association.id, year)).figures


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_every_registry_figure_of_each_year_equals_a_plain_recount(registers, year):
    association, _villages = registers
    county = association.region
    got = _figures(association, year)
    expected = recount_registers(association, county, year)
    assert {name: got[name] for name in REGISTRY} == {name: expected[name] for name in REGISTRY}


def test_the_first_year_as_it_stood_at_its_end(registers):
    association, _villages = registers
    got = _figures(association, FIRST)

    assert got["organizations"] == {"rural_tech": 1, "society": 2}
    assert got["members"] == {"rural_tech": 40, "society": 120 + 60}  # 县医学会: its 2023 entry
    assert got["new_organizations"] == {"rural_tech": 1, "society": 0}
    assert got["support_given"] == {"charter": 1}
    assert got["sites"] == {"gallery": 1, "reading_room": 1, "window": 1}
    assert got["new_sites"] == {"window": 1}
    assert got["repaired_sites"] == {}
    assert got["site_books"] == 1000
    assert got["site_villages"] == 2 and got["site_coverage_pct"] == 50.0


def test_the_second_year_drops_the_dissolved_and_retired_and_counts_the_repair(registers):
    association, _villages = registers
    got = _figures(association, SECOND)

    assert got["organizations"] == {"rural_tech": 1, "society": 2}  # 县烤烟协会 gone, 县养蜂协会 new
    assert got["members"] == {"rural_tech": 25, "society": 135 + 80}
    assert got["new_organizations"] == {"rural_tech": 1, "society": 0}
    assert got["support_given"] == {"charter": 1, "leader_training": 1}
    assert got["sites"] == {"board": 1, "gallery": 1, "reading_room": 1}
    assert got["new_sites"] == {"board": 1}
    assert got["repaired_sites"] == {"gallery": 1}  # repaired, not built, this year
    assert got["site_books"] == 1100
    assert got["site_villages"] == 2 and got["site_coverage_pct"] == 50.0


def test_a_later_entry_never_changes_an_earlier_year(registers):
    association, _villages = registers
    before = _figures(association, FIRST)
    old = association.organizations.get(name="县农学会")
    MembershipFactory(organization=old, year=2026, members=999)

    assert _figures(association, FIRST)["members"] == before["members"]


def test_each_years_summary_writes_that_years_registers(registers):
    association, villages = registers
    venue = VenueFactory(association=association, region=villages[0])
    for year in (FIRST, SECOND):  # a summary is written for a year that held events
        when = timezone.make_aware(datetime(year, 3, 1, 9))
        event = EventFactory(
            association=association, venue=venue, starts_at=when, ends_at=when + timedelta(hours=2), status="done"
        )
        HeadcountFactory(event=event, count=100, counted_at=when)
    first = "\n".join(summary.summary_build(association=association, year=FIRST, language="zh-hans").text)
    second = "\n".join(summary.summary_build(association=association, year=SECOND, language="zh-hans").text)

    assert "农村专业技术协会1个，会员40人" in first
    assert "全县有科普橱窗1处、县级科普画廊1处、科普图书室1个，图书室藏书1000册" in first  # the window stood in 2024
    assert "全年新建科普橱窗1处。" in first
    assert "新成立农技协1个（县烤烟协会）" in first and "帮助县烤烟协会制定章程" in first  # whom the support went to
    assert "农村专业技术协会1个，会员20多人" in second
    assert "全县有县级科普画廊1处、科普宣传栏1个、科普图书室1个，图书室藏书1100册" in second
    assert "全年新建科普宣传栏1个，维修科普画廊1处（县级科普画廊）。" in second
    assert "新成立农技协1个（县养蜂协会）" in second and "培训县农学会骨干1期" in second


def test_a_prefecture_adds_up_its_counties_registers(registers):
    association, villages = registers
    prefecture = AssociationFactory(
        region=association.region.parent or Region.objects.create(name="州", level="prefecture")
    )
    association.parent = prefecture
    association.save()
    SiteFactory(association=prefecture, kind="board", name="州宣传栏", region=villages[3], built_on=date(SECOND, 2, 1))

    got = _figures(prefecture, SECOND)

    assert got["sites"] == {"board": 2, "gallery": 1, "reading_room": 1}
    assert got["new_sites"] == {"board": 2}


ROWS = ("organizations", "members", "new_organizations", "support_given", "expert_volunteers", "sites")
ROWS += ("new_sites", "repaired_sites", "site_books", "site_villages")


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_the_rows_behind_each_registry_figure_make_the_figure(registers, year):
    association, _villages = registers
    got = _figures(association, year)

    for name in ROWS:
        assert recount_listed_rows(association, year, name) == without_zeros(got[name]), name


def test_the_records_page_of_a_registry_figure_lists_its_register_rows(registers, client):
    association, _villages = registers
    client.force_login(OrganizerFactory(association=association).user)

    standing = client.get(f"/dashboard/figures/sites/?year={SECOND}").content.decode()
    built = client.get(f"/dashboard/figures/new_sites/?year={SECOND}").content.decode()
    repaired = client.get(f"/dashboard/figures/repaired_sites/?year={SECOND}&key=gallery").content.decode()

    assert "新田村宣传栏" in standing and "县级科普画廊" in standing and "柳树湾村橱窗" not in standing  # retired
    assert "新田村宣传栏" in built and "县级科普画廊" not in built  # repaired, not built, this year
    assert "县级科普画廊" in repaired and f"{SECOND}-08-15" in repaired
