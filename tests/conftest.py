"""Fixtures shared by every app's tests: people, API clients, a real Celery worker, a real browser."""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import AssociationFactory, OrganizerFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent
# Playwright's sync API runs an event loop in the test thread; the ORM calls a test
# makes beside it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _forget_queued_runs():
    """What this process knows of queued tally runs (stats.services.QueuedRuns) belongs to one test's database."""
    from stats import services

    services.queued_runs.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every factory user hashes a password; PBKDF2's iterations made a two-county world take 4 s to build.
    Tests check what a password lets in, not the hash's strength (production keeps Django's default)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counts (DRF throttles) live in the cache, which outlives a test's database: each test starts at 0."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def association():
    return AssociationFactory()


@pytest.fixture
def organizer(association):
    """An organizer of `association` (a User with .organizer)."""
    return OrganizerFactory(association=association).user


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def organizer_api(organizer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=organizer).key}")
    return client


@pytest.fixture
def user_api():
    """A signed-in user who is not an organizer."""
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.fixture
def rows_built(monkeypatch) -> list[int]:
    """Records each time openpyxl is asked for a sheet's rows: the costly part a crafted workbook aims at.
    A refusal that leaves it empty came before any row was built."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    calls: list[int] = []
    iter_rows = ReadOnlyWorksheet.iter_rows

    def counting(self, *args, **kwargs):
        calls.append(1)
        return iter_rows(self, *args, **kwargs)

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", counting)
    return calls


# --- A real Celery worker process ------------------------------------------------------------


def _database_url_of_test_db() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


class Worker:
    """A `celery worker` subprocess sharing the test database and the broker."""

    def __init__(self, tmp_path: Path, *, queues: tuple[str, ...] = ()):
        # No queues: all of them, as `make run`'s worker; one queue: as a worker of docker-compose.yml.
        self.queues = queues
        self.log_path = tmp_path / (f"worker-{'-'.join(queues)}.log" if queues else "worker.log")
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url_of_test_db(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "PYTHONUNBUFFERED": "1",
        }
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            self.env["CELERY_BROKER_DIR"] = str(Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent)
        self.process: subprocess.Popen | None = None
        self.name = ""  # the Celery node name, new at each start

    def start(self) -> "Worker":
        # Each worker process its own node name: two workers of one test, or a worker restarted after a kill,
        # named alike are one node to the broker (one remote-control mailbox, named after the node).
        self.name = f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # A worker restarted on the same folder appends to the log of the one before: only what this start
        # writes counts, or the dead worker's "ready." would pass for this one's.
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
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
                "1",
                "--pool",
                "prefork",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"{self.name}@%h",
                *(["--queues", ",".join(self.queues)] if self.queues else []),
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for(lambda: b"ready." in self.log_path.read_bytes()[offset:], timeout=60, what="the worker to start")
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker dies mid-task, as in a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], bool], *, timeout: float = 30, what: str = "the condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process and self.process.poll() is not None:
                raise AssertionError(f"worker exited while waiting for {what}:\n{self.log()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()[-3000:]}")


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[Worker]:
    """A real worker process. Queued messages left by earlier tests are purged first."""
    from kepu.celery import app

    app.control.purge()
    worker = Worker(tmp_path).start()
    yield worker
    worker.stop()


# --- A real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = f"browser tests skipped: Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser):
    """A cheap Android phone's screen."""
    context = browser.new_context(**PHONE, locale="zh-CN")
    yield context.new_page()
    context.close()
