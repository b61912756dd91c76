import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from events.models import Association
from stats import services, summary
from stats.models import SummaryTemplate
from tests.factories import CheckInFactory, EventFactory, HeadcountFactory

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    """The demo county of YEAR, loaded once for this module and removed after it."""
    with django_db_blocker.unblock():
        call_command("seed_demo", year=YEAR, stdout=io.StringIO())
        yield Association.objects.get(name="清河县科学技术协会")
        call_command("flush", interactive=False, verbosity=0)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("summary", *args, stdout=out)
    return out.getvalue()


def test_the_demo_summary_fills_every_figure_in_each_language(demo_county):
    for lang, pattern in (
        ("zh-hans", r"覆盖面\d+%(以上)?，直接受益群众[\d.]+万[余多]人次"),
        ("zh-hant", r"覆蓋面\d+%(以上)?，直接受益群眾[\d.]+萬[餘多]人次"),
        ("en", r"the activities reached \d+ of the \d+ villages and communities \((over )?\d+%\)"),
    ):
        text = _run("--year", str(YEAR), "--format", "md", "--lang", lang)
        assert "xxx" not in text and "【？" not in text and "{" not in text
        assert re.search(pattern, text), lang
    text = _run("--year", str(YEAR), "--lang", "zh-hant")
    assert text.count("## ") >= 3  # 一、二、三、 and the appendix
    assert "## 一、工作回顧" in text and "## 二、存在的困難和問題" in text and "## 三、來年工作思路" in text


def test_json_prints_the_figures_under_their_design_names(demo_county):
    data = json.loads(_run("--year", str(YEAR), "--format", "json"))
    figures = data["figures"]
    for name in (
        "units_participating",
        "expert_person_times",
        "coverage_pct",
        "beneficiaries_person_times",
        "events_held",
        "consultation_sessions",
        "consultation_person_times",
        "countryside_trips",
        "countryside_expert_person_times",
        "countryside_person_times",
        "students_participating",
        "student_participation_pct",
        "trainings_held",
        "trainees_person_times",
        "venue_person_times",
        "outputs",
        "volunteers_active",
        "volunteer_hours",
        "organizations",
        "members",
        "new_organizations",
        "expert_volunteers",
    ):
        assert name in figures, name
    assert figures["beneficiaries_person_times"] > 10000
    split = data["evidence"]["beneficiaries_person_times"]
    assert sum(split.values()) == figures["beneficiaries_person_times"]
    assert split["scanned"] > split["manual"] > 0


def test_docx_and_xlsx_open_and_hold_the_figures(demo_county, tmp_path):
    figures = json.loads(_run("--year", str(YEAR), "--format", "json"))["figures"]
    docx_path, xlsx_path = tmp_path / "summary.docx", tmp_path / "summary.xlsx"
    call_command("summary", "--year", str(YEAR), "--format", "docx", "--out", str(docx_path), stderr=io.StringIO())
    call_command("summary", "--year", str(YEAR), "--format", "xlsx", "--out", str(xlsx_path), stderr=io.StringIO())
    document = Document(str(docx_path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "一、工作回顾" in text and re.search("万[余多]人次", text)
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert str(figures["beneficiaries_person_times"]) in cells
    workbook = load_workbook(xlsx_path)
    rows = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=4, values_only=True)}
    assert rows["直接受益群众（人次）"] == figures["beneficiaries_person_times"]
    assert rows["举办活动场次"] == figures["events_held"]


def test_the_organizer_edits_the_narrative_and_the_figures_stay_live(association):
    event = EventFactory(association=association)
    CheckInFactory.create_batch(3, event=event)
    year = timezone.localdate().year
    template = summary.summary_template_for(association=association, language="zh-hans")
    SummaryTemplate.objects.filter(id=template.id).update(
        body="今年直接受益群众{beneficiaries_person_times:exact}人次。"
    )
    built = summary.summary_build(association=association, year=year, language="zh-hans")
    assert built.paragraphs == ["今年直接受益群众3人次。"]
    HeadcountFactory(event=event, count=1000)
    services.tally_request(event_id=event.id)
    services.tally_run(key=f"event:{event.id}")
    services.tally_compute(scope=services.F_.year_scope(association.id, year))
    built = summary.summary_build(association=association, year=year, language="zh-hans")
    assert built.paragraphs == ["今年直接受益群众1003人次。"]


def test_an_unknown_placeholder_shows_plainly():
    assert summary.render("共{no_such_figure}人", {}, "zh-hans") == "共【？no_such_figure】人"
    assert summary.render("{outputs.materials}份", {"outputs": {}}, "zh-hans") == "0份"


def test_every_placeholder_of_the_default_templates_is_known():
    for language in summary.LANGUAGES:
        title, body = summary.default_template(language)
        names = [name for name, _form in summary.placeholders_of(title + body)]
        assert names and all(summary.known_placeholder(n) for n in names), language
        assert not re.search(r"x{2,}", body)
