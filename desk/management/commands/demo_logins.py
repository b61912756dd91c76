from django.core.management.base import BaseCommand

from events.demo import DEMO_ORGANIZER, DEMO_PARTNER, DEMO_PARTNER_ORGANIZATION, DEMO_TOWNSHIP_ORGANIZER
from events.models import Organizer
from volunteers.demo import DEMO_VOLUNTEER


class Command(BaseCommand):
    help = "Print where to go first and the demo county's logins (make run prints this before serving)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="the address Kepu is served at")

    def handle(self, *args, base_url, **options):
        base = base_url.rstrip("/")
        organizer, organizer_password = DEMO_ORGANIZER
        phone, volunteer_password = DEMO_VOLUNTEER
        # A volunteer signs in with the mobile number as typed in China: without +86.
        national = phone.removeprefix("+86")
        township, township_password = DEMO_TOWNSHIP_ORGANIZER
        partner, partner_password = DEMO_PARTNER
        # The township is the one seed_demo chose (the town with the most events).
        town = Organizer.objects.filter(user__username=township, town__isnull=False).values_list(
            "town__name", flat=True
        )
        lines = [
            f"Organizer's desk:  {base}/desk/    login {organizer} / {organizer_password}",
            f"Township desk:     {base}/desk/    login {township} / {township_password}"
            f"  ({town.first() or 'a township'}: its events and figures only)",
            f"Partner desk:      {base}/desk/    login {partner} / {partner_password}"
            f"  ({DEMO_PARTNER_ORGANIZATION}: the events it co-organizes)",
            f"Volunteer pages:   {base}/v/       login {national} / {volunteer_password}",
            f"Dashboard {base}/dashboard/ · API docs {base}/api/docs/ · admin (superusers, registries) {base}/admin/",
        ]
        self.stdout.write("\n".join(lines))
