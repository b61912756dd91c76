"""Keeping the tallies fresh: requests, debounced runs, the sweep and the full recompute.

How a change reaches the figures:

1. The writer (a check-in, a headcount, a sign-up…) calls `tally_request(event_id=…)`
   inside its own transaction. That bumps the event's TallyMarker (a row, so it
   commits or rolls back with the change) and, unless a run is already queued,
   sends `stats.tasks.tally_run` with a short countdown after commit. Further
   requests inside that countdown ride along: a burst of 1,000 scans makes a
   handful of runs. A request made after its change committed (the check-in
   path) skips the bump while a queued run has yet to claim the dirty marker:
   that run will see the change (`_run_will_see`), and the scans of a busy door
   do not queue up on the marker's row lock. Nobody claims a marker before its
   queued run's countdown ends (`run_after`), so until shortly before then the
   check-in path does not even read the marker (`QueuedRuns`).
2. A run claims the marker with a conditional UPDATE (a lease), recomputes the
   tally from the records, and releases it up to the version it read. Requests
   that came in during the run leave the marker dirty and have sent their own
   run. The run then requests the rollups (campaign, year) the event is part of.
3. The beat sweep sends a run for every dirty marker nobody is working on: a
   message lost with a dead broker, a worker killed mid-run (its lease
   expires). Every run recomputes from the records, so running twice is harmless.
"""

import functools
import json
import logging
import time as time_module
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from events.models import Association, Campaign, Event
from kepu import rawsql
from kepu.lookups import among
from kepu.queue import enqueue_on_commit, send_task_safely

from . import figures as F_
from .models import Tally, TallyMarker

logger = logging.getLogger(__name__)


def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


def debounce_seconds() -> float:
    return _setting("STATS_TALLY_DEBOUNCE_SECONDS", 2)


def rollup_debounce_seconds() -> float:
    return _setting("STATS_TALLY_ROLLUP_DEBOUNCE_SECONDS", 10)


def clock_margin_seconds() -> float:
    """How far the clocks of web and worker hosts may disagree (see QueuedRuns)."""
    return _setting("STATS_TALLY_CLOCK_MARGIN_SECONDS", 0.5)


def lease_seconds() -> float:
    return _setting("STATS_TALLY_LEASE_SECONDS", 300)


def enqueue_stale_seconds() -> float:
    """After this long, a queued run that never came is presumed lost and the sweep sends another."""
    return _setting("STATS_TALLY_ENQUEUE_STALE_SECONDS", 60)


# --- requests ------------------------------------------------------------------------------


def tally_request(*, event_id: int, association_id: int | None = None, committed: bool = False) -> None:
    """Note that an event's records changed; its tally (and the rollups) follow shortly.

    Call it in the transaction of the change: the note commits with it, and the
    task is only a nudge sent after commit. Callers that hold the event pass its
    association_id and save a query (the check-in path does).

    A caller whose change has already committed (the check-in path asks from
    `on_commit`) passes `committed=True`: while a run is queued for the dirty,
    unclaimed marker, the request is then only a read (see `_run_will_see`), so a
    burst of scans does not queue up on the marker row.
    """
    if association_id is None:
        association_id = Event.objects.filter(id=event_id).values_list("association_id", flat=True).first()
    if association_id is None:
        return
    scope = F_.Scope(kind="event", association_id=association_id, event_id=event_id)
    if committed:
        now = timezone.now()
        if queued_runs.covers(scope.key, now):
            return
        if (run_after := _run_will_see(scope.key, now)) is not None:
            queued_runs.remember(scope.key, run_after)
            return
    _mark(scope, countdown=debounce_seconds())


class QueuedRuns:
    """What this process last saw of queued event runs: the marker's key → the run's `run_after`.

    The one thing Kepu keeps in a process's memory, and only as a shortcut: forgetting it (a new
    process, `clear()`) costs a read of the marker, never a change. Tests clear it between tests
    (tests/conftest.py), as their databases reuse keys whose runs this process remembers.

    `_run_will_see` found the marker dirty, unclaimed and a run queued that may
    not claim it before `run_after` (every claim waits for it: `_claimable`). Until
    then the marker stays dirty and unclaimed, so a change that commits before
    `run_after` is seen by the first claim, whoever makes it: the check-in path
    skips its read of the marker. The margin covers clocks of web and worker
    hosts that disagree; a busy door then reads the marker about once per
    debounce and process, not once per scan (bench/checkin).
    """

    def __init__(self):
        self._due: dict[str, datetime] = {}

    def covers(self, key: str, now: datetime) -> bool:
        due = self._due.get(key)
        return due is not None and now < due - timedelta(seconds=clock_margin_seconds())

    def remember(self, key: str, run_after: datetime) -> None:
        if len(self._due) > 1000:  # forget the past: a key whose run is due never covers anything again
            now = timezone.now()
            self._due = {k: due for k, due in self._due.items() if due > now}
        self._due[key] = run_after

    def clear(self) -> None:
        self._due.clear()


