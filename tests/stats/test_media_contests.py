"""Two years of media work and contests (outreach): each figure of each year against a plain recount and
against the numbers a clerk would count by hand, and the summary's sentences written from them."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from stats import figures, summary
from tests.factories import (
    AssociationFactory,
    ContestEntryFactory,
    ContestFactory,
    EventFactory,
    EventOutputFactory,
    HeadcountFactory,
    MediaColumnFactory,
    MediaEpisodeFactory,
    NewsReportFactory,
    TownFactory,
    VenueFactory,
    VillageFactory,
)
from tests.stats.rows import recount_listed_rows, without_zeros
from tests.stats.test_figures_property import recount_media

pytestmark = pytest.mark.django_db
FIRST, SECOND = 2024, 2025
MEDIA = ("media_episodes", "media_minutes", "news_reports", "contests_held", "contest_entries")
MEDIA += ("contest_pupils", "contest_prizes")


@pytest.fixture
def county():
    association = AssociationFactory(name="河东县科学技术协会")
    town = TownFactory(parent=association.region, name="东关镇")
    return association, VillageFactory(parent=town, name="桥头村")


@pytest.fixture
def records(county):
    association, _village = county
    tv = MediaColumnFactory(association=association, name="科普之窗", kind="tv", outlet="县电视台")
    for month in (3, 6, 9):
        MediaEpisodeFactory(column=tv, aired_on=date(FIRST, month, 1), minutes=20)
    MediaEpisodeFactory(column=tv, aired_on=date(FIRST, 12, 31), minutes=30)  # the first year's last day
    MediaEpisodeFactory(column=tv, aired_on=date(SECOND, 1, 1), minutes=15)
    paper = MediaColumnFactory(association=association, name="科普园地", kind="newspaper", outlet="县报")
    MediaEpisodeFactory(column=paper, aired_on=date(SECOND, 5, 1), minutes=0)  # a printed page: no minutes
    NewsReportFactory(association=association, published_on=date(FIRST, 8, 1))
    NewsReportFactory(association=association, published_on=date(SECOND, 2, 1))
    NewsReportFactory(association=association, published_on=date(SECOND, 11, 1), level="province")
    contest = ContestFactory(association=association, name="县青少年科技创新大赛", held_on=date(SECOND, 5, 20))
    ContestEntryFactory(contest=contest, entrant="李明", pupils=1, award="first", award_level="county")
    ContestEntryFactory(contest=contest, entrant="节水小组", pupils=3, award="second", award_level="province")
    ContestEntryFactory(contest=contest, entrant="王芳", pupils=1)
    papers = ContestFactory(association=association, name="科技论文评选", kind="papers", held_on=date(FIRST, 10, 1))
    ContestEntryFactory(contest=papers, entrant="张老师", pupils=0, award="third", award_level="county")
    # A neighbour's records never count.
    other = AssociationFactory()
    MediaEpisodeFactory(column=MediaColumnFactory(association=other), aired_on=date(SECOND, 3, 1))
    NewsReportFactory(association=other, published_on=date(SECOND, 3, 1))
    ContestEntryFactory(contest=ContestFactory(association=other, held_on=date(SECOND, 3, 1)))
    return association


def _figures(association, year):
    return figures.compute(figures.year_scope(association.id, year)).figures


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_every_media_and_contest_figure_of_each_year_equals_a_plain_recount(records, year):
    got = _figures(records, year)
    expected = recount_media(records, year)
    assert {name: got[name] for name in MEDIA} == {name: expected[name] for name in MEDIA}


def test_each_record_counts_in_the_year_of_its_own_date(records):
    first, second = _figures(records, FIRST), _figures(records, SECOND)

    assert (first["media_episodes"], first["media_minutes"]) == (4, 90)
    assert (second["media_episodes"], second["media_minutes"]) == (2, 15)
    assert (first["news_reports"], second["news_reports"]) == (1, 2)
    assert (first["contests_held"], first["contest_entries"], first["contest_pupils"]) == (1, 1, 0)
    assert (second["contests_held"], second["contest_entries"], second["contest_pupils"]) == (1, 3, 5)
    assert first["contest_prizes"] == {"county": 1}
    assert second["contest_prizes"] == {"county": 1, "province": 1}


def test_contest_pupils_are_not_added_to_the_pupils_who_checked_in(records):
    """students_participating counts the attendees who checked in, each once; entrants stay apart."""
    assert _figures(records, SECOND)["students_participating"] == 0


def _summary(association, year, language="zh-hans"):
    venue = VenueFactory(association=association)
    when = timezone.make_aware(datetime(year, 3, 1, 9))
    event = EventFactory(
        association=association, venue=venue, starts_at=when, ends_at=when + timedelta(hours=2), status="done"
    )
    HeadcountFactory(event=event, count=100, counted_at=when)
    return event, lambda: "\n".join(summary.summary_build(association=association, year=year, language=language).text)


def test_the_summary_writes_the_media_work_and_the_contests_from_their_records(records):
    event, text = _summary(records, SECOND)
    # An event dressed as a broadcast does not speak when the records do.
    EventOutputFactory(event=event, kind="broadcasts", quantity=99)
    written = text()

    assert (
        "在县电视台开办《科普之窗》栏目，播出1期；在县报开办《科普园地》栏目，刊发1期；"
        "全年共播出（刊发）2期，播出时长约0.2小时" in written
    )
    assert "刊发科普新闻报道2篇" in written
    assert "99" not in written.split("（五）")[0].split("（四）")[-1]
    assert "组织开展县青少年科技创新大赛等竞赛评比活动1项，征集参赛作品3件，参赛学生5人次" in written
    assert "省级奖1项" in written and "县级奖1项" in written


def test_the_english_summary_names_the_contests_too(records):
    _event, text = _summary(records, SECOND, "en")
    written = text()

    assert "Contests and reviews held or entered: 1, among them 县青少年科技创新大赛, with 3 entries" in written
    assert "prizes won: 1 provincial, 1 county" in written
    assert "2 episodes and posts in 《科普之窗》, 《科普园地》" in written and "2 news reports" in written


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_the_rows_behind_each_figure_make_the_figure(records, year):
    association = records
    got = _figures(association, year)

    for name in ("media_episodes", "media_minutes", "news_reports", "contests_held", "contest_entries"):
        assert recount_listed_rows(association, year, name) == got[name], name
    for name in ("contest_pupils", "contest_prizes"):
        assert recount_listed_rows(association, year, name) == without_zeros(got[name]), name
