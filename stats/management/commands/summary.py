import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from stats import summary

from ._common import association_from


class Command(BaseCommand):
    help = "Write the annual work summary (工作总结) with every figure filled from the tallies."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--format", choices=summary.FORMATS, default="md")
        parser.add_argument("--lang", choices=summary.LANGUAGES, default="zh-hans")
        parser.add_argument("--out", help="write to this file (default: standard output; docx/xlsx need --out)")
        parser.add_argument("--association", help="name or id (default: the one with the most events that year)")

    def handle(self, *args, year, format, lang, out, association, **options):
        org = association_from(association, year)
        content = summary.summary_export(association=org, year=year, language=lang, fmt=format)
        if out:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(out, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as handle:
                handle.write(content)
            self.stderr.write(f"{org.name} {year}: {format} written to {out}")
        elif isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content, ending="" if content.endswith("\n") else "\n")
