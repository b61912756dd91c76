"""The summary is written from what the year's records hold, and says nothing the records do not."""

import io
import json
import re
from datetime import date, datetime

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from events.models import Campaign, Event
from stats import summary
from stats.hant import simplified_only
from stats.models import AnnualFigure
from tests.factories import (
    AssociationFactory,
    CampaignFactory,
    EventFactory,
    HeadcountFactory,
    OrganizationFactory,
    SiteBooksFactory,
    SiteFactory,
    TownFactory,
    VenueFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db
YEAR = 2025
# Prose the first default text claimed whatever the year held.
FIXED_CLAIMS = ("元月科技活动周", "五月科技活动周", "十月科普大行动", "县计生局", "气象观测站", "《科普园地》")
# A half-width comma, colon, semicolon or parenthesis next to a Chinese character, or parentheses around Chinese.
CJK = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’《》"
HALF_WIDTH_IN_CHINESE = re.compile(rf"[{CJK}][,:;()]|[,:;()][{CJK}]|\([^()]*[{CJK}][^()]*\)")


def _at(month: int, day: int, year: int = YEAR) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 9, 0))


@pytest.fixture
def county():
    """A county association with one town of two villages and a venue in the first."""
    association = AssociationFactory(name="河东县科学技术协会")
    town = TownFactory(parent=association.region, name="东关镇")
    villages = [VillageFactory(parent=town, name=name) for name in ("桥头村", "柳树湾村")]
    venue = VenueFactory(association=association, region=villages[0], name="东关镇文化广场")
    return {"association": association, "town": town, "villages": villages, "venue": venue}


def _event(county, *, when, campaign=None, people=100, partners=(), **fields) -> Event:
    event = EventFactory(
        association=county["association"],
        venue=county["venue"],
        campaign=campaign,
        starts_at=when,
        ends_at=when + timezone.timedelta(hours=2),
        status=Event.Status.DONE,
        **fields,
    )
    if partners:
        event.partners.set(partners)
    HeadcountFactory(event=event, count=people, counted_at=when)
    return event


def _build(association, year=YEAR, language="zh-hans") -> summary.Summary:
    return summary.summary_build(association=association, year=year, language=language)


def _text(built: summary.Summary) -> str:
    return "\n".join(built.text)


def test_a_year_with_two_campaigns_names_exactly_those_two_largest_first(county):
    association = county["association"]
    bureau = OrganizationFactory(association=association, name="县农业农村局")
    week = CampaignFactory(
        association=association, name="2025年科技活动周", starts_on=date(YEAR, 5, 17), ends_on=date(YEAR, 5, 23)
    )
    theme = CampaignFactory(
        association=association,
        name="“健康生活”主题科普活动",
        kind=Campaign.Kind.THEMED,
        starts_on=date(YEAR, 6, 1),
        ends_on=date(YEAR, 7, 31),
    )
    unheld = CampaignFactory(
        association=association, name="2025年秋季科普大篷车", starts_on=date(YEAR, 9, 1), ends_on=date(YEAR, 9, 30)
    )
    _event(county, when=_at(5, 18), campaign=week, people=300, partners=[bureau])
    _event(county, when=_at(6, 3), campaign=theme, people=800)
    _event(county, when=_at(6, 10), campaign=theme, people=700)
    EventFactory(association=association, campaign=unheld, starts_at=_at(9, 5), status=Event.Status.CANCELLED)

    text = _text(_build(association))

    assert "“2025年科技活动周”（5月17日至23日）举办活动1场" in text
    assert "“‘健康生活’主题科普活动”（6月1日至7月31日）举办活动2场" in text
    assert "县农业农村局" in text
    assert text.index("健康生活") < text.index("2025年科技活动周")  # 1,500 person-times before 300
    assert "秋季科普大篷车" not in text
    assert "2项专项科普活动" in text
    for claim in FIXED_CLAIMS:
        assert claim not in text, claim


def test_an_empty_year_yields_the_document_of_missing_records(county):
    built = _build(county["association"])

    text = _text(built)
    assert built.empty
    assert "2025年尚无可据以撰写工作总结的记录" in text and "已举办的活动" in text and "签到和人数统计" in text
    assert "0%" not in text and "—" not in text and "0个" not in text and "工作回顾" not in text
    assert not summary.to_markdown(built).count("附表")


