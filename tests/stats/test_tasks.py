"""The tallies with a real Celery worker process: requests get computed, a killed worker loses nothing."""

import time
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from kepu.queue import send_task_safely
from stats import figures, services, tasks
from stats.models import Tally, TallyMarker
from tests.conftest import Worker
from tests.factories import CampaignFactory, CheckInFactory, EventFactory, HeadcountFactory

pytestmark = [pytest.mark.worker]


def _tally(key: str):
    return Tally.objects.filter(key=key).first()


def test_a_burst_of_requests_is_computed_by_the_worker_in_a_handful_of_runs(celery_worker_process, association):
    event = EventFactory(association=association)
    CheckInFactory.create_batch(5, event=event)
    HeadcountFactory(event=event, count=20)
    key = f"event:{event.id}"
    started = time.monotonic()
    for _ in range(1000):
        services.tally_request(event_id=event.id)  # autocommit: each one is a committed request
    requesting = time.monotonic() - started
    celery_worker_process.wait_for(
        lambda: _tally(key) is not None and not TallyMarker.objects.get(key=key).is_dirty,
        timeout=60,
        what="the event's tally",
    )
    assert _tally(key).figures["beneficiaries_person_times"] == 25
    # At most one run per debounce period while the requests keep coming, and one after them. The burst's
    # length depends on the machine's load (on a loaded CI machine it has taken 20 s), so it sets the bound.
    debounce = settings.STATS_TALLY_DEBOUNCE_SECONDS
    assert TallyMarker.objects.get(key=key).runs <= 3 + int(requesting / debounce)
    year_key = figures.year_scope(association.id, timezone.localtime(event.starts_at).year).key
    celery_worker_process.wait_for(lambda: _tally(year_key) is not None, timeout=60, what="the year's rollup")
    assert _tally(year_key).figures["beneficiaries_person_times"] == 25


@pytest.fixture
def slow_worker(transactional_db, tmp_path):
    from kepu.celery import app

    app.control.purge()
    worker = Worker(tmp_path)
    worker.env["STATS_TALLY_PAUSE_SECONDS"] = "0.7"
    yield worker
    worker.stop()


def test_a_worker_killed_mid_recompute_leaves_figures_identical_to_a_clean_run(slow_worker, association, tmp_path):
    year = timezone.localdate().year - 1
    for month in range(1, 7):
        campaign = CampaignFactory(
            association=association, starts_on=date(year, month, 1), ends_on=date(year, month, 28)
        )
        for day in (3, 10):
            start = timezone.make_aware(timezone.datetime(year, month, day, 9))
            event = EventFactory(
                association=association, campaign=campaign, starts_at=start, ends_at=start + timedelta(hours=2)
            )
            CheckInFactory.create_batch(month, event=event)
            HeadcountFactory(event=event, count=10 * day)
    scopes = services.recompute_scopes(year=year)
    clean = {s.key: figures.compute(s).figures for s in scopes}  # a clean computation, not stored

    slow_worker.start()
    keys = services.tally_recompute_request(year=year)
    assert send_task_safely(tasks.tally_drain, year)
    slow_worker.wait_for(
        lambda: 0 < len(keys) - services.tally_pending(keys=keys) < len(keys) - 2,
        timeout=60,
        what="the recompute to be part-way",
    )
    slow_worker.kill()
    assert services.tally_pending(keys=keys) > 0

    restarted = Worker(tmp_path)
    restarted.start()
    try:
        # Beat's sweep, run as it would be once the dead worker's claims and queued runs are presumed lost.
        assert services.tally_sweep(now=timezone.now() + timedelta(minutes=10)) > 0
        restarted.wait_for(lambda: services.tally_pending(keys=keys) == 0, timeout=90, what="the sweep's runs")
    finally:
        restarted.stop()
    stored = {t.key: t.figures for t in Tally.objects.filter(key__in=keys)}
    assert stored == clean


def test_check_ins_during_a_broker_outage_reach_the_figures_once_it_is_back(
    celery_worker_process, association, monkeypatch
):
    event = EventFactory(association=association)
    key = f"event:{event.id}"
    real_apply_async = tasks.tally_run.apply_async

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.tally_run, "apply_async", broker_down)
    for _ in range(7):  # check-ins keep coming; every nudge is lost
        CheckInFactory(event=event)
        services.tally_request(event_id=event.id)
    assert TallyMarker.objects.get(key=key).is_dirty
    monkeypatch.setattr(tasks.tally_run, "apply_async", real_apply_async)  # the broker is back
    # Beat's sweep, once the lost nudge is presumed lost: no manual step.
    assert services.tally_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    celery_worker_process.wait_for(
        lambda: not TallyMarker.objects.get(key=key).is_dirty, timeout=60, what="the sweep's run"
    )
    assert _tally(key).figures["beneficiaries_person_times"] == 7
