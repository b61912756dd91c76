"""The national form: the mapping moves events between rows, the clerk's cells are marked, the workbook
says where each cell came from, and only the association's readers get it."""

import io
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from survey.models import ActivityRow, ActivityRule
from survey.national_form import BY_HAND, national_form
from survey.workbook import MANUAL_FILL, SOURCE_SHEET, national_form_xlsx
from tests.factories import (
    AssociationFactory,
    CampaignFactory,
    CheckInFactory,
    EventFactory,
    HeadcountFactory,
    OrganizerFactory,
    VolunteerFactory,
)
from tests.survey.conftest import default_rules_migration

pytestmark = pytest.mark.django_db
YEAR = 2024
START = timezone.make_aware(datetime(YEAR, 5, 20, 9))


def _event(association, kind="lecture", **fields):
    return EventFactory(
        association=association, kind=kind, starts_at=START, ends_at=START + timedelta(hours=2), status="done", **fields
    )


def _line(form, table: str, label: str):
    return form.table(table).line(label)


def _values(form, table: str, label: str) -> list:
    return [cell.value for _unit, cell in _line(form, table, label).cells if cell is not None]


# --- the mapping --------------------------------------------------------------------------------------


def test_the_migration_seeds_the_default_mapping():
    migration = default_rules_migration.Migration("0002_default_rules", "survey")
    assert [op.code for op in migration.operations] == [default_rules_migration.add_defaults]
    ActivityRule.objects.all().delete()
    default_rules_migration.add_defaults(apps, None)
    rules = {(r.row, r.match, r.value) for r in ActivityRule.objects.all()}
    assert ("lecture", "event_kind", "lecture") in rules
    assert ("exhibition", "event_kind", "exhibition") in rules
    assert ("contest", "event_kind", "competition") in rules
    assert ("training", "event_kind", "training") in rules
    assert ("science_week", "campaign_kind", "science_week") in rules
    assert ("countryside", "countryside_trip", "") in rules


def test_changing_the_mapping_moves_an_event_kind_to_another_row():
    lecture = _event(AssociationFactory())
    HeadcountFactory(event=lecture, count=30)
    form = national_form(association=lecture.association, year=YEAR)
    assert _values(form, "activities", "科普(技)讲座") == [1, 30]
    assert _values(form, "activities", "实用技术培训") == [0, 0]

    ActivityRule.objects.filter(match="event_kind", value="lecture").update(row=ActivityRow.TRAINING)
    form = national_form(association=lecture.association, year=YEAR)
    assert _values(form, "activities", "实用技术培训") == [1, 30]
    # No rule fills the lectures' row any more: it is the clerk's.
    assert all(cell.manual for _unit, cell in _line(form, "activities", "科普(技)讲座").cells)


def test_mapping_a_kind_to_a_row_without_rules_fills_it():
    association = AssociationFactory()
    _event(association, kind="site_visit")
    assert _line(national_form(association=association, year=YEAR), "activities", "科技夏(冬)令营").cells[0][1].manual
    ActivityRule.objects.create(row=ActivityRow.CAMP, match="event_kind", value="site_visit")
    assert _values(national_form(association=association, year=YEAR), "activities", "科技夏(冬)令营") == [1, 0]


def test_an_event_counts_once_in_a_row_matched_by_two_of_its_rules():
    association = AssociationFactory()
    campaign = CampaignFactory(association=association, kind="countryside")
    _event(association, kind="consultation", campaign=campaign, is_countryside_trip=True)
    form = national_form(association=association, year=YEAR)
    assert _values(form, "activities", "三下乡科普活动") == [1, 0]
    assert _values(form, "activities", "未归入以上各行的活动（核对用，非调查指标）") == [0, 0]


def test_a_science_week_lecture_counts_as_a_lecture_and_in_the_science_week():
    association = AssociationFactory()
    week = CampaignFactory(association=association, kind="science_week")
    CheckInFactory(event=_event(association, campaign=week))
    form = national_form(association=association, year=YEAR)
    assert _values(form, "activities", "科普(技)讲座") == [1, 1]
    assert _values(form, "activities", "科技活动周科普专题活动") == [1, 1]