def test_a_year_with_a_previous_year_is_compared_with_it(county):
    _event(county, when=_at(3, 1, YEAR - 1), people=400)
    _event(county, when=_at(3, 1), people=300)
    _event(county, when=_at(4, 1), people=300)

    text = _text(_build(county["association"]))

    assert "共举办各类科普活动2场，同比增长100%" in text
    assert "直接受益群众600人次，同比增长50%" in text


def test_a_year_without_a_previous_year_makes_no_comparison(county):
    _event(county, when=_at(3, 1), people=300)

    assert "同比" not in _text(_build(county["association"]))


def test_sentences_without_records_are_left_out_and_listed_for_the_clerk(county):
    association = county["association"]
    _event(county, when=_at(3, 1), people=300)
    room = SiteFactory(association=association, region=county["villages"][0], kind="reading_room", name="桥头村图书室")
    SiteBooksFactory(site=room, year=YEAR, books=5000)

    built = _build(association)
    text = _text(built)
    review = text[: text.index("二、存在的困难和问题")]  # the year's review; the plans may speak of training

    assert "培训" not in review and "三下乡" not in review and "咨询" not in review  # nothing of the kind was held
    assert "（二）组织开展群众性科普活动" in review and "（三）各乡镇活动情况" in review  # renumbered headings
    assert "全县有科普图书室1个，图书室藏书5000册，科普阵地覆盖1个村（社区），占50%。" in text
    checklist = "\n".join(built.checklist)
    assert "科技培训" in checklist and "“三下乡”活动" in checklist
    assert "人工填报" not in checklist  # the books come from the register of sites, not typed by hand
    assert "请核对" not in summary.to_markdown(built)  # the check list is not part of the document
    assert json.loads(summary.to_json(built))["checklist"] == built.checklist


def test_the_towns_table_counts_events_person_times_and_villages(county):
    _event(county, when=_at(3, 1), people=300)

    built = _build(county["association"])
    tables = [p for p in built.paragraphs if not isinstance(p, str)]

    assert tables and tables[0].rows == [["东关镇", 1, 300, "1/2"]]
    assert "| 东关镇 | 1 | 300 | 1/2 |" in summary.to_markdown(built)


