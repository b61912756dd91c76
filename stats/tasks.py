"""Celery tasks of the tallies: thin, take keys or years, safe to run twice (they recompute from the records)."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import services

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def tally_run(key: str) -> str:
    return services.tally_run(key=key)


@shared_task(**RETRY)
def tally_sweep() -> int:
    return services.tally_sweep()


@shared_task(**RETRY)
def tally_drain(year: int) -> dict:
    return services.tally_drain(year=year)


@shared_task(**RETRY)
def tally_nightly() -> dict:
    """The nightly full recompute of this year (and of last year in January, when late paper sheets arrive)."""
    today = timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    done = {}
    for year in years:
        services.tally_recompute_request(year=year)
        done[str(year)] = services.tally_drain(year=year)
    return done


@shared_task(**RETRY)
def summary_file(association_id: int, year: int, language: str, fmt: str) -> str:
    """Write one summary file for the dashboard's link (stats.summary_files); safe to repeat."""
    from kepu import replica

    from . import summary_files

    with replica.reads():
        return summary_files.summary_file_write(association_id=association_id, year=year, language=language, fmt=fmt)
