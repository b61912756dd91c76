"""bench/tally: 1,000,000 check-ins over a year on PostgreSQL, and how fast the tallies follow.

    .venv/bin/python bench/tally/run.py            # needs PostgreSQL (BENCH_DATABASE_URL, default below)
    .venv/bin/python bench/tally/run.py --reuse    # measure again on the database a former run seeded

Prints, from one run: the floor, what any correct design must read, as two bare statements, (a) the
year's live check-ins grouped by event, category and method and (b) the year's distinct students; the
nightly job (tally_recompute_request + tally_drain of the year, in a child process as a worker runs
it: every event, campaign and year tally recomputed, the attendees' copies on the check-ins verified
and repaired); the ratio of the job to (a)+(b), target at most 2. The floor's statements and the job
are run three times, interleaved, and the best of each is taken (the machine's speed drifts). Also:
the job once every tally is rewritten (after new check-ins at every event), the worker's peak memory
at 500,000 and at 1,000,000 check-ins (flat = it does not grow with the check-ins), and the time of
an incremental tally after 1,000 new check-ins at one event.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kepu_bench_tally")
CHECKINS = int(os.environ.get("BENCH_CHECKINS", "1000000"))
YEAR = 2025
SCALE = 6  # ~970 events in the year

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DEBUG"] = "false"  # as a worker runs in production: no query log (it mogrifies every statement)
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")  # DEBUG=false needs one
# The bench calls the runs itself, at once: as the worker runs them when their countdown ends.
os.environ["STATS_TALLY_DEBOUNCE_SECONDS"] = "0"
os.environ["STATS_TALLY_ROLLUP_DEBOUNCE_SECONDS"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kepu.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")  # the bench sends no tasks that need a worker
sys.path.insert(0, str(BASE))


def _ensure_database() -> None:
    import psycopg

    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def child() -> None:
    """The worker's side: recompute the year and report time and peak memory."""
    import resource

    import django

    django.setup()
    from stats import services

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    services.tally_recompute_request(year=YEAR)
    done = services.tally_drain(year=YEAR)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_kb": peak, "baseline_kb": before, "done": done}))


def _recompute_in_child() -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True, env=os.environ.copy()
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _insert_checkins(cursor, *, association_id: int, count: int, offset: int) -> None:
    """INSERT … SELECT generate_series: `count` check-ins spread over the year's events, one per attendee and event."""
    cursor.execute(
        """
        WITH e AS (
            SELECT id, starts_at, row_number() OVER (ORDER BY id) - 1 AS rn, count(*) OVER () AS n
            FROM events_event WHERE association_id = %(a)s AND starts_at < now()
        ), a AS (SELECT min(id) AS base, count(*) AS n FROM checkin_attendee WHERE association_id = %(a)s)
        INSERT INTO checkin_checkin
            (event_id, attendee_id, attendee_category, attendee_region_id,
             method, client_id, scanned_at, received_at, device, gate, flagged)
        SELECT e.id, p.id, p.category, p.region_id,
               (ARRAY['staff_scan','staff_scan','staff_scan','self','self','offline','paper','manual'])[1 + (g %% 8)],
               gen_random_uuid(), e.starts_at + (g %% 60) * interval '1 minute', now(), '', '', false
        FROM generate_series(%(offset)s, %(offset)s + %(count)s - 1) AS g
        CROSS JOIN a
        JOIN e ON e.rn = g %% e.n
        JOIN checkin_attendee p ON p.id = a.base + ((e.rn * 7919 + (g / e.n)) %% a.n)
        """,
        {"a": association_id, "count": count, "offset": offset},
    )


