import pytest
from django.db import transaction

from events.tasks import mark_finished_events_done
from kepu.celery import app as celery_app
from kepu.queue import enqueue_on_commit, send_task_safely


def test_a_dead_broker_does_not_fail_the_caller(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Connection pools are built once per app: drop them so the dead URL is used.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    assert send_task_safely(mark_finished_events_done) is False


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_waits_for_the_commit(monkeypatch):
    sent = []
    monkeypatch.setattr("kepu.queue.send_task_safely", lambda task, *args, **kw: sent.append(task.name))
    with transaction.atomic():
        enqueue_on_commit(mark_finished_events_done)
        assert sent == []
    assert sent == ["events.tasks.mark_finished_events_done"]
