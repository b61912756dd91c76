"""Sign-up benchmark: 50 volunteers signing up at once through the API, on PostgreSQL.

    .venv/bin/python bench/signup/run.py [--volunteers 50] [--shifts 40] [--capacity 20]

Creates (or resets) its own database `kepu_bench_signup`, serves Kepu with
gunicorn on 127.0.0.1, and has every volunteer (one thread and one keep-alive
connection each) POST /api/v1/shifts/{id}/signup/ for every shift, in their own
shuffled order, all starting together. Prints sign-ups per second and the
latency percentiles, and checks the result: exactly `capacity` confirmed per
shift, the rest waitlisted, no request failed.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "kepu_bench_signup"
DATABASE_URL = f"{PG}/{DB_NAME}"
# DEBUG=false (as in production) refuses the built-in development key.
BENCH_SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")


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


def _seed(volunteers: int, shifts: int, capacity: int) -> tuple[list[str], list[int]]:
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
    event = Event.objects.create(
        association=association,
        title="基准活动",
        kind=Event.Kind.CONSULTATION,
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(hours=shifts),
        status=Event.Status.PUBLISHED,
    )
    # Back-to-back shifts: nobody's sign-ups overlap, so every request is a real sign-up.
    shift_ids = [
        Shift.objects.create(
            event=event,
            role=Shift.Role.CONSULTANT,
            starts_at=start + timedelta(hours=i),
            ends_at=start + timedelta(hours=i + 1),
            capacity=capacity,
        ).id
        for i in range(shifts)
    ]
    password = make_password(None)
    tokens = []
    for n in range(volunteers):
        user = User.objects.create(username=f"+86137{n:08d}", password=password)
        Volunteer.objects.create(user=user, association=association, phone=user.username, name=f"志愿者{n}")
        tokens.append(Token.objects.create(user=user).key)
    django.db.connections.close_all()
    return tokens, shift_ids


def _serve(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "kepu.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def _volunteer(port, token, shift_ids, start, latencies, outcomes, errors, seed):
    order = list(shift_ids)
    random.Random(seed).shuffle(order)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Length": "0", "Accept-Language": "en"}
    start.wait()
    for shift_id in order:
        began = time.perf_counter()
        try:
            conn.request("POST", f"/api/v1/shifts/{shift_id}/signup/", headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as failure:
            errors.append(repr(failure))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - began)
        if response.status in (200, 201):
            outcomes.append(json.loads(body)["status"])
        else:
            errors.append(f"{response.status} {body[:200]!r}")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument("--shifts", type=int, default=40)
    parser.add_argument("--capacity", type=int, default=20)
    args = parser.parse_args()

    print(f"setting up {DB_NAME}: {args.volunteers} volunteers, {args.shifts} shifts of {args.capacity} places")
    _reset_database()
    tokens, shift_ids = _seed(args.volunteers, args.shifts, args.capacity)
    port = _free_port()
    server = _serve(port)
    try:
        start = threading.Barrier(args.volunteers + 1)
        latencies, outcomes, errors = [], [], []
        threads = [
            threading.Thread(
                target=_volunteer, args=(port, token, shift_ids, start, latencies, outcomes, errors, n), daemon=True
            )
            for n, token in enumerate(tokens)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)

    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    confirmed, waitlisted = outcomes.count("confirmed"), outcomes.count("waitlisted")
    print(f"sign-ups: {len(outcomes)} in {elapsed:.2f} s with {args.volunteers} concurrent volunteers")
    print(f"throughput: {len(outcomes) / elapsed:.1f} sign-ups/s")
    print(
        f"latency ms: p50 {pct(0.50):.1f}  p95 {pct(0.95):.1f}  p99 {pct(0.99):.1f}  "
        f"mean {statistics.fmean(latencies) * 1000:.1f}  max {latencies[-1] * 1000:.1f}"
    )
    expected = args.shifts * min(args.capacity, args.volunteers)
    print(f"confirmed {confirmed} (expected {expected}), waitlisted {waitlisted}")
    print(f"errors: {len(errors)}" + (f" e.g. {errors[0]}" if errors else ""))
    ok = not errors and confirmed == expected
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
