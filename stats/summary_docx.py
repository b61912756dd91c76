"""The Word summary in the official document format (GB/T 9704-2012, 党政机关公文格式), as county reports are filed.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; 22 lines of
28 characters (a document grid with a fixed line pitch); the title in
小标宋 二号 (22 pt), the body in 仿宋 三号 (16 pt), first-level headings in
黑体 and second-level ones in 楷体; page numbers "— 1 —" in 宋体 四号 at the
foot, right on odd pages and left on even ones. Fonts are named as the
format names them, each with its common fallback (方正小标宋简体 → 宋体,
仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体) in the font table, for computers
without the GB fonts. The towns' table and two charts (person-times by
month, by town) follow the text; the appendix of figures ends the file.
"""

import io

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

from . import charts

PAGE = {"width": Mm(210), "height": Mm(297), "top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINES, CHARS = 22, 28
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, TABLE_PT = 16, 22, 14, 12
# The body height (297 − 37 − 35 = 225 mm) over 22 lines: 29 pt a line, 580 twentieths of a point.
LINE_PITCH_TWIPS = round((297 - 37 - 35) / 25.4 * 72 * 20 / LINES)
LINE_PT = LINE_PITCH_TWIPS / 20
FONTS = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading1": "黑体",
    "heading2": "楷体_GB2312",
    "page_number": "宋体",
}
FALLBACKS = {"方正小标宋简体": "宋体", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "黑体": "SimHei", "宋体": "SimSun"}
LATIN = "Times New Roman"


def _set_fonts(run_or_style, east_asia: str, size: float, *, bold: bool = False) -> None:
    font = run_or_style.font
    font.name = LATIN
    font.size = Pt(size)
    font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    fonts.attrib.pop(qn("w:asciiTheme"), None)
    fonts.attrib.pop(qn("w:hAnsiTheme"), None)


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE["width"], PAGE["height"]
    section.top_margin, section.bottom_margin = PAGE["top"], PAGE["bottom"]
    section.left_margin, section.right_margin = PAGE["left"], PAGE["right"]
    # The page number sits 7 mm below the body, a 四号 line high.
    section.footer_distance = Mm(35 - 7 - 6)
    section.start_type = WD_SECTION.NEW_PAGE
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    # 28 characters over the 156 mm line: the character pitch in the grid's units (1/4096 pt over the font size).
    char_pitch_pt = (210 - 28 - 26) / 25.4 * 72 / CHARS
    grid.set(qn("w:charSpace"), str(round((char_pitch_pt - BODY_PT) * 4096)))


def _styles(document) -> None:
    normal = document.styles["Normal"]
    _set_fonts(normal, FONTS["body"], BODY_PT)
    lang = normal.element.get_or_add_rPr().find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        normal.element.get_or_add_rPr().append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Twips(LINE_PITCH_TWIPS)
    fmt.space_before = fmt.space_after = Pt(0)


def _font_table(document) -> None:
    """Name each font's fallback in the font table (w:altName), as Word and LibreOffice read it."""
    from lxml import etree

    for part in document.part.package.iter_parts():
        if str(part.partname) != "/word/fontTable.xml":
            continue
        root = etree.fromstring(part.blob)
        for name, fallback in FALLBACKS.items():
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            alt = etree.SubElement(font, qn("w:altName"))
            alt.set(qn("w:val"), fallback)
            charset = etree.SubElement(font, qn("w:charset"))
            charset.set(qn("w:val"), "86")  # GB2312
            family = etree.SubElement(font, qn("w:family"))
            family.set(qn("w:val"), "modern" if name != "黑体" else "swiss")
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number(paragraph, *, align) -> None:
    """ "— 1 —": the PAGE field between two em dashes, in 宋体 四号."""
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    # One character in from the outer edge.
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(PAGE_NUMBER_PT)
    else:
        fmt.left_indent = Pt(PAGE_NUMBER_PT)
    _set_fonts(paragraph.add_run("— "), FONTS["page_number"], PAGE_NUMBER_PT)
    run = paragraph.add_run()
    _set_fonts(run, FONTS["page_number"], PAGE_NUMBER_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    _set_fonts(paragraph.add_run(" —"), FONTS["page_number"], PAGE_NUMBER_PT)


def _footers(document) -> None:
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    _page_number(section.footer.paragraphs[0], align=WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], align=WD_ALIGN_PARAGRAPH.LEFT)


def _paragraph(document, text: str, *, level: int = 0):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(BODY_PT * 2)
    font = {2: FONTS["heading1"], 3: FONTS["heading2"]}.get(level, FONTS["body"])
    _set_fonts(paragraph.add_run(text), font, BODY_PT)
    if level:
        fmt.keep_with_next = True
    return paragraph


def _title(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(paragraph.add_run(text), FONTS["title"], TITLE_PT)
    document.add_paragraph()  # a blank line between the title and the text, as the format has it


def _table(document, columns: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        _cell(cell, str(text), FONTS["heading1"])
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            _cell(cell, str(value), FONTS["body"])


def _cell(cell, text: str, font: str) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.paragraph_format.first_line_indent = Pt(0)
    _set_fonts(paragraph.add_run(text), font, TABLE_PT)


def _caption(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(paragraph.add_run(text), FONTS["body"], TABLE_PT + 2)


def _charts(document, summary, towns_table) -> None:
    from .summary import to_hant

    zh, hant = summary.language != "en", summary.language == "zh-hant"

    def say(zh_text: str, en_text: str) -> str:
        text = zh_text if zh else en_text
        return to_hant(text) if hant else text

    by_month = summary.tally.breakdowns.get("by_month", {})
    if by_month:
        months = [f"{int(key[5:])}" for key in by_month]
        values = [row["person_times"] for row in by_month.values()]
        document.add_picture(io.BytesIO(charts.bar_chart(months, values)), width=Mm(150))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _caption(document, say("图1 各月参加人次（横轴为月份）", "Figure 1. Person-times by month"))
    if towns_table and towns_table.rows:
        labels = [row[0] for row in towns_table.rows]
        values = [row[2] for row in towns_table.rows]
        numbered = not charts.labels_drawable(labels)
        document.add_picture(io.BytesIO(charts.bar_chart(labels, values)), width=Mm(150))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption = say("图2 各乡镇参加人次", "Figure 2. Person-times by town")
        if numbered:
            caption += say("（横轴序号为上表中乡镇的顺序）", " (bars numbered in the order of the table above)")
        _caption(document, caption)


def document_bytes(summary) -> bytes:
    from .summary import _appendix, _appendix_heading, _columns, _computed_note, _heading_level
    from .summary_text import Table

    document = Document()
    _page_setup(document)
    _styles(document)
    _font_table(document)
    _footers(document)
    _title(document, summary.title)
    towns_table = None
    for item in summary.paragraphs:
        if isinstance(item, Table):
            towns_table = item
            _table(document, item.columns, item.rows)
            continue
        _paragraph(document, item, level=_heading_level(item))
    if not summary.empty:
        _charts(document, summary, towns_table)
    if summary.appendix:
        document.add_page_break()
        _paragraph(document, _appendix_heading(summary), level=2)
        _paragraph(document, _computed_note(summary))
        _table(document, _columns(summary.language), [[r["label"], r["text"], r["source"]] for r in _appendix(summary)])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
