from importlib import import_module

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events.demo import demo_organizer, demo_scoped_accounts, seed_planning

# Later apps add their demo data after the plan, in this order; each step
# takes the DemoCounty and is a no-op when its data for the year exists.
DEMO_STEPS: list[str] = [
    "volunteers.demo.seed_volunteers",
    "checkin.demo.seed_attendance",
    "outreach.demo.seed_sites",
    "outreach.demo.seed_media_contests",  # columns and their episodes, news reports, contests and entries
    "outreach.demo.seed_bases",  # issue 14 items 3 and 6
    "stats.demo.seed_stats",  # last: tallies what the steps before it recorded
]
# With --prefecture: the demo county's two neighbours under its prefecture, and the county's year submitted
# and accepted (issue 15). A flag, as it adds two counties to the demo and a summary written per submission.
PREFECTURE_STEP = "reporting.demo.seed_prefecture"


class Command(BaseCommand):
    help = (
        "Load a realistic, deterministic demo county (towns, villages, organizations, the year's campaigns and events)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, default=timezone.localdate().year, help="the year to plan (default: this year)"
        )
        parser.add_argument(
            "--scale", type=int, default=1, help="multiply the volume (for benchmarks); 1 is a real county"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed gives the same county")
        parser.add_argument(
            "--prefecture",
            action="store_true",
            help="also two neighbouring counties under the prefecture, and the county's year submitted and accepted",
        )

    def handle(self, *args, year, scale, seed, prefecture=False, **options):
        if scale < 1:
            raise CommandError("--scale must be 1 or more")
        demo = seed_planning(year=year, scale=scale, seed=seed)
        for dotted in [*DEMO_STEPS, *([PREFECTURE_STEP] if prefecture else [])]:
            module, name = dotted.rsplit(".", 1)
            getattr(import_module(module), name)(demo)
        username, password = demo_organizer(demo.association)
        self.stdout.write(
            f"Demo county {demo.county.name} {year}: {len(demo.events)} events in "
            f"{demo.association.campaigns.filter(starts_on__year=year).count()} campaigns."
        )
        self.stdout.write(f"Organizer login (the desk, /desk/): {username} / {password}")
        scoped = demo_scoped_accounts(demo.association)
        for role, (login, secret, of) in scoped.items():
            self.stdout.write(f"{role.capitalize()} login ({of}, the desk): {login} / {secret}")
        if prefecture:
            self.stdout.write(f"Prefecture organizer (reviews the counties' submissions): prefecture / {password}")