def test_an_event_kind_fills_one_kind_row_at_most():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityRule.objects.create(row=ActivityRow.EXHIBITION, match="event_kind", value="lecture")


def test_a_rule_names_a_kind_of_its_own_sort():
    with pytest.raises(ValidationError):
        ActivityRule(row=ActivityRow.CAMP, match="event_kind", value="youth").full_clean()  # a campaign kind
    with pytest.raises(ValidationError):
        ActivityRule(row=ActivityRow.CAMP, match="countryside_trip", value="lecture").full_clean()
    ActivityRule(row=ActivityRow.CAMP, match="campaign_kind", value="youth").full_clean()


# --- what the records cannot answer ----------------------------------------------------------------


def test_cells_no_record_answers_are_left_to_the_clerk_with_a_reason():
    form = national_form(association=AssociationFactory(), year=YEAR)
    for table, label in [
        ("personnel", "科普专职人员"),
        ("personnel", "其中：女性"),
        ("sites", "科技馆"),
        ("funding", "其中：科普专项经费"),
        ("media", "科普图书出版种数"),
        ("activities", "科普国际交流"),
        ("activities", "青少年科技兴趣小组"),
    ]:
        cell = _line(form, table, label).cells[0][1]
        assert cell.manual and cell.value is None and cell.source, (table, label)
    answered = _line(form, "activities", "科普(技)讲座").cells[0][1]
    assert not answered.manual and answered.value == 0  # zero from the records is an answer, not a blank


def test_the_workbook_marks_the_clerks_cells_and_says_where_each_came_from():
    association = AssociationFactory(name="丙县科协")
    HeadcountFactory(event=_event(association), count=12)
    form = national_form(association=association, year=YEAR)
    workbook = load_workbook(io.BytesIO(national_form_xlsx(form)))
    assert workbook.sheetnames == ["科普人员", "科普场地", "科普经费", "科普传媒", "科普活动", SOURCE_SHEET]

    activities = workbook["科普活动"]
    assert [c.value for c in activities[1]] == ["指标", "数量", "单位", "参加人次", "单位"]
    assert [c.value for c in activities[2]] == ["科普(技)讲座", 1, "次", 12, "人次"]
    assert activities["B2"].comment.text.startswith("来源：")
    assert activities["B2"].fill.fill_type is None
    international = next(row for row in activities.iter_rows() if row[0].value == "科普国际交流")
    assert international[1].value is None
    assert international[1].comment.text.startswith(BY_HAND)
    assert international[1].fill.start_color.rgb.endswith(MANUAL_FILL)

    sources = list(workbook[SOURCE_SHEET].iter_rows(values_only=True))
    assert sources[0][:4] == ("表", "单元格", "指标", "数值")
    by_cell = {(row[0], row[1]): row for row in sources[1:]}
    assert by_cell[("科普活动", "B2")][3] == 1 and by_cell[("科普活动", "D2")][3] == 12
    assert by_cell[("科普活动", international[1].coordinate)][6] == "是"
    # Every value cell of every table is listed once.
    listed = sum(1 for row in sources[1:])
    assert listed == sum(1 for t in form.tables for line in t.lines for _u, cell in line.cells if cell is not None)


def test_the_form_counts_the_associations_own_records_only():
    prefecture = AssociationFactory()
    county = AssociationFactory(parent=prefecture)
    HeadcountFactory(event=_event(county), count=50)
    VolunteerFactory(association=county)
    assert _values(national_form(association=prefecture, year=YEAR), "activities", "科普(技)讲座") == [0, 0]
    assert _values(national_form(association=county, year=YEAR), "activities", "科普(技)讲座") == [1, 50]


