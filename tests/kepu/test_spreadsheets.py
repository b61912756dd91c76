"""kepu/spreadsheets.py: uploads are refused before they can exhaust the server, exports never run a formula.

Workbooks are built here in memory; a crafted one is an openpyxl workbook with one part rewritten by hand.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation
from openpyxl import Workbook, load_workbook

from kepu import spreadsheets

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = {"name": spreadsheets.NAME_HEADINGS, "phone": spreadsheets.PHONE_HEADINGS}


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rewritten(content: bytes, part: str, change: Callable[[str], str]) -> bytes:
    """The workbook with one part (e.g. "xl/worksheets/sheet1.xml") changed by hand."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(item.filename, data)
    return out.getvalue()


def _upload(content: bytes, name: str = "list.xlsx") -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _refusal(content: bytes, name: str = "list.xlsx") -> str:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        spreadsheets.read_table(_upload(content, name), headings=HEADINGS, required=("name",))
    return " ".join(refused.value.message_dict["file"])


SHEET = "xl/worksheets/sheet1.xml"


# --- reading: what a list looks like -----------------------------------------------------------


def test_it_reads_an_xlsx_list_with_its_row_numbers_and_skips_empty_rows():
    content = _xlsx([["姓名", "手机"], ["张三", 13800000001.0], [None, None], [" 李四 ", None]])
    table = spreadsheets.read_table(_upload(content), headings=HEADINGS, required=("name", "phone"))
    assert table.rows == [(2, ("张三", "13800000001")), (4, ("李四",))]
    assert [table.cell(row, "phone") for row in table.rows] == ["13800000001", ""]


def test_it_matches_headings_without_case_spaces_star_or_full_width_forms():
    content = "\ufeff 姓 名* ,ＰＨＯＮＥ\n张三,13800000001\n".encode()
    table = spreadsheets.read_table(_upload(content, "list.csv"), headings=HEADINGS, required=("name", "phone"))
    assert table.columns == {"name": 0, "phone": 1}


def test_it_reads_a_csv_saved_by_excel_in_china_as_gb18030():
    content = "姓名,手机号\n赵六,13900004444\n".encode("gb18030")
    table = spreadsheets.read_table(_upload(content, "list.csv"), headings=HEADINGS, required=("name",))
    assert table.rows == [(2, ("赵六", "13900004444"))]


def test_it_names_the_missing_columns():
    assert "姓名" in _refusal(_xlsx([["手机"], ["13800000001"]]))


def test_both_imports_of_people_read_the_same_headings():
    from checkin.services import IMPORT_COLUMNS as registrations
    from volunteers.services import IMPORT_COLUMNS as volunteers

    assert registrations["name"] == volunteers["name"] and registrations["phone"] == volunteers["phone"]
    # a list filled in for the volunteers' import names its town or village in a way the registrations' reads
    assert {*volunteers["town"], *volunteers["village"]} <= set(registrations["region"])


@pytest.mark.django_db
def test_import_rows_names_every_wrong_row_with_all_its_messages():
    rows = [spreadsheets.Row(2, ("甲",)), spreadsheets.Row(3, ("乙\u200b",)), spreadsheets.Row(4, ("丙",))]

    def each(row: spreadsheets.Row) -> int:
        if row.number > 2:
            raise ValidationError({"town": "Unknown town.", "phone": ["Not a number."]})
        return row.number

    with pytest.raises(spreadsheets.ImportRefused) as refused:
        spreadsheets.import_rows(spreadsheets.Table(columns={"name": 0}, rows=rows), each)
    assert [(p.row, p.name) for p in refused.value.problems] == [(3, "乙"), (4, "丙")]  # names as cleaned
    assert refused.value.problems[0].message == "Unknown town.; Not a number."
    assert refused.value.checked == 3


def test_it_refuses_what_is_not_a_spreadsheet_with_a_message():
    assert "not an Excel" in _refusal(b"name,phone\n", name="")
    assert "not an Excel" in _refusal(b"PK\x03\x04 not really a zip")
    assert "old Excel (.xls)" in _refusal(b"\xd0\xcf\x11\xe0" + b"\0" * 100, name="list.xls")
    assert "Excel (.xlsx) or CSV" in _refusal(b"hello", name="list.txt")


# --- reading: limits before parsing ------------------------------------------------------------


