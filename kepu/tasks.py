"""Celery tasks of Kepu's cross-app rules (personal data's retention, the nightly backup): thin, safe to run twice."""

import logging

from celery import shared_task
from django.db import OperationalError

from . import backups, privacy

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def anonymize_expired_personal_data() -> int:
    """Daily: attendees whose events all ended more than PERSONAL_DATA_RETENTION_DAYS ago lose names and phones."""
    return privacy.anonymize_expired()


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
