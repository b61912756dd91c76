"""`manage.py backup`: a backup of the SQLite database and MEDIA_ROOT now, then old ones pruned."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kepu import backups


class Command(BaseCommand):
    help = "Back up the SQLite database (online backup) and MEDIA_ROOT into BACKUP_DIR; prune old backups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="where to write it (default: BACKUP_DIR)")
        parser.add_argument("--no-prune", action="store_true", help="keep backups older than BACKUP_KEEP_DAYS")

    def handle(self, *args: object, **options: object) -> None:
        directory = options["dir"]
        assert directory is None or isinstance(directory, Path)
        try:
            path = backups.backup(directory)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
        if not options["no_prune"]:
            for removed in backups.prune(directory):
                self.stdout.write(f"removed {removed}")
