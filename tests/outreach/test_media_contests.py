"""Media columns, news reports and contests over the API and in the admin: scoped per association like
every register (kepu.access), a prize only with its level, and each change asks for its year's tallies."""

import io
from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from kepu.spreadsheets import ImportRefused
from outreach.models import Contest, ContestEntry, MediaEpisode, NewsReport
from outreach.services import import_episodes, import_news_reports
from tests.factories import (
    AssociationFactory,
    ContestEntryFactory,
    ContestFactory,
    MediaColumnFactory,
    MediaEpisodeFactory,
    NewsReportFactory,
    OrganizerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(organizer):
    api = APIClient()
    api.force_authenticate(organizer)
    return api


def _as(association) -> APIClient:
    api = APIClient()
    api.force_authenticate(OrganizerFactory(association=association).user)
    return api


def test_an_organizer_keeps_a_tv_column_with_its_episodes(client, association):
    created = client.post(
        "/api/v1/media-columns/", {"name": "科普之窗", "kind": "tv", "outlet": "县电视台"}, format="json"
    )
    assert created.status_code == 201, created.json()
    column_id = created.json()["id"]

    aired = client.post(
        f"/api/v1/media-columns/{column_id}/episodes/",
        {"aired_on": "2025-03-08", "title": "春耕科学施肥", "minutes": 25},
        format="json",
    )

    assert aired.status_code == 201, aired.json()
    shown = client.get(f"/api/v1/media-columns/{column_id}/").json()
    assert [(e["title"], e["minutes"]) for e in shown["episodes"]] == [("春耕科学施肥", 25)]
    assert MediaEpisode.objects.get().column.association == association


def test_a_second_column_of_the_same_name_is_refused(client, association):
    MediaColumnFactory(association=association, name="科普之窗")

    refused = client.post("/api/v1/media-columns/", {"name": "科普之窗", "kind": "tv"}, format="json")

    assert refused.status_code == 400 and "name" in refused.json()


def test_an_organizer_records_news_reports_and_corrects_one(client, association):
    created = client.post(
        "/api/v1/news-reports/",
        {"published_on": "2025-06-01", "title": "县科协开展科技活动周", "outlet": "州日报", "level": "prefecture"},
        format="json",
    )
    assert created.status_code == 201, created.json()

    changed = client.patch(f"/api/v1/news-reports/{created.json()['id']}/", {"level": "province"}, format="json")

    assert changed.status_code == 200
    assert NewsReport.objects.get(association=association).level == "province"


def test_an_organizer_enters_a_contest_with_entries_and_their_prizes(client, association):
    created = client.post(
        "/api/v1/contests/",
        {"name": "县青少年科技创新大赛", "kind": "innovation", "held_on": "2025-05-20"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/contests/{created.json()['id']}/entries/"

    team = client.post(
        url,
        {
            "entrant": "节水小组",
            "school": "县第一中学",
            "title": "智能滴灌装置",
            "pupils": 3,
            "award": "first",
            "award_level": "county",
        },
        format="json",
    )
    alone = client.post(url, {"entrant": "王芳", "school": "县实验小学", "title": "校园植物调查"}, format="json")

    assert team.status_code == 201 and alone.status_code == 201
    assert sorted(ContestEntry.objects.values_list("entrant", "pupils", "award_level")) == [
        ("王芳", 1, ""),
        ("节水小组", 3, "county"),
    ]


def test_a_prize_without_its_level_is_refused(client, association):
    contest = ContestFactory(association=association)

    refused = client.post(
        f"/api/v1/contests/{contest.id}/entries/",
        {"entrant": "李明", "title": "模型", "award": "second"},
        format="json",
    )

    assert refused.status_code == 400 and "award_level" in refused.json()
    assert not ContestEntry.objects.exists()


def test_another_countys_organizer_neither_sees_nor_changes_them(association):
    column = MediaColumnFactory(association=association)
    report = NewsReportFactory(association=association)
    contest = ContestFactory(association=association)
    other = _as(AssociationFactory())

    for listing in ("media-columns", "news-reports", "contests"):
        assert other.get(f"/api/v1/{listing}/").json()["results"] == []
    assert other.get(f"/api/v1/news-reports/{report.id}/").status_code == 404
    episode = {"aired_on": "2025-01-01", "title": "x", "minutes": 1}
    assert other.post(f"/api/v1/media-columns/{column.id}/episodes/", episode, format="json").status_code == 404
    entry = {"entrant": "x", "title": "y"}
    assert other.post(f"/api/v1/contests/{contest.id}/entries/", entry, format="json").status_code == 404
    assert not MediaEpisode.objects.exists() and not ContestEntry.objects.exists()


def test_a_prefecture_reads_its_countys_contests_but_does_not_change_them(association):
    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    contest = ContestFactory(association=association, name="县科技作品展")
    api = _as(prefecture)

    assert [c["name"] for c in api.get("/api/v1/contests/").json()["results"]] == ["县科技作品展"]
    assert api.patch(f"/api/v1/contests/{contest.id}/", {"name": "改"}, format="json").status_code == 403
    assert api.post(f"/api/v1/contests/{contest.id}/entries/", {"entrant": "x", "title": "y"}).status_code == 403
    assert Contest.objects.get().name == "县科技作品展"


def test_a_change_asks_for_the_tallies_of_the_year_it_touches(client, association, monkeypatch):
    asked = []
    monkeypatch.setattr("outreach.services.registry_request", lambda **kw: asked.append(kw))
    column = MediaColumnFactory(association=association)

    client.post(
        f"/api/v1/media-columns/{column.id}/episodes/",
        {"aired_on": "2024-11-01", "title": "冬季防火", "minutes": 20},
        format="json",
    )

    assert asked == [{"association_id": association.id, "since": date(2024, 11, 1)}]


# --- the admin ---------------------------------------------------------------------------------


def test_an_organizer_adds_a_contest_with_its_entries_in_the_admin(organizer, association):
    admin = Client()
    admin.force_login(organizer)

    done = admin.post(
        "/admin/outreach/contest/add/",
        {
            "name": "县青少年科技创新大赛",
            "kind": "innovation",
            "held_on": "2025-05-20",
            "note": "",
            "entries-TOTAL_FORMS": "1",
            "entries-INITIAL_FORMS": "0",
            "entries-0-entrant": "李明",
            "entries-0-school": "县第一中学",
            "entries-0-title": "太阳能小车",
            "entries-0-pupils": "1",
            "entries-0-award": "third",
            "entries-0-award_level": "county",
        },
    )

    assert done.status_code == 302, done.content.decode()[:2000]
    entry = ContestEntry.objects.get()
    assert entry.contest.association == association and entry.award_level == "county"


def test_the_admin_lists_only_the_organizers_own_records(organizer, association):
    ContestFactory(association=association, name="本县大赛")
    ContestFactory(association=AssociationFactory(), name="邻县大赛")
    MediaEpisodeFactory(column=MediaColumnFactory(association=AssociationFactory(), name="邻县栏目"))
    other_report = NewsReportFactory(association=AssociationFactory(), title="邻县报道")
    admin = Client()
    admin.force_login(organizer)

    contests = admin.get("/admin/outreach/contest/").content.decode()
    columns = admin.get("/admin/outreach/mediacolumn/").content.decode()

    assert "本县大赛" in contests and "邻县大赛" not in contests
    assert "邻县栏目" not in columns
    assert admin.get(f"/admin/outreach/newsreport/{other_report.id}/change/").status_code in (302, 404)


def test_a_prize_without_its_level_is_refused_in_the_admin(organizer, association):
    contest = ContestFactory(association=association)
    ContestEntryFactory(contest=contest)
    admin = Client()
    admin.force_login(organizer)
    entry = contest.entries.get()

    refused = admin.post(
        f"/admin/outreach/contest/{contest.id}/change/",
        {
            "name": contest.name,
            "kind": contest.kind,
            "held_on": str(contest.held_on),
            "note": "",
            "entries-TOTAL_FORMS": "1",
            "entries-INITIAL_FORMS": "1",
            "entries-0-id": str(entry.id),
            "entries-0-contest": str(contest.id),
            "entries-0-entrant": entry.entrant,
            "entries-0-school": entry.school,
            "entries-0-title": entry.title,
            "entries-0-pupils": "1",
            "entries-0-award": "first",
            "entries-0-award_level": "",
        },
    )

    assert refused.status_code == 200
    assert ContestEntry.objects.get().award == ""


# --- the import of a contest's entries -----------------------------------------------------------


def _xlsx(rows):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    data.name = "entries.xlsx"
    return data


def test_the_entries_import_adds_every_row_and_a_second_import_updates_the_prizes(client, association):
    contest = ContestFactory(association=association)
    url = f"/api/v1/contests/{contest.id}/entries/import/"
    heading = ["姓名", "学校", "作品名称", "学生人数", "奖项", "获奖级别"]
    first = [heading, ["李明", "县第一中学", "太阳能小车", 1, "", ""], ["节水小组", "县二中", "滴灌装置", 3, "", ""]]

    done = client.post(url, {"file": _xlsx(first)}, format="multipart")
    again = client.post(url, {"file": _xlsx([heading, ["节水小组", "县二中", "滴灌装置", 3, "一等奖", "省级"]])})

    assert done.status_code == 201 and done.json() == {"created": 2, "updated": 0}
    assert again.status_code == 201 and again.json() == {"created": 0, "updated": 1}
    assert sorted(contest.entries.values_list("entrant", "pupils", "award", "award_level")) == [
        ("李明", 1, "", ""),
        ("节水小组", 3, "first", "province"),
    ]


def test_an_entries_import_with_a_wrong_row_imports_nothing_and_names_it(client, association):
    contest = ContestFactory(association=association)
    rows = [["姓名", "作品名称", "奖项", "获奖级别"], ["李明", "小车", "", ""], ["王芳", "调查", "特等奖", "县级"]]

    refused = client.post(f"/api/v1/contests/{contest.id}/entries/import/", {"file": _xlsx(rows)})

    assert refused.status_code == 400 and "特等奖" in str(refused.json())
    assert not ContestEntry.objects.exists()


# --- the imports of a column's episodes and of the news reports ----------------------------------


def test_an_episode_import_adds_every_row_and_a_second_import_corrects_the_minutes(client, association):
    column = MediaColumnFactory(association=association)
    url = f"/api/v1/media-columns/{column.id}/episodes/import/"
    heading = ["日期", "标题", "时长（分钟）"]
    rows = [
        heading,
        [date(2026, 3, 5), "春耕备耕", 15],
        ["2026/4/2", "科学养猪", "20分钟"],
        ["2026年5月7日", "防汛", ""],
    ]

    done = client.post(url, {"file": _xlsx(rows)}, format="multipart")
    again = client.post(url, {"file": _xlsx([heading, ["2026-03-05", "春耕备耕", 18]])}, format="multipart")

    assert done.status_code == 201 and done.json() == {"created": 3, "updated": 0}
    assert again.status_code == 201 and again.json() == {"created": 0, "updated": 1}
    assert sorted(column.episodes.values_list("aired_on", "title", "minutes")) == [
        (date(2026, 3, 5), "春耕备耕", 18),
        (date(2026, 4, 2), "科学养猪", 20),
        (date(2026, 5, 7), "防汛", 0),
    ]


def test_an_episode_import_with_wrong_rows_imports_nothing_and_names_each(association):
    column = MediaColumnFactory(association=association)
    rows = [
        ["日期", "标题", "时长"],
        ["2026-03-05", "春耕备耕", 15],
        ["三月", "科学养猪", 20],
        ["2026-04-02", "", "半小时"],
    ]

    with pytest.raises(ImportRefused) as refused:
        import_episodes(column, _xlsx(rows))

    assert [(p.row, p.name) for p in refused.value.problems] == [(3, "科学养猪"), (4, "")]
    assert "三月" in refused.value.problems[0].message
    assert "title" in refused.value.problems[1].message or "标题" in refused.value.problems[1].message
    assert not MediaEpisode.objects.exists()


def test_an_episode_import_refuses_the_same_episode_twice_in_one_list(association):
    column = MediaColumnFactory(association=association)
    rows = [["日期", "标题"], ["2026-03-05", "春耕备耕"], ["2026-03-05", "春耕备耕"]]

    with pytest.raises(ImportRefused) as refused:
        import_episodes(column, _xlsx(rows))

    assert [p.row for p in refused.value.problems] == [3]
    assert not MediaEpisode.objects.exists()


def test_another_countys_organizer_cannot_import_into_a_column(association):
    column = MediaColumnFactory(association=association)
    rows = [["日期", "标题"], ["2026-03-05", "春耕备耕"]]

    refused = _as(AssociationFactory()).post(
        f"/api/v1/media-columns/{column.id}/episodes/import/", {"file": _xlsx(rows)}
    )

    assert refused.status_code == 404
    assert not MediaEpisode.objects.exists()


def test_a_news_report_import_files_the_reports_under_the_senders_association(client, association):
    heading = ["日期", "标题", "媒体", "级别"]
    rows = [
        heading,
        ["2026-03-05", "我县开展科技活动周", "县电视台", ""],
        ["2026-06-01", "农技协助农增收", "州日报", "州级"],
    ]

    done = client.post("/api/v1/news-reports/import/", {"file": _xlsx(rows)}, format="multipart")
    again = client.post(
        "/api/v1/news-reports/import/",
        {"file": _xlsx([heading, ["2026-06-01", "农技协助农增收", "省报", "省级"]])},
        format="multipart",
    )

    assert done.status_code == 201 and done.json() == {"created": 2, "updated": 0}
    assert again.status_code == 201 and again.json() == {"created": 0, "updated": 1}
    assert sorted(NewsReport.objects.values_list("association_id", "title", "outlet", "level")) == [
        (association.id, "农技协助农增收", "省报", "province"),
        (association.id, "我县开展科技活动周", "县电视台", "county"),
    ]


def test_a_news_report_import_with_a_wrong_row_imports_nothing_and_names_it(client, association):
    rows = [
        ["日期", "标题", "媒体", "级别"],
        ["2026-03-05", "活动周", "县电视台", "县级"],
        ["2026-06-01", "农技协", "", "乡级"],
    ]

    refused = client.post("/api/v1/news-reports/import/", {"file": _xlsx(rows)}, format="multipart")

    assert refused.status_code == 400
    assert refused.json()["rows"][0]["row"] == 3 and refused.json()["rows"][0]["name"] == "农技协"
    assert "乡级" in refused.json()["rows"][0]["message"]
    assert not NewsReport.objects.exists()


def test_a_news_report_import_service_reports_each_rows_record(association):
    rows = [["date", "title", "outlet"], ["2026-03-05", "活动周", "县电视台"]]

    csv = io.BytesIO("\n".join(",".join(r) for r in rows).encode())
    csv.name = "reports.csv"

    result = import_news_reports(association, csv)

    assert [(number, record.title, is_new) for number, record, is_new in result.rows] == [(2, "活动周", True)]