queued_runs = QueuedRuns()


def _run_will_see(key: str, now: datetime) -> datetime | None:
    """Whether a run that has yet to claim the marker is on its way, so a change committed before now is covered:
    then when that run is due (`run_after`, see QueuedRuns), else None.

    True when the marker is dirty, nobody holds its claim and a run was sent
    (`enqueued_at` fresh; every claim clears it, so that run has not claimed yet).
    That run claims after this read, reads the version after its claim and
    computes from the records after that: it sees every change committed before
    this read. Only for changes already committed: a change still in its
    transaction must bump, so that a claim made before it commits is followed by
    another run. A run that already holds the claim may have read its version:
    then bump as always, and the release leaves the marker dirty. If the queued
    run is lost (broker down, worker killed), `enqueued_at` goes stale and the
    sweep sends another: the marker is dirty, so nothing is lost.

    Event markers only (tally_request is their one caller): the drain lets go of
    the leases of campaigns and years before it has released their versions,
    leaving them unclaimed with `enqueued_at` set, which the reasoning above
    does not cover. It holds an event marker's lease until its release.
    """
    stale = now - timedelta(seconds=enqueue_stale_seconds())
    # Hand-written (kepu/rawsql.py): it runs after every scan, and compiling the queryset cost ten times the query.
    params = [key, rawsql.db_value(TallyMarker, "enqueued_at", stale), rawsql.db_value(TallyMarker, "lease_until", now)]
    with connection.cursor() as cursor:
        cursor.execute(_run_will_see_sql(connection.vendor), params)
        row = cursor.fetchone()
    if row is None:
        return None
    run_after = row[0]
    for converter in _RUN_AFTER_CONVERTERS(connection.vendor):
        run_after = converter(run_after, None, connection)
    return run_after or now  # a run sent without a window: due now, covers nothing later


@functools.cache
def _RUN_AFTER_CONVERTERS(vendor: str) -> list:
    del vendor  # part of the cache key only
    field = TallyMarker._meta.get_field("run_after")
    return connection.ops.get_db_converters(field.get_col(TallyMarker._meta.db_table))


@functools.cache
def _run_will_see_sql(vendor: str) -> str:
    del vendor  # part of the cache key only: quoting is the backend's
    c = functools.partial(rawsql.column, TallyMarker)
    return (
        f"SELECT {c('run_after')} FROM {rawsql.table(TallyMarker)} "
        f"WHERE {c('key')} = %s AND {c('version')} > {c('done_version')} "
        f"AND {c('enqueued_at')} >= %s AND ({c('lease_until')} IS NULL OR {c('lease_until')} < %s)"
    )


def _bump(scope: F_.Scope, now: datetime) -> None:
    key = scope.key
    if TallyMarker.objects.filter(key=key).update(version=F("version") + 1, requested_at=now):
        return
    try:
        with transaction.atomic():
            TallyMarker.objects.create(key=key, scope=scope.as_dict(), requested_at=now)
    except IntegrityError:  # created by a concurrent request in the meantime
        TallyMarker.objects.filter(key=key).update(version=F("version") + 1, requested_at=now)


def _claim_enqueue(key: str, now: datetime, *, countdown: float) -> bool:
    """Whether this caller is the one to send a run (no run is queued, or the queued one is presumed lost).

    The winner's run is due after `countdown`: nobody claims the marker before then (`_claimable`).
    """
    stale = now - timedelta(seconds=enqueue_stale_seconds())
    return bool(
        TallyMarker.objects.filter(key=key)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .update(enqueued_at=now, run_after=now + timedelta(seconds=countdown))
    )


def _claimable(now: datetime) -> Q:
    """Markers a run may claim now: nobody holds them (or the holder's lease ran out) and no queued run's
    countdown is still running (QueuedRuns relies on that)."""
    return (Q(lease_until__isnull=True) | Q(lease_until__lt=now)) & (Q(run_after__isnull=True) | Q(run_after__lte=now))