@override_settings(IMPORT_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    class Upload(io.BytesIO):
        size = 50 * 1024 * 1024  # as Django's uploads say; read() must not be called

        def read(self, *args):
            raise AssertionError("read a file over the limit")

    upload = Upload()
    upload.name = "list.csv"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        spreadsheets.read_rows(upload)
    assert "50.0\xa0MB" in refused.value.messages[0] and "1000\xa0bytes" in refused.value.messages[0]
    # a file-like object that does not know its size is read only up to the limit
    assert "at most" in _refusal(b"x" * 1001, name="list.csv")


def test_a_workbook_declaring_the_whole_sheet_is_refused_at_once(rows_built):
    content = _rewritten(
        _xlsx([["姓名"], ["张三"]]),
        SHEET,
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml),
    )
    assert len(content) < 6000  # the 4.7 KB file of the issue, which took 52 s and 5.6 GB
    message = _refusal(content)
    assert rows_built == []  # no row is built: what the sheet declares is refused before openpyxl reads a cell
    assert "A1:XFD1048576" in message and "1,048,576 rows" in message and "16,384 columns" in message


@override_settings(IMPORT_MAX_ROWS=3)
def test_a_sheet_without_a_declared_dimension_is_counted_before_a_row_is_built():
    rows = [["姓名"], *([f"人{i}"] for i in range(4))]
    content = _rewritten(_xlsx(rows), SHEET, lambda xml: re.sub(r"<dimension [^>]*/>", "", xml))
    assert "<dimension" not in zipfile.ZipFile(io.BytesIO(content)).read(SHEET).decode()
    assert "down to row 5" in _refusal(content)
    spreadsheets.read_table(_upload(_xlsx(rows[:4])), headings=HEADINGS, required=("name",))  # 3 rows: fine


@override_settings(IMPORT_MAX_COLUMNS=5)
def test_a_row_wider_than_the_sheet_declares_is_refused():
    content = _rewritten(
        _xlsx([["姓名", "手机", None, None, None, None, "备注"], ["张三"]]),
        SHEET,
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', xml),
    )
    assert "7 columns" in _refusal(content)


def test_a_row_with_more_cells_than_excel_has_columns_is_not_a_spreadsheet():
    cells = "<c/>" * (spreadsheets.EXCEL_MAX_COLUMNS + 1)  # empty cells: only their number is wrong
    content = _rewritten(
        _xlsx([["姓名"]]),
        SHEET,
        lambda xml: re.sub(r"<sheetData>.*</sheetData>", f"<sheetData><row>{cells}</row></sheetData>", xml),
    )
    assert "not an Excel" in _refusal(content)


@override_settings(IMPORT_MAX_BYTES=20_000)
def test_a_workbook_that_unpacks_to_far_more_than_a_list_is_refused():
    padding = "<!--" + " " * 200_000 + "-->"
    content = _rewritten(
        _xlsx([["姓名"], ["张三"]]), SHEET, lambda xml: xml.replace("<sheetData>", padding + "<sheetData>")
    )
    assert len(content) < 20_000
    assert "unpacks to" in _refusal(content)


def _entity(n: int) -> str:
    return f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' if n else '<!ENTITY lol0 "lol">'


