"""The summary files behind the dashboard's Word and Excel links, written by a worker and handed over when ready.

A file is named after what it was made from (the year's tally as computed,
the narrative as edited, the hand-entered figures): when any of them
changes, the name changes and the next click makes a new file, and until
then every click gets the same file at once. The dashboard's link answers
at once: the file if it is there, otherwise a page that waits for it while
`stats.tasks.summary_file` writes it. Writing is safe to repeat (the same
inputs give the same name) and a file is only seen once complete (written
aside, then renamed).
"""

import hashlib
import os
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count, Max, Sum

from events.models import Association

from . import figures as F_
from . import selectors, summary
from .models import AnnualFigure

# A click asks the worker once in this many seconds at most, however often the page polls.
REQUEST_EVERY_SECONDS = 60


@dataclass(frozen=True)
class SummaryFile:
    name: str  # the path in the default storage
    download_name: str
    ready: bool


def _stamp(association: Association, year: int, language: str) -> str:
    """What the file is made from: changes in any of these make a new file."""
    association_id = association.id
    tally = selectors.year_tally(association_id=association_id, year=year)
    template = summary.summary_template_for(association=association, language=language)
    typed = AnnualFigure.objects.filter(association_id__in=F_.association_tree(association_id), year=year).aggregate(
        n=Count("id"), total=Sum("value"), last=Max("id")
    )
    parts = [tally.computed_at.isoformat(), template.updated_at.isoformat(), str(typed)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def summary_file_for(*, association: Association, year: int, language: str, fmt: str) -> SummaryFile:
    """The file of a year's summary as things stand now, and whether it has been written."""
    stamp = _stamp(association, year, language)
    name = f"summaries/{association.id}/{year}-{language}-{stamp}.{fmt}"
    return SummaryFile(name=name, download_name=f"summary-{year}-{language}.{fmt}", ready=default_storage.exists(name))


def summary_file_request(*, association: Association, year: int, language: str, fmt: str) -> SummaryFile:
    """The file if ready; otherwise ask a worker to write it (once a minute at most, whoever clicks)."""
    from . import tasks

    found = summary_file_for(association=association, year=year, language=language, fmt=fmt)
    if not found.ready and cache.add(f"stats:summary-file:{found.name}", 1, REQUEST_EVERY_SECONDS):
        tasks.summary_file.delay(association.id, year, language, fmt)
    return found


def summary_file_write(*, association_id: int, year: int, language: str, fmt: str) -> str:
    """Write the file (a worker's job): aside first, then renamed, so that nobody reads half a file."""
    association = Association.objects.get(id=association_id)
    target = summary_file_for(association=association, year=year, language=language, fmt=fmt)
    if target.ready:
        return target.name
    content = summary.summary_export(association=association, year=year, language=language, fmt=fmt)
    data = content.encode("utf-8") if isinstance(content, str) else content
    partial = default_storage.save(f"{target.name}.part", ContentFile(data))
    os.replace(default_storage.path(partial), default_storage.path(target.name))
    cache.delete(f"stats:summary-file:{target.name}")
    return target.name
