"""seed_demo's register of sites is shaped like the seed's county, and the summary reads it."""

from io import StringIO

import pytest
from django.core.management import call_command

from events.models import Association, Organization, OrganizationMembership, OrganizationSupport
from outreach.models import Site
from stats import figures, summary

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_the_demo_county_has_a_register_of_sites_and_organizations_over_time():
    call_command("seed_demo", year=YEAR, stdout=StringIO())
    association = Association.objects.get(name="清河县科学技术协会")
    got = figures.compute(figures.year_scope(association.id, YEAR)).figures

    assert got["sites"]["window"] == 86 and got["sites"]["gallery"] == 4  # the seed's 86 windows, 4 galleries
    assert got["new_sites"]["window"] == 2 and got["new_sites"]["board"] == 14  # its new windows and boards
    assert got["repaired_sites"]["gallery"] == 1
    assert 110_000 <= got["site_books"] <= 140_000  # the seed's 126,500 books
    assert Organization.objects.filter(dissolved_on__year=YEAR).exists()
    assert OrganizationMembership.objects.filter(year=YEAR - 1).exists()
    assert OrganizationSupport.objects.filter(date__year=YEAR).exists()

    built = summary.summary_build(association=association, year=YEAR, language="zh-hans")
    text = "\n".join(built.text)
    assert "全县有科普橱窗86处、县级科普画廊4处、科普宣传栏54个" in text
    assert "新建科普橱窗2处、科普宣传栏14个" in text
    assert not any("人工填报" in item for item in built.checklist)  # nothing of (一) is typed by hand any more


def test_seeding_the_sites_twice_adds_nothing():
    call_command("seed_demo", year=YEAR, stdout=StringIO())
    count = Site.objects.count()
    call_command("seed_demo", year=YEAR, stdout=StringIO())
    assert Site.objects.count() == count


# --- media and contests ----------------------------------------------------------------------------


def test_the_demo_county_has_its_media_work_and_contests_and_the_summary_reads_them():
    call_command("seed_demo", year=YEAR, stdout=StringIO())
    association = Association.objects.get(name="清河县科学技术协会")
    got = figures.compute(figures.year_scope(association.id, YEAR)).figures

    assert got["media_episodes"] >= 24 + 12  # the TV column twice a month, the newspaper page monthly, posts
    assert 24 * 20 <= got["media_minutes"] <= 24 * 30
    assert got["news_reports"] == 32
    assert got["contests_held"] == 5 and got["contest_entries"] == 64 + 12 + 85 + 26 + 18
    assert got["contest_prizes"] == {"county": 19 + 30 + 12 + 9, "prefecture": 6}

    text = "\n".join(summary.summary_build(association=association, year=YEAR, language="zh-hans").text)
    assert "在县电视台开办《科普园地》栏目" in text and "刊发科普新闻报道32篇" in text
    assert "征集参赛作品205件" in text and "获州（市）级奖6项、县级奖70项" in text


def test_seeding_the_media_and_contests_twice_adds_nothing():
    from outreach.models import ContestEntry, MediaEpisode

    call_command("seed_demo", year=YEAR, stdout=StringIO())
    counts = (MediaEpisode.objects.count(), ContestEntry.objects.count())
    call_command("seed_demo", year=YEAR, stdout=StringIO())
    assert (MediaEpisode.objects.count(), ContestEntry.objects.count()) == counts


def test_the_demo_county_has_demonstration_bases_and_its_years_accounts():
    from outreach.models import DemonstrationBase, FundingRecord

    call_command("seed_demo", year=YEAR, stdout=StringIO())
    association = Association.objects.get(name="清河县科学技术协会")
    got = figures.compute(figures.year_scope(association.id, YEAR)).figures

    assert got["demonstration_bases"]["base"] == 8 and got["demonstration_bases"]["park"] == 1  # the 8 farms
    assert got["demonstration_bases"]["project"] == 1  # the rice-and-fish project ended last year
    assert got["households_reached"] > 0 and got["techniques_introduced"] > 0
    assert got["base_trainings"] > 0  # the trainings held at the farms
    assert got["funding_income"] == {"donation": 12000, "government": 230000, "own": 8500}
    assert sum(got["funding_spent"].values()) == 196300

    text = "\n".join(summary.summary_build(association=association, year=YEAR, language="zh-hans").text)
    assert "全县有科普示范基地8个、示范园1个、示范项目1个" in text
    assert "全年科普经费收入250500元（其中财政拨款230000元、社会捐赠12000元、自筹8500元）" in text

    count = (DemonstrationBase.objects.count(), FundingRecord.objects.count())
    call_command("seed_demo", year=YEAR, stdout=StringIO())
    assert (DemonstrationBase.objects.count(), FundingRecord.objects.count()) == count
