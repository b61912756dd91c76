"""Spreadsheets in and out of Kepu: every import reads through `read_table`, every export writes
through `xlsx_bytes` or `csv_bytes`. No other module opens a workbook or a CSV file (a test checks).

Reading refuses, with a message an organizer can act on and before anything large is built:
- a file over `IMPORT_MAX_BYTES`, and a workbook whose XML unpacks to more than `UNPACKED_FACTOR`
  times that (a zip bomb);
- a sheet that declares, or holds, more than `IMPORT_MAX_ROWS` rows below its heading or more than
  `IMPORT_MAX_COLUMNS` columns. openpyxl builds every cell a sheet declares, even in read-only mode,
  so a 5 KB file declaring `A1:XFD1048576` would cost minutes and gigabytes; the declaration is read
  first and the sheet's XML is then counted as a stream, before openpyxl builds a single row;
- XML with a document type or entities (billion laughs): defusedxml, which openpyxl uses as soon as
  it is installed, refuses it in openpyxl's parsers, and the counting pass refuses it itself;
- a CSV that is neither UTF-8 nor GB18030 (what Excel in China saves), that holds a NUL character
  (never in a list of people, and PostgreSQL refuses it), or a cell longer than the csv module reads.

Writing neutralizes formulas, as OWASP recommends against "CSV injection": a text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so that Excel and WPS
show it as text instead of running it. Numbers, negative ones included, stay numbers. Characters an
XLSX cannot hold (control characters stored before names were cleaned on input) are dropped rather
than failing the whole export.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any, NamedTuple, TypeVar
from xml.parsers import expat

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from kepu.text import clean_name

# The XML parts of a workbook may unpack to this many times IMPORT_MAX_BYTES: a real list of
# 5,000 people in 50 columns stays well under it, a zip bomb does not.
UNPACKED_FACTOR = 4
# Excel's own limit on columns: a row with more cells than this is not a spreadsheet.
EXCEL_MAX_COLUMNS = 16_384
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = TypeVar("T")

# --- reading -------------------------------------------------------------------------------------


class Row(NamedTuple):
    number: int  # as the spreadsheet shows it: 1 is the first row
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """The rows below the heading (empty rows left out) and where each named column is."""

    columns: dict[str, int]
    rows: list[Row]

    def cell(self, row: Row, column: str) -> str:
        index = self.columns.get(column)
        return row.cells[index] if index is not None and index < len(row.cells) else ""


@dataclass(frozen=True)
class RowProblem:
    row: int
    name: str
    message: str


class ImportRefused(ValidationError):
    """Rows of the file are wrong, so nothing was imported. Every wrong row is named: the organizer
    fixes the file and uploads it again, and nobody has to work out which half went in."""

    def __init__(self, problems: Sequence[RowProblem], *, rows: int):
        super().__init__(
            {
                "file": [
                    _("Row %(row)d: %(problems)s") % {"row": problem.row, "problems": problem.message}
                    for problem in problems
                ]
            }
        )
        self.problems = list(problems)
        self.checked = rows

    @property
    def summary(self) -> str:
        return _(
            "Nothing was imported: %(wrong)d of %(rows)d rows need correcting. Fix them and upload the file again."
        ) % {
            "wrong": len(self.problems),
            "rows": self.checked,
        }

    def report(self) -> list[dict]:
        """The wrong rows, in the shape of an import's per-row report."""
        return [{"row": p.row, "ok": False, "name": p.name, "message": p.message} for p in self.problems]


# Headings the imports understand (compared as `_normalized` says), in Chinese of either script and in
# English; the first is the one named when a required column is missing. Every import of people takes
# its headings from here, so a list an organizer fills in for one import reads the same in the other.
NAME_HEADINGS = ("姓名", "名字", "name")
PHONE_HEADINGS = ("手机号", "手机", "手机号码", "联系电话", "电话", "手機", "手機號碼", "電話", "phone", "mobile")
TOWN_HEADINGS = ("乡镇", "鄉鎮", "镇", "鎮", "乡", "鄉", "town")
VILLAGE_HEADINGS = ("村", "村(社区)", "村(社區)", "村社区", "村社區", "社区", "社區", "village")
# One column naming a town or a village, for an import that takes either.
PLACE_HEADINGS = ("乡镇/村", "鄉鎮/村", *VILLAGE_HEADINGS, *TOWN_HEADINGS, "地址", "region")
ORGANIZATION_HEADINGS = ("单位", "單位", "工作单位", "工作單位", "organization")
SCHOOL_HEADINGS = ("学校", "學校", "school")


