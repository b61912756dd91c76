"""The association's registers on the desk (desk/views/registers.py): every page renders for its own
organizer, a prefecture reads its counties' registers without changing them, another county gets 404,
and the writes go through the registers' services into the year's figures."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from events.models import Organization, OrganizationMembership, OrganizationSupport
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
from stats import figures
from tests.factories import (
    AssociationFactory,
    ContestEntryFactory,
    ContestFactory,
    DemonstrationBaseFactory,
    EventFactory,
    FundingRecordFactory,
    MediaColumnFactory,
    MediaEpisodeFactory,
    MembershipFactory,
    NewsReportFactory,
    OrganizationFactory,
    OrganizerFactory,
    RegionFactory,
    SiteFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def prefecture():
    return AssociationFactory(region=RegionFactory(level="prefecture", name="测试州"), name="测试州科协")


@pytest.fixture
def county(prefecture):
    association = AssociationFactory(parent=prefecture, region=RegionFactory(parent=prefecture.region, name="河东县"))
    town = TownFactory(parent=association.region, name="东关镇")
    village = VillageFactory(parent=town, name="桥头村")
    return {"association": association, "town": town, "village": village}


def _client(association) -> Client:
    client = Client()
    client.force_login(OrganizerFactory(association=association).user)
    return client


@pytest.fixture
def desk(county) -> Client:
    return _client(county["association"])


@pytest.fixture
def records(county):
    """One record of each register in the county, each with what it holds."""
    association, village = county["association"], county["village"]
    organization = OrganizationFactory(association=association, name="县农学会", kind="society", region=village)
    MembershipFactory(organization=organization, year=YEAR, members=120)
    site = SiteFactory(association=association, name="桥头村图书室", kind="reading_room", region=village)
    base = DemonstrationBaseFactory(association=association, name="核桃示范基地", region=village)
    column = MediaColumnFactory(association=association, name="科普之窗")
    MediaEpisodeFactory(column=column, aired_on=date(YEAR, 1, 5), title="果树修剪", minutes=15)
    report = NewsReportFactory(association=association, title="县科协送科技下乡", published_on=date(YEAR, 1, 5))
    contest = ContestFactory(association=association, name="县青少年科技创新大赛", held_on=date(YEAR, 1, 5))
    ContestEntryFactory(contest=contest, entrant="张三", title="节水装置")
    funding = FundingRecordFactory(association=association, date=date(YEAR, 1, 5), amount=Decimal("50000"))
    return {
        "organization": organization,
        "site": site,
        "base": base,
        "media-column": column,
        "news-report": report,
        "contest": contest,
        "funding-record": funding,
    }


REGISTERS = {  # slug → record route stem
    "organizations": "organization",
    "sites": "site",
    "bases": "base",
    "media-columns": "media-column",
    "news-reports": "news-report",
    "contests": "contest",
    "funding": "funding-record",
}


def _record_url(records, stem: str) -> str:
    slug = next(s for s, n in REGISTERS.items() if n == stem)
    return f"/desk/registers/{slug}/{records[stem].pk}/"


# --- who sees what -----------------------------------------------------------------------------


def test_the_navigation_leads_to_the_registers_home_with_each_registers_count(desk, records):
    home = desk.get("/desk/")
    assert 'href="/desk/registers/"' in home.content.decode() and "年度工作" in home.content.decode()

    response = desk.get(f"/desk/registers/?year={YEAR}")

    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts.organizations, counts.members, counts.sites, counts.bases) == (1, 120, 1, 1)
    assert (counts.episodes, counts.minutes, counts.reports, counts.contests, counts.entries) == (1, 15, 1, 1, 1)
    assert counts.income == Decimal("50000")
    for slug in REGISTERS:
        assert f'href="/desk/registers/{slug}/?year={YEAR}"' in response.content.decode()


@pytest.mark.parametrize("slug", REGISTERS)
def test_each_list_and_new_form_render_for_the_own_organizer(desk, records, slug):
    listed = desk.get(f"/desk/registers/{slug}/?year={YEAR}")
    new = desk.get(f"/desk/registers/{slug}/new/")

    assert listed.status_code == 200 and len(listed.context["rows"]) == 1
    assert listed.context["rows"][0]["writable"]
    assert new.status_code == 200 and 'type="submit"' in new.content.decode()


@pytest.mark.parametrize("stem", REGISTERS.values())
def test_each_record_page_renders_with_its_write_buttons_for_the_own_organizer(desk, records, stem):
    response = desk.get(_record_url(records, stem))

    assert response.status_code == 200 and response.context["writable"]
    html = response.content.decode()
    assert "保存" in html and "删除" in html


@pytest.mark.parametrize("stem", REGISTERS.values())
def test_the_prefecture_reads_a_countys_record_without_write_buttons_and_its_writes_are_refused(
    prefecture, records, stem
):
    reader = _client(prefecture)
    url = _record_url(records, stem)

    page = reader.get(url)
    assert page.status_code == 200 and not page.context["writable"]
    html = page.content.decode()
    assert "只读" in html and 'type="submit" class="btn">保存' not in html and "删除" not in html
    assert all(field.disabled for field in page.context["form"].fields.values())

    record = records[stem]
    before = type(record).objects.filter(pk=record.pk).values().get()
    assert reader.post(url, {"name": "改名", "title": "改名"}).status_code == 403
    assert reader.post(f"{url}delete/").status_code == 403
    assert type(record).objects.filter(pk=record.pk).values().get() == before


@pytest.mark.parametrize("slug", REGISTERS)
def test_the_prefecture_lists_its_countys_records_read_only(prefecture, records, slug):
    response = _client(prefecture).get(f"/desk/registers/{slug}/?year={YEAR}")
    assert response.status_code == 200
    assert [row["writable"] for row in response.context["rows"]] == [False]


@pytest.mark.parametrize("stem", REGISTERS.values())
def test_another_county_gets_404_for_every_record_page_and_write(prefecture, records, stem):
    other = _client(AssociationFactory(parent=prefecture))
    url = _record_url(records, stem)
    assert other.get(url).status_code == 404
    assert other.post(url, {"name": "改名"}).status_code == 404
    assert other.post(f"{url}delete/").status_code == 404
    slug = next(s for s, n in REGISTERS.items() if n == stem)
    assert other.get(f"/desk/registers/{slug}/?year={YEAR}").context["rows"] == []


def test_the_prefecture_may_not_add_to_a_countys_record(prefecture, records):
    reader = _client(prefecture)
    site = records["site"]
    response = reader.post(f"/desk/registers/sites/{site.pk}/repairs/", {"repairs-repaired_on": str(date(YEAR, 3, 1))})
    assert response.status_code == 403 and not site.repairs.exists()
    contest = records["contest"]
    assert reader.get(f"/desk/registers/contests/{contest.pk}/entries/import/").status_code == 403


# --- writes ------------------------------------------------------------------------------------


def test_a_site_built_and_one_repaired_this_year_appear_in_the_years_figures(desk, county):
    association, town, village = county["association"], county["town"], county["village"]
    old = SiteFactory(association=association, name="县级科普画廊", kind="gallery", region=association.region)
    old.built_on = date(2012, 6, 1)
    old.save()

    created = desk.post(
        "/desk/registers/sites/new/",
        {
            "name": "桥头村科普宣传栏",
            "kind": "board",
            "region": village.pk,
            "region__town": town.pk,
            "built_on": str(date(YEAR, 3, 1)),
        },
    )
    repaired = desk.post(f"/desk/registers/sites/{old.pk}/repairs/", {"repairs-repaired_on": str(date(YEAR, 4, 1))})
    desk.post(
        f"/desk/registers/sites/{old.pk}/books/", {"books-year": YEAR, "books-books": 800}
    )  # a gallery's books: any site may hold them

    site = Site.objects.get(name="桥头村科普宣传栏")
    assert created.status_code == 302 and created["Location"] == f"/desk/registers/sites/{site.pk}/"
    assert site.association == association and site.region == village
    assert repaired.status_code == 302 and SiteRepair.objects.get(site=old).repaired_on == date(YEAR, 4, 1)
    assert SiteBooks.objects.get(site=old, year=YEAR).books == 800
    got = figures.compute(figures.year_scope(association.id, YEAR)).figures
    assert got["sites"] == {"board": 1, "gallery": 1}
    assert got["new_sites"] == {"board": 1} and got["repaired_sites"] == {"gallery": 1}
    counts = desk.get(f"/desk/registers/?year={YEAR}").context["counts"]
    assert (counts.sites, counts.new_sites, counts.repaired_sites) == (2, 1, 1)


def test_a_site_without_town_or_village_is_the_countys_own(desk, county):
    desk.post("/desk/registers/sites/new/", {"name": "县级科普画廊", "kind": "gallery"})
    assert Site.objects.get(name="县级科普画廊").region == county["association"].region


def test_editing_a_site_saves_its_retirement_and_the_list_of_the_next_year_drops_it(desk, county, records):
    site = records["site"]
    response = desk.post(
        f"/desk/registers/sites/{site.pk}/",
        {
            "name": site.name,
            "kind": "reading_room",
            "region": county["village"].pk,
            "retired_on": str(date(YEAR, 6, 1)),
        },
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.retired_on == date(YEAR, 6, 1)
    assert len(desk.get(f"/desk/registers/sites/?year={YEAR}").context["rows"]) == 1  # stood this year
    assert desk.get(f"/desk/registers/sites/?year={YEAR + 1}").context["rows"] == []


def test_the_site_list_filters_by_town_and_kind(desk, county, records):
    other_town = TownFactory(parent=county["association"].region, name="西河镇")
    SiteFactory(association=county["association"], name="西河镇橱窗", kind="window", region=other_town)
    by_town = desk.get(f"/desk/registers/sites/?year={YEAR}&town={county['town'].pk}")
    by_kind = desk.get(f"/desk/registers/sites/?year={YEAR}&kind=window")
    assert [row["label"] for row in by_town.context["rows"]] == ["桥头村图书室"]
    assert [row["label"] for row in by_kind.context["rows"]] == ["西河镇橱窗"]


def test_an_organization_with_its_yearly_members_and_support(desk, county):
    association = county["association"]
    created = desk.post(
        "/desk/registers/organizations/new/",
        {"name": "县养蜂协会", "kind": "rural_tech", "founded_on": str(date(YEAR, 3, 1))},
    )
    organization = Organization.objects.get(name="县养蜂协会")
    assert created.status_code == 302 and organization.association == association and organization.region is None
    url = f"/desk/registers/organizations/{organization.pk}/"
    desk.post(f"{url}members/", {"members-year": YEAR, "members-members": 25})
    desk.post(f"{url}members/", {"members-year": YEAR, "members-members": 30})  # corrected, not added
    desk.post(f"{url}supports/", {"supports-kind": "charter", "supports-date": str(date(YEAR, 3, 1))})

    assert list(OrganizationMembership.objects.filter(organization=organization).values_list("members")) == [(30,)]
    assert OrganizationSupport.objects.get(organization=organization).kind == "charter"
    got = figures.compute(figures.year_scope(association.id, YEAR)).figures
    assert got["organizations"] == {"rural_tech": 1} and got["members"] == {"rural_tech": 30}
    assert got["new_organizations"] == {"rural_tech": 1}


def test_members_before_the_founding_are_refused_in_chinese(desk, county):
    organization = OrganizationFactory(association=county["association"], founded_on=date(YEAR, 3, 1))
    response = desk.post(
        f"/desk/registers/organizations/{organization.pk}/members/", {"members-year": YEAR - 1, "members-members": 5}
    )
    assert response.status_code == 200
    assert response.context["parts"][0]["form"].errors["year"] == [f"该组织成立于{YEAR}年。"]
    assert not organization.memberships.exists()


def test_a_base_with_partners_events_and_the_years_results(desk, county):
    association = county["association"]
    partner = OrganizationFactory(association=association, name="州农科所", kind="enterprise")
    training = EventFactory(association=association, kind="training", title="核桃嫁接培训")
    response = desk.post(
        "/desk/registers/bases/new/",
        {
            "name": "核桃示范基地",
            "kind": "base",
            "region": county["village"].pk,
            "partners": [partner.pk],
            "events": [training.pk],
        },
    )
    base = DemonstrationBase.objects.get(name="核桃示范基地")
    assert response.status_code == 302
    assert list(base.partners.all()) == [partner] and list(base.events.all()) == [training]
    desk.post(
        f"/desk/registers/bases/{base.pk}/results/",
        {"results-year": YEAR, "results-varieties": 2, "results-techniques": 3, "results-households": 150},
    )
    assert BaseYear.objects.get(base=base, year=YEAR).households == 150


def test_a_base_may_not_link_another_countys_partner(desk, county):
    stranger = OrganizationFactory(association=AssociationFactory(), name="邻县公司")
    response = desk.post("/desk/registers/bases/new/", {"name": "示范园", "kind": "park", "partners": [stranger.pk]})
    assert response.status_code == 200 and response.context["form"].errors["partners"]
    assert not DemonstrationBase.objects.exists()


def test_a_media_column_and_its_episodes(desk, county):
    desk.post("/desk/registers/media-columns/new/", {"name": "科普之窗", "kind": "tv", "outlet": "县电视台"})
    column = MediaColumn.objects.get(name="科普之窗")
    desk.post(
        f"/desk/registers/media-columns/{column.pk}/episodes/",
        {"episodes-aired_on": str(date(YEAR, 2, 1)), "episodes-title": "冬季果树管理", "episodes-minutes": 20},
    )
    assert MediaEpisode.objects.get(column=column).minutes == 20
    listed = desk.get(f"/desk/registers/media-columns/?year={YEAR}").context["rows"]
    assert [value for _column, value in listed[0]["cells"]][-2:] == [1, 20]


def test_a_news_report_is_created_edited_and_deleted(desk, county):
    desk.post(
        "/desk/registers/news-reports/new/",
        {"published_on": str(date(YEAR, 2, 1)), "title": "县科协开展科技周", "outlet": "州日报", "level": "prefecture"},
    )
    report = NewsReport.objects.get(title="县科协开展科技周")
    desk.post(
        f"/desk/registers/news-reports/{report.pk}/",
        {
            "published_on": str(date(YEAR, 2, 2)),
            "title": "县科协开展科技活动周",
            "outlet": "州日报",
            "level": "prefecture",
        },
    )
    report.refresh_from_db()
    assert report.title == "县科协开展科技活动周" and report.published_on == date(YEAR, 2, 2)
    deleted = desk.post(f"/desk/registers/news-reports/{report.pk}/delete/")
    assert deleted.status_code == 302 and not NewsReport.objects.exists()


def test_a_contest_with_an_entry_and_its_prize(desk, county):
    desk.post(
        "/desk/registers/contests/new/",
        {"name": "县青少年科技创新大赛", "kind": "innovation", "held_on": str(date(YEAR, 5, 1))},
    )
    contest = Contest.objects.get()
    response = desk.post(
        f"/desk/registers/contests/{contest.pk}/entries/",
        {
            "entries-entrant": "李四",
            "entries-school": "县一中",
            "entries-title": "智能灌溉",
            "entries-pupils": 2,
            "entries-award": "first",
            "entries-award_level": "county",
        },
    )
    assert response.status_code == 302
    entry = ContestEntry.objects.get(contest=contest)
    assert (entry.pupils, entry.award, entry.award_level) == (2, "first", "county")


def test_a_prize_without_its_level_is_refused_in_chinese(desk, county):
    contest = ContestFactory(association=county["association"])
    response = desk.post(
        f"/desk/registers/contests/{contest.pk}/entries/",
        {"entries-entrant": "李四", "entries-title": "智能灌溉", "entries-pupils": 1, "entries-award": "first"},
    )
    assert response.status_code == 200
    assert response.context["parts"][0]["form"].errors["award_level"] == ["奖项和获奖级别须同时填写，或都不填。"]
    assert not contest.entries.exists()


def test_funding_with_its_document_linked_through_the_access_checked_route(desk, county, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    response = desk.post(
        "/desk/registers/funding/new/",
        {
            "date": str(date(YEAR, 3, 1)),
            "direction": "income",
            "source": "government",
            "amount": "80000",
            "note": "县财政科普经费",
            "document": SimpleUploadedFile("letter.pdf", PDF),
        },
    )
    record = FundingRecord.objects.get()
    assert response.status_code == 302 and record.document_type == "application/pdf"
    page = desk.get(f"/desk/registers/funding/{record.pk}/").content.decode()
    document_url = f"/api/v1/funding/{record.pk}/document/"
    assert document_url in page and "/media/" not in page
    assert desk.get(document_url).status_code == 200
    assert _client(AssociationFactory()).get(document_url).status_code == 404
    listed = desk.get(f"/desk/registers/funding/?year={YEAR}")
    assert listed.context["totals"]["income"] == Decimal("80000")


def test_spending_without_a_use_is_refused_in_chinese_and_nothing_is_saved(desk, county):
    response = desk.post(
        "/desk/registers/funding/new/",
        {"date": str(date(YEAR, 3, 1)), "direction": "spending", "amount": "100"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["use"] == ["请注明支出用途。"]
    assert not FundingRecord.objects.exists()


def test_a_document_that_is_not_a_pdf_or_a_photo_is_refused(desk, county):
    response = desk.post(
        "/desk/registers/funding/new/",
        {
            "date": str(date(YEAR, 3, 1)),
            "direction": "income",
            "source": "own",
            "amount": "100",
            "document": SimpleUploadedFile("letter.exe", b"MZ\x90\x00 not a document"),
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["document"]
    assert not FundingRecord.objects.exists()


# --- bad input ----------------------------------------------------------------------------------


def test_a_name_the_association_already_uses_is_refused_in_chinese(desk, county, records):
    response = desk.post("/desk/registers/sites/new/", {"name": "桥头村图书室", "kind": "window"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["本科协已有名为“桥头村图书室”的阵地。"]
    assert Site.objects.count() == 1


def test_a_retirement_before_the_building_is_refused_in_chinese_on_its_field(desk, county):
    response = desk.post(
        "/desk/registers/sites/new/",
        {"name": "新橱窗", "kind": "window", "built_on": "2020-05-01", "retired_on": "2019-01-01"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["retired_on"] and "撤除" in errors["retired_on"][0]
    assert not Site.objects.filter(name="新橱窗").exists()


def test_a_missing_name_and_a_wrong_date_are_said_in_chinese(desk, county):
    response = desk.post("/desk/registers/organizations/new/", {"kind": "society", "founded_on": "昨天"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["该字段是必填项。"] and errors["founded_on"] == ["输入一个有效的日期。"]


def test_a_delete_the_service_refuses_is_said_and_nothing_is_deleted(desk, county):
    organization = OrganizationFactory(association=county["association"], name="县科普志愿者协会")
    EventFactory(association=county["association"]).partners.add(organization)
    response = desk.post(f"/desk/registers/organizations/{organization.pk}/delete/", follow=True)
    assert "不能删除" in response.content.decode()
    assert Organization.objects.filter(pk=organization.pk).exists()


# --- imports ----------------------------------------------------------------------------------


def _xlsx(rows, name="list.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def test_the_sites_import_saves_every_row(desk, county):
    rows = [
        ["名称", "类别", "乡镇", "村", "建成日期", "藏书"],
        ["桥头村科普图书室", "图书室", "东关镇", "桥头村", "2015-03-01", 1200],
        ["东关镇科普橱窗", "科普橱窗", "东关镇", "", "2018/6/1", ""],
    ]
    response = desk.post("/desk/registers/sites/import/", {"file": _xlsx(rows), "year": YEAR})
    assert response.status_code == 200 and response.context["report"] == {"imported": True, "created": 2, "updated": 0}
    assert SiteBooks.objects.get(site__name="桥头村科普图书室", year=YEAR).books == 1200


def test_a_sites_import_with_a_bad_row_names_it_and_saves_nothing(desk, county):
    rows = [
        ["名称", "类别", "乡镇", "村", "建成日期"],
        ["桥头村科普图书室", "图书室", "东关镇", "桥头村", "2015-03-01"],
        ["某某", "游乐场", "东关镇", "", "2018-06-01"],
    ]
    response = desk.post("/desk/registers/sites/import/", {"file": _xlsx(rows), "year": YEAR})
    assert response.status_code == 400
    report = response.context["report"]
    assert not report["imported"] and [row["row"] for row in report["rows"]] == [3]
    html = response.content.decode()
    assert "游乐场" in html and "未导入任何内容" in html
    assert not Site.objects.exists()


def test_a_contests_entries_import_with_a_bad_row_names_it_and_saves_nothing(desk, county):
    contest = ContestFactory(association=county["association"])
    rows = [
        ["姓名", "学校", "作品名称", "学生人数", "奖项", "获奖级别"],
        ["张三", "县一中", "节水装置", 1, "一等奖", "县级"],
        ["李四", "县二中", "风力发电", "两个", "", ""],
    ]
    url = f"/desk/registers/contests/{contest.pk}/entries/import/"
    refused = desk.post(url, {"file": _xlsx(rows)})
    assert refused.status_code == 400 and [r["row"] for r in refused.context["report"]["rows"]] == [3]
    assert not contest.entries.exists()

    rows[2][3] = 2
    imported = desk.post(url, {"file": _xlsx(rows)})
    assert imported.status_code == 200 and imported.context["report"]["created"] == 2
    assert contest.entries.count() == 2


def test_an_upload_that_is_not_a_spreadsheet_is_said_on_the_form(desk, county):
    response = desk.post("/desk/registers/sites/import/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not Site.objects.exists()
