"""`make run`'s web server (the Procfile's `web:` line) under a venue's crowd, on the embedded default (SQLite).

The Procfile's own command is started as a subprocess on a free port, against a migrated SQLite file of its
own and a broker folder of its own, and driven by threads as phones at a venue would drive it: 50 at once
opening the poster's page, then 200 self check-ins. Counts only (no timing): every request answered, none 5xx.
"""

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = """
from checkin import services
from tests.factories import EventFactory
event = EventFactory()
print("POSTER", services.poster_code_for(event=event).code)
"""
COUNT = """
from checkin.models import CheckIn
print("CHECKINS", CheckIn.objects.filter(event__poster_codes__code={code!r}).count())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _procfile_web_command(port: int) -> list[str]:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    command = shlex.split(line.removeprefix("web:"))
    assert "runserver" not in command, "make run must not serve with Django's development server"
    return [arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in command]


@dataclass
class Server:
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self) -> None:
        command = _procfile_web_command(self.port)
        command[0] = str(Path(sys.executable).parent / command[0])  # the virtualenv's gunicorn, as make run's PATH
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start:\n" + self.log_path.read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    """The Procfile's web server on a migrated SQLite file holding one event open for check-in."""
    tmp = tmp_path_factory.mktemp("server")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'kepu.sqlite3'}",
        CELERY_BROKER_DIR=str(tmp / "broker"),  # nothing for a development worker to take
        DJANGO_SETTINGS_MODULE="kepu.settings",  # make run's settings, not the test suite's
        PYTHONUNBUFFERED="1",
        # One test machine is one network address: the venue's many phones come from many.
        CHECKIN_SELF_PER_IP="100000",
        CHECKIN_SELF_PER_EVENT="100000",
    )
    server = Server(port=_free_port(), env=env, log_path=tmp / "gunicorn.log")
    server.manage("migrate", "--noinput", "-v0")
    code = re.search(r"POSTER (\S+)", server.manage("shell", "-c", SEED)).group(1)
    server.start()
    yield server, code
    server.stop()


@dataclass
class Tally:
    statuses: list[int] = field(default_factory=list)
    connection_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, request: Callable[[], list[int]]) -> None:
        try:
            statuses = request()
        except (OSError, http.client.HTTPException) as error:  # reset, refused, closed without an answer
            with self.lock:
                self.connection_errors.append(repr(error))
            return
        with self.lock:
            self.statuses.extend(statuses)

    @property
    def server_errors(self) -> list[int]:
        return [s for s in self.statuses if s >= 500]


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def _all_at_once(count: int, request: Callable[[int], list[int]]) -> Tally:
    tally = Tally()
    start = threading.Barrier(count)

    def one(i: int) -> None:
        start.wait()  # every thread connects at the same moment, as a crowd scanning the poster
        tally.run(lambda: request(i))

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(one, range(count)))
    return tally


def test_fifty_phones_opening_the_poster_at_once_all_get_the_page(server):
    server, code = server
    tally = _all_at_once(50, lambda i: [_get(server.port, f"/c/{code}/").status])
    assert tally.connection_errors == []
    assert tally.server_errors == []
    assert tally.statuses == [200] * 50


def _self_checkin(port: int, code: str, i: int) -> list[int]:
    """One phone: opens the page (cookies, CSRF token), then posts its person's check-in."""
    page = _get(port, f"/c/{code}/")
    cookies = SimpleCookie()
    for header in page.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()  # type: ignore[attr-defined]
    body = urlencode({"csrfmiddlewaretoken": token, "name": f"观众{i:03d}", "category": "farmer", "consent": "on"})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST",
        f"/c/{code}/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={m.value}" for k, m in cookies.items()),
        },
    )
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    if response.status == 200:
        assert b'data-status="ok"' in answer, answer[:2000]
    return [page.status, response.status]


def test_two_hundred_self_checkins_in_a_rush_are_all_recorded(server):
    server, code = server
    tally = Tally()
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(lambda i: tally.run(lambda: _self_checkin(server.port, code, i)), range(200)))
    log = server.log_path.read_text(errors="replace")
    assert tally.connection_errors == [], log[-3000:]
    assert tally.server_errors == [], log[-3000:]
    assert "database is locked" not in log
    assert tally.statuses == [200] * 400
    assert "CHECKINS 200" in server.manage("shell", "-c", COUNT.format(code=code))
