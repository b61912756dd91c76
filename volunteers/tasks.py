"""Thin tasks of the volunteers app: the beat sweep that records the shift reminders now due."""

from celery import shared_task
from django.db import OperationalError

from . import messages


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def record_due_reminders() -> int:
    return messages.reminders_record_due()