def _seed(call_command, connection, seed_planning, Event) -> tuple:
    """A fresh database: the demo county's year, 100,000 attendees, half the check-ins, the first tallies,
    a recompute measured at half (its memory), then the other half."""
    call_command("migrate", verbosity=0)
    clock = time.perf_counter()
    demo = seed_planning(year=YEAR, scale=SCALE, seed=2026)
    association = demo.association
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO checkin_attendee (association_id, name, phone, category, region_id, created_at)
            SELECT %(a)s, 'attendee ' || g, '',
                   (ARRAY['farmer','farmer','farmer','resident','student','student','cadre','teacher'])[1 + g %% 8],
                   (SELECT id FROM events_region WHERE level IN ('village', 'community') ORDER BY id
                    OFFSET g %% (SELECT count(*) FROM events_region WHERE level IN ('village', 'community')) LIMIT 1),
                   now()
            FROM generate_series(0, 99999) AS g
            """,
            {"a": association.id},
        )
        half = CHECKINS // 2
        _insert_checkins(cursor, association_id=association.id, count=half, offset=0)
        cursor.execute(
            "INSERT INTO checkin_headcount (event_id, count, counted_at, note, created_at) "
            "SELECT id, 300, starts_at, '', now() FROM events_event WHERE association_id = %s AND id %% 5 = 0",
            [association.id],
        )
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table: index-only scans need its visibility map
    print(f"seeded {half:,} check-ins, {Event.objects.count()} events in {time.perf_counter() - clock:.1f} s")
    _recompute_in_child()  # the first tallies
    at_half = _recompute_in_child()  # measured as at 1,000,000 below: a recompute with tallies in place

    with connection.cursor() as cursor:
        _insert_checkins(cursor, association_id=association.id, count=CHECKINS - half, offset=half)
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table: index-only scans need its visibility map
        cursor.execute("SELECT count(*) FROM checkin_checkin")
        total = cursor.fetchone()[0]
    print(f"seeded {total:,} check-ins in all after {time.perf_counter() - clock:.1f} s")
    return association, half, at_half, total


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.3f}" for s in seconds)


def main(*, reuse: bool) -> None:
    if not reuse:
        _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from events.demo import seed_planning
    from events.models import Association, Event
    from stats import figures, services

    if reuse:  # --reuse: the database a former run seeded, measured again (no memory figure at 500,000)
        association = Association.objects.filter(events__starts_at__year=YEAR).distinct().get()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SELECT count(*) FROM checkin_checkin")
            total = cursor.fetchone()[0]
        half, at_half = CHECKINS // 2, None
    else:
        association, half, at_half, total = _seed(call_command, connection, seed_planning, Event)
    # Every event has new check-ins since: this run rewrites every tally (and warms the cache as for the floor).
    rewriting = _recompute_in_child()
    full = _recompute_in_child()  # the nightly case: the figures stand, the tallies are only dated again

    # The floor: what any correct design must read, as two bare statements. (a) the live check-ins of the
    # year's held events grouped by event, category and method; (b) the year's distinct students.
    held_sql = """
        SELECT e.id FROM events_event e WHERE e.association_id = %(a)s AND e.starts_at >= %(start)s
          AND e.starts_at < %(end)s AND e.starts_at <= now() AND e.status NOT IN ('draft', 'cancelled')
    """
    floor_a_sql = f"""
        SELECT c.event_id, c.attendee_category, c.method, count(*) FROM checkin_checkin c
        WHERE c.event_id IN ({held_sql}) AND c.annulled_at IS NULL AND NOT c.awaiting_review GROUP BY 1, 2, 3
    """
    floor_b_sql = f"""
        SELECT count(DISTINCT c.attendee_id) FROM checkin_checkin c
        WHERE c.event_id IN ({held_sql}) AND c.annulled_at IS NULL AND NOT c.awaiting_review
          AND c.attendee_category = 'student'
    """
    start, end = services._year_bounds(YEAR)
    bounds = {"a": association.id, "start": start, "end": end}

    def _timed(sql: str) -> float:
        with connection.cursor() as cursor:
            t = time.perf_counter()
            cursor.execute(sql, bounds)
            cursor.fetchall()
            return time.perf_counter() - t

    # Interleaved with the nightly job, three rounds, the best of each: the machine's speed drifts.
    floor_a, floor_b, nightly = [], [], []
    for _ in range(3):
        floor_a.append(_timed(floor_a_sql))
        floor_b.append(_timed(floor_b_sql))
        nightly.append(_recompute_in_child()["seconds"])
    floor = min(floor_a) + min(floor_b)
    full = {**full, "seconds": min([full["seconds"], *nightly])}
    t = time.perf_counter()
    figures.compute(figures.year_scope(association.id, YEAR))
    year_only = time.perf_counter() - t

    # Incremental: 1,000 new check-ins at one event, then its tally run (the rollups follow on their own debounce).
    event = Event.objects.filter(association=association, starts_at__year=YEAR).order_by("id")[5]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO checkin_checkin (event_id, attendee_id, attendee_category, attendee_region_id,"
            " method, client_id, scanned_at, received_at, device, gate, flagged) "
            "SELECT %s, a.id, a.category, a.region_id, 'staff_scan', gen_random_uuid(), now(), now(), '', '', false"
            " FROM checkin_attendee a "
            "WHERE NOT EXISTS (SELECT 1 FROM checkin_checkin c WHERE c.event_id = %s AND c.attendee_id = a.id) "
            "ORDER BY a.id LIMIT 1000",
            [event.id, event.id],
        )
    services.tally_request(event_id=event.id)
    t = time.perf_counter()
    ran = services.tally_run(key=f"event:{event.id}")
    incremental = time.perf_counter() - t
    t = time.perf_counter()
    ran_rollups = [
        services.tally_run(key=f"campaign:{event.campaign_id}"),
        services.tally_run(key=figures.year_scope(association.id, YEAR).key),
    ]
    rollups = time.perf_counter() - t
    if [ran, *ran_rollups] != ["done", "done", "done"]:
        raise SystemExit(f"a run computed nothing ({ran}, {ran_rollups}): its time would mean nothing")

    mb = 1024
    print(f"check-ins:                          {total:,}")
    print(f"floor (a) grouped by event, category and method: {min(floor_a):.3f} s  (runs: {_runs(floor_a)})")
    print(f"floor (b) the year's distinct students:          {min(floor_b):.3f} s  (runs: {_runs(floor_b)})")
    print(f"floor (a)+(b):                                   {floor:.3f} s")
    print(
        f"nightly job (tally_recompute_request + tally_drain, worker process): {full['seconds']:.3f} s"
        f"  (runs: {_runs([rewriting['seconds'], *nightly])}, the first after new check-ins at every event)"
    )
    print(f"ratio nightly job / floor (a)+(b):  {full['seconds'] / floor:.2f}x  (target <= 2)")
    print(f"  every tally rewritten / floor:    {rewriting['seconds'] / floor:.2f}x")
    print(f"  the year's figures alone:         {year_only:.2f} s")
    at_half_mb = f"{at_half['peak_kb'] / mb:.0f} MB" if at_half else "(not measured with --reuse)"
    print(
        f"worker peak memory:                 {at_half_mb} at {half:,} check-ins, "
        f"{full['peak_kb'] / mb:.0f} MB at {total:,} (after Django setup: {full['baseline_kb'] / mb:.0f} MB)"
    )
    print(f"incremental event tally after 1,000 new check-ins: {incremental * 1000:.0f} ms")
    print(f"  then its rollups (campaign + year): {rollups * 1000:.0f} ms")


if __name__ == "__main__":
    child() if "--child" in sys.argv else main(reuse="--reuse" in sys.argv)
