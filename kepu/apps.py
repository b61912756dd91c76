from django.apps import AppConfig


class KepuConfig(AppConfig):
    name = "kepu"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks)
