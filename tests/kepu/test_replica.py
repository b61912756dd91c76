"""Reads from a read replica (kepu/replica.py), against a real PostgreSQL streaming replica of the test server.

The module's fixture copies the running PostgreSQL cluster with pg_basebackup (the test database included,
so it starts after pytest-django created that database), starts the copy as a hot standby on a free port in
a temporary folder, and removes it afterwards. A test proves which server answered by pausing the replica's
replay and then changing a record on the primary: the replica still shows the old value.

Skipped where PostgreSQL's server programs are missing or the tests run on SQLite, except under CI=true.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import time as day_time
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client, override_settings
from django.utils import timezone

from events.models import Association, Event
from kepu import replica
from stats.tasks import summary_file
from tests.factories import EventFactory, OrganizerFactory, ShiftFactory, SignUpFactory
from volunteers.models import Volunteer

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# Settings a hot standby must hold at least as high as its primary, or it refuses to start.
MATCHED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
OLD, NEW = "县科协（复制前）", "县科协（已改名）"


def _unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sql(port: int | str, query: str, *, host: str = "127.0.0.1", user: str = "postgres", dbname: str = "postgres"):
    with psycopg.connect(host=host, port=int(port), user=user, dbname=dbname, autocommit=True) as conn:
        return conn.execute(query).fetchone()


@dataclass
class ReplicaServer:
    """A hot standby streaming from the test server, on `port`."""

    port: int
    primary: dict  # the primary's host, port, user

    def sql(self, query: str, *, dbname: str = "postgres"):
        return _sql(self.port, query, user=self.primary["user"], dbname=dbname)

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary wrote so far."""
        (target,) = _sql(self.primary["port"], "SELECT pg_current_wal_lsn()", **self._primary_login())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if done:
                return
            time.sleep(0.02)
        raise AssertionError(f"the replica did not replay up to {target} within {timeout} s")

    def pause(self) -> None:
        self.caught_up()
        self.sql("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.sql("SELECT pg_wal_replay_resume()")

    def _primary_login(self) -> dict:
        return {"host": self.primary["host"], "user": self.primary["user"]}


def _as_postgres() -> dict:
    """Run a server program as the `postgres` account when the tests run as root (the server refuses root)."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": pwd.getpwnam("postgres").pw_gid}


def _replication_allowed(primary: dict) -> bool:
    try:
        psycopg.connect(host=primary["host"], port=primary["port"], user=primary["user"], replication="true").close()
    except psycopg.OperationalError:
        return False
    return True


def _allow_replication_connections(primary: dict) -> None:
    """Let the primary's superuser connect for replication from 127.0.0.1 (trust, as its other local entries),
    once: a line added to pg_hba.conf and a configuration reload, never a restart. .ci/run does the same."""
    if _replication_allowed(primary):
        return
    (hba_file,) = _sql(primary["port"], "SHOW hba_file", host=primary["host"], user=primary["user"])
    rule = "host replication all 127.0.0.1/32 trust"
    try:
        with Path(hba_file).open("a") as hba:
            hba.write(
                f"\n# Kepu's tests start a streaming replica of this server (tests/kepu/test_replica.py)\n{rule}\n"
            )
    except PermissionError:
        _unavailable(f"the test server refuses replication connections: add `{rule}` to {hba_file} and reload it")
    _sql(primary["port"], "SELECT pg_reload_conf()", host=primary["host"], user=primary["user"])
    deadline = time.monotonic() + 30
    while not _replication_allowed(primary):  # the server rereads the file a moment after the call returns
        assert time.monotonic() < deadline, f"{hba_file} still refuses replication connections after a reload"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def replica_server(django_db_setup, django_db_blocker) -> Iterator[ReplicaServer]:
    if connection.vendor != "postgresql":
        _unavailable("the read replica tests need PostgreSQL (DATABASE_URL=postgres://…)")
    if not shutil.which("pg_basebackup") or not (PG_BIN / "pg_ctl").exists():
        _unavailable(f"the read replica tests need pg_basebackup and {PG_BIN}/pg_ctl (apt-get install postgresql)")
    db = connection.settings_dict
    primary = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 5432), "user": db["USER"] or "postgres"}
    login = {"host": primary["host"], "user": primary["user"]}
    (wal_level,) = _sql(primary["port"], "SHOW wal_level", **login)
    (senders,) = _sql(primary["port"], "SHOW max_wal_senders", **login)
    if wal_level == "minimal" or int(senders) == 0:
        pytest.fail(f"the test server cannot stream (wal_level={wal_level}, max_wal_senders={senders}): see .ci/run")
    matched = {name: _sql(primary["port"], f"SHOW {name}", **login)[0] for name in MATCHED_SETTINGS}

    folder = Path(tempfile.mkdtemp(prefix="kepu-replica-"))
    data = folder / "data"
    as_postgres = _as_postgres()
    if as_postgres:
        shutil.chown(folder, user="postgres", group=as_postgres["group"])
    port = _free_port()
    try:
        with django_db_blocker.unblock():
            _allow_replication_connections(primary)
        for attempt in (1, 2, 3):  # a copy the server cut off (another client's pg_terminate_backend) is redone
            copied = subprocess.run(
                [
                    *("pg_basebackup", "-h", primary["host"], "-p", str(primary["port"]), "-U", primary["user"]),
                    *("-D", str(data), "-X", "stream", "-R", "--checkpoint=fast", "--no-sync", "--no-manifest"),
                ],
                capture_output=True,
                **as_postgres,
            )
            if copied.returncode == 0 or attempt == 3:
                copied.check_returncode()
                break
            shutil.rmtree(data, ignore_errors=True)
        # Debian keeps a cluster's configuration outside its data folder: the copy gets one of its own.
        conf = {
            "port": port,
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{folder}'",
            "hot_standby": "on",
            "fsync": "off",
            "shared_buffers": "'32MB'",
            **matched,
        }
        (data / "postgresql.conf").write_text("".join(f"{key} = {value}\n" for key, value in conf.items()))
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        for name in ("postgresql.conf", "pg_hba.conf"):
            if as_postgres:
                shutil.chown(data / name, user="postgres", group=as_postgres["group"])
        subprocess.run(
            [PG_BIN / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
            **as_postgres,
        )
        server = ReplicaServer(port=port, primary=primary)
        (in_recovery,) = server.sql("SELECT pg_is_in_recovery()")
        assert in_recovery, "the copy must run as a standby"
        yield server
    except subprocess.CalledProcessError as failed:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        raise AssertionError(f"{failed.cmd}: {failed.stderr.decode()}\n{log[-2000:]}") from failed
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True, **as_postgres
            )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def replica_alias(replica_server) -> Iterator[dict]:
    """DATABASE_REPLICA_URL as kepu/settings.py reads it: the replica alias (the test database, on the replica's
    port) and its router, for this module only. Set up before each test's database access is (a module fixture),
    so the tests may name it in `databases`."""
    alias = {**connection.settings_dict, "PORT": str(replica_server.port), "TEST": {"MIRROR": "default"}}
    connections.settings[replica.REPLICA] = alias
    with override_settings(DATABASE_ROUTERS=["kepu.replica.ReplicaRouter"]):
        yield alias
    connections[replica.REPLICA].close()
    del connections[replica.REPLICA]
    del connections.settings[replica.REPLICA]


@pytest.fixture
def streaming(replica_server, settings) -> Iterator[ReplicaServer]:
    """The replica is streaming and measured afresh; resumed and caught up again after the test."""
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600  # a paused replica stays fit to read: a test lowers it
    replica.forget_lag()
    yield replica_server
    replica.forget_lag()
    replica_server.resume()
    replica_server.caught_up()


@pytest.fixture
def county() -> Association:
    return OrganizerFactory(association__name=OLD).association


@pytest.fixture
def organizer_client(streaming, county) -> Client:
    client = Client()
    client.force_login(county.organizers.first().user)
    streaming.caught_up()  # what the test set up is on the replica too, as it would be after a while
    return client


def _heading(client: Client) -> str:
    page = client.get("/dashboard/")
    assert page.status_code == 200
    return page.content.decode()


def _renamed_on_the_primary_only(server: ReplicaServer, county: Association) -> None:
    server.pause()
    Association.objects.filter(id=county.id).update(name=NEW)  # committed on the primary; the replica waits


pytestmark = pytest.mark.django_db(transaction=True, databases=["default", replica.REPLICA])


def test_the_dashboard_reads_from_the_replica(streaming, county, organizer_client):
    organizer_client.get("/dashboard/")  # signed in and tallied: these writes are done before the replica pauses
    organizer_client.cookies.pop(replica.PIN_COOKIE, None)
    _renamed_on_the_primary_only(streaming, county)
    page = _heading(organizer_client)
    assert OLD in page and NEW not in page
    assert replica.PIN_COOKIE not in organizer_client.cookies  # a read pins nothing


def test_the_exports_and_the_summary_read_from_the_replica(streaming, county, organizer_client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    event = EventFactory(association=county, title="旧标题")
    signup = SignUpFactory(shift=ShiftFactory(event=event), volunteer__name="王小明")
    streaming.caught_up()
    organizer_client.get(f"/api/v1/stats/summary/{timezone.localdate().year}/?format=md")  # tallied on the primary
    organizer_client.cookies.pop(replica.PIN_COOKIE, None)
    streaming.pause()
    Association.objects.filter(id=county.id).update(name=NEW)
    Volunteer.objects.filter(id=signup.volunteer_id).update(name="王大明")
    roster = organizer_client.get(f"/v/org/events/{event.id}/roster.csv").content.decode("utf-8-sig")
    assert "王小明" in roster and "王大明" not in roster  # the primary has the new name, the replica not yet
    summary = organizer_client.get(f"/api/v1/stats/summary/{timezone.localdate().year}/?format=md")
    assert OLD in summary.content.decode() and NEW not in summary.content.decode()
    written = summary_file(county.id, timezone.localdate().year, "zh-hans", "md")  # the worker's summary file
    assert OLD in (tmp_path / written).read_text()


def test_after_a_write_the_same_browser_reads_from_the_primary(streaming, county, organizer_client):
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), day_time(12)))
    event = EventFactory(association=county, title="旧标题", starts_at=noon, ends_at=noon.replace(hour=14))
    streaming.caught_up()
    assert "旧标题" in _heading(organizer_client)  # today's events, on the dashboard
    organizer_client.cookies.pop(replica.PIN_COOKIE, None)
    streaming.pause()
    edited = organizer_client.post(
        f"/desk/events/{event.id}/edit/",
        {
            "title": "新标题",
            "kind": event.kind,
            "venue": event.venue_id,
            "starts_at": timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "audience": "public",
            "status": "published",
            "shifts-TOTAL_FORMS": "0",
            "shifts-INITIAL_FORMS": "0",
        },
    )
    assert edited.status_code == 302, edited.content.decode()[:2000]
    assert Event.objects.get(id=event.id).title == "新标题"
    assert replica.PIN_COOKIE in edited.cookies  # the write pins this browser to the primary for a while
    page = _heading(organizer_client)
    assert "新标题" in page and "旧标题" not in page
    # Another browser that did not write reads from the (paused) replica still.
    other = Client()
    other.force_login(county.organizers.first().user)
    other.cookies.pop(replica.PIN_COOKIE, None)
    assert "旧标题" in _heading(other)


def test_a_request_reads_its_own_writes_after_writing(streaming, county):
    event = EventFactory(association=county, title="旧标题")
    _renamed_on_the_primary_only(streaming, county)
    with replica.reads():
        assert replica.read_alias() == replica.REPLICA
        found = Event.objects.select_related("association").get(id=event.id)
        assert found.association.name == OLD
        found.title = "新标题"
        found.save()  # read from the replica, saved to the primary
        assert replica.read_alias() == "default"
        assert Association.objects.get(id=county.id).name == NEW  # after the write: from the primary
    streaming.resume()
    streaming.caught_up()
    assert streaming.sql(
        f"SELECT 1 FROM events_event WHERE id = {event.id} AND title = '新标题'",
        dbname=connection.settings_dict["NAME"],
    )


def test_a_pinned_cookie_that_was_tampered_with_pins_nothing(streaming, county, organizer_client):
    organizer_client.get("/dashboard/")
    _renamed_on_the_primary_only(streaming, county)
    organizer_client.cookies[replica.PIN_COOKIE] = "1:forged:signature"
    assert OLD in _heading(organizer_client)


def test_a_replica_lagging_beyond_the_bound_is_not_read(streaming, county, organizer_client, settings):
    organizer_client.get("/dashboard/")
    organizer_client.cookies.pop(replica.PIN_COOKIE, None)
    _renamed_on_the_primary_only(streaming, county)
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    deadline = time.monotonic() + 30
    while True:  # the paused replica's lag grows from the last transaction it replayed
        replica.forget_lag()
        lag = replica.replica_lag_seconds()
        if lag is not None and lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
            break
        assert time.monotonic() < deadline, f"the paused replica's lag stayed at {lag}"
        time.sleep(0.1)
    page = _heading(organizer_client)
    assert NEW in page and OLD not in page
    streaming.resume()
    streaming.caught_up()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 60  # other databases of the server may keep it a moment behind
    replica.forget_lag()
    with replica.reads():  # caught up: fit to read again
        assert replica.read_alias() == replica.REPLICA


def test_a_replica_that_does_not_answer_is_not_read(streaming, replica_alias, county, organizer_client):
    connections[replica.REPLICA].close()
    replica_alias["PORT"] = str(_free_port())  # nothing listens there
    try:
        replica.forget_lag()
        assert replica.replica_lag_seconds() is None
        with replica.reads():
            assert replica.read_alias() == "default"
        assert OLD in _heading(organizer_client)
    finally:
        connections[replica.REPLICA].close()
        replica_alias["PORT"] = str(streaming.port)
