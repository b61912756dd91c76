"""bench/province: one county's costs in a province of many counties and years, at two sizes in one run.

    .venv/bin/python bench/province/run.py                      # ~1,000,000 then ~20,000,000 check-ins
    .venv/bin/python bench/province/run.py --large 5000000      # a smaller machine

Drops and recreates its own PostgreSQL database (`kepu_bench_province`, BENCH_DB to change), builds a
province (one prefecture-level association over `--counties` county associations, `--years` years each)
by bulk loading (COPY through psycopg) the attendees, registrations, check-ins, scan logs and volunteer
sign-ups, and measures the same county at the small size, then loads the rest of the history and
measures it again at the large size. The measured county's year is the same at both sizes (its records
do not change): what grows is the other counties and the other years, so every cost of the county
should stay flat — the ratio large/small is the figure to read.

Measured at each size:
- first and repeat scans at a fresh event of the county: throughput and p99 (gunicorn, wrk, 16 clients);
- an event's incremental tally after 1,000 new check-ins, and its rollups (campaign + the county's year);
- the county's nightly recompute of the year (stats.services.tally_recompute_request + tally_drain);
- the county's dashboard page and the prefecture's (the province roll-up), p50/p95;
and it checks whether the roll-up's queries read the check-ins table.
"""

import argparse
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
os.environ.setdefault("BENCH_DB", "kepu_bench_province")  # read by bench/checkin/bench.py, imported below
sys.path[:0] = [str(ROOT / "bench" / "checkin"), str(ROOT)]
import bench as scan_bench  # noqa: E402  (bench/checkin/bench.py: gunicorn, wrk, the Celery worker)

DATABASE_URL = os.environ["DATABASE_URL"]  # set by scan_bench from BENCH_DB and BENCH_POSTGRES

CATEGORIES = ["farmer", "farmer", "farmer", "resident", "student", "student", "cadre", "teacher"]
METHODS = ["staff_scan", "staff_scan", "staff_scan", "self", "self", "offline", "paper", "manual"]
SCAN_REGISTRATIONS = 25_000  # per scan event: more codes than a measured phase can use
TOWNS, VILLAGES = 8, 10  # per county, per town
VOLUNTEERS = 100  # per county


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000_000, help="check-ins in the province at the small size")
    parser.add_argument("--large", type=int, default=20_000_000, help="check-ins at the large size")
    parser.add_argument("--counties", type=int, default=20)
    parser.add_argument("--years", type=int, default=4, help="years of history, this one included")
    parser.add_argument("--events", type=int, default=300, help="events per county and year")
    parser.add_argument("--county-checkins", type=int, default=150_000, help="the measured county's year")
    parser.add_argument("--attendees", type=int, default=30_000, help="attendees per county")
    parser.add_argument("--seconds", type=int, default=10, help="length of each scan phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--page-requests", type=int, default=20)
    return parser.parse_args()


# --- bulk loading -------------------------------------------------------------------------------


def _code(n: int) -> str:
    """A registration code, unique per n and scattered as random codes are (an odd multiplier mod 2**64)."""
    return format((n * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF, "016X")


def _copy(conn, table: str, columns: list[str], lines) -> int:
    """COPY text lines (tab-separated, \\N for NULL) into a table, in blocks; returns the rows written."""
    n = 0
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        block = []
        for line in lines:
            block.append(line)
            if len(block) == 20_000:
                copy.write("".join(block))
                n += len(block)
                block = []
        if block:
            copy.write("".join(block))
            n += len(block)
    return n


# Indexes and constraints of the big tables are dropped for the load and built again after it, as one
# bulk-loads PostgreSQL; foreign keys come back NOT VALID (the loader writes consistent rows by
# construction, and validating 20 million rows would only make the load longer: new rows are checked).
BIG_TABLES = ["checkin_checkin", "checkin_scanlog", "checkin_registration"]


def _drop_indexes(conn) -> list[str]:
    restore = []
    for table in BIG_TABLES:
        for name, definition, contype in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC",
            [table],
        ).fetchall():
            restore.append(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}{' NOT VALID' if contype == 'f' else ''}"
            )
        for _name, definition in conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [table],
        ).fetchall():
            restore.append(definition)
    # Foreign keys first (others reference the unique keys), then the rest.
    for table in BIG_TABLES:
        for (name,) in conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
        ).fetchall():
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for table in BIG_TABLES:
        for (name,) in conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'", [table]
        ).fetchall():
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for (name,) in conn.execute(
            "SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = %s::regclass "
            "AND NOT i.indisprimary",
            [table],
        ).fetchall():
            conn.execute(f"DROP INDEX {name}")
    # Unique keys and indexes before the foreign keys that reference them.
    return sorted(restore, key=lambda sql: "FOREIGN KEY" in sql)


