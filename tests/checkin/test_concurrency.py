"""Races between phones, with real threads and real transactions (each thread has its own connection)."""

import threading
from collections import Counter
from uuid import uuid4

import pytest
from django.db import connection
from django.utils import timezone

from checkin.models import CheckIn, ScanLog
from checkin.scan import services as scan_services
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # reported by the assertion below, with the thread's error
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_phones_scanning_one_code_at_once_check_in_exactly_once():
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    now = timezone.now()

    answers = _race(
        50,
        lambda i: scan_services.checkin_scan(
            event=event, code=registration.code, client_id=uuid4(), scanned_at=now, device=f"phone-{i}"
        ),
    )

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert Counter(a.status for a in answers) == {"ok": 1, "already_checked_in": 49}
    assert CheckIn.objects.filter(event=event).count() == 1
    assert ScanLog.objects.filter(event=event).count() == 50  # every attempt is evidence
    first = CheckIn.objects.get().scanned_at
    assert {a.checked_in_at for a in answers} == {first}


def test_one_scan_retried_concurrently_is_recorded_once_and_answered_alike():
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    client_id, now = uuid4(), timezone.now()

    answers = _race(
        10,
        lambda i: scan_services.checkin_scan(event=event, code=registration.code, client_id=client_id, scanned_at=now),
    )

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert {a.status for a in answers} == {"ok"}
    assert len({a.checkin_id for a in answers}) == 1
    assert (CheckIn.objects.count(), ScanLog.objects.count()) == (1, 1)
