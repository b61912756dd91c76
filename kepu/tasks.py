"""Kepu's own periodic work: the nightly backup of the embedded default."""

import logging

from celery import shared_task

from kepu import backups

logger = logging.getLogger(__name__)


@shared_task
def backup_nightly() -> str | None:
    """Back up the SQLite database and MEDIA_ROOT, then prune old backups. On PostgreSQL nothing: there the
    compose file's backup service runs pg_dump (the beat entry is only installed on SQLite anyway)."""
    if not backups.is_sqlite():
        logger.info("backup_nightly: the database is not SQLite; pg_dump backs it up (docs/operations.md)")
        return None
    path = backups.backup()
    backups.prune()
    return str(path)
