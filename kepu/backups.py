"""Backups of the embedded default: its SQLite database and the uploaded media (docs/operations.md).

A backup is a folder `BACKUP_DIR/kepu-<YYYYmmdd-HHMMSS>/` holding `db.sqlite3`, made with SQLite's online
backup API (a consistent copy of a live database, which a file copy of it is not: a write may land half-way
through, and a WAL database keeps recent commits beside its main file), and `media.tar.gz`, the whole of
MEDIA_ROOT (evidence files, anything uploaded). The folder is written under a temporary name and renamed
when complete, so a backup found in BACKUP_DIR is whole. On PostgreSQL the compose file's backup service
does this job with pg_dump.
"""

import logging
import shutil
import sqlite3
import tarfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

PREFIX = "kepu-"
STAMP = "%Y%m%d-%H%M%S"
DATABASE_FILE = "db.sqlite3"
MEDIA_FILE = "media.tar.gz"


class BackupError(Exception):
    """A backup or restore that cannot be done as asked (its message says why and what to do instead)."""


def is_sqlite() -> bool:
    return connections["default"].vendor == "sqlite"


def _database_path() -> Path:
    if not is_sqlite():
        raise BackupError(
            "The database is not SQLite: back PostgreSQL up with pg_dump (docker-compose.yml's backup service; "
            "docs/operations.md) and restore it with pg_restore."
        )
    return Path(connections["default"].settings_dict["NAME"])


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup from one database file into another, page by page, consistent at its end."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def backup(directory: Path | None = None) -> Path:
    """A new backup folder (database and media) in `directory` (BACKUP_DIR by default); returns its path."""
    database = _database_path()
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    name = PREFIX + timezone.localtime().strftime(STAMP)
    final = directory / name
    n = 1
    while final.exists():  # two backups within one second (a restore's safety copy right after the nightly)
        final, n = directory / f"{name}-{n}", n + 1
    partial = directory / f".{final.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    _copy_database(database, partial / DATABASE_FILE)
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(partial / MEDIA_FILE, "w:gz") as archive:
        if media.is_dir():
            archive.add(media, arcname="media")
    partial.rename(final)
    logger.info("backup written to %s", final)
    return final


def prune(directory: Path | None = None, keep_days: int | None = None) -> list[Path]:
    """Delete the backups older than `keep_days` (BACKUP_KEEP_DAYS); the newest one is always kept."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep_days = settings.BACKUP_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.localtime().replace(tzinfo=None) - timedelta(days=keep_days)
    backups = sorted(backups_in(directory))
    removed = []
    for made_at, path in backups[:-1]:
        if made_at < cutoff:
            shutil.rmtree(path)
            removed.append(path)
    return removed


def backups_in(directory: Path) -> list[tuple[datetime, Path]]:
    """The complete backups in `directory`, with the local time each was made."""
    found = []
    for path in directory.glob(PREFIX + "*") if directory.is_dir() else []:
        try:
            made_at = datetime.strptime(path.name[len(PREFIX) : len(PREFIX) + 15], STAMP)
        except ValueError:
            continue
        if (path / DATABASE_FILE).is_file():
            found.append((made_at, path))
    return found


def restore(path: Path) -> Path | None:
    """Bring a backup folder back: the database over the current one, MEDIA_ROOT replaced by its archive.

    What is there now is backed up first (the path returned; None where there was no database), so a restore
    of the wrong backup can be undone.
    Stop the web server, the worker and beat before: a restore under their feet mixes two states.
    """
    path = Path(path)
    source = path / DATABASE_FILE
    if not source.is_file():
        raise BackupError(f"{path} is no Kepu backup: it holds no {DATABASE_FILE}.")
    with sqlite3.connect(source) as check:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    check.close()
    if result != "ok":
        raise BackupError(f"{source} is damaged ({result}); choose another backup.")
    database = _database_path()
    before = backup() if database.exists() else None
    connections.close_all()
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy_database(source, database)
    media = Path(settings.MEDIA_ROOT)
    archive_path = path / MEDIA_FILE
    if archive_path.is_file():
        unpacked = media.parent / f".{media.name}.restoring"
        shutil.rmtree(unpacked, ignore_errors=True)
        unpacked.mkdir(parents=True)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(unpacked, filter="data")  # no absolute paths, no '..', no devices
        shutil.rmtree(media, ignore_errors=True)
        if (unpacked / "media").is_dir():
            (unpacked / "media").rename(media)
        else:  # MEDIA_ROOT did not exist when the backup was made
            media.mkdir(parents=True)
        shutil.rmtree(unpacked, ignore_errors=True)
    logger.info("restored %s (the state before: %s)", path, before)
    return before