def _mark(scope: F_.Scope, *, countdown: float) -> None:
    now = timezone.now()
    _bump(scope, now)
    if _claim_enqueue(scope.key, now, countdown=countdown):
        from .tasks import tally_run

        enqueue_on_commit(tally_run, scope.key, countdown=countdown)


def _nudge(key: str, *, countdown: float) -> None:
    """Send a run for a dirty marker unless one is queued already."""
    from .tasks import tally_run

    if _claim_enqueue(key, timezone.now(), countdown=countdown):
        send_task_safely(tally_run, key, countdown=countdown)


# --- runs ------------------------------------------------------------------------------------


def tally_compute(*, scope: F_.Scope) -> Tally:
    """Compute a scope's tally from the records and store it."""
    started = timezone.now()
    clock = time_module.monotonic()
    computed = F_.compute(scope, now=started)
    return _store(scope, computed, started, int((time_module.monotonic() - clock) * 1000))


def _tally_values(scope: F_.Scope, computed: F_.Computed, started: datetime, duration_ms: int) -> dict:
    return {
        "scope": scope.kind,
        "association_id": scope.association_id,
        "event_id": scope.event_id,
        "campaign_id": scope.campaign_id,
        "starts_on": scope.starts_on,
        "ends_on": scope.ends_on,
        "figures": computed.figures,
        "breakdowns": computed.breakdowns,
        "evidence": computed.evidence,
        "record_counts": computed.record_counts,
        "computed_at": started,
        "duration_ms": duration_ms,
    }


def _store(scope: F_.Scope, computed: F_.Computed, started: datetime, duration_ms: int) -> Tally:
    """Write the tally unless a computation that started later already wrote one."""
    values = _tally_values(scope, computed, started, duration_ms)
    key = scope.key
    for _attempt in range(2):
        if Tally.objects.filter(key=key, computed_at__lte=started).update(**values):
            break
        if Tally.objects.filter(key=key).exists():
            break  # a newer computation's figures stand
        try:
            with transaction.atomic():
                Tally.objects.create(key=key, **values)
            break
        except IntegrityError:
            continue  # created concurrently: compare times again
    return Tally.objects.get(key=key)


# What a tally says; the rest (computed_at, duration_ms) says when it was computed.
_CONTENT = (
    "scope",
    "association_id",
    "event_id",
    "campaign_id",
    "starts_on",
    "ends_on",
    "figures",
    "breakdowns",
    "evidence",
    "record_counts",
)


def _content_json(values: dict) -> str:
    return json.dumps([values[name] for name in _CONTENT], sort_keys=True, cls=DjangoJSONEncoder)


def _store_events(computed: dict[F_.Scope, F_.Computed], *, started: datetime, duration_ms: int) -> None:
    """Write many event tallies (the drain holds their markers): new figures in one statement, and for
    tallies whose figures did not change only when they were computed.

    Most event tallies are unchanged when the nightly recompute comes (the runs of the day kept them
    fresh), and rewriting a JSON row costs more than comparing it.
    """
    values = {scope.key: _tally_values(scope, result, started, duration_ms) for scope, result in computed.items()}
    stored = Tally.objects.filter(among("key", list(values))).values_list("key", *_CONTENT)
    unchanged = {
        row[0]
        for row in stored
        if _content_json(dict(zip(_CONTENT, row[1:], strict=True))) == _content_json(values[row[0]])
    }
    if unchanged:
        Tally.objects.filter(among("key", sorted(unchanged))).update(computed_at=started, duration_ms=duration_ms)
    changed = [Tally(key=key, **v) for key, v in values.items() if key not in unchanged]
    if changed:
        fields = list(next(iter(values.values())))
        Tally.objects.bulk_create(changed, update_conflicts=True, unique_fields=["key"], update_fields=fields)


