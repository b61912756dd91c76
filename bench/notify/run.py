"""bench/notify: cancel an event with 5,000 people to tell, and time the recording and the delivery.

    .venv/bin/python bench/notify/run.py [--volunteers 2500] [--attendees 2500] [--concurrency 1]

Creates a fresh database (SQLite in bench/out/ unless BENCH_DATABASE_URL is
set, e.g. postgres://postgres@127.0.0.1:5432/kepu_bench; it is wiped), an
event with confirmed volunteers and registered attendees, starts a real
Celery worker (broker: REDIS_URL, or the file-system broker), cancels the
event with one API request and prints:
  - the time of the request that records every notification (bulk, one transaction),
  - the time until the worker has delivered every SMS through the console backend,
  - the worker's messages per second.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
OUT = BASE_DIR / "bench" / "out" / "notify"


def configure(args) -> dict:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    env = {
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / 'bench.sqlite3'}",
        "SMS_BACKEND": "notifications.channels.ConsoleSmsBackend",
        "NOTIFICATIONS_QUIET_HOURS": "",  # measure delivery, not the night
        "DJANGO_SETTINGS_MODULE": "kepu.settings",
        "DEBUG": "false",  # as in production: no query log in the worker
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key"),
        "PYTHONUNBUFFERED": "1",
    }
    if os.environ.get("REDIS_URL"):
        env["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
    else:
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CELERY_BROKER_DIR"] = str(OUT / "broker")
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    return env


def build(volunteers: int, attendees: int):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone

    from checkin.models import Attendee, Registration
    from events.models import Association, Event, Organizer, Region, Venue
    from volunteers.models import Shift, SignUp, Volunteer

    county = Region.objects.create(name="基准县", level=Region.Level.COUNTY)
    association = Association.objects.create(name="基准县科协", region=county)
    organizer_user = User.objects.create(username="bench-organizer", is_staff=True, password=make_password(None))
    Organizer.objects.create(user=organizer_user, association=association)
    venue = Venue.objects.create(
        association=association, name="县科技馆", kind=Venue.Kind.SCIENCE_CENTER, region=county
    )
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(
        association=association,
        title="万人科普大讲堂",
        kind=Event.Kind.LECTURE,
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        status=Event.Status.PUBLISHED,
    )
    shift = Shift.objects.create(
        event=event, role=Shift.Role.GUIDE, starts_at=start, ends_at=start + timedelta(hours=3), capacity=volunteers
    )
    unusable = make_password(None)
    phones = [f"+86139{n:08d}" for n in range(volunteers)]
    users = User.objects.bulk_create([User(username=p, password=unusable) for p in phones], batch_size=1000)
    people = Volunteer.objects.bulk_create(
        [
            Volunteer(
                user=u,
                association=association,
                phone=p,
                name=f"志愿者{n}",
                language=("zh-hans", "zh-hant", "en")[n % 3],
            )
            for n, (u, p) in enumerate(zip(users, phones, strict=True))
        ],
        batch_size=1000,
    )
    SignUp.objects.bulk_create(
        [SignUp(shift=shift, volunteer=v, status=SignUp.Status.CONFIRMED) for v in people], batch_size=1000
    )
    Shift.objects.filter(id=shift.id).update(taken=volunteers)
    crowd = Attendee.objects.bulk_create(
        [Attendee(association=association, name=f"群众{n}", phone=f"+86137{n:08d}") for n in range(attendees)],
        batch_size=1000,
    )
    Registration.objects.bulk_create(
        [Registration(attendee=a, event=event, code=f"BENCH{a.id:012d}") for a in crowd], batch_size=1000
    )
    return organizer_user, event


def start_worker(env: dict, concurrency: int) -> tuple[subprocess.Popen, Path]:
    log_path = OUT / "worker.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kepu",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"bench-notify-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while b"ready." not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return process, log_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volunteers", type=int, default=2500)
    parser.add_argument("--attendees", type=int, default=2500)
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    args = parser.parse_args()
    env = configure(args)

    import django

    django.setup()
    import signal

    from django.core.management import call_command
    from rest_framework.test import APIClient

    from kepu.celery import app
    from notifications.models import Notification

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a BENCH_DATABASE_URL database starts empty too
    t0 = time.perf_counter()
    organizer, event = build(args.volunteers, args.attendees)
    print(
        f"setup: {args.volunteers} confirmed volunteers + {args.attendees} registered attendees "
        f"in {time.perf_counter() - t0:.1f} s ({os.environ['DATABASE_URL'].split(':')[0]}, "
        f"broker {os.environ['CELERY_BROKER_URL'].split(':')[0]})"
    )
    app.control.purge()
    worker, log_path = start_worker(env, args.concurrency)
    try:
        client = APIClient()
        client.force_authenticate(organizer)
        started = time.perf_counter()
        response = client.post(f"/api/v1/events/{event.id}/cancel/")
        recorded_in = time.perf_counter() - started
        assert response.status_code == 200, response.content
        outbound = Notification.objects.filter(event=event).exclude(channel="inbox")
        expected = outbound.count()
        inbox = Notification.objects.filter(event=event, channel="inbox").count()
        print(f"recorded: {expected} SMS + {inbox} inbox messages in one request: {recorded_in:.2f} s")

        deadline = time.monotonic() + 1800
        while (done := outbound.filter(status__in=["sent", "failed"]).count()) < expected:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"delivery stopped at {done}/{expected}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        delivered_in = time.perf_counter() - started
        sent = outbound.filter(status="sent")
        first, last = (sent.order_by(f).values_list("sent_at", flat=True).first() for f in ("sent_at", "-sent_at"))
        worker_span = max((last - first).total_seconds(), 1e-6)
        print(
            f"delivered: {sent.count()}/{expected} through the console backend, "
            f"{expected - sent.count()} failed; all done {delivered_in:.2f} s after the request started"
        )
        print(
            f"worker: {sent.count() / worker_span:.0f} messages/s (first to last send, "
            f"concurrency {args.concurrency}); end to end {expected / delivered_in:.0f} messages/s"
        )
        print(f"worker log: {log_path}")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)


if __name__ == "__main__":
    main()