def import_rows(table: Table, each: Callable[[Row], T]) -> list[T]:
    """Apply `each` to every row of `table`, all or nothing, and return what it returned for each row.

    The one error handling of every import: each row runs in its own savepoint, so a row that fails
    in the database leaves the checks of the rows after it valid; a ValidationError a row raises is
    that row's problem (its messages joined), and the import goes on to the next row so that every
    wrong row is named. If any row is wrong, ImportRefused names them all; the caller's transaction
    (the import runs in one) then undoes the good rows too.
    """
    results: list[T] = []
    wrong: list[RowProblem] = []
    for row in table.rows:
        try:
            with transaction.atomic():
                results.append(each(row))
        except ValidationError as invalid:
            name = clean_name(table.cell(row, "name"))
            wrong.append(RowProblem(row=row.number, name=name, message="; ".join(invalid.messages)))
    if wrong:
        raise ImportRefused(wrong, rows=len(table.rows))
    return results


def read_table(file: IO[bytes], *, headings: Mapping[str, Sequence[str]], required: Sequence[str]) -> Table:
    """Read the first sheet of an uploaded .xlsx (or a .csv) whose first non-empty row names the columns.

    `headings` gives, for each column the import uses, the headings that name it (compared without
    case, spaces, a trailing `*` or full-width forms). Raises ValidationError({"file": …}) for a file
    that cannot or may not be read.
    """
    rows = read_rows(file)
    if not rows:
        raise _refused(_("The file is empty."))
    heading, *body = rows
    columns = _columns(heading.cells, headings)
    if missing := [column for column in required if column not in columns]:
        raise _refused(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": "、".join(headings[column][0] for column in missing)}
        )
    return Table(columns=columns, rows=body)