def tally_run(*, key: str) -> str:
    """Recompute one marker's scope if it is dirty and nobody else is at it.

    Returns what happened: "done", "clean" (nothing to do), "busy" (another
    worker holds it; a later run is queued), "early" (a queued run's countdown
    has not ended; sent again for then) or "missing".
    """
    marker = TallyMarker.objects.filter(key=key).values("scope", "version", "done_version", "run_after").first()
    if marker is None:
        return "missing"
    now = timezone.now()
    if marker["run_after"] is not None and marker["run_after"] > now:
        # Early by this host's clock (clocks disagree, or the run was sent before this countdown began):
        # the countdown promised to the check-in path holds, come back when it ends.
        from .tasks import tally_run

        send_task_safely(tally_run, key, countdown=(marker["run_after"] - now).total_seconds())
        return "early"
    if marker["version"] <= marker["done_version"]:
        # This run was the queued one: clear its enqueued_at whatever happened since, so that a request
        # that slipped in between (and saw a run queued) gets a run from the nudge below.
        TallyMarker.objects.filter(key=key).update(enqueued_at=None, run_after=None)
        if TallyMarker.objects.filter(key=key, version__gt=F("done_version")).exists():
            _nudge(key, countdown=debounce_seconds())
        return "clean"
    token = uuid.uuid4().hex
    claimed = (
        TallyMarker.objects.filter(key=key)
        .filter(_claimable(now))
        .update(
            lease_until=now + timedelta(seconds=lease_seconds()), lease_token=token, enqueued_at=None, run_after=None
        )
    )
    if not claimed:
        # Come back when the other worker's claim ends (or expires, if it died), at most a minute from now.
        lease_until = TallyMarker.objects.filter(key=key).values_list("lease_until", flat=True).first()
        remaining = (lease_until - now).total_seconds() if lease_until else 0
        TallyMarker.objects.filter(key=key).update(enqueued_at=None)
        _nudge(key, countdown=min(max(debounce_seconds(), remaining), 60))
        return "busy"
    # Read after the claim: every request up to this version has committed, so its records are seen below.
    version = TallyMarker.objects.filter(key=key).values_list("version", flat=True).get()
    scope = F_.Scope.from_dict(marker["scope"])
    try:
        tally_compute(scope=scope)
    except Exception:
        TallyMarker.objects.filter(key=key, lease_token=token).update(lease_until=None, lease_token="")
        raise
    _release(keys=[key], token=token, versions={key: version})
    if TallyMarker.objects.filter(key=key, version__gt=F("done_version")).exists():
        _nudge(key, countdown=debounce_seconds())
    if scope.kind == "event":
        _request_rollups(event_id=scope.event_pk)
    return "done"


def _release(*, keys: list[str], token: str, versions: dict[str, int]) -> None:
    now = timezone.now()
    by_version: dict[int, list[str]] = {}
    for key in keys:
        by_version.setdefault(versions[key], []).append(key)
    for version, same in by_version.items():
        TallyMarker.objects.filter(among("key", same), lease_token=token).update(
            done_version=version, lease_until=None, lease_token="", computed_at=now, runs=F("runs") + 1
        )


def _rollup_scopes(event: Event) -> list[F_.Scope]:
    scopes = []
    if event.campaign is not None:
        scopes.append(F_.campaign_scope(event.campaign))
    year = timezone.localtime(event.starts_at).year
    association: Association | None = event.association
    while association is not None:  # the county's year, and its prefecture's
        scopes.append(F_.year_scope(association.id, year))
        association = association.parent
    return scopes


def _request_rollups(*, event_id: int) -> None:
    event = Event.objects.select_related("campaign", "association__parent").filter(id=event_id).first()
    if event is None:
        return
    for scope in _rollup_scopes(event):
        _mark(scope, countdown=rollup_debounce_seconds())


def registry_request(*, association_id: int, since: date | None = None) -> None:
    """Note that a registry (organizations, members, sites) changed from `since` on: the year tallies of
    the association (and of its prefecture) from that year to this one follow shortly. A registry figure
    of a year reads the records as of the year's end, so a change dated in 2023 changes 2023 onwards;
    no date (or one long ago) marks the last ten years, what a summary is ever made of again."""
    this_year = timezone.localdate().year
    first = max(since.year if since else 0, this_year - 9)
    association = Association.objects.filter(id=association_id).select_related("parent").first()
    while association is not None:
        for year in range(first, this_year + 1):
            _mark(F_.year_scope(association.id, year), countdown=rollup_debounce_seconds())
        association = association.parent


# --- the sweep -----------------------------------------------------------------------------


