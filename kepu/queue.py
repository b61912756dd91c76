"""Enqueueing Celery tasks from the request path.

The rule (docs/architecture.md): what must happen is recorded in the database in the
same transaction; the task is only a nudge sent after commit. If the broker
is down the nudge is dropped with a warning and a beat sweep catches up from
the records, so a request never fails, nor waits long, because of the broker.
"""

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def send_task_safely(task: Task, *args: Any, **options: Any) -> bool:
    """Publish now; on a broker fault log it and return False instead of raising."""
    try:
        task.apply_async(args=args, **options)
    except Exception:  # kombu raises several unrelated types for a dead broker
        logger.warning("could not enqueue %s%r; a sweep will catch up", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any, **options: Any) -> None:
    """Publish `task` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_task_safely(task, *args, **options))