def _restore_indexes(conn, restore: list[str]) -> None:
    conn.execute("SET maintenance_work_mem = '1GB'")
    for sql in restore:
        conn.execute(sql)


class Province:
    """The province's layout (ids of what the ORM created) and the generators of its big tables."""

    def __init__(self, args: argparse.Namespace, year: int):
        self.args = args
        self.year = year
        self.years = list(range(year - args.years + 1, year + 1))
        self.counties: list[dict] = []  # association id, villages, attendee id range, events per year
        self.next_checkin = 1
        self.next_registration = 1
        self.loaded: dict[int, int] = {}  # event id → check-ins loaded (the attendee offsets used)

    # How many check-ins each event holds at a given size of the province.
    def per_event(self, total: int) -> dict[int, int]:
        args = self.args
        measured = self.counties[0]["events"][self.year]
        held_apart = set(measured)
        others = [e for c in self.counties for y in self.years for e in c["events"][y] if e not in held_apart]
        counts = dict.fromkeys(measured, args.county_checkins // len(measured))
        each, extra = divmod(max(total - args.county_checkins, 0), len(others))
        for i, event in enumerate(others):
            counts[event] = each + (1 if i < extra else 0)
        return counts

    def checkin_rows(self, target: dict[int, int]):
        """Check-ins, their registrations (one in four) and scan logs (one each, one in ten a repeat)."""
        checkins, registrations, logs = [], [], []
        for county in self.counties:
            base, n_att = county["attendees"]
            for y in self.years:
                for rank, event in enumerate(county["events"][y]):
                    start, end = self.loaded.get(event, 0), target.get(event, 0)
                    if end <= start:
                        continue
                    times = county["times"][event]
                    for j in range(start, end):
                        attendee = base + (rank * 7919 + j) % n_att
                        category = CATEGORIES[(attendee - base) % 8]
                        village = county["villages"][(attendee - base) % len(county["villages"])]
                        method = METHODS[j % 8]
                        checkin_id = self.next_checkin
                        self.next_checkin += 1
                        scanned = times[j % 60]
                        registration = "\\N"
                        code = ""
                        if j % 4 == 0:
                            registration = str(self.next_registration)
                            code = _code(self.next_registration)
                            self.next_registration += 1
                            registrations.append(f"{registration}\t{attendee}\t{event}\t{code}\t{scanned}\n")
                        checkins.append(
                            f"{checkin_id}\t{event}\t{attendee}\t{registration}\t{method}\t{scanned}\t{scanned}"
                            f"\t\t\tf\t{category}\t{village}\n"
                        )
                        logs.append(
                            f"{event}\t{code}\t{registration}\t{checkin_id}\tok\t{method}\t{scanned}\t{scanned}"
                            f'\t\t\tf\t{{"status": "ok", "checkin": {checkin_id}}}\n'
                        )
                        if j % 10 == 0:
                            logs.append(
                                f"{event}\t{code}\t{registration}\t{checkin_id}\talready_checked_in\t{method}"
                                f'\t{scanned}\t{scanned}\t\t\tf\t{{"status": "already_checked_in"}}\n'
                            )
                    self.loaded[event] = end
                    if len(checkins) >= 200_000:
                        yield checkins, registrations, logs
                        checkins, registrations, logs = [], [], []
        yield checkins, registrations, logs


def build_layout(args: argparse.Namespace, province: Province) -> dict:
    """Regions, associations, venues, campaigns, events, volunteers and shifts by the ORM (thousands of
    rows); attendees and sign-ups by COPY. Returns the ids the measurements need."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from events.models import Association, Campaign, Event, Organizer, Region, Venue
    from volunteers.models import Shift, Volunteer

    call_command("migrate", verbosity=0)
    now = timezone.now()
    top = Region.objects.create(name="科普市", level="prefecture")
    prefecture = Association.objects.create(name="科普市科协", region=top)
    events_to_make: list[tuple[int, int, Event]] = []
    for c in range(args.counties):
        county_region = Region.objects.create(name=f"第{c + 1}县", level="county", parent=top)
        association = Association.objects.create(name=f"第{c + 1}县科协", region=county_region, parent=prefecture)
        towns = Region.objects.bulk_create(
            [Region(name=f"第{t + 1}镇", level="town", parent=county_region) for t in range(TOWNS)]
        )
        villages = Region.objects.bulk_create(
            [Region(name=f"第{v + 1}村", level="village", parent=town) for town in towns for v in range(VILLAGES)]
        )
        venue = Venue.objects.create(association=association, name="县科技馆", kind="science_center", region=towns[0])
        county = {"id": association.id, "villages": [v.id for v in villages], "venue": venue, "events": {}}
        for y in province.years:
            campaigns = Campaign.objects.bulk_create(
                [
                    Campaign(
                        association=association,
                        name=f"{y}年第{q + 1}季度科普活动",
                        kind="science_drive",
                        starts_on=datetime(y, 3 * q + 1, 1).date(),
                        ends_on=(datetime(y, 3 * q + 1, 1) + timedelta(days=89)).date(),
                        status="published",
                    )
                    for q in range(4)
                ]
            )
            # Held events spread over the year (this year: up to yesterday).
            first = timezone.make_aware(datetime(y, 1, 2, 9))
            last = min(timezone.make_aware(datetime(y, 12, 28, 9)), now - timedelta(days=1))
            step = (last - first) / args.events
            for e in range(args.events):
                starts = first + step * e
                events_to_make.append(
                    (
                        c,
                        y,
                        Event(
                            association=association,
                            title=f"{y}年科普讲座{e + 1}",
                            kind="lecture",
                            venue=venue,
                            campaign=campaigns[min((starts.month - 1) // 3, 3)],
                            starts_at=starts,
                            ends_at=starts + timedelta(hours=2),
                            status="done",
                        ),
                    )
                )
        province.counties.append(county)
    made = Event.objects.bulk_create([e for _, _, e in events_to_make], batch_size=2000)
    for (c, y, _), event in zip(events_to_make, made, strict=True):
        county = province.counties[c]
        county["events"].setdefault(y, []).append(event.id)
        county.setdefault("times", {})[event.id] = [
            (event.starts_at + timedelta(minutes=m)).isoformat() for m in range(60)
        ]

    # Two events of the measured county open now, one per size, for the scans.
    measured = province.counties[0]
    scan_events = [
        Event.objects.create(
            association_id=measured["id"],
            title=f"扫码现场{n + 1}",
            kind="lecture",
            venue=measured["venue"],
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(hours=12),
            status="published",
        ).id
        for n in range(2)
    ]
    users = {}
    for name, association_id in (("county", measured["id"]), ("prefecture", prefecture.id)):
        user = User.objects.create_user(f"bench-{name}", password="x")
        Organizer.objects.create(user=user, association_id=association_id)
        users[name] = user.id
    token = Token.objects.create(user_id=users["county"]).key

    import psycopg

    codes: dict[int, list[str]] = {}
    with psycopg.connect(DATABASE_URL) as conn:
        stamp = now.isoformat()
        next_attendee = 1
        for county in province.counties:
            n = args.attendees
            county["attendees"] = (next_attendee, n)
            villages = county["villages"]
            _copy(
                conn,
                "checkin_attendee",
                ["id", "association_id", "name", "phone", "category", "region_id", "created_at"],
                (
                    f"{next_attendee + i}\t{county['id']}\t群众{i}\t\t{CATEGORIES[i % 8]}"
                    f"\t{villages[i % len(villages)]}\t{stamp}\n"
                    for i in range(n)
                ),
            )
            next_attendee += n
        # The scan events' registrations: attendees of their own, codes far beyond the history's.
        for n, event in enumerate(scan_events):
            first_attendee, first_code = next_attendee, 10**12 + n * SCAN_REGISTRATIONS
            _copy(
                conn,
                "checkin_attendee",
                ["id", "association_id", "name", "phone", "category", "region_id", "created_at"],
                (
                    f"{first_attendee + i}\t{measured['id']}\t扫码{i}\t\tfarmer\t{measured['villages'][0]}\t{stamp}\n"
                    for i in range(SCAN_REGISTRATIONS)
                ),
            )
            codes[event] = [_code(first_code + i) for i in range(SCAN_REGISTRATIONS)]
            _copy(
                conn,
                "checkin_registration",
                ["id", "attendee_id", "event_id", "code", "created_at"],
                (
                    f"{first_code + i}\t{first_attendee + i}\t{event}\t{codes[event][i]}\t{stamp}\n"
                    for i in range(SCAN_REGISTRATIONS)
                ),
            )
            random.Random(7).shuffle(codes[event])
            next_attendee += SCAN_REGISTRATIONS
        conn.execute("SELECT setval(pg_get_serial_sequence('checkin_attendee', 'id'), %s)", [next_attendee])

    # Volunteers and sign-ups: two shifts of five places per event, three volunteers attended each.
    signup_rows = []
    for c, county in enumerate(province.counties):
        volunteer_users = User.objects.bulk_create(
            [User(username=f"v{c}-{i}", password="!") for i in range(VOLUNTEERS)]
        )
        volunteers = Volunteer.objects.bulk_create(
            [
                Volunteer(user=u, association_id=county["id"], phone=f"+86139{c:03d}{i:05d}", name=f"志愿者{i}")
                for i, u in enumerate(volunteer_users)
            ]
        )
        event_ids = [e for y in province.years for e in county["events"][y]]
        starts = dict(Event.objects.filter(id__in=event_ids).values_list("id", "starts_at"))
        shifts = Shift.objects.bulk_create(
            [
                Shift(
                    event_id=e,
                    role="guide",
                    starts_at=starts[e],
                    ends_at=starts[e] + timedelta(hours=2),
                    capacity=5,
                    taken=3,
                )
                for e in event_ids
                for _ in range(2)
            ],
            batch_size=2000,
        )
        for s, shift in enumerate(shifts):
            for k in range(3):
                v = volunteers[(s * 3 + k) % VOLUNTEERS]
                signup_rows.append(f"{shift.id}\t{v.id}\tattended\t{shift.starts_at.isoformat()}\t2.00\torganizer\n")
    with psycopg.connect(DATABASE_URL) as conn:
        _copy(
            conn,
            "volunteers_signup",
            ["shift_id", "volunteer_id", "status", "created_at", "hours", "hours_source"],
            iter(signup_rows),
        )
    return {
        "county": measured["id"],
        "prefecture": prefecture.id,
        "scan_events": scan_events,
        "codes": codes,
        "token": token,
        "users": users,
        "signups": len(signup_rows),
    }


def load_checkins(province: Province, total: int) -> dict:
    """Bring the province to `total` check-ins (and their registrations and scan logs) by COPY."""
    import psycopg

    target = province.per_event(total)
    clock = time.perf_counter()
    written = {"checkins": 0, "registrations": 0, "logs": 0}
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        # The measurements wrote check-ins of their own since the last load.
        province.next_checkin = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM checkin_checkin").fetchone()[0]
        restore = _drop_indexes(conn)
        # Scan logs and check-ins take their client ids from the database while loading (a temporary
        # default: the application always sends its own).
        for table in ("checkin_checkin", "checkin_scanlog"):
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN client_id SET DEFAULT gen_random_uuid()")
        for checkins, registrations, logs in province.checkin_rows(target):
            written["registrations"] += _copy(
                conn, "checkin_registration", ["id", "attendee_id", "event_id", "code", "created_at"], registrations
            )
            written["checkins"] += _copy(
                conn,
                "checkin_checkin",
                [
                    "id",
                    "event_id",
                    "attendee_id",
                    "registration_id",
                    "method",
                    "scanned_at",
                    "received_at",
                    "device",
                    "gate",
                    "flagged",
                    "attendee_category",
                    "attendee_region_id",
                ],
                checkins,
            )
            written["logs"] += _copy(
                conn,
                "checkin_scanlog",
                [
                    "event_id",
                    "code",
                    "registration_id",
                    "checkin_id",
                    "status",
                    "method",
                    "scanned_at",
                    "received_at",
                    "device",
                    "gate",
                    "flagged",
                    "answer",
                ],
                logs,
            )
        for table in ("checkin_checkin", "checkin_scanlog"):
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN client_id DROP DEFAULT")
        copied = time.perf_counter() - clock
        _restore_indexes(conn, restore)
        indexed = time.perf_counter() - clock - copied
        conn.execute("SELECT setval(pg_get_serial_sequence('checkin_checkin', 'id'), %s)", [province.next_checkin])
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('checkin_registration', 'id'), "
            "(SELECT max(id) FROM checkin_registration))"
        )
        conn.execute("VACUUM (ANALYZE)")
        total_rows = conn.execute("SELECT count(*) FROM checkin_checkin").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    return {
        **written,
        "total": total_rows,
        "copy_s": copied,
        "index_s": indexed,
        "all_s": time.perf_counter() - clock,
        "size": size,
    }


# --- measurements --------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * p / 100))]


# The big tables whose blocks the county's work reads: a count that does not drift with the machine's load.
IO_TABLES = ["checkin_checkin", "checkin_scanlog", "checkin_registration"]


def _io_now() -> tuple[int, int]:
    """(sequential scans, heap + index blocks read or hit) of the big tables, as PostgreSQL counts them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this session's counts, flushed once it is idle
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(s.seq_scan), sum(io.heap_blks_read + io.heap_blks_hit"
            " + coalesce(io.idx_blks_read + io.idx_blks_hit, 0))"
            " FROM pg_stat_user_tables s JOIN pg_statio_user_tables io USING (relid) WHERE s.relname = ANY(%s)",
            [IO_TABLES],
        )
        seq, blocks = cursor.fetchone()
    return int(seq), int(blocks)


def io_of(work) -> dict:
    """Run `work` and count the big tables' sequential scans and blocks it read."""
    seq, blocks = _io_now()
    work()
    seq_after, blocks_after = _io_now()
    return {"seq_scans": seq_after - seq, "blocks": blocks_after - blocks}


def nightly_all(year: int) -> float:
    """The province's nightly recompute of the year, so that every tally is in place before measuring."""
    from stats import services

    clock = time.perf_counter()
    services.tally_recompute_request(year=year)
    services.tally_drain(year=year)
    return time.perf_counter() - clock


def county_nightly(county: int, year: int, repeats: int = 3) -> list[float]:
    from stats import services

    times = []
    for _ in range(repeats):
        clock = time.perf_counter()
        services.tally_recompute_request(year=year, association_ids=[county])
        services.tally_drain(year=year, association_ids=[county])
        times.append(time.perf_counter() - clock)
    return times


def incremental(county: int, year: int, rank: int) -> tuple[float, float]:
    """1,000 new check-ins at one held event of the county, then its tally run and its rollups' runs."""
    from django.db import connection

    from events.models import Event
    from stats import figures, services

    event = Event.objects.filter(association_id=county, starts_at__year=year, status="done").order_by("id")[rank]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO checkin_checkin (event_id, attendee_id, attendee_category, attendee_region_id,"
            " method, client_id, scanned_at, received_at, device, gate, flagged) "
            "SELECT %s, a.id, a.category, a.region_id, 'staff_scan', gen_random_uuid(), now(), now(), '', '', false"
            " FROM checkin_attendee a WHERE a.association_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM checkin_checkin c WHERE c.event_id = %s AND c.attendee_id = a.id) "
            "ORDER BY a.id LIMIT 1000",
            [event.id, county, event.id],
        )
    services.tally_request(event_id=event.id)
    clock = time.perf_counter()
    ran = services.tally_run(key=f"event:{event.id}")
    event_s = time.perf_counter() - clock
    clock = time.perf_counter()
    rollups = [
        services.tally_run(key=f"campaign:{event.campaign_id}"),
        services.tally_run(key=figures.year_scope(county, year).key),
    ]
    rollup_s = time.perf_counter() - clock
    if [ran, *rollups] != ["done", "done", "done"]:
        raise SystemExit(f"a tally run computed nothing ({ran}, {rollups}): its time would mean nothing")
    return event_s, rollup_s


def page_times(user_id: int, year: int, requests: int, warm_ups: int = 2) -> dict:
    """The dashboard page as this organizer gets it: p50/p95 over `requests` after two warm-ups, and
    the tables its queries read."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(User.objects.get(id=user_id))
    url = f"{reverse('dashboard')}?year={year}"
    for _ in range(warm_ups):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(requests):
        clock = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - clock)
        assert response.status_code == 200, response.status_code
    if not warm_ups:
        return {"p50": _pct(times, 50)}
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    checkin_queries = [q["sql"] for q in queries.captured_queries if "checkin_checkin" in q["sql"]]
    return {
        "p50": _pct(times, 50),
        "p95": _pct(times, 95),
        "queries": len(queries.captured_queries),
        "checkin_queries": checkin_queries,
    }


def _wait_for_workers(port: int, timeout: float = 180) -> None:
    """gunicorn listens before its workers have loaded Django (tens of seconds on a busy machine): wait
    until requests are answered, so that no phase's clients wait for a worker to boot."""
    import urllib.error
    import urllib.request

    deadline, answered = time.monotonic() + timeout, 0
    while answered < 12 and time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=30)
        except urllib.error.HTTPError:
            pass  # an answer all the same (401, 404): a worker is up
        except OSError:
            time.sleep(0.5)
            continue
        answered += 1
    if answered < 12:
        raise SystemExit("gunicorn's workers did not answer")


