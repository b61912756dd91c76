"""`manage.py restore <backup folder>`: bring back a backup made by `manage.py backup` or the nightly task."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kepu import backups


class Command(BaseCommand):
    help = (
        "Restore a SQLite backup folder (BACKUP_DIR/kepu-…): its database over the current one and its media "
        "archive over MEDIA_ROOT. Stop the web server, worker and beat first. What is there now is backed up first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="the backup folder, e.g. var/backups/kepu-20261130-030000")

    def handle(self, *args: object, **options: object) -> None:
        path = options["backup"]
        assert isinstance(path, Path)
        try:
            before = backups.restore(path)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {path}")
        if before:
            self.stdout.write(f"the state before the restore is kept in {before}")
