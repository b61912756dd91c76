"""Sign-up benchmark: 50 volunteers signing up at once, Kepu's API against the floor, on PostgreSQL.

    .venv/bin/python bench/signup/run.py [--volunteers 50] [--shifts 40] [--capacity 20]

Creates (or resets) its own database (`BENCH_DB`, default `kepu_bench_signup`), serves Kepu and the
floor view from one gunicorn on 127.0.0.1 (bench_wsgi), and runs two phases with the same load:
every volunteer (one thread and one keep-alive connection each) signs up for every shift of the
phase's event, in their own shuffled order, all starting together.

- floor: POST /floor/shifts/{id}/signup/, a bare view (no middleware, no authentication, no checks,
  no notification) doing one conditional UPDATE of the shift's places and one INSERT of the
  sign-up in one transaction (bench_floor.py);
- kepu: POST /api/v1/shifts/{id}/signup/ with token authentication, as the volunteers' app does.

Prints sign-ups per second and the latency percentiles of each phase, Kepu's throughput as a
share of the floor's, and checks Kepu's result: exactly `capacity` confirmed per shift, the rest
waitlisted, the waiting list in order (positions 1..n by sign-up time, and nobody confirmed after
someone who was waitlisted), a notification recorded per sign-up, no request failed. Exits non-zero
if a check fails.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB", "kepu_bench_signup")  # dropped and recreated: never a database you keep
DATABASE_URL = f"{PG}/{DB_NAME}"
# DEBUG=false (as in production) refuses the built-in development key.
BENCH_SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")
# The notifications' nudges go to a broker of the bench's own (nobody consumes them): a file broker in a
# temporary folder, as bench/checkin, unless BENCH_BROKER_URL names another (redis://…, as in production).
BROKER_DIR = tempfile.mkdtemp(prefix="kepu-bench-signup-broker-")
os.environ.pop("REDIS_URL", None)
os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", "filesystem://localhost/")
os.environ["CELERY_BROKER_DIR"] = BROKER_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reset_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    env = {**os.environ, "DATABASE_URL": DATABASE_URL}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def _settle() -> None:
    """Before a phase: nothing left for autovacuum to clean up after the seed or the phase before."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")


def _seed(volunteers: int, shifts: int, capacity: int) -> tuple[list[tuple[int, str]], dict[str, list[int]]]:
    """The volunteers (id, token) and, per phase, the shifts of an event of its own."""
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kepu.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from events.models import Association, Event, Region, Venue
    from volunteers.models import Shift, Volunteer

    county = Region.objects.create(name="基准县", level=Region.Level.COUNTY)
    association = Association.objects.create(name="基准县科协", region=county)
    venue = Venue.objects.create(association=association, name="广场", kind=Venue.Kind.SQUARE, region=county)
    start = timezone.now() + timedelta(days=2)
    shift_ids: dict[str, list[int]] = {}
    for phase, count in (("warm-up", 2), ("floor", shifts), ("kepu", shifts)):
        start += timedelta(hours=shifts + 3)  # each phase a time of its own: no sign-up overlaps another phase's
        event = Event.objects.create(
            association=association,
            title=f"基准活动 {phase}",
            kind=Event.Kind.CONSULTATION,
            venue=venue,
            starts_at=start,
            ends_at=start + timedelta(hours=count),
            status=Event.Status.PUBLISHED,
        )
        # Back-to-back shifts: nobody's sign-ups overlap, so every request is a real sign-up.
        shift_ids[phase] = [
            Shift.objects.create(
                event=event,
                role=Shift.Role.CONSULTANT,
                starts_at=start + timedelta(hours=i),
                ends_at=start + timedelta(hours=i + 1),
                capacity=capacity,
            ).id
            for i in range(count)
        ]
    password = make_password(None)
    people = []
    for n in range(volunteers):
        user = User.objects.create(username=f"+86137{n:08d}", password=password)
        volunteer = Volunteer.objects.create(user=user, association=association, phone=user.username, name=f"志愿者{n}")
        people.append((volunteer.id, Token.objects.create(user=user).key))
    django.db.connections.close_all()
    return people, shift_ids