def read_rows(file: IO[bytes]) -> list[Row]:
    """The non-empty rows of an uploaded .xlsx (its first sheet) or .csv, each cell as stripped text."""
    limit = settings.IMPORT_MAX_BYTES
    size = getattr(file, "size", None)
    if size is None or size <= limit:  # an upload knows its size: nothing is read when it is too big
        if hasattr(file, "seek"):
            file.seek(0)
        content = file.read(limit + 1)
        size = len(content)
    if size > limit:
        raise _refused(
            _("The file is %(size)s; at most %(limit)s can be imported at once. Split the list into several files.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    filename = (getattr(file, "name", "") or "").lower()
    if content.startswith(b"PK\x03\x04"):  # a zip archive, as every .xlsx is
        return _xlsx_rows(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # the container of the old binary formats
        raise _refused(_("This is an old Excel (.xls) file: save it as an Excel workbook (.xlsx) and upload that."))
    if filename.endswith(".csv"):
        return _csv_rows(content)
    if filename and not filename.endswith((".xlsx", ".xlsm")):
        raise _refused(_("Upload an Excel (.xlsx) or CSV file."))
    raise _refused(_("This is not an Excel (.xlsx) file."))


def _refused(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _normalized(heading: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", heading)).rstrip("*").casefold()


def _columns(heading: Sequence[str], headings: Mapping[str, Sequence[str]]) -> dict[str, int]:
    wanted = {_normalized(word): column for column, words in headings.items() for word in words}
    found: dict[str, int] = {}
    for index, title in enumerate(heading):
        column = wanted.get(_normalized(title))
        if column is not None and column not in found:
            found[column] = index
    return found


class _Rows:
    """Collects the non-empty rows of a sheet, refusing one beyond the limits as soon as it is seen."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.max_rows = settings.IMPORT_MAX_ROWS
        self.max_columns = settings.IMPORT_MAX_COLUMNS

    def add(self, number: int, values: Iterable[Any]) -> None:
        cells = [_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            return
        if len(cells) > self.max_columns:
            raise _too_wide(number, len(cells), self.max_columns)
        if len(self.rows) > self.max_rows:  # the heading and max_rows rows are already in
            raise _too_long(number, self.max_rows)
        if any("\x00" in cell for cell in cells):
            raise _refused(
                _("Row %(row)d holds a NUL character, which no list of people has: the file is damaged.")
                % {"row": number}
            )
        self.rows.append(Row(number, tuple(cells)))


def _too_long(row: int, max_rows: int) -> ValidationError:
    return _refused(
        _(
            "The sheet has values down to row %(row)s; at most %(rows)s rows below the heading are read. "
            "Delete the rows below the list, or split the list into several files."
        )
        % {"row": f"{row:,}", "rows": f"{max_rows:,}"}
    )


def _too_wide(row: int, columns: int, max_columns: int) -> ValidationError:
    return _refused(
        _(
            "Row %(row)s has values in %(columns)s columns; at most %(max)s columns are read. "
            "Delete the columns to the right of the list."
        )
        % {"row": f"{row:,}", "columns": f"{columns:,}", "max": f"{max_columns:,}"}
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    elif isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    return str(value).strip()


def _csv_rows(content: bytes) -> list[Row]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK, which GB18030 extends
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refused(_("This CSV file is neither UTF-8 nor GBK text."))
    rows, number = _Rows(), 0
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, values in enumerate(reader, start=1):
            rows.add(number, values)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise _refused(
                _("Row %(row)d has a cell longer than %(limit)s characters: this is not a list of people.")
                % {"row": number + 1, "limit": f"{csv.field_size_limit():,}"}
            ) from None
        raise _refused(_("Row %(row)d of this CSV file cannot be read.") % {"row": number + 1}) from None
    return rows.rows


def _not_excel() -> ValidationError:
    return _refused(_("This is not an Excel (.xlsx) file."))


def _unsafe() -> ValidationError:
    return _refused(_("This workbook holds XML that Kepu does not read (a document type or entities)."))


def _xlsx_rows(content: bytes) -> list[Row]:
    max_rows, max_columns = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        # The sizes the archive declares bound what reading yields: zipfile stops at them.
        unpacked = sum(m.file_size for m in archive.infolist() if m.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, ValueError):
        raise _not_excel() from None
    if unpacked > UNPACKED_FACTOR * settings.IMPORT_MAX_BYTES:
        raise _refused(
            _("This workbook unpacks to %(size)s, far more than a list of people: it cannot be imported.")
            % {"size": filesizeformat(unpacked)}
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a file that is not a workbook
        raise (_unsafe() if _defused(error) else _not_excel()) from None
    try:
        if not workbook.worksheets:
            raise _not_excel()
        sheet = workbook.worksheets[0]
        # The dimension the sheet declares, which openpyxl would fill with empty cells.
        if (sheet.max_row or 0) > max_rows + 1 or (sheet.max_column or 0) > max_columns:
            raise _refused(
                _(
                    "The first sheet declares %(rows)s rows and %(columns)s columns (%(range)s); at most "
                    "%(max_rows)s rows below the heading and %(max_columns)s columns are read. Copy the list "
                    "into a new workbook and upload that."
                )
                % {
                    "rows": f"{sheet.max_row:,}",
                    "columns": f"{sheet.max_column:,}",
                    "range": sheet.calculate_dimension(),
                    "max_rows": f"{max_rows:,}",
                    "max_columns": f"{max_columns:,}",
                }
            )
        # `_worksheet_path` names the sheet's part in the archive (openpyxl has no public name for it).
        with archive.open(sheet._worksheet_path) as source:
            last_row, last_column = _extent(source, max_rows=max_rows, max_columns=max_columns)
        rows = _Rows()
        if last_row:
            cells = sheet.iter_rows(min_row=1, max_row=last_row, max_col=last_column, values_only=True)
            for number, values in enumerate(cells, start=1):
                rows.add(number, values)
        return rows.rows
    except ValidationError:
        raise
    except Exception as error:
        raise (_unsafe() if _defused(error) else _not_excel()) from None
    finally:
        workbook.close()


def _defused(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps some errors in a ValueError of its own)."""
    for _depth in range(10):  # a chain of causes is short; this bounds a looped one
        if error is None or isinstance(error, DefusedXmlException):
            return error is not None
        error = error.__cause__ or error.__context__
    return False


class _Unsafe(Exception):
    pass


def _extent(source: IO[bytes], *, max_rows: int, max_columns: int) -> tuple[int, int]:
    """The last row and column holding a value in a sheet's XML, read as a stream (nothing is kept).

    Refuses a sheet beyond the limits as soon as the streaming reaches it, and XML with a
    document type or entities.
    """
    state = {"row": 0, "column": 0, "cells": 0, "in_cell": 0, "last_row": 0, "last_column": 0}

    def start(name: str, attributes: dict[str, str]) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "row":
            state["row"] = int(float(attributes["r"])) if "r" in attributes else state["row"] + 1
            state["column"] = state["cells"] = 0
        elif tag == "c":
            state["cells"] += 1
            if state["cells"] > EXCEL_MAX_COLUMNS:
                raise _not_excel()
            reference = attributes.get("r")
            state["column"] = (
                column_index_from_string(coordinate_from_string(reference)[0]) if reference else (state["column"] + 1)
            )
            state["in_cell"] = state["column"]
        elif tag in ("v", "is") and state["in_cell"]:
            if state["row"] > max_rows + 1:
                raise _too_long(state["row"], max_rows)
            if state["in_cell"] > max_columns:
                raise _too_wide(state["row"], state["in_cell"], max_columns)
            state["last_row"] = max(state["last_row"], state["row"])
            state["last_column"] = max(state["last_column"], state["in_cell"])

    def end(name: str) -> None:
        if name.rpartition(" ")[2] == "c":
            state["in_cell"] = 0

    def refuse(*args: Any) -> None:
        raise _Unsafe

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.ParseFile(source)
    except _Unsafe:
        raise _unsafe() from None
    except expat.ExpatError:
        raise _not_excel() from None
    return state["last_row"], state["last_column"]


# --- writing -------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SURROGATES = re.compile("[\ud800-\udfff]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def safe_cell(value: Any) -> Any:
    """A value as it may go into an exported cell: text that a spreadsheet would run as a formula
    gets a leading apostrophe; characters a workbook cannot hold are dropped; numbers stay numbers."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        return value
    value = _SURROGATES.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One sheet of an exported workbook."""

    title: str
    rows: Iterable[Sequence[Any]]
    heading: bool = False  # the first row names the columns: bold, and kept in view when scrolling
    widths: Mapping[int, float] = field(default_factory=dict)  # by column number, 1 = A
    # By (row, column), both from 1: a comment on the cell, and a fill colour ("FFF2CC") to mark it.
    comments: Mapping[tuple[int, int], str] = field(default_factory=dict)
    fills: Mapping[tuple[int, int], str] = field(default_factory=dict)


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook of these sheets, every cell passed through `safe_cell`."""
    workbook = Workbook()
    for index, spec in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = _SHEET_TITLE_FORBIDDEN.sub("_", spec.title)[:31] or "Sheet"
        for row in spec.rows:
            sheet.append([safe_cell(value) for value in row])
        if spec.heading:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        for column, width in spec.widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = width
        for (row_number, column), text in spec.comments.items():
            comment = Comment(str(safe_cell(text)), "Kepu")
            comment.width, comment.height = 320, 160
            sheet.cell(row=row_number, column=column).comment = comment
        for (row_number, column), colour in spec.fills.items():
            sheet.cell(row=row_number, column=column).fill = PatternFill("solid", start_color=colour, end_color=colour)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (which makes Excel read it as UTF-8), every cell through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    value = safe_cell(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value
