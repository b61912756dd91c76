"""With a real Celery worker process, the broker (Redis in CI) and a fake HTTP SMS provider."""

import ast
import re
import threading
import time
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Kind, Notification
from tests.factories import EventFactory, SignUpFactory
from volunteers import messages as volunteer_messages
from volunteers.models import SignUp

from .conftest import FakeSmsProvider, worker_env_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = Notification.Status


def wait_until(condition, *, timeout: float = 60, every: float = 0.2, then=None, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if then:
            then()
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


def all_sms_sent() -> bool:
    return not Notification.objects.filter(channel="sms").exclude(status=Status.SENT).exists()


def _signups_for_shift_in(hours: float, count: int) -> list[SignUp]:
    start = timezone.now() + timedelta(hours=hours)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    signups = [SignUpFactory(shift__event=event) for _ in range(count)]
    SignUp.objects.filter(id__in=[s.id for s in signups]).update(created_at=start - timedelta(days=3))
    return signups


def _outcomes_in(log: str) -> Counter:
    """Sum the outcome dicts the send tasks returned, as the workers logged them."""
    outcomes: Counter = Counter()
    for result in re.findall(r"send_notifications\[[^\]]+\] succeeded in [\d.]+s: (\{.*\})", log):
        outcomes.update(ast.literal_eval(result))
    return outcomes


def _concurrently(function, times: int = 2) -> list:
    barrier = threading.Barrier(times)
    errors: list[BaseException] = []
    results: list = []

    def run():
        try:
            barrier.wait()
            results.append(function())
        except BaseException as error:  # reported in the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_reminders_go_out_exactly_once_when_the_sweeps_run_twice_at_once(start_worker):
    signups = _signups_for_shift_in(hours=1.5, count=3)
    with FakeSmsProvider() as provider:
        _concurrently(volunteer_messages.reminders_record_due)  # each new row is handed to the broker once
        # then the dispatch sweep twice at once, later, handing the queued rows out again
        later = timezone.now() + timedelta(minutes=5)
        handed_again = sum(_concurrently(lambda: services.notifications_dispatch_due(now=later)))
        assert handed_again >= 3
        # two worker processes race for the messages waiting in the broker
        workers = [start_worker(**worker_env_for(provider)) for _ in range(2)]
        wait_until(lambda: len(provider.accepted) >= 3 and all_sms_sent(), what="the reminders")
        wait_until(
            lambda: sum(_outcomes_in("".join(w.log() for w in workers)).values()) == 3 + handed_again,
            what=lambda: (
                f"every handed-out task to finish: {3 + handed_again} expected, the workers logged "
                f"{dict(_outcomes_in(''.join(w.log() for w in workers)))}; their logs:\n"
                + "\n".join(w.log()[-3000:] for w in workers)
            ),
        )

    reminders = Notification.objects.filter(kind=Kind.SHIFT_REMINDER, channel="sms")
    assert reminders.count() == 3
    outcomes = _outcomes_in("".join(worker.log() for worker in workers))
    assert outcomes["sent"] == 3
    assert outcomes["not_queued"] + outcomes["taken"] == handed_again  # the duplicates were refused
    assert sorted(p["to"] for p in provider.requests) == sorted(s.volunteer.phone for s in signups)
    assert set(reminders.values_list("attempts", flat=True)) == {1}


def test_transient_errors_are_retried_until_the_provider_accepts(start_worker):
    signup = SignUpFactory(shift__event=EventFactory(starts_at=timezone.now() + timedelta(days=2)))
    with FakeSmsProvider(fail_times=2) as provider:
        start_worker(
            **worker_env_for(provider, NOTIFICATIONS_RETRY_BASE_SECONDS=0.2, NOTIFICATIONS_RETRY_CAP_SECONDS=0.5)
        )
        volunteer_messages.notify_signup(signup=signup, kind="confirmed")  # committed: the worker is nudged at once
        # the beat sweep, every 0.3 s, hands out the retries when they are due
        wait_until(all_sms_sent, then=services.notifications_dispatch_due, every=0.3, what="the retries")

    sms = Notification.objects.get(channel="sms")
    assert sms.attempts == 3 and sms.provider_message_id == "msg-3"
    assert len(provider.requests) == 3 and len(provider.accepted) == 1


def test_a_killed_workers_message_is_sent_once_after_restart(start_worker, settings):
    signup = SignUpFactory(shift__event=EventFactory(starts_at=timezone.now() + timedelta(days=2)))
    with FakeSmsProvider(hang_first=60) as provider:
        env = worker_env_for(provider, SMS_HTTP_TIMEOUT=45)
        worker = start_worker(**env)
        volunteer_messages.notify_signup(signup=signup, kind="confirmed")
        wait_until(lambda: len(provider.requests) == 1, what="the worker to call the provider")
        worker.kill()  # mid-send: the provider has the request, the row says 'sending'
        sms = Notification.objects.get(channel="sms")
        assert sms.status == Status.SENDING

        start_worker(**env)
        assert services.notifications_dispatch_due() == 0  # still within the dead worker's lease
        settings.NOTIFICATIONS_LEASE_SECONDS = 1
        time.sleep(1.2)
        wait_until(all_sms_sent, then=services.notifications_dispatch_due, every=0.5, what="the resend")
        time.sleep(1.5)  # a duplicate would arrive by now

    sms.refresh_from_db()
    assert sms.attempts == 2
    assert len(provider.accepted) == 1


def test_a_message_recorded_while_the_broker_was_down_goes_out_when_it_is_back(start_worker):
    signup = SignUpFactory(shift__event=EventFactory(starts_at=timezone.now() + timedelta(days=2)))
    with mock.patch.object(tasks.send_notifications, "apply_async", side_effect=ConnectionError("broker down")):
        volunteer_messages.notify_signup(signup=signup, kind="confirmed")
    assert Notification.objects.get(channel="sms").status == Status.QUEUED
    with FakeSmsProvider() as provider:
        start_worker(**worker_env_for(provider))
        later = timezone.now() + timedelta(minutes=5)  # past the re-dispatch delay
        wait_until(all_sms_sent, then=lambda: services.notifications_dispatch_due(now=later), what="the sweep")
    assert len(provider.accepted) == 1