def _serve(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        "PYTHONPATH": f"{HERE}:{ROOT}",
        "DJANGO_SETTINGS_MODULE": "bench_settings",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench_wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=HERE,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120  # three workers loading Django on a busy machine
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return server
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


class Phase:
    """One phase's load: every volunteer signs up for every shift, all at once; what came back."""

    def __init__(self, name: str, path: str, shift_ids: list[int]):
        self.name, self.path, self.shift_ids = name, path, shift_ids
        self.latencies: list[float] = []
        self.outcomes: list[str] = []
        self.errors: list[str] = []
        self.elapsed = 0.0

    def _headers(self, volunteer_id: int, token: str) -> dict[str, str]:
        headers = {"Content-Length": "0", "Accept-Language": "en"}
        if self.name == "floor":
            headers["X-Volunteer"] = str(volunteer_id)
        else:
            headers["Authorization"] = f"Token {token}"
        return headers

    def _volunteer(self, port: int, person: tuple[int, str], start: threading.Barrier, seed: int) -> None:
        order = list(self.shift_ids)
        random.Random(seed).shuffle(order)
        headers = self._headers(*person)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        for shift_id in order:
            began = time.perf_counter()
            try:
                conn.request("POST", self.path.format(shift_id), headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as failure:
                self.errors.append(repr(failure))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            self.latencies.append(time.perf_counter() - began)
            if response.status in (200, 201):
                self.outcomes.append(json.loads(body)["status"])
            else:
                self.errors.append(f"{response.status} {body[:200]!r}")
        conn.close()

    def run(self, port: int, people: list[tuple[int, str]]) -> None:
        start = threading.Barrier(len(people) + 1)
        threads = [
            threading.Thread(target=self._volunteer, args=(port, person, start, n), daemon=True)
            for n, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        self.elapsed = time.perf_counter() - began

    @property
    def throughput(self) -> float:
        return len(self.outcomes) / self.elapsed

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    def report(self) -> None:
        print(
            f"{self.name:>5}: {len(self.outcomes)} sign-ups in {self.elapsed:.2f} s = {self.throughput:.1f}/s; "
            f"latency ms p50 {self.pct(0.50):.1f}  p95 {self.pct(0.95):.1f}  p99 {self.pct(0.99):.1f}  "
            f"mean {statistics.fmean(self.latencies) * 1000:.1f}  max {max(self.latencies) * 1000:.1f}; "
            f"errors {len(self.errors)}" + (f" e.g. {self.errors[0]}" if self.errors else "")
        )


def _check(phase: Phase, volunteers: int, capacity: int, *, in_order: bool) -> list[str]:
    """What is wrong with the phase's sign-ups in the database (nothing, if all is well)."""
    import psycopg

    problems = []
    with psycopg.connect(DATABASE_URL) as conn:
        for shift_id in phase.shift_ids:
            rows = conn.execute(
                "SELECT id, status FROM volunteers_signup WHERE shift_id = %s ORDER BY created_at, id", [shift_id]
            ).fetchall()
            taken = conn.execute("SELECT taken FROM volunteers_shift WHERE id = %s", [shift_id]).fetchone()[0]
            statuses = [status for _id, status in rows]
            confirmed = statuses.count("confirmed")
            expected = min(capacity, volunteers)
            if len(rows) != volunteers or confirmed != expected or taken != expected:
                problems.append(
                    f"shift {shift_id}: {len(rows)} sign-ups, {confirmed} confirmed, taken {taken}"
                    f" (expected {expected})"
                )
            if statuses.count("waitlisted") != len(rows) - confirmed:
                problems.append(f"shift {shift_id}: statuses other than confirmed and waitlisted: {set(statuses)}")
            if in_order and statuses != sorted(statuses):  # "confirmed" < "waitlisted": every place before the queue
                problems.append(f"shift {shift_id}: someone was confirmed after someone waitlisted before them")
        if in_order:
            # Its dedupe key is kind:sign-up:shift:recipient:channel: one sign-up, one or more channels.
            notified = conn.execute(
                "SELECT count(DISTINCT split_part(dedupe_key, ':', 2)) FROM notifications_notification "
                "WHERE kind IN ('signup_confirmed', 'signup_waitlisted') AND split_part(dedupe_key, ':', 3) = ANY(%s)",
                [[str(i) for i in phase.shift_ids]],
            ).fetchone()[0]
            if notified != len(phase.outcomes):
                problems.append(f"{notified} sign-up notifications recorded for {len(phase.outcomes)} sign-ups")
    if phase.errors:
        problems.append(f"{len(phase.errors)} requests failed, e.g. {phase.errors[0]}")
    if len(phase.outcomes) != volunteers * len(phase.shift_ids):
        problems.append(f"{len(phase.outcomes)} answers for {volunteers * len(phase.shift_ids)} sign-ups")
    return problems


def _waitlist_positions_in_order(shift_ids: list[int]) -> list[str]:
    """Kepu's own reading of the queue: positions 1..n in sign-up order (selectors.waitlist_position)."""
    from volunteers.models import SignUp
    from volunteers.selectors import waitlist_position

    problems = []
    for shift_id in shift_ids:
        waiting = list(SignUp.objects.filter(shift_id=shift_id, status=SignUp.Status.WAITLISTED))
        positions = [waitlist_position(s) for s in waiting]
        if positions != list(range(1, len(waiting) + 1)):
            problems.append(f"shift {shift_id}: waitlist positions {positions[:5]}… are not 1..{len(waiting)}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument("--shifts", type=int, default=40)
    parser.add_argument("--capacity", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    args = parser.parse_args()

    print(
        f"setting up {DB_NAME}: {args.volunteers} volunteers, {args.shifts} shifts of {args.capacity} places "
        f"per phase; gunicorn {args.workers}×{args.threads} threads; broker {os.environ['CELERY_BROKER_URL']}"
    )
    _reset_database()
    people, shift_ids = _seed(args.volunteers, args.shifts, args.capacity)
    port = _free_port()
    server = _serve(port, args.workers, args.threads)
    phases = {
        "floor": Phase("floor", "/floor/shifts/{}/signup/", shift_ids["floor"]),
        "kepu": Phase("kepu", "/api/v1/shifts/{}/signup/", shift_ids["kepu"]),
    }
    try:
        # Every worker thread loads its code and opens its connection before anything is timed.
        Phase("kepu", "/api/v1/shifts/{}/signup/", shift_ids["warm-up"]).run(port, people)
        Phase("floor", "/floor/shifts/{}/signup/", shift_ids["warm-up"]).run(port, people)
        for phase in phases.values():
            _settle()
            phase.run(port, people)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        shutil.rmtree(BROKER_DIR, ignore_errors=True)

    for phase in phases.values():
        phase.report()
    floor, kepu = phases["floor"], phases["kepu"]
    print(f"kepu / floor throughput: {kepu.throughput / floor.throughput:.0%} (target ≥ 50%); kepu p99 < 500 ms")
    problems = [f"floor: {p}" for p in _check(floor, args.volunteers, args.capacity, in_order=False)]
    problems += [f"kepu: {p}" for p in _check(kepu, args.volunteers, args.capacity, in_order=True)]
    problems += [f"kepu: {p}" for p in _waitlist_positions_in_order(kepu.shift_ids)]
    confirmed, waitlisted = kepu.outcomes.count("confirmed"), kepu.outcomes.count("waitlisted")
    print(
        f"kepu: confirmed {confirmed} (expected {args.shifts * min(args.capacity, args.volunteers)}), "
        f"waitlisted {waitlisted}"
    )
    print("checks: " + ("all hold" if not problems else f"{len(problems)} failed"))
    for problem in problems[:20]:
        print(f"  {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
