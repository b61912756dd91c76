"""Celery tasks of Kepu's cross-app rules: thin, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from . import privacy


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def anonymize_expired_personal_data() -> int:
    """Daily: attendees whose events all ended more than PERSONAL_DATA_RETENTION_DAYS ago lose names and phones."""
    return privacy.anonymize_expired()