def test_the_command_prints_the_activity_table_and_writes_the_workbook(tmp_path, capsys):
    lecture = _event(AssociationFactory(name="丁县科协"))
    HeadcountFactory(event=lecture, count=7)
    out = tmp_path / "form.xlsx"
    call_command("national_form", year=YEAR, association=str(lecture.association_id), out=str(out))
    printed = capsys.readouterr().out
    assert "科普(技)讲座: 1 次 | 7 人次" in printed
    assert f"科普国际交流: {BY_HAND}" in printed
    assert load_workbook(out)["科普活动"]["D2"].value == 7


# --- who gets it -------------------------------------------------------------------------------------


@pytest.fixture
def counties():
    prefecture = AssociationFactory(name="戊州科协")
    a = AssociationFactory(name="甲县科协", parent=prefecture)
    b = AssociationFactory(name="乙县科协", parent=prefecture)
    HeadcountFactory(event=_event(a), count=21)
    return prefecture, a, b


def _organizer_client(client, association):
    client.force_login(OrganizerFactory(association=association).user)
    return client


def test_an_organizer_downloads_their_associations_workbook(client, counties):
    _prefecture, a, _b = counties
    response = _organizer_client(client, a).get(reverse("desk-national-form-file", args=[a.id, YEAR]))
    assert response.status_code == 200
    assert "全国科普统计调查-甲县科协-2024.xlsx" in unquote(response["Content-Disposition"])
    assert load_workbook(io.BytesIO(response.content))["科普活动"]["D2"].value == 21


def test_the_prefecture_reads_its_counties_forms(client, counties):
    prefecture, a, _b = counties
    client = _organizer_client(client, prefecture)
    assert client.get(reverse("desk-national-form-file", args=[a.id, YEAR])).status_code == 200
    page = client.get(reverse("desk-national-form"), {"association": a.id, "year": YEAR})
    assert page.status_code == 200 and "甲县科协" in page.content.decode()
    api = client.get(reverse("api:survey-national-form", args=[a.id, YEAR]))
    assert api.status_code == 200
    activities = next(t for t in api.json()["tables"] if t["key"] == "activities")
    assert activities["lines"][0]["cells"][1]["value"] == 21


def test_another_county_gets_a_404_and_learns_nothing(client, counties):
    _prefecture, a, b = counties
    client = _organizer_client(client, b)
    assert client.get(reverse("desk-national-form-file", args=[a.id, YEAR])).status_code == 404
    assert client.get(reverse("desk-national-form"), {"association": a.id}).status_code == 404
    assert client.get(reverse("api:survey-national-form", args=[a.id, YEAR])).status_code == 404


def test_a_county_does_not_read_its_prefectures_form(client, counties):
    prefecture, a, _b = counties
    client = _organizer_client(client, a)
    assert client.get(reverse("api:survey-national-form", args=[prefecture.id, YEAR])).status_code == 404


def test_volunteers_and_strangers_get_no_form(client, counties):
    _prefecture, a, _b = counties
    url = reverse("api:survey-national-form", args=[a.id, YEAR])
    assert client.get(url).status_code in (401, 403)
    client.force_login(VolunteerFactory(association=a).user)
    assert client.get(url).status_code == 403
    page = client.get(reverse("desk-national-form-file", args=[a.id, YEAR]))
    assert page.status_code == 302 and "xlsx" not in page.get("Content-Type", "")


def test_a_year_out_of_range_is_refused_in_the_users_language(client, counties):
    _prefecture, a, _b = counties
    client = _organizer_client(client, a)
    response = client.get(reverse("desk-national-form-file", args=[a.id, 1999]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and "2000" in response.content.decode()
    api = client.get(reverse("api:survey-national-form", args=[a.id, 1999]))
    assert api.status_code == 400 and "year" in api.json()
    assert client.get(reverse("desk-national-form"), {"year": "abc"}).status_code == 400


def test_the_api_gives_the_workbook_on_request(client, counties):
    _prefecture, a, _b = counties
    response = _organizer_client(client, a).get(reverse("api:survey-national-form", args=[a.id, YEAR]), {"as": "xlsx"})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames[-1] == SOURCE_SHEET
