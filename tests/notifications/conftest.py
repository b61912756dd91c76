"""Fixtures of the notifications tests: a fake HTTP SMS provider, settings that do not depend on the hour."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    """The tests run at any hour; those about quiet hours turn them back on."""
    settings.NOTIFICATIONS_QUIET_HOURS = []


class FakeSmsProvider:
    """A local HTTP SMS provider: fails the first `fail_times` requests with `fail_status`, or hangs."""

    def __init__(self, *, fail_times: int = 0, fail_status: int = 503, hang_first: float = 0):
        self.fail_times, self.fail_status, self.hang_first = fail_times, fail_status, hang_first
        self.requests: list[dict] = []  # every request received, in order
        self.accepted: list[dict] = []  # the ones answered 200
        self.lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                payload["idempotency_key"] = self.headers.get("Idempotency-Key")
                with provider.lock:
                    provider.requests.append(payload)
                    number = len(provider.requests)
                if provider.hang_first and number == 1:
                    time.sleep(provider.hang_first)
                    return  # never answers: the client's timeout (or its death) ends this
                if number <= provider.fail_times:
                    self.send_response(provider.fail_status)
                    self.end_headers()
                    self.wfile.write(b'{"error": "try later"}')
                    return
                with provider.lock:
                    provider.accepted.append(payload)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"id": f"msg-{number}"}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeSmsProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_sms_provider(settings):
    """Routes the SMS channel to a fake provider; set .fail_times / .fail_status / .hang_first before use."""
    with FakeSmsProvider() as provider:
        settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.HttpSmsBackend"
        settings.NOTIFICATIONS_SMS_HTTP = {"url": provider.url, "token": "t0ken", "sender": "Kepu", "timeout": 2.0}
        yield provider


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start real Celery worker processes with extra environment; stopped at the end of the test."""
    from kepu.celery import app
    from tests.conftest import Worker

    app.control.purge()
    workers = []

    def start(**env) -> Worker:
        folder = tmp_path / f"worker{len(workers)}"
        folder.mkdir()
        worker = Worker(folder)
        worker.env.update({name: str(value) for name, value in env.items()})
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def worker_env_for(provider: FakeSmsProvider, **extra) -> dict:
    return {
        "SMS_BACKEND": "notifications.channels.HttpSmsBackend",
        "SMS_HTTP_URL": provider.url,
        "NOTIFICATIONS_QUIET_HOURS": "",
        **extra,
    }
