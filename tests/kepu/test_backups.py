"""Backups of the embedded default: back up, destroy, restore, and find the same records, files and figures.

The management commands run as subprocesses against a SQLite database, MEDIA_ROOT and BACKUP_DIR of their own,
as an operator would run them; the pg_dump service of docker-compose.yml is checked in test_compose.py.
"""

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kepu import backups

ROOT = Path(__file__).resolve().parents[2]
YEAR = "2026"
ADD_EVIDENCE = """
from django.core.files.base import ContentFile
from events.models import Event, EventEvidence
event = Event.objects.order_by("id").first()
evidence = EventEvidence(event=event, content_type="image/png", size=9, caption="签到表")
evidence.file.save("sheet.png", ContentFile(b"\\x89PNG-demo"), save=True)
"""
ADD_EVENT = """
from events.models import Event
event = Event.objects.order_by("id").first()
event.pk = None
event.title = "备份之后新增的活动"
event.save()
"""
SNAPSHOT = """
import hashlib, json
from pathlib import Path
from django.apps import apps
from django.conf import settings
counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
media = {
    str(p.relative_to(settings.MEDIA_ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
    for p in sorted(Path(settings.MEDIA_ROOT).rglob("*")) if p.is_file()
}
titles = sorted(apps.get_model("events", "Event").objects.values_list("title", flat=True))
print(json.dumps({"counts": counts, "media": media, "titles": titles}))
"""


class Site:
    """One embedded-default installation in a temporary folder."""

    def __init__(self, folder: Path):
        self.database = folder / "kepu.sqlite3"
        self.media = folder / "media"
        self.backups = folder / "backups"
        self.env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
        self.env.update(
            DJANGO_SETTINGS_MODULE="kepu.settings",
            DATABASE_URL=f"sqlite:///{self.database}",
            MEDIA_ROOT=str(self.media),
            BACKUP_DIR=str(self.backups),
            CELERY_BROKER_DIR=str(folder / "broker"),
        )

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def snapshot(self) -> dict:
        """Every model's count, every media file's hash, the events' titles and the year's summary figures."""
        state = json.loads(self.manage("shell", "-c", SNAPSHOT).splitlines()[-1])
        state["summary"] = json.loads(self.manage("summary", "--year", YEAR, "--format", "json"))
        return state

    def destroy(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.media)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    """The demo county with an evidence file, its tallies computed."""
    site = Site(tmp_path_factory.mktemp("site"))
    site.manage("migrate", "--noinput", "-v0")
    site.manage("seed_demo", "--year", YEAR)
    site.manage("shell", "-c", ADD_EVIDENCE)
    site.manage("summary", "--year", YEAR, "--format", "json")  # its first run stores the default template
    return site


def test_a_backup_brings_back_the_same_records_files_and_figures_after_the_machine_is_lost(site):
    before = site.snapshot()
    assert before["counts"]["checkin.CheckIn"] > 1000 and before["media"]  # something to lose
    assert before["summary"]["figures"]["checkins"] > 0
    backup = Path(site.manage("backup").splitlines()[0])
    assert sorted(p.name for p in backup.iterdir()) == ["db.sqlite3", "media.tar.gz"]

    site.destroy()
    site.manage("restore", str(backup))

    assert site.snapshot() == before


def test_a_restore_over_newer_records_takes_them_back_and_keeps_them_in_a_backup_of_their_own(site):
    backup = Path(site.manage("backup").splitlines()[0])
    before = site.snapshot()
    site.manage("shell", "-c", ADD_EVENT)
    assert "备份之后新增的活动" in site.snapshot()["titles"]

    output = site.manage("restore", str(backup))

    assert site.snapshot() == before
    kept = Path(output.strip().splitlines()[-1].rsplit(" ", 1)[-1])
    assert kept != backup and (kept / "db.sqlite3").is_file()  # the undo of this restore


def test_restore_refuses_a_folder_that_is_no_backup(site, tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path)], cwd=ROOT, env=site.env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "no Kepu backup" in result.stderr


# --- Retention and the nightly task ------------------------------------------------------------------