def tally_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send a run for every dirty marker that nobody is working on; returns how many were sent."""
    from .tasks import tally_run

    now = now or timezone.now()
    stale = now - timedelta(seconds=enqueue_stale_seconds())
    keys = list(
        TallyMarker.objects.filter(version__gt=F("done_version"))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .order_by("requested_at")
        .values_list("key", flat=True)[:limit]
    )
    sent = 0
    for key in keys:
        won = (
            TallyMarker.objects.filter(key=key)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
            .update(enqueued_at=now, run_after=None)  # sent without a countdown: due at once
        )
        if won and send_task_safely(tally_run, key):
            sent += 1
    return sent


# --- the full recompute ----------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime(year, 1, 1)),
        timezone.make_aware(datetime(year + 1, 1, 1)),
    )


def recompute_scopes(*, year: int, association_ids: Iterable[int] | None = None) -> list[F_.Scope]:
    """Every scope of a year: its events, the campaigns overlapping it, the year of each association."""
    associations = Association.objects.all()
    if association_ids is not None:
        associations = associations.filter(id__in=list(association_ids))
    ids = list(associations.values_list("id", flat=True))
    start, end = _year_bounds(year)
    scopes = [
        F_.Scope(kind="event", association_id=a, event_id=e)
        for e, a in Event.objects.filter(association_id__in=ids, starts_at__gte=start, starts_at__lt=end)
        .order_by("id")
        .values_list("id", "association_id")
    ]
    scopes += [
        F_.campaign_scope(c)
        for c in Campaign.objects.filter(
            association_id__in=ids, starts_on__lte=date(year, 12, 31), ends_on__gte=date(year, 1, 1)
        ).order_by("id")
    ]
    scopes += [F_.year_scope(a, year) for a in ids]
    return scopes


def tally_recompute_request(*, year: int, association_ids: Iterable[int] | None = None) -> list[str]:
    """Mark every scope of the year dirty; the drain (or the sweep) recomputes them. Returns the keys."""
    scopes = recompute_scopes(year=year, association_ids=association_ids)
    now = timezone.now()
    keys = [s.key for s in scopes]
    with transaction.atomic():
        existing = set(TallyMarker.objects.filter(among("key", keys)).values_list("key", flat=True))
        TallyMarker.objects.bulk_create(
            [
                TallyMarker(key=s.key, scope=s.as_dict(), requested_at=now, version=0)
                for s in scopes
                if s.key not in existing
            ],
            ignore_conflicts=True,
        )
        # enqueued_at: the drain is on its way, so the sweep leaves these alone until it is presumed lost.
        for start in range(0, len(keys), 500):
            TallyMarker.objects.filter(among("key", keys[start : start + 500])).update(
                version=F("version") + 1, requested_at=now, enqueued_at=now
            )
    return keys


def tally_pending(*, keys: list[str]) -> int:
    """How many of these scopes still wait for a computation."""
    pending = 0
    for start in range(0, len(keys), 500):
        pending += TallyMarker.objects.filter(
            among("key", keys[start : start + 500]), version__gt=F("done_version")
        ).count()
    return pending


def _pause() -> None:
    # Fault drills (tests/stats/test_tasks.py) slow the drain down so a worker can be killed mid-way.
    if pause := _setting("STATS_TALLY_PAUSE_SECONDS", 0):
        time_module.sleep(pause)


def tally_drain(*, year: int, association_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Recompute every dirty scope of the year: the events in bulk, then campaigns, then the years.

    Claims the markers as a single run does, so it is safe beside other
    workers and after a crash (what was claimed by a dead worker is swept
    later). Everything is read after the claim, once: the check-ins are
    grouped per event in one pass, and the campaigns and years add up those
    rows (F_.Batch) rather than grouping the check-ins again.
    """
    scopes = recompute_scopes(year=year, association_ids=association_ids)
    done = {"events": 0, "campaigns": 0, "periods": 0}
    token = uuid.uuid4().hex
    claimed = _claim_all(keys=[s.key for s in scopes], token=token)
    scopes = [s for s in scopes if s.key in claimed]
    if not scopes:
        return done
    # Read after the claim: every request up to the claimed versions has committed, so its records are seen below.
    now = timezone.now()
    event_scopes = [s for s in scopes if s.kind == "event"]
    rollups = [s for s in scopes if s.kind != "event"]
    start, end = _year_bounds(year)
    held = Event.objects.filter(
        among("id", [s.event_pk for s in event_scopes]), starts_at__gte=start, starts_at__lt=end, starts_at__lte=now
    ).exclude(status__in=F_.NOT_HELD_STATUSES)
    held_ids = set(held.values_list("id", flat=True))
    held_by_scope = {scope: list(F_.held_events(scope, now=now).values_list("id", flat=True)) for scope in rollups}
    for ids in held_by_scope.values():
        held_ids.update(ids)
    clock = time_module.monotonic()
    batch = _verified_batch(held_ids, held_by_scope)
    # The campaigns and years now have the records of their claimed versions: the token alone marks them done
    # below. Let go of the lease, so that a worker killed from here on blocks nobody: the sweep hands them on
    # once the drain is presumed lost (enqueued_at), and a run that computes one first wins (the token changes).
    TallyMarker.objects.filter(among("key", [s.key for s in rollups]), lease_token=token).update(
        lease_until=None, enqueued_at=timezone.now()
    )

    if event_scopes:
        computed = F_.compute_events_of(held, batch=batch)
        duration = int((time_module.monotonic() - clock) * 1000)
        for first in range(0, len(event_scopes), 500):
            chunk = event_scopes[first : first + 500]
            _store_events(
                {s: computed.get(s.event_pk) or F_.zero_event() for s in chunk}, started=now, duration_ms=duration
            )
            keys = [s.key for s in chunk]
            _release(keys=keys, token=token, versions={k: claimed[k] for k in keys})
        done["events"] = len(event_scopes)
        _pause()
    for scope in rollups:
        clock = time_module.monotonic()
        rollup = F_.compute(scope, now=now, batch=batch)
        _store(scope, rollup, now, int((time_module.monotonic() - clock) * 1000))
        _release(keys=[scope.key], token=token, versions={scope.key: claimed[scope.key]})
        if TallyMarker.objects.filter(key=scope.key, version__gt=F("done_version")).exists():
            _nudge(scope.key, countdown=rollup_debounce_seconds())  # a request came in during the computation
        done["campaigns" if scope.kind == "campaign" else "periods"] += 1
        _pause()
    return done