def scans(data: dict, event: int, args: argparse.Namespace, wrk: str | None, port: int) -> dict:
    codes = data["codes"][event]
    warm, measured = codes[-2000:], codes[:-2000]

    def drive(codes, seconds):
        path = "/api/v1/checkin/scan/"
        if wrk:
            return scan_bench.run_wrk(
                wrk, f"http://127.0.0.1:{port}{path}", codes, event, data["token"], args.clients, seconds
            )
        return scan_bench.run_async_client(port, path, codes, event, data["token"], args.clients, seconds)

    drive(warm, 5)
    warmed = set(scan_bench.statuses(event)["codes"])
    scan_bench.settle()
    first = drive(measured, args.seconds)
    checked = [c for c in scan_bench.statuses(event)["codes"] if c not in warmed]
    scan_bench.settle()
    repeat = drive(checked, args.seconds)
    if first["requests"] > len(measured):
        print(f"WARNING: first scans ran out of fresh codes ({first['requests']} requests, {len(measured)} codes)")
    return {"first": first, "repeat": repeat}


def measure(data: dict, size: int, province: Province, args: argparse.Namespace) -> dict:
    from django.conf import settings
    from django.db import connection

    year = province.year
    county = data["county"]
    event = data["scan_events"][size]
    results: dict = {}
    connection.close()
    port = scan_bench.free_port()
    logs = Path(tempfile.gettempdir())
    server = scan_bench.start_gunicorn(port, 3, 4, logs / "kepu-bench-province-gunicorn.log")
    worker = scan_bench.start_worker(logs / "kepu-bench-province-worker.log")
    wrk = scan_bench.ensure_wrk()
    try:
        _wait_for_workers(port)
        results["scans"] = scans(data, event, args, wrk, port)
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        server.wait(30)
        worker.wait(30)
    # The runs below are called at once, as the worker runs them when their countdown ends.
    settings.STATS_TALLY_DEBOUNCE_SECONDS = 0
    settings.STATS_TALLY_ROLLUP_DEBOUNCE_SECONDS = 0
    scan_bench.settle()
    increments = [incremental(county, year, rank) for rank in (10 + 3 * size, 11 + 3 * size, 12 + 3 * size)]
    results["incremental"] = statistics.median(i[0] for i in increments)
    results["rollups"] = statistics.median(i[1] for i in increments)
    scan_bench.settle()
    results["nightly"] = statistics.median(county_nightly(county, year))
    results["county page"] = page_times(data["users"]["county"], year, args.page_requests)
    results["roll-up page"] = page_times(data["users"]["prefecture"], year, args.page_requests)
    # The same work again, counting blocks instead of time (the machine's load does not move these).
    results["io"] = {
        "event tally + rollups": io_of(lambda: incremental(county, year, 20 + size)),
        "county nightly recompute": io_of(lambda: county_nightly(county, year, repeats=1)),
        "county dashboard": io_of(lambda: page_times(data["users"]["county"], year, 1, warm_ups=0)),
        "roll-up page": io_of(lambda: page_times(data["users"]["prefecture"], year, 1, warm_ups=0)),
    }
    return results