# Ten to the ninth "lol"s, three gigabytes, from a few hundred bytes of entity declarations.
BILLION_LAUGHS = '<?xml version="1.0"?><!DOCTYPE lolz [' + "".join(_entity(n) for n in range(10)) + "]>"


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _handmade_xlsx(shared_strings: str) -> bytes:
    """A workbook as Excel writes one, with a shared strings table (openpyxl writes inline strings instead)."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPE}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPE}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{MAIN}"><dimension ref="A1:A2"/><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
            "</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": shared_strings,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml.encode("utf-8"))
    return out.getvalue()


def test_a_handmade_workbook_with_shared_strings_is_read():
    content = _handmade_xlsx(f'<sst xmlns="{MAIN}"><si><t>姓名</t></si><si><t>张三</t></si></sst>')
    assert spreadsheets.read_table(_upload(content), headings=HEADINGS, required=("name",)).rows == [(2, ("张三",))]


def test_xml_entities_are_refused_by_defusedxml_in_openpyxl():
    """A billion laughs in the shared strings, which only openpyxl parses: defusedxml, being installed, refuses
    it (without it, the entities would be expanded or the file called "not an Excel file")."""
    content = _handmade_xlsx(BILLION_LAUGHS + f'<sst xmlns="{MAIN}"><si><t>姓名</t></si><si><t>&lol9;</t></si></sst>')
    assert "document type or entities" in _refusal(content)


def test_xml_entities_in_the_sheet_are_refused():
    content = _rewritten(
        _xlsx([["姓名"], [1]]),
        SHEET,
        lambda xml: BILLION_LAUGHS + re.sub(r"<\?xml[^>]*\?>", "", xml).replace("<v>1</v>", "<v>&lol9;</v>"),
    )
    assert "document type or entities" in _refusal(content)


def test_a_csv_cell_longer_than_the_csv_module_reads_is_a_message_naming_the_row():
    content = ("姓名,手机\n张三,13800000001\n" + "x" * 131_073 + ",1\n").encode()
    message = _refusal(content, name="list.csv")
    assert "Row 3" in message and "131,072 characters" in message


def test_a_nul_character_is_a_message_naming_the_row():
    assert "Row 3 holds a NUL character" in _refusal("姓名\n张三\n李\x00四\n".encode(), name="list.csv")


@override_settings(IMPORT_MAX_ROWS=2, IMPORT_MAX_COLUMNS=3)
def test_csv_rows_and_columns_are_limited_too():
    assert "down to row 4" in _refusal("姓名\n一\n二\n三\n".encode(), name="list.csv")
    assert "4 columns" in _refusal("姓名,a,b,c\n一\n".encode(), name="list.csv")
    spreadsheets.read_table(_upload("姓名,,,,,,\n一,,,,,\n二\n".encode(), "list.csv"), headings=HEADINGS, required=())


def test_a_csv_that_is_not_text_is_refused():
    assert "neither UTF-8 nor GBK" in _refusal(b"\x81\x30\xff\xfe" * 10, name="list.csv")


def test_refusals_are_in_the_users_language():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        spreadsheets.read_table(_upload(b"hello", "list.txt"), headings=HEADINGS, required=("name",))
    assert re.search(r"[\u4e00-\u9fff]", refused.value.messages[0])


# --- writing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("-5", "-5"),
        ("+8613800000000", "+8613800000000"),
        ("-1.5e3", "-1.5e3"),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
        ("响\x07铃", "响铃"),
        ("\x07=1", "'=1"),
    ],
)
def test_safe_cell_neutralizes_formulas_and_keeps_numbers(value, written):
    assert spreadsheets.safe_cell(value) == written


def test_an_exported_workbook_holds_formulas_as_text_and_numbers_as_numbers():
    content = spreadsheets.xlsx_bytes(
        spreadsheets.Sheet(
            title="名单/2026", rows=[["姓名", "时数"], ['=HYPERLINK("http://x","y")', -2.5]], heading=True
        )
    )
    sheet = load_workbook(io.BytesIO(content)).active
    name, hours = sheet["A2"], sheet["B2"]
    assert name.data_type == "s" and name.value.startswith("'=")
    assert hours.data_type == "n" and hours.value == -2.5
    assert sheet.title == "名单_2026" and sheet["A1"].font.b and sheet.freeze_panes == "A2"


def test_an_exported_csv_neutralizes_formulas_and_starts_with_a_bom():
    content = spreadsheets.csv_bytes([["姓名", "时数"], ["+1+1", -2], ["-cmd", "-3"], ["@x", 1], ["+1", 0]])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1:] == [["'+1+1", "-2"], ["'-cmd", "-3"], ["'@x", "1"], ["+1", "0"]]


def test_every_spreadsheet_is_read_and_written_through_kepu_spreadsheets():
    """The guard: a new export or import that opened a workbook or a CSV writer itself would skip the limits
    and the formula neutralization."""
    pattern = re.compile(r"^\s*(import csv|from csv |import openpyxl|from openpyxl)", re.MULTILINE)
    apps = [d for d in ROOT.iterdir() if d.is_dir() and not d.name.startswith(".") and d.name not in ("tests", "var")]
    offenders = [
        str(path.relative_to(ROOT))
        for app in apps
        for path in app.rglob("*.py")
        if path != ROOT / "kepu" / "spreadsheets.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
