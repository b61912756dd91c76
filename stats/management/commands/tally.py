import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kepu.queue import send_task_safely
from stats import services, tasks


class Command(BaseCommand):
    help = "Recompute every tally of a year: enqueue the work (and with --wait, wait until it is done)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--wait", action="store_true", help="poll the database until every tally is computed")
        parser.add_argument("--timeout", type=float, default=600, help="seconds --wait waits at most")
        parser.add_argument(
            "--here", action="store_true", help="compute in this process instead of a worker (no broker needed)"
        )

    def handle(self, *args, year, wait, timeout, here, **options):
        keys = services.tally_recompute_request(year=year)
        self.stdout.write(f"{len(keys)} tallies of {year} marked for recomputing.")
        if here:
            done = services.tally_drain(year=year)
            self.stdout.write(f"Computed: {done}")
            return
        if not send_task_safely(tasks.tally_drain, year):
            self.stderr.write("The broker is unreachable: the beat sweep will compute them once it is back.")
        if not wait:
            return
        started = time.monotonic()
        while (pending := services.tally_pending(keys=keys)) > 0:
            if time.monotonic() - started > timeout:
                raise CommandError(f"{pending} tallies still pending after {timeout:.0f} s: is a worker running?")
            time.sleep(0.5)
        self.stdout.write(f"All {len(keys)} tallies computed in {time.monotonic() - started:.1f} s.")
