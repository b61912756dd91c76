from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The organizer's desk: the pages a county association's staff open every morning.

    The desk owns no business rules: its views read through each app's selectors and
    `kepu.access`, and write through each app's services, so a page and the API answer
    the same request the same way.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "desk"
    verbose_name = _("Organizer's desk")
