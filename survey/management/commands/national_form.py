from django.core.management.base import BaseCommand
from django.utils import timezone

from stats.management.commands._common import association_from
from survey.national_form import BY_HAND, NationalForm, national_form
from survey.workbook import national_form_xlsx

TABLES = ("personnel", "sites", "funding", "media", "activities")


def table_text(form: NationalForm, key: str) -> str:
    """A table of the form as plain text: one line per indicator, each value with its unit."""
    table = form.table(key)
    lines = [f"{form.association.name} {form.year}年 · {table.title}（{' / '.join(table.headings)}）"]
    for line in table.lines:
        values = [BY_HAND if cell.manual else f"{cell.value} {unit}" for unit, cell in line.cells if cell is not None]
        lines.append(f"{line.label}: " + " | ".join(values))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "The national science-popularization statistics form (全国科普统计调查) of an association's year, filled "
        "from the records: prints a table (default: the activities) and writes the workbook with --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--association", help="name or id (default: the one with the most events that year)")
        parser.add_argument("--out", help="write the Excel workbook to this file")
        parser.add_argument("--table", choices=(*TABLES, "all"), default="activities", help="the table to print")

    def handle(self, *args, year, association, out, table, **options):
        form = national_form(association=association_from(association, year), year=year)
        for key in TABLES if table == "all" else (table,):
            self.stdout.write(table_text(form, key) + "\n")
        if out:
            with open(out, "wb") as handle:
                handle.write(national_form_xlsx(form))
            self.stderr.write(f"Wrote {out}")