def _fake_backup(directory: Path, made_at: datetime) -> Path:
    path = directory / (backups.PREFIX + made_at.strftime(backups.STAMP))
    path.mkdir(parents=True)
    (path / backups.DATABASE_FILE).write_bytes(b"")
    return path


def test_backups_older_than_the_retention_are_deleted_and_the_newest_always_kept(tmp_path):
    now = datetime.now()
    old, recent = _fake_backup(tmp_path, now - timedelta(days=20)), _fake_backup(tmp_path, now - timedelta(days=2))
    unrelated = tmp_path / "notes"
    unrelated.mkdir()
    assert backups.prune(tmp_path, keep_days=14) == [old]
    assert recent.exists() and unrelated.exists()
    assert backups.prune(tmp_path, keep_days=0) == []  # the only backup left is kept, however old


def test_the_nightly_backup_leaves_postgresql_to_pg_dump(monkeypatch, tmp_path, settings):
    from kepu.tasks import backup_nightly

    settings.BACKUP_DIR = str(tmp_path)
    monkeypatch.setattr(backups, "is_sqlite", lambda: False)
    assert backup_nightly() is None
    assert list(tmp_path.iterdir()) == []


def _beat_schedule(database_url: str) -> list[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "kepu.settings"}
    code = "import django; django.setup(); from django.conf import settings; print(*settings.CELERY_BEAT_SCHEDULE)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_beat_backs_up_every_night_only_on_sqlite(tmp_path):
    assert "kepu-backup-nightly" in _beat_schedule(f"sqlite:///{tmp_path / 'k.sqlite3'}")
    assert "kepu-backup-nightly" not in _beat_schedule("postgres://kepu@127.0.0.1:5432/kepu")


# --- PostgreSQL: the compose file's backup script, run here against the test database -------------------------

SCRIPT = ROOT / "deploy" / "pg-backup.sh"


def _postgres_env(db: dict) -> dict[str, str]:
    return {
        "PGHOST": db.get("HOST") or "127.0.0.1",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "postgres",
        "PGPASSWORD": db.get("PASSWORD") or "",
    }


@pytest.mark.django_db(transaction=True)
def test_the_postgresql_backup_script_dumps_what_pg_restore_brings_back(tmp_path):
    from django.db import connection

    from events.models import Event
    from tests.factories import EventFactory

    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL (DATABASE_URL) and pg_dump")
    import psycopg

    EventFactory.create_batch(3)
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "sheet.png").write_bytes(b"\x89PNG-demo")
    backups_dir = tmp_path / "backups"
    old = backups_dir / "kepu-20200101-030000"
    old.mkdir(parents=True)
    subprocess.run(["touch", "-d", "2020-01-01", str(old)], check=True)
    db = connection.settings_dict
    env = {
        "PATH": os.environ["PATH"],
        **_postgres_env(db),
        "PGDATABASE": db["NAME"],
        "BACKUP_DIR": str(backups_dir),
        "MEDIA_DIR": str(media),
        "BACKUP_KEEP_DAYS": "14",
    }
    result = subprocess.run(["sh", str(SCRIPT), "once"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr

    (backup,) = backups_dir.glob("kepu-2*")  # the old one is past the retention
    assert sorted(p.name for p in backup.iterdir()) == ["kepu.dump", "media.tar.gz"]
    listing = subprocess.run(["tar", "-tzf", str(backup / "media.tar.gz")], capture_output=True, text=True, check=True)
    assert "media/evidence/sheet.png" in listing.stdout.split()

    restored = f"{db['NAME']}_restored"
    with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        server.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(backup / "kepu.dump")],
            env={**env, "PGDATABASE": restored},
            check=True,
            capture_output=True,
        )
        with psycopg.connect(_conninfo(db, restored)) as copy:
            titles = sorted(row[0] for row in copy.execute("SELECT title FROM events_event"))
        assert len(titles) == 3 and titles == sorted(Event.objects.values_list("title", flat=True))
    finally:
        with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{restored}"')


def _conninfo(db: dict, dbname: str) -> str:
    from psycopg.conninfo import make_conninfo

    env = _postgres_env(db)
    return make_conninfo(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], password=env["PGPASSWORD"] or None, dbname=dbname
    )