def report(sizes: list[int], results: list[dict]) -> None:
    small, large = results
    rows = [
        ("first scans/s", small["scans"]["first"]["rps"], large["scans"]["first"]["rps"], "", True),
        ("first scans p99", small["scans"]["first"]["p99"], large["scans"]["first"]["p99"], "ms", False),
        ("repeat scans/s", small["scans"]["repeat"]["rps"], large["scans"]["repeat"]["rps"], "", True),
        ("repeat scans p99", small["scans"]["repeat"]["p99"], large["scans"]["repeat"]["p99"], "ms", False),
        ("event tally (1,000 new)", small["incremental"] * 1000, large["incremental"] * 1000, "ms", False),
        ("its rollups (campaign+year)", small["rollups"] * 1000, large["rollups"] * 1000, "ms", False),
        ("county nightly recompute", small["nightly"] * 1000, large["nightly"] * 1000, "ms", False),
        ("county dashboard p50", small["county page"]["p50"] * 1000, large["county page"]["p50"] * 1000, "ms", False),
        ("county dashboard p95", small["county page"]["p95"] * 1000, large["county page"]["p95"] * 1000, "ms", False),
        ("roll-up page p50", small["roll-up page"]["p50"] * 1000, large["roll-up page"]["p50"] * 1000, "ms", False),
        ("roll-up page p95", small["roll-up page"]["p95"] * 1000, large["roll-up page"]["p95"] * 1000, "ms", False),
    ]
    print()
    print(f"{'figure':<30} {f'{sizes[0]:,}':>14} {f'{sizes[1]:,}':>14}   cost ratio large/small")
    worst = 0.0
    for name, a, b, unit, throughput in rows:
        if not (a and b):
            print(f"{name:<30} {a:>11.1f} {unit:<2} {b:>11.1f} {unit:<2}   (no ratio: a zero)")
            continue
        ratio = a / b if throughput else b / a  # for a throughput the cost is its inverse
        worst = max(worst, ratio)
        flag = "" if ratio <= 1.2 else "  > 1.2"
        print(f"{name:<30} {a:>11.1f} {unit:<2} {b:>11.1f} {unit:<2}   {ratio:5.2f}{flag}")
    print()
    print(f"worst ratio: {worst:.2f} (target ≤ 1.2)")
    print()
    print(f"blocks of {', '.join(IO_TABLES)} read (heap + index), and sequential scans of them:")
    for name, a in small["io"].items():
        b = large["io"][name]
        ratio = f"{b['blocks'] / a['blocks']:5.2f}" if a["blocks"] else "  -  "
        print(
            f"  {name:<28} {a['blocks']:>10,} {b['blocks']:>10,}   {ratio}"
            f"   seq scans {a['seq_scans']} / {b['seq_scans']}"
        )
    p95 = large["roll-up page"]["p95"]
    print(f"roll-up page at {sizes[1]:,}: p95 {p95 * 1000:.0f} ms (target < 1,000 ms)")
    for name in ("county page", "roll-up page"):
        found = large[name]["checkin_queries"]
        print(f"{name}: {large[name]['queries']} queries, {len(found)} of them read checkin_checkin")
        for sql in found:
            print(f"    {sql[:300]}")
    for n, r in enumerate(results):
        errors = r["scans"]["first"]["errors"] + r["scans"]["repeat"]["errors"]
        if errors:
            print(f"WARNING: {errors} scan answers were errors at {sizes[n]:,}")


