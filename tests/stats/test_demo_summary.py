"""The demo county's summary, paragraph by paragraph against the seed's (一) and 3–6: each sentence that a
clerk once filled in by hand (the seed's xxx) carries a number recounted here from the records themselves,
with plain queries and loops, not through stats.figures."""

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import Association, Event, Organization, OrganizationMembership, OrganizationSupport, Region
from outreach.models import (
    BaseYear,
    Contest,
    ContestEntry,
    DemonstrationBase,
    FundingRecord,
    MediaColumn,
    MediaEpisode,
    NewsReport,
    Site,
    SiteBooks,
    SiteRepair,
)
from stats import summary, wording
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
YEAR = 2025
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)


def _standing(born: date | None, gone: date | None) -> bool:
    return (born is None or born <= END) and (gone is None or gone > END)


def _latest(entries: list[tuple[int, int]]) -> int:
    """The value of the year's entry, else of the latest earlier one (entries: (year, value))."""
    earlier = [(year, value) for year, value in entries if year <= YEAR]
    return max(earlier)[1] if earlier else 0


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county seeded once for the module, its summary written once."""
    with django_db_blocker.unblock():
        call_command("seed_demo", year=YEAR, stdout=StringIO())
        association = Association.objects.get(name="清河县科学技术协会")
        built = summary.summary_build(association=association, year=YEAR, language="zh-hans")
        yield association, "\n".join(str(p) for p in built.text)
        call_command("flush", interactive=False, stdout=StringIO())


def _paragraph(text: str, heading: str) -> str:
    """The text under a heading of the summary, up to the next heading."""
    return text.split(heading, 1)[1].split("\n（", 1)[0]


def test_section_one_counts_the_organizations_volunteers_and_sites_from_their_registers(demo):
    association, text = demo
    orgs = [o for o in Organization.objects.filter(association=association) if _standing(o.founded_on, o.dissolved_on)]
    members = {
        o.id: _latest(list(OrganizationMembership.objects.filter(organization=o).values_list("year", "members")))
        for o in orgs
    }
    societies = [o for o in orgs if o.kind in ("society", "enterprise_assoc")]
    enterprise = [o for o in orgs if o.kind == "enterprise_assoc"]
    rural = [o for o in orgs if o.kind == "rural_tech"]
    assert (
        f"学会、协会和研究会{len(societies)}个（其中厂矿科协{len(enterprise)}个），"
        f"会员{sum(members[o.id] for o in societies)}名" in text
    )
    assert (
        f"农村专业技术协会{len(rural)}个，会员{wording.approx(sum(members[o.id] for o in rural), 'zh-hans')}人" in text
    )
    experts = Volunteer.objects.filter(
        association=association,
        is_expert=True,
        created_at__lt=timezone.make_aware(datetime.combine(END + timedelta(days=1), time.min)),
    ).count()
    if experts:
        assert f"科普志愿者队伍中有科技专家{experts}名" in text
    else:  # the demo's volunteers signed up this year: a past year had none, and says nothing of them
        assert "科技专家" not in _paragraph(text, "（一）加强科普组织和队伍建设")

    sites = [s for s in Site.objects.filter(association=association) if _standing(s.built_on, s.retired_on)]
    kinds = Counter(s.kind for s in sites)
    county_galleries = sum(1 for s in sites if s.kind == "gallery" and s.region.level == Region.Level.COUNTY)
    assert county_galleries == kinds["gallery"]  # the demo's galleries are the county's, as the seed's
    assert (
        f"全县有科普橱窗{kinds['window']}处、县级科普画廊{kinds['gallery']}处、科普宣传栏{kinds['board']}个、"
        f"科普图书室{kinds['reading_room']}个、农民技术学校{kinds['farmers_school']}所" in text
    )
    books = sum(_latest(list(SiteBooks.objects.filter(site=s).values_list("year", "books"))) for s in sites)
    assert f"图书室藏书{wording.approx(books, 'zh-hans')}册" in text
    new = Counter(s.kind for s in sites if s.built_on and s.built_on >= START)
    assert f"全年新建科普橱窗{new['window']}处、科普宣传栏{new['board']}个" in text
    repaired_ids = set(
        SiteRepair.objects.filter(repaired_on__gte=START, repaired_on__lte=END).values_list("site_id", flat=True)
    )
    repaired = Counter(s.kind for s in sites if s.id in repaired_ids)
    assert (
        f"维修科普橱窗{repaired['window']}处、科普画廊{repaired['gallery']}处、"
        f"科普活动中心{repaired['activity_centre']}个（县科普活动中心" in text
    )


def test_section_three_the_columns_episodes_hours_and_reports_come_from_the_media_records(demo):
    association, text = demo
    publicity = _paragraph(text, "（四）强化科普宣传")
    episodes = list(MediaEpisode.objects.filter(column__association=association, aired_on__year=YEAR))
    by_column = Counter(e.column_id for e in episodes)
    for column in MediaColumn.objects.filter(association=association):
        verb = {"tv": "播出", "newspaper": "刊发", "online": "推送"}[column.kind]
        assert f"在{column.outlet}开办《{column.name}》栏目，{verb}{by_column[column.id]}期" in publicity
    assert f"全年共播出（刊发）{len(episodes)}期" in publicity
    hours = round(sum(e.minutes for e in episodes) / 60, 1)
    assert f"播出时长{wording.near(hours, 'zh-hans')}小时" in publicity
    reports = NewsReport.objects.filter(association=association, published_on__year=YEAR).count()
    assert f"刊发科普新闻报道{reports}篇" in publicity


def test_section_four_the_new_rural_associations_the_support_and_their_results_come_from_records(demo):
    association, text = demo
    rural = _paragraph(text, "（五）发展农技协，实施科普示范")
    founded = Organization.objects.filter(
        association=association, kind="rural_tech", founded_on__gte=START, founded_on__lte=END
    ).order_by("founded_on", "name")
    assert f"新成立农技协{founded.count()}个（{'、'.join(o.name for o in founded)}）" in rural
    supports = OrganizationSupport.objects.filter(organization__association=association, date__year=YEAR)
    networked = {s.organization_id for s in supports if s.kind == "info_network"}
    assert f"{len(networked)}个协会加入科普信息网络" in rural
    assert f"骨干{sum(1 for s in supports if s.kind == 'leader_training')}期" in rural
    newtech = Organization.objects.get(association=association, name="县农业新技术协会")
    results = BaseYear.objects.filter(base__partners=newtech, year=YEAR)
    varieties, techniques = sum(r.varieties for r in results), sum(r.techniques for r in results)
    introduced = "、".join(
        ([f"新品种{varieties}个"] if varieties else []) + ([f"新技术{techniques}项"] if techniques else [])
    )
    assert introduced and f"县农业新技术协会依托县现代农业科技示范园引进推广{introduced}。" in rural


def test_section_five_the_bases_their_partners_and_results_come_from_their_register(demo):
    association, text = demo
    rural = _paragraph(text, "（五）发展农技协，实施科普示范")
    bases = [
        b for b in DemonstrationBase.objects.filter(association=association) if _standing(b.established_on, b.closed_on)
    ]
    kinds = Counter(b.kind for b in bases)
    assert f"全县有科普示范基地{kinds['base']}个、示范园{kinds['park']}个、示范项目{kinds['project']}个" in rural
    partners = {p.name for b in bases for p in b.partners.all() if p.kind != "rural_tech"}
    assert f"等{len(partners)}个科研院所、部门和企业建设" in rural
    results = BaseYear.objects.filter(base__association=association, year=YEAR)
    assert f"带动农户{sum(r.households for r in results)}户" in rural
    varieties, techniques = sum(r.varieties for r in results), sum(r.techniques for r in results)
    assert f"全年共引进推广新品种{varieties}个、新技术{techniques}项" in rural
    held_trainings = {
        e.id
        for b in bases
        for e in b.events.all()
        if e.kind == "training" and e.starts_at.year == YEAR and e.status not in ("draft", "cancelled")
    }
    assert f"全年在基地举办培训{len(held_trainings)}期" in rural


def test_section_six_the_societies_lectures_and_paper_reviews_come_from_records(demo):
    association, text = demo
    societies = _paragraph(text, "（六）发挥群团优势，开展学术交流")
    lectures = {
        e.id
        for e in Event.objects.filter(association=association, kind="lecture", starts_at__year=YEAR)
        if e.status not in ("draft", "cancelled")
        and any(p.kind in ("society", "enterprise_assoc") for p in e.partners.all())
    }
    assert f"学会、协会开展学术交流和科普讲座{len(lectures)}场" in societies
    for contest in Contest.objects.filter(association=association, kind="papers", held_on__year=YEAR):
        entries = list(ContestEntry.objects.filter(contest=contest))
        awarded = sum(1 for e in entries if e.award)
        assert f"组织开展“{contest.name}”，征集论文{len(entries)}篇，评出获奖论文{awarded}篇" in societies


def test_the_difficulties_funding_item_adds_up_the_years_records(demo):
    association, text = demo
    income: dict[str, int] = defaultdict(int)
    for record in FundingRecord.objects.filter(association=association, date__year=YEAR, direction="income"):
        income[record.source] += int(record.amount)
    assert f"全年科普经费收入{sum(income.values())}元（其中财政拨款{income['government']}元" in text
