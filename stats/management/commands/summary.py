import sys
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from kepu import replica
from stats import summary

from ._common import association_from


class Command(BaseCommand):
    help = (
        "Write the annual work summary (工作总结) composed from the year's records; the clerk's check list "
        "(sentences left out, hand-entered figures used) goes to standard error, or beside --out as FILE.checklist.txt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--format", choices=summary.FORMATS, default="md")
        parser.add_argument("--lang", choices=summary.LANGUAGES, default="zh-hans")
        parser.add_argument("--out", help="write to this file (default: standard output; docx/xlsx need --out)")
        parser.add_argument("--association", help="name or id (default: the one with the most events that year)")

    def _step(self, text: str) -> None:
        self.stderr.write(f"[{time.monotonic() - self._started:5.1f}s] {text}")

    def handle(self, *args, year, format, lang, out, association, **options):
        self._started = time.monotonic()
        org = association_from(association, year)
        self._step(f"{org.name} {year}: reading the tallies and the records")
        with replica.reads():
            built = summary.summary_build(association=org, year=year, language=lang)
        self._step(f"writing {format} ({lang})")
        content = summary.WRITERS[format](built)
        if out:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(out, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as handle:
                handle.write(content)
            with open(f"{out}.checklist.txt", "w", encoding="utf-8") as handle:
                handle.write(summary.checklist_text(built))
            self._step(f"{format} written to {out}; check list in {out}.checklist.txt")
        elif isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content, ending="" if content.endswith("\n") else "\n")
        if not out and built.checklist:
            self.stderr.write(summary.checklist_text(built))
