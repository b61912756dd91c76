"""A real Celery worker process, on the broker of the settings (Redis in CI), against the test database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from events.tasks import mark_finished_events_done
from kepu.queue import send_task_safely
from tests.factories import EventFactory

pytestmark = pytest.mark.worker


def test_a_real_worker_runs_a_task_and_its_effect_is_in_the_database(celery_worker_process):
    now = timezone.now()
    finished = EventFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))

    assert send_task_safely(mark_finished_events_done)

    celery_worker_process.wait_for(
        lambda: Event.objects.get(pk=finished.pk).status == Event.Status.DONE, timeout=60, what="the event to be done"
    )
    assert "mark_finished_events_done" in celery_worker_process.log()
