"""Benchmark of the scan endpoint against the floor (a bare Django view: one SELECT, one INSERT).

    .venv/bin/python bench/checkin/bench.py [--seconds 15] [--clients 16] [--workers 3 --threads 4]

Seeds 30,000 registrations for Kepu's event (and 30,000 for the floor's) in a
fresh PostgreSQL database, serves both with one gunicorn, drives them with wrk
(Debian's package; installed if missing, else a lean asyncio client) from
another process with 16 concurrent clients, and prints requests per second and
p50/p95/p99 latency for: the floor, Kepu's first scans, Kepu's repeated scans,
and Kepu's throughput as a share of the floor's.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DB_NAME = os.environ.get("BENCH_DB", "kepu_bench_checkin")  # dropped and recreated: never a database you keep
BASE_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REGISTRATIONS = 30_000  # per event: more than a 15 s phase can use at 1,500 scans/s, so no code comes twice
WARM_UP = 3_000  # codes of each event used by the warm-up, then left out

os.environ["DATABASE_URL"] = f"{BASE_URL}/{DB_NAME}"
os.environ["DEBUG"] = "false"
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")
os.environ.pop("REDIS_URL", None)  # the scan path needs no cache; the tally runs go through the file broker
os.environ["CELERY_BROKER_DIR"] = tempfile.mkdtemp(prefix="kepu-bench-broker-")
sys.path[:0] = [str(HERE), str(ROOT)]


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def seed() -> dict:
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from checkin.models import Attendee, Registration
    from checkin.services import new_code
    from events.models import Association, Event, Organizer, Region, Venue

    call_command("migrate", verbosity=0)
    county = Region.objects.create(name="科普县", level="county")
    association = Association.objects.create(name="科普县科协", region=county)
    venue = Venue.objects.create(association=association, name="县科技馆", kind="science_center", region=county)
    now = timezone.now()
    events = {
        name: Event.objects.create(
            association=association,
            title=title,
            kind="lecture",
            venue=venue,
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(hours=6),
            status="published",
        )
        for name, title in (("kepu", "科普讲座"), ("floor", "对照"))
    }
    user = User.objects.create_user("bench-organizer", password="x")
    Organizer.objects.create(user=user, association=association)
    token = Token.objects.create(user=user).key
    codes = {}
    for name, event in events.items():
        attendees = Attendee.objects.bulk_create(
            [Attendee(association=association, name=f"群众{i}", category="farmer") for i in range(REGISTRATIONS)],
            batch_size=2000,
        )
        registrations = [Registration(attendee=a, event=event, code=new_code()) for a in attendees]
        Registration.objects.bulk_create(registrations, batch_size=2000)
        codes[name] = [r.code for r in registrations]
        random.Random(7).shuffle(codes[name])
    from django.db import connection

    connection.close()
    return {"events": {k: e.id for k, e in events.items()}, "token": token, "codes": codes}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{HERE}:{ROOT}"}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "bench_wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")


def start_worker(log: Path) -> subprocess.Popen:
    """A Celery worker, as in production: the event's tally runs come (every debounce) while the door scans."""
    command = [sys.executable, "-m", "celery", "-A", "kepu", "worker", "--concurrency", "1", "--loglevel", "WARNING"]
    command += ["--without-mingle", "--without-gossip"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kepu.settings"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def ensure_wrk() -> str | None:
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package)…", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return shutil.which("wrk")


def run_wrk(wrk: str, url: str, codes: list[str], event: int, token: str, clients: int, seconds: int) -> dict:
    threads = 2
    with tempfile.NamedTemporaryFile("w", suffix=".codes", delete=False) as f:
        f.write("\n".join(codes) + "\n")
    command = [wrk, "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s"]
    command += ["-s", str(HERE / "scan.lua"), url, "--", f.name, str(event), token, str(threads)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50": result["p50_us"] / 1000,
        "p95": result["p95_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "requests": result["requests"],
        "errors": result["socket_errors"] + result["non2xx"],
    }


async def _client(port, path, headers, codes, offset, step, stop_at, latencies, errors):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    while time.monotonic() < stop_at:
        body = json.dumps({"code": codes[i % len(codes)], "event": headers["event"], "client_id": str(uuid.uuid4())})
        i += step
        auth = f"Authorization: Token {headers['token']}\r\n" if headers["token"] else ""
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        )
        started = time.perf_counter()
        writer.write(request.encode())
        status = await reader.readline()
        length, chunked = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True  # the floor has no middleware to set Content-Length
        if chunked:
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if b" 200 " not in status:
            errors.append(status)
    writer.close()


def run_async_client(port, path, codes, event, token, clients, seconds) -> dict:
    """The fallback load generator: keep-alive HTTP/1.1 over asyncio streams, one coroutine per client."""
    latencies, errors = [], []
    headers = {"event": event, "token": token}
    stop_at = time.monotonic() + seconds

    async def main():
        await asyncio.gather(
            *[_client(port, path, headers, codes, n, clients, stop_at, latencies, errors) for n in range(clients)]
        )

    started = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000

    return {
        "rps": len(latencies) / elapsed,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "requests": len(latencies),
        "errors": len(errors),
    }


