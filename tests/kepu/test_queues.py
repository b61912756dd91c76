"""Separate queues: the door's tallies, the messages and the long reports each have their own, so a report
that occupies its worker holds up neither a check-in's figures nor a volunteer's SMS."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from kepu.celery import app as celery_app
from kepu.queue import send_task_safely
from notifications.models import Notification
from notifications.tasks import send_notifications
from stats import services as stats_services
from stats import tasks as stats_tasks
from stats.models import Tally
from tests.conftest import Worker
from tests.factories import CheckInFactory, EventFactory, NotificationFactory
from tests.kepu.test_compose import COMPOSE

EXPECTED_QUEUE = {
    "stats.tasks.tally_run": "tallies",
    "stats.tasks.tally_sweep": "tallies",
    "notifications.tasks.send_notifications": "notifications",
    "notifications.tasks.dispatch_due_notifications": "notifications",
    "volunteers.tasks.record_due_reminders": "notifications",
    "stats.tasks.tally_drain": "reports",
    "stats.tasks.tally_nightly": "reports",
    "stats.tasks.summary_file": "reports",
}


def _kepu_tasks() -> list[str]:
    celery_app.loader.import_default_modules()
    return sorted(name for name in celery_app.tasks if not name.startswith("celery."))


def _queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def test_each_kind_of_work_goes_to_its_own_queue():
    for task_name, queue in EXPECTED_QUEUE.items():
        assert _queue_of(task_name) == queue, task_name


def test_every_task_goes_to_a_queue_that_some_worker_consumes():
    consumed = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert consumed == set(settings.KEPU_QUEUES)
    for task_name in _kepu_tasks():
        assert _queue_of(task_name) in consumed, task_name
        # The message goes to the queue's own exchange and routing key, not to the default queue's.
        route = celery_app.amqp.router.route({}, task_name)["queue"]
        assert route.exchange.name == route.routing_key == route.name


def _worker_commands() -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in COMPOSE["services"].items()
        if service.get("command", [])[:4] == ["celery", "-A", "kepu", "worker"]
    }


def test_every_compose_worker_names_its_queues():
    for name, command in _worker_commands().items():
        assert "--queues" in command, f"{name} would consume every queue"


def test_docker_compose_runs_one_worker_per_queue():
    consumed: dict[str, str] = {}
    for name, command in _worker_commands().items():
        queues = command[command.index("--queues") + 1].split(",")
        for queue in queues:
            assert queue not in consumed, f"{queue} is consumed by both {consumed.get(queue)} and {name}"
            consumed[queue] = name
    assert sorted(consumed) == sorted(settings.KEPU_QUEUES)
    assert len(_worker_commands()) == len(settings.KEPU_QUEUES)


def _ran(task: str, worker: Worker) -> bool:
    """Whether the worker received the task (its banner lists every task's name, so look for a received one)."""
    return any(f".{task}[" in line and "received" in line for line in worker.log().splitlines())


@pytest.fixture
def workers_per_queue(transactional_db, tmp_path):
    """One worker per queue, as docker-compose.yml runs them; the reports worker drains slowly (a long report)."""
    celery_app.control.purge()
    workers = {queue: Worker(tmp_path, queues=(queue,)) for queue in settings.KEPU_QUEUES}
    workers["reports"].env["STATS_TALLY_PAUSE_SECONDS"] = "60"
    for worker in workers.values():
        worker.start()
    yield workers
    for worker in workers.values():
        worker.kill()  # the long report is not waited for


@pytest.mark.worker
def test_a_long_report_occupies_its_worker_while_tallies_and_messages_keep_flowing(workers_per_queue, association):
    last_year = timezone.localdate().year - 1
    long_ago = timezone.make_aware(timezone.datetime(last_year, 5, 10, 9))
    CheckInFactory(
        event=EventFactory(association=association, starts_at=long_ago, ends_at=long_ago + timedelta(hours=2))
    )
    stats_services.tally_recompute_request(year=last_year)
    assert send_task_safely(stats_tasks.tally_drain, last_year)
    reports = workers_per_queue["reports"]
    reports.wait_for(lambda: _ran("tally_drain", reports), timeout=60, what="the report to start")

    # Meanwhile at the door: a check-in asks for its event's tally, and a volunteer's SMS is due.
    event = EventFactory(association=association)
    CheckInFactory.create_batch(3, event=event)
    stats_services.tally_request(event_id=event.id)
    sms = NotificationFactory(association=association)
    assert send_task_safely(send_notifications, [sms.id])

    tallies = workers_per_queue["tallies"]
    tallies.wait_for(
        lambda: Tally.objects.filter(key=f"event:{event.id}").exists(), timeout=60, what="the event's tally"
    )
    assert Tally.objects.get(key=f"event:{event.id}").figures["beneficiaries_person_times"] == 3
    workers_per_queue["notifications"].wait_for(
        lambda: Notification.objects.get(pk=sms.pk).status == Notification.Status.SENT, timeout=60, what="the SMS"
    )
    # …and the report is still running on its own worker: the work above did not wait for it.
    assert "succeeded" not in reports.log().split("Task stats.tasks.tally_drain[", 1)[1]
    assert _ran("tally_run", tallies) and not _ran("tally_run", reports)
    assert _ran("send_notifications", workers_per_queue["notifications"]) and not _ran("send_notifications", reports)
