"""Thin tasks: they take ids, call the services and are safe to run twice (the claim decides who sends)."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_notifications(ids: list[int]) -> dict[str, int]:
    return services.notifications_send(ids=ids)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def dispatch_due_notifications() -> int:
    return services.notifications_dispatch_due()