def main() -> None:
    args = _args()
    if args.large <= args.small:
        raise SystemExit("--large must be larger than --small")
    scan_bench.recreate_database()
    import django

    django.setup()
    from django.utils import timezone

    province = Province(args, timezone.localdate().year)
    clock = time.perf_counter()
    data = build_layout(args, province)
    print(
        f"{args.counties} counties × {args.years} years × {args.events} events, "
        f"{data['signups']:,} sign-ups: {time.perf_counter() - clock:.0f} s",
        flush=True,
    )
    results = []
    sizes = [args.small, args.large]
    for n, size in enumerate(sizes):
        loaded = load_checkins(province, size)
        print(
            f"loaded to {loaded['total']:,} check-ins (+{loaded['checkins']:,} check-ins, "
            f"+{loaded['registrations']:,} registrations, +{loaded['logs']:,} scan logs): "
            f"COPY {loaded['copy_s']:.0f} s, indexes {loaded['index_s']:.0f} s, all {loaded['all_s']:.0f} s; "
            f"database {loaded['size']}",
            flush=True,
        )
        seconds = nightly_all(province.year)
        print(f"the province's nightly recompute of {province.year} (tallies in place): {seconds:.1f} s", flush=True)
        results.append(measure(data, n, province, args))
        print(f"measured at {loaded['total']:,}: {json.dumps(results[-1], default=str)}", flush=True)
    report([args.small, args.large], results)


if __name__ == "__main__":
    main()