def settle() -> None:
    """Each phase starts from the same state of the database: vacuumed and analyzed (else autovacuum
    cleans up after the seed or the previous phase in the middle of this one) and just checkpointed."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")


def statuses(event_id: int) -> dict:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM checkin_scanlog WHERE event_id = %s GROUP BY status", [event_id]
        ).fetchall()
        checkins = conn.execute("SELECT count(*) FROM checkin_checkin WHERE event_id = %s", [event_id]).fetchone()[0]
        checked_codes = [
            r[0]
            for r in conn.execute(
                "SELECT r.code FROM checkin_checkin c JOIN checkin_registration r ON r.id = c.registration_id "
                "WHERE c.event_id = %s",
                [event_id],
            ).fetchall()
        ]
    return {"log": dict(rows), "checkins": checkins, "codes": checked_codes}


def tally_of(event_id: int) -> dict:
    """The event's tally as the worker last stored it, and its marker's runs."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT t.figures->>'checkins', m.runs FROM stats_tally t JOIN stats_tallymarker m ON m.key = t.key "
            "WHERE t.key = %s",
            [f"event:{event_id}"],
        ).fetchone()
    return {"checkins": row[0], "runs": row[1]} if row else {"checkins": None, "runs": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()

    print(f"seeding {REGISTRATIONS:,} registrations (and as many for the floor) in {DB_NAME}…", flush=True)
    recreate_database()
    data = seed()
    port = free_port()
    log = Path(tempfile.gettempdir()) / "kepu-bench-checkin-gunicorn.log"
    server = start_gunicorn(port, args.workers, args.threads, log)
    worker = start_worker(Path(tempfile.gettempdir()) / "kepu-bench-checkin-worker.log")
    wrk = ensure_wrk() if args.client in ("auto", "wrk") else None
    if args.client == "wrk" and not wrk:
        raise SystemExit("wrk not found")
    print(
        f"gunicorn {args.workers}×{args.threads} threads on :{port}; load: {'wrk' if wrk else 'asyncio client'}, "
        f"{args.clients} clients, {args.seconds}s per phase",
        flush=True,
    )

    def drive(path, codes, event, token, seconds=args.seconds):
        if wrk:
            return run_wrk(wrk, f"http://127.0.0.1:{port}{path}", codes, event, token, args.clients, seconds)
        return run_async_client(port, path, codes, event, token, args.clients, seconds)

    kepu, floor = data["events"]["kepu"], data["events"]["floor"]
    results = {}
    try:
        # Warm up both paths (connections, imports) on codes that are then left out of the measured phases.
        drive("/floor/checkin/", data["codes"]["floor"][-WARM_UP:], floor, "", seconds=3)
        drive("/api/v1/checkin/scan/", data["codes"]["kepu"][-WARM_UP:], kepu, data["token"], seconds=3)
        warm = set(statuses(kepu)["codes"])
        settle()
        results["floor"] = drive("/floor/checkin/", data["codes"]["floor"][:-WARM_UP], floor, "")
        settle()
        results["first scans"] = drive("/api/v1/checkin/scan/", data["codes"]["kepu"][:-WARM_UP], kepu, data["token"])
        after_first = statuses(kepu)
        checked = [c for c in after_first["codes"] if c not in warm]
        settle()
        results["repeat scans"] = drive("/api/v1/checkin/scan/", checked, kepu, data["token"])
        after_repeat = statuses(kepu)
        tallied = tally_of(kepu)
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        server.wait(20)
        worker.wait(20)

    print()
    print(f"{'phase':<14} {'scans/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for name, r in results.items():
        print(
            f"{name:<14} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} "
            f"{r['requests']:>9} {r['errors']:>7}"
        )
    for name in ("floor", "first scans"):
        if results[name]["requests"] > REGISTRATIONS - WARM_UP:
            print(f"WARNING: the {name} phase ran out of fresh codes: its later scans were repeats")
    print(
        f"the worker's tally of Kepu's event: {tallied['checkins']} check-ins after {tallied['runs']} runs "
        "(it trails the door by up to a debounce)"
    )
    if any(r["errors"] for r in results.values()):
        print(f"WARNING: some answers were errors (non-2xx or socket errors); see {log}")
    floor_rps = results["floor"]["rps"]
    print()
    print(f"first scans:  {results['first scans']['rps'] / floor_rps:.0%} of the floor's throughput")
    print(f"repeat scans: {results['repeat scans']['rps'] / floor_rps:.0%} of the floor's throughput")
    log_first = after_first["log"]
    print(
        f"check: {after_first['checkins'] - len(warm)} check-ins from {results['first scans']['requests']} first scans "
        f"(log: {log_first}); after repeats, log: {after_repeat['log']}, check-ins still {after_repeat['checkins']}"
    )


if __name__ == "__main__":
    main()