def _verified_batch(held_ids: set[int], held_by_scope: dict[F_.Scope, list[int]]) -> F_.Batch:
    """The batch of the full recompute, from check-ins whose copy of their attendee's category and home region
    is the attendee's: a copy that went stale (a scan that read the attendee just before an edit committed,
    and wrote just after it) is repaired here, in one set-based UPDATE, and the check-ins are read again.

    On PostgreSQL the batch's one pass over the check-ins compares the copies with the attendees as it
    groups the people (Batch.stale_copies): nothing is written, nor read twice, unless a copy is stale.
    Elsewhere the UPDATE itself looks for stale copies among the batch's events, before the batch reads them.
    """
    from checkin import services as checkin_services  # checkin's services ask for tallies (this module)

    if connection.vendor != "postgresql":
        _copies_repaired(checkin_services.attendee_copies_repair(event_ids=sorted(held_ids)), held_ids)
        return F_.Batch(held_ids, held_by_scope)
    batch = F_.Batch(held_ids, held_by_scope, verify_copies=True)
    if not batch.stale_copies:
        return batch
    repaired = checkin_services.attendee_copies_repair(attendee_ids=sorted(batch.stale_copies))
    logger.warning(
        "tallies: %d attendees' category or region copied onto %d events' check-ins was stale; repaired",
        len(batch.stale_copies),
        len(repaired),
    )
    _copies_repaired(repaired, held_ids)
    return F_.Batch(held_ids, held_by_scope)


def _copies_repaired(event_ids: set[int], batch_event_ids: set[int]) -> None:
    """Events whose check-ins' copies were repaired and that this batch does not recompute get a run of their own
    (the attendee's check-ins of other years)."""
    for event_id in sorted(event_ids - batch_event_ids):
        tally_request(event_id=event_id)


def _claim_all(*, keys: list[str], token: str) -> dict[str, int]:
    """Claim the dirty markers among these keys that nobody is working on; returns their versions.

    A marker whose queued run's countdown is running is claimed once the countdown ends
    (a few seconds: the debounce), so that the drain computes every scope it was asked for.
    """
    for _attempt in range(2):
        now = timezone.now()
        for start in range(0, len(keys), 500):
            TallyMarker.objects.filter(among("key", keys[start : start + 500]), version__gt=F("done_version")).filter(
                _claimable(now)
            ).update(
                lease_until=now + timedelta(seconds=lease_seconds()),
                lease_token=token,
                enqueued_at=None,
                run_after=None,
            )
        waiting: list[datetime] = []
        for start in range(0, len(keys), 500):
            waiting += (
                run_after
                for run_after in TallyMarker.objects.filter(
                    among("key", keys[start : start + 500]), version__gt=F("done_version"), run_after__gt=now
                ).values_list("run_after", flat=True)
                if run_after is not None  # never: the filter reads the set ones
            )
        if not waiting:
            break
        time_module.sleep(min(max((max(waiting) - timezone.now()).total_seconds(), 0), 60))
    return dict(TallyMarker.objects.filter(lease_token=token).values_list("key", "version"))
