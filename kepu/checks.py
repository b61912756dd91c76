"""Kepu's own deploy checks (`manage.py check --deploy`): production wiring that would fail silently."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


@register(Tags.urls, deploy=True)
def links_reach_the_public(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """A link in an SMS to 127.0.0.1 reaches nobody: the attendee's phone is not this machine."""
    local = [
        name
        for name in ("NOTIFICATIONS_TICKET_URL", "NOTIFICATIONS_JOIN_URL")
        if urlsplit(getattr(settings, name)).hostname in LOCAL_HOSTS
    ]
    if not local:
        return []
    return [
        Warning(
            f"{', '.join(local)} point to this machine, so the links Kepu sends by SMS reach nobody.",
            hint="Set PUBLIC_BASE_URL to where the public reaches Kepu, e.g. https://kepu.example.org.",
            id="kepu.W001",
        )
    ]
