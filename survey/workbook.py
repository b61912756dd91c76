"""The national form as an Excel workbook: one sheet per table of the survey, in its order, and a sheet
"来源" listing every cell with its source. Every answer carries a comment saying where it came from; a
cell no record answers is left empty, filled yellow and commented "需手工填写" with the reason.

Written through kepu.spreadsheets (formulas neutralized, like every export)."""

from urllib.parse import quote

from kepu.spreadsheets import Sheet, xlsx_bytes

from .national_form import BY_HAND, Cell, NationalForm, Table

MANUAL_FILL = "FFF2CC"  # a pale yellow: the clerk's cells
SOURCE_SHEET = "来源"


def coordinate(row: int, column: int) -> str:
    """ "B3" for (3, 2): how the source sheet names a cell."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def value_column(index: int) -> int:
    """The sheet's column of a line's `index`th value: B, D, F… (each value is followed by its unit)."""
    return 2 + 2 * index


def cell_note(cell: Cell) -> str:
    if cell.manual:
        note = f"{BY_HAND}：{cell.source}"
    else:
        note = f"来源：{cell.source}"
    return f"{note}\n提示：{cell.hint}" if cell.hint else note


def _table_sheet(form: NationalForm, table: Table, sources: list[list]) -> Sheet:
    heading: list = ["指标"]
    for title in table.headings:
        heading += [title, "单位"]
    rows: list[list] = [heading]
    comments: dict[tuple[int, int], str] = {}
    fills: dict[tuple[int, int], str] = {}
    for line in table.lines:
        row_number = len(rows) + 1
        row: list = [line.label]
        for index, (unit, cell) in enumerate(line.cells):
            row += [None if cell is None else cell.value, unit if cell is not None else ""]
            if cell is None:
                continue
            at = (row_number, value_column(index))
            comments[at] = cell_note(cell)
            if cell.manual:
                fills[at] = MANUAL_FILL
            sources.append(
                [
                    table.title,
                    coordinate(*at),
                    f"{line.label}（{table.headings[index]}）" if len(table.headings) > 1 else line.label,
                    cell.value,
                    unit,
                    cell.source,
                    "是" if cell.manual else "否",
                    cell.hint,
                ]
            )
        rows.append(row)
    rows += [[], [f"填报单位：{form.association.name}；统计年度：{form.year}年；黄色单元格{BY_HAND}"]]
    widths = {1: 44, **{value_column(i): 12 for i in range(len(table.headings))}}
    return Sheet(table.title, rows, heading=True, widths=widths, comments=comments, fills=fills)


def national_form_xlsx(form: NationalForm) -> bytes:
    sources: list[list] = [["表", "单元格", "指标", "数值", "单位", "来源", BY_HAND, "提示"]]
    sheets = [_table_sheet(form, table, sources) for table in form.tables]
    manual = [
        (n + 2, 7) for n, row in enumerate(sources[1:]) if row[6] == "是"
    ]  # the source sheet marks the same cells
    source_sheet = Sheet(
        SOURCE_SHEET,
        sources,
        heading=True,
        widths={1: 10, 2: 8, 3: 40, 6: 80, 8: 50},
        fills=dict.fromkeys(manual, MANUAL_FILL),
    )
    return xlsx_bytes(*sheets, source_sheet)


def download_name(form: NationalForm) -> str:
    return f"全国科普统计调查-{form.association.name}-{form.year}.xlsx"


def attachment_header(form: NationalForm) -> str:
    """Content-Disposition for the workbook: the Chinese file name, percent-encoded (RFC 6266)."""
    return f"attachment; filename*=UTF-8''{quote(download_name(form))}"