def test_a_prefecture_speaks_as_the_prefecture_and_rolls_up_its_counties(county):
    child = county["association"]
    prefecture = AssociationFactory(name="河州科学技术协会", region=child.region.parent or TownFactory().parent)
    child.parent = prefecture
    child.save()
    child.region.parent = prefecture.region
    child.region.save()
    _event(county, when=_at(3, 1), people=300)
    for association, books in ((child, 5000), (prefecture, 1000)):
        room = SiteFactory(association=association, region=county["villages"][0], kind="reading_room")
        SiteBooksFactory(site=room, year=YEAR, books=books)

    text = _text(_build(prefecture))

    assert "我州科协" in text and "我县" not in text
    assert f"全州1个县（{child.region.name}）" in text
    assert "图书室藏书6000册" in text


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_no_chinese_output_has_half_width_punctuation(county, language, tmp_path):
    association = county["association"]
    campaign = CampaignFactory(
        association=association, name="2025年科技活动周(春季)", starts_on=date(YEAR, 3, 1), ends_on=date(YEAR, 3, 9)
    )
    _event(county, when=_at(3, 2), campaign=campaign, people=300, kind=Event.Kind.TRAINING, title="果树修剪培训班")
    built = _build(association, language=language)

    outputs = {
        "md": summary.to_markdown(built),
        "json": "\n".join(json.loads(summary.to_json(built))["text"] + built.checklist),
    }
    document = Document(io.BytesIO(summary.to_docx(built)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    outputs["docx"] = "\n".join([p.text for p in document.paragraphs] + cells)
    (tmp_path / "s.xlsx").write_bytes(summary.to_xlsx(built))
    workbook = load_workbook(tmp_path / "s.xlsx")
    outputs["xlsx"] = "\n".join(
        str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row if value
    )
    for fmt, text in outputs.items():
        assert not HALF_WIDTH_IN_CHINESE.findall(text), (fmt, HALF_WIDTH_IN_CHINESE.findall(text)[:5])
    assert "（春季）" in outputs["md"]


def test_recorded_chinese_names_keep_full_width_punctuation_in_the_english_version(county):
    association = county["association"]
    campaign = CampaignFactory(
        association=association, name="2025年科技活动周(春季)", starts_on=date(YEAR, 3, 1), ends_on=date(YEAR, 3, 9)
    )
    _event(county, when=_at(3, 2), campaign=campaign, people=300)

    text = summary.to_markdown(_build(association, language="en"))

    assert "“2025年科技活动周（春季）” (1–9 March): 1 event," in text
    assert "(春季)" not in text


def test_the_zh_hant_summary_converts_the_recorded_names(county):
    association = county["association"]
    campaign = CampaignFactory(
        association=association, name="2025年农村实用技术培训", starts_on=date(YEAR, 3, 1), ends_on=date(YEAR, 3, 9)
    )
    partner = OrganizationFactory(association=association, name="县劳动和社会保障局")
    _event(county, when=_at(3, 2), campaign=campaign, partners=[partner], kind=Event.Kind.TRAINING, title="养猪培训班")
    names = "".join(["东关镇", "桥头村", "柳树湾村", "东关镇文化广场", campaign.name, partner.name, "养猪"])

    text = summary.to_markdown(_build(association, language="zh-hant"))

    assert simplified_only(names)  # the names are recorded in Simplified
    assert not simplified_only(text) & simplified_only(names)
    assert "“2025年農村實用技術培訓”" in text and "縣勞動和社會保障局" in text and "東關鎮" in text
    for taiwan_word in ("民眾", "網路", "軟硬體", "計畫", "中國小生", "嚴重製約"):
        assert taiwan_word not in text


def test_the_appendix_names_things_gives_sources_and_drops_zero_rows(county):
    association = county["association"]
    _event(county, when=_at(3, 1), people=300, kind=Event.Kind.CONSULTATION, is_countryside_trip=True)
    AnnualFigure.objects.create(
        association=association, year=YEAR, name="hotline_calls", label="热线电话（次）", value=4
    )
    SiteFactory(association=association, region=association.region, kind="gallery", name="县级科普画廊（人民路）")

    built = _build(association)
    rows = {row["label"]: row for row in built.appendix}
    markdown = summary.to_markdown(built)

    assert "venue_person_times." not in markdown
    assert rows["东关镇文化广场参加活动群众（人次）"]["text"] == "300"
    assert all(row["value"] for row in built.appendix)
    assert "两项都计入" in rows[str(summary.FIGURE_LABELS["countryside_trips"])]["source"]
    assert rows["热线电话（次）"]["source"].startswith("人工填报（河东县科学技术协会）")
    assert rows["科普阵地：科普画廊"]["source"] == "科普阵地登记（截至年底）"
    assert "÷" in rows[str(summary.FIGURE_LABELS["coverage_pct"])]["source"]
    local = timezone.localtime(built.tally.computed_at).strftime("%Y-%m-%d %H:%M")
    assert f"数字于{local}（北京时间）" in markdown


def test_the_word_file_follows_the_official_document_format(county):
    from docx.shared import Mm, Pt

    _event(county, when=_at(3, 1), people=300)
    document = Document(io.BytesIO(summary.to_docx(_build(county["association"]))))

    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert (
        normal.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "仿宋_GB2312"
    )
    assert normal.paragraph_format.line_spacing.twips == 580  # 29 pt: 22 lines in the 225 mm body
    grid = section._sectPr.xpath("./w:docGrid")[0]
    assert grid.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}linePitch") == "580"

    def east_asia(paragraph) -> set[str]:
        return {
            run.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
            for run in paragraph.runs
        }

    title = document.paragraphs[0]
    assert east_asia(title) == {"方正小标宋简体"} and title.runs[0].font.size == Pt(22)
    heading = next(p for p in document.paragraphs if p.text == "一、工作回顾")
    assert east_asia(heading) == {"黑体"}
    subheading = next(p for p in document.paragraphs if p.text.startswith("（一）"))
    assert east_asia(subheading) == {"楷体_GB2312"}
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and section.footer.paragraphs[0].text.startswith("— ")
    assert section.footer.paragraphs[0].text.endswith(" —") and "PAGE" in section.even_page_footer._element.xml
    font_table = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    assert 'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in font_table.blob.decode()
    assert 'w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in font_table.blob.decode()
    assert len(document.inline_shapes) == 2  # person-times by month and by town
    assert document.inline_shapes[0].width <= Mm(156)
