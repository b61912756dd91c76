from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from stats import services, tasks
from stats.figures import year_scope
from stats.models import Tally, TallyMarker
from tests.factories import AssociationFactory, CampaignFactory, CheckInFactory, EventFactory, HeadcountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(association):
    return EventFactory(association=association, campaign=CampaignFactory(association=association))


@pytest.fixture(autouse=True)
def runs_come_at_once(settings):
    """The tests below call the runs by hand, as the worker would once a run's countdown ended: no countdown.
    The tests of the countdown's window set one (`window`)."""
    settings.STATS_TALLY_DEBOUNCE_SECONDS = 0
    settings.STATS_TALLY_ROLLUP_DEBOUNCE_SECONDS = 0


@pytest.fixture
def window(settings):
    """A queued run due after 2 s, of which the check-in path may rely on the first 1.5 s."""
    settings.STATS_TALLY_DEBOUNCE_SECONDS = 2
    settings.STATS_TALLY_CLOCK_MARGIN_SECONDS = 0.5


def _marker(event) -> TallyMarker:
    return TallyMarker.objects.get(key=f"event:{event.id}")


def test_a_burst_of_requests_sends_one_run(event, sent, window, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(1000):
            with transaction.atomic():
                services.tally_request(event_id=event.id)
    assert sent == [((f"event:{event.id}",), {"countdown": 2})]
    assert _marker(event).version == 1000


@pytest.fixture
def request_committed(django_capture_on_commit_callbacks):
    """tally_request as the check-in path makes it: after the change committed, the run sent at once."""

    def request(event):
        with django_capture_on_commit_callbacks(execute=True):
            services.tally_request(event_id=event.id, association_id=event.association_id, committed=True)

    return request


def test_a_committed_request_while_a_run_is_queued_only_reads(event, sent, request_committed):
    request_committed(event)
    version = _marker(event).version
    for _ in range(5):
        request_committed(event)
    assert _marker(event).version == version  # the queued run claims later and sees these changes
    assert [args for args, _ in sent] == [(f"event:{event.id}",)]


def test_committed_requests_within_a_queued_runs_countdown_read_nothing(
    event, sent, window, request_committed, django_assert_num_queries
):
    request_committed(event)  # bumps the marker and queues a run due in 2 s
    request_committed(event)  # reads the marker: a run is queued, due at run_after
    version = _marker(event).version
    with django_assert_num_queries(0):
        request_committed(event)
    CheckInFactory(event=event)  # a change the check-in path did not announce: the queued run must see it
    with django_assert_num_queries(0):
        request_committed(event)
    assert _marker(event).version == version and _marker(event).is_dirty


def test_a_queued_run_is_not_claimed_before_its_countdown_ends(event, sent, window, request_committed):
    request_committed(event)
    request_committed(event)  # this process now relies on the countdown
    CheckInFactory(event=event)
    request_committed(event)  # skipped: relies on the run below
    sent.clear()
    assert services.tally_run(key=f"event:{event.id}") == "early"  # a worker whose clock runs ahead
    [(args, options)] = sent
    assert args == (f"event:{event.id}",) and 0 < options["countdown"] <= 2
    assert not Tally.objects.exists() and _marker(event).lease_until is None
    # Nor does the full recompute claim it early: it waits for the countdown, then computes the change.
    services.tally_recompute_request(year=timezone.localtime(event.starts_at).year)
    services.tally_drain(year=timezone.localtime(event.starts_at).year)
    assert Tally.objects.get(key=f"event:{event.id}").figures["beneficiaries_person_times"] == 1


def test_the_countdown_window_ends_before_the_run_is_due(event, sent, window, request_committed, settings):
    request_committed(event)
    request_committed(event)
    run_after = _marker(event).run_after
    assert services.queued_runs.covers(f"event:{event.id}", run_after - timedelta(seconds=0.6))
    assert not services.queued_runs.covers(f"event:{event.id}", run_after - timedelta(seconds=0.4))
    settings.STATS_TALLY_CLOCK_MARGIN_SECONDS = 5  # clocks further apart than the countdown: never skip
    assert not services.queued_runs.covers(f"event:{event.id}", run_after - timedelta(seconds=1.9))


def test_a_committed_request_while_a_run_holds_the_claim_bumps_and_sends_the_next_run(event, sent, request_committed):
    request_committed(event)
    key = f"event:{event.id}"
    # what a run's claim does; the run may have read the version already
    TallyMarker.objects.filter(key=key).update(lease_until=timezone.now() + timedelta(minutes=1), enqueued_at=None)
    version = _marker(event).version
    request_committed(event)
    assert _marker(event).version == version + 1
    assert [args for args, _ in sent] == [(key,), (key,)]


def test_a_committed_request_after_a_run_bumps_the_clean_marker(event, sent, request_committed):
    request_committed(event)
    assert services.tally_run(key=f"event:{event.id}") == "done"
    sent.clear()
    request_committed(event)
    assert _marker(event).is_dirty
    assert [args for args, _ in sent] == [(f"event:{event.id}",)]


def test_a_committed_request_whose_queued_run_was_lost_is_swept(event, sent, request_committed):
    CheckInFactory(event=event)
    request_committed(event)  # suppose this run never arrives
    CheckInFactory(event=event)
    request_committed(event)  # sees a run queued: only reads
    assert services.tally_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    services.tally_run(key=f"event:{event.id}")
    assert Tally.objects.get(key=f"event:{event.id}").figures["beneficiaries_person_times"] == 2


def test_a_run_that_finds_the_marker_clean_still_sends_a_run_for_a_request_in_between(event, sent):
    services.tally_request(event_id=event.id)
    services.tally_run(key=f"event:{event.id}")
    # A run was sent (enqueued_at); a request comes in just after that run read the marker clean:
    # it saw a run queued and sent none, so the run must send one.
    TallyMarker.objects.filter(key=f"event:{event.id}").update(enqueued_at=timezone.now())
    real_filter = TallyMarker.objects.filter
    calls = []

    def filter_and_request_after_the_first_read(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            services._bump(services.F_.event_scope(event), timezone.now())
        return real_filter(*args, **kwargs)

    sent.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TallyMarker.objects, "filter", filter_and_request_after_the_first_read)
        assert services.tally_run(key=f"event:{event.id}") == "clean"
    assert _marker(event).is_dirty
    assert [args for args, _ in sent] == [(f"event:{event.id}",)]


def test_the_request_is_sent_only_after_commit(event, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.tally_request(event_id=event.id)
    assert sent == []
    callbacks[0]()
    assert len(sent) == 1


def test_a_run_computes_the_event_and_requests_its_rollups(event, sent, django_capture_on_commit_callbacks):
    CheckInFactory.create_batch(3, event=event)
    HeadcountFactory(event=event, count=40)
    with django_capture_on_commit_callbacks(execute=True):
        services.tally_request(event_id=event.id)
        assert services.tally_run(key=f"event:{event.id}") == "done"
    tally = Tally.objects.get(key=f"event:{event.id}")
    assert tally.figures["beneficiaries_person_times"] == 43
    assert tally.evidence["beneficiaries_person_times"] == {"scanned": 3, "manual": 0, "estimated": 40}
    assert tally.record_counts["checkins"] == 3
    marker = _marker(event)
    assert (marker.done_version, marker.lease_until, marker.enqueued_at) == (1, None, None)
    year = timezone.localtime(event.starts_at).year
    rollups = {args[0] for args, _ in sent[1:]}
    assert rollups == {f"campaign:{event.campaign_id}", year_scope(event.association_id, year).key}


def test_requests_after_a_run_send_another_run(event, sent, django_capture_on_commit_callbacks):
    services.tally_request(event_id=event.id)
    services.tally_run(key=f"event:{event.id}")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.tally_request(event_id=event.id)
    assert [args for args, _ in sent] == [(f"event:{event.id}",)]


def test_a_second_run_of_a_clean_marker_does_nothing(event, sent):
    services.tally_request(event_id=event.id)
    assert services.tally_run(key=f"event:{event.id}") == "done"
    assert services.tally_run(key=f"event:{event.id}") == "clean"
    assert _marker(event).runs == 1


def test_a_run_leaves_a_claimed_marker_to_its_worker_and_comes_back_later(event, sent):
    services.tally_request(event_id=event.id)
    TallyMarker.objects.filter(key=f"event:{event.id}").update(lease_until=timezone.now() + timedelta(minutes=1))
    sent.clear()
    assert services.tally_run(key=f"event:{event.id}") == "busy"
    assert not Tally.objects.exists()
    [(args, options)] = sent
    assert args == (f"event:{event.id}",) and 2 < options["countdown"] <= 60


def test_the_sweep_resends_what_a_dead_broker_lost(event, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.tally_run, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        CheckInFactory(event=event)
        services.tally_request(event_id=event.id)  # the check-in committed; the nudge was lost
    assert _marker(event).is_dirty
    sent = []
    monkeypatch.setattr(tasks.tally_run, "apply_async", lambda args=None, **options: sent.append(args))
    assert services.tally_sweep() == 0  # the lost run is not presumed lost yet
    assert services.tally_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert sent == [(f"event:{event.id}",)]
    services.tally_run(key=f"event:{event.id}")
    assert Tally.objects.get(key=f"event:{event.id}").figures["beneficiaries_person_times"] == 1


def test_the_sweep_takes_over_from_a_dead_worker_once_its_claim_expires(event, sent):
    services.tally_request(event_id=event.id)
    TallyMarker.objects.filter(key=f"event:{event.id}").update(
        lease_until=timezone.now() + timedelta(minutes=5), enqueued_at=None, lease_token="dead"
    )
    assert services.tally_sweep() == 0
    assert services.tally_sweep(now=timezone.now() + timedelta(minutes=6)) == 1


def test_an_older_computation_never_overwrites_a_newer_one(event):
    scope = services.F_.event_scope(event)
    services.tally_compute(scope=scope)
    newer = Tally.objects.get().computed_at
    computed = services.F_.compute(scope)
    CheckInFactory(event=event)
    services._store(scope, computed, newer - timedelta(seconds=1), 0)
    assert Tally.objects.get().computed_at == newer


def test_a_full_recompute_gives_the_same_figures_as_single_runs(association, sent):
    events = EventFactory.create_batch(3, association=association)
    for i, event in enumerate(events):
        CheckInFactory.create_batch(i + 1, event=event)
    year = timezone.localdate().year
    keys = services.tally_recompute_request(year=year)
    assert services.tally_pending(keys=keys) == len(keys)
    done = services.tally_drain(year=year)
    assert done["events"] == 3 and done["periods"] == 1
    assert services.tally_pending(keys=keys) == 0
    bulk = {t.key: t.figures for t in Tally.objects.filter(scope="event")}
    for event in events:
        services.tally_request(event_id=event.id)
        services.tally_run(key=f"event:{event.id}")
    assert {t.key: t.figures for t in Tally.objects.filter(scope="event")} == bulk
    year_tally = Tally.objects.get(key=year_scope(association.id, year).key)
    assert year_tally.figures["beneficiaries_person_times"] == 6


def test_a_full_recompute_stores_what_each_scope_computes_alone(association, sent):
    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    year = timezone.localdate().year - 1
    campaign = CampaignFactory(association=association, starts_on=date(year - 1, 12, 1), ends_on=date(year, 1, 31))
    for day in (timezone.datetime(year - 1, 12, 20, 9), timezone.datetime(year, 1, 10, 9)):  # across New Year
        start = timezone.make_aware(day)
        event = EventFactory(
            association=association, campaign=campaign, starts_at=start, ends_at=start + timedelta(hours=1)
        )
        CheckInFactory.create_batch(2, event=event)
        CheckInFactory(event=event, annulled_at=timezone.now())
        HeadcountFactory(event=event, count=30)
    start = timezone.make_aware(timezone.datetime(year, 6, 1, 9))
    CheckInFactory.create_batch(
        3, event=EventFactory(association=association, starts_at=start, ends_at=start + timedelta(hours=1))
    )
    keys = services.tally_recompute_request(year=year)
    assert services.tally_drain(year=year) == {"events": 2, "campaigns": 1, "periods": 2}
    for scope in services.recompute_scopes(year=year):
        alone = services.F_.compute(scope)
        tally = Tally.objects.get(key=scope.key)
        assert (tally.figures, tally.evidence, tally.breakdowns, tally.record_counts) == (
            alone.figures,
            alone.evidence,
            alone.breakdowns,
            alone.record_counts,
        ), scope.key
    assert Tally.objects.get(key=f"campaign:{campaign.id}").figures["beneficiaries_person_times"] == 64
    assert services.tally_pending(keys=keys) == 0


def test_a_drain_that_dies_after_its_events_leaves_no_claim_in_the_way(association, sent, monkeypatch):
    start = timezone.make_aware(timezone.datetime(timezone.localdate().year - 1, 5, 1, 9))
    event = EventFactory(
        association=association,
        campaign=CampaignFactory(association=association, starts_on=start.date(), ends_on=start.date()),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    CheckInFactory.create_batch(2, event=event)
    keys = services.tally_recompute_request(year=start.year)

    class Killed(Exception):
        pass

    def killed():
        raise Killed

    monkeypatch.setattr(services, "_pause", killed)  # the worker dies after storing the events
    with pytest.raises(Killed):
        services.tally_drain(year=start.year)
    pending = [key for key in keys if TallyMarker.objects.get(key=key).is_dirty]
    assert pending == [f"campaign:{event.campaign_id}", year_scope(association.id, start.year).key]
    for key in pending:  # the sweep's runs, right away: no lease of the dead worker to wait out
        assert services.tally_run(key=key) == "done"
    assert Tally.objects.get(key=pending[0]).figures["beneficiaries_person_times"] == 2


def test_running_the_full_recompute_twice_changes_nothing(association, sent):
    CheckInFactory.create_batch(2, event=EventFactory(association=association))
    year = timezone.localdate().year
    services.tally_recompute_request(year=year)
    services.tally_drain(year=year)
    first = {t.key: (t.figures, t.evidence, t.breakdowns) for t in Tally.objects.all()}
    services.tally_recompute_request(year=year)
    services.tally_drain(year=year)
    assert {t.key: (t.figures, t.evidence, t.breakdowns) for t in Tally.objects.all()} == first


def test_a_full_recompute_rewrites_changed_tallies_and_dates_the_others(association, sent):
    quiet, busy = EventFactory.create_batch(2, association=association)
    CheckInFactory(event=quiet)
    year = timezone.localdate().year
    services.tally_recompute_request(year=year)
    services.tally_drain(year=year)
    before = {t.key: t for t in Tally.objects.filter(scope="event")}
    CheckInFactory.create_batch(2, event=busy)
    Tally.objects.filter(key=f"event:{quiet.id}").update(figures={"drifted": True})  # a tally gone wrong

    services.tally_recompute_request(year=year)
    services.tally_drain(year=year)

    after = {t.key: t for t in Tally.objects.filter(scope="event")}
    assert after[f"event:{busy.id}"].figures["beneficiaries_person_times"] == 2
    assert after[f"event:{quiet.id}"].figures == before[f"event:{quiet.id}"].figures  # repaired from the records
    assert all(after[key].computed_at > tally.computed_at for key, tally in before.items())


def test_a_cancelled_event_drops_out_of_the_figures(event, sent):
    CheckInFactory(event=event)
    services.tally_request(event_id=event.id)
    services.tally_run(key=f"event:{event.id}")
    event.status = "cancelled"
    event.save()
    services.tally_request(event_id=event.id)
    services.tally_run(key=f"event:{event.id}")
    assert Tally.objects.get(key=f"event:{event.id}").figures["events_held"] == 0


def test_annulled_checkins_never_count(event):
    CheckInFactory(event=event, annulled_at=timezone.now())
    tally = services.tally_compute(scope=services.F_.event_scope(event))
    assert tally.figures["beneficiaries_person_times"] == 0


def test_a_request_for_an_unknown_event_is_ignored(sent):
    services.tally_request(event_id=987654)
    assert not TallyMarker.objects.exists()


def test_a_prefectures_year_includes_its_counties_and_a_neighbours_does_not(association, sent):
    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    CheckInFactory.create_batch(2, event=EventFactory(association=association))
    CheckInFactory(event=EventFactory(association=AssociationFactory()))
    year = timezone.localdate().year
    county = services.tally_compute(scope=year_scope(association.id, year))
    whole = services.tally_compute(scope=year_scope(prefecture.id, year))
    assert county.figures["beneficiaries_person_times"] == whole.figures["beneficiaries_person_times"] == 2


def test_an_event_starting_just_after_new_year_in_shanghai_counts_for_the_new_year(association):
    from zoneinfo import ZoneInfo

    start = timezone.datetime(2025, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 2024-12-31 16:30 UTC
    event = EventFactory(association=association, starts_at=start, ends_at=start + timedelta(hours=1))
    CheckInFactory(event=event)
    assert services.tally_compute(scope=year_scope(association.id, 2025)).figures["events_held"] == 1
    assert services.tally_compute(scope=year_scope(association.id, 2024)).figures["events_held"] == 0
