from django.core.management.base import BaseCommand

from events.demo import DEMO_ORGANIZER
from volunteers.demo import DEMO_VOLUNTEER


class Command(BaseCommand):
    help = "Print where to go first and the demo county's two logins (make run prints this before serving)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="the address Kepu is served at")

    def handle(self, *args, base_url, **options):
        base = base_url.rstrip("/")
        organizer, organizer_password = DEMO_ORGANIZER
        phone, volunteer_password = DEMO_VOLUNTEER
        # A volunteer signs in with the mobile number as typed in China: without +86.
        national = phone.removeprefix("+86")
        lines = [
            f"Organizer's desk:  {base}/desk/    login {organizer} / {organizer_password}",
            f"Volunteer pages:   {base}/v/       login {national} / {volunteer_password}",
            f"Dashboard {base}/dashboard/ · API docs {base}/api/docs/ · admin (superusers, registries) {base}/admin/",
        ]
        self.stdout.write("\n".join(lines))
