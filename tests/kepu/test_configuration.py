"""Every setting Kepu reads from the environment is documented, and the public links follow PUBLIC_BASE_URL."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import RequestFactory

from kepu.links import public_url
from tests.kepu.test_compose import documented_settings

ROOT = Path(__file__).resolve().parents[2]


def settings_read_from_the_environment() -> set[str]:
    """The names of every env("NAME", …) and env.xxx("NAME", …) in kepu/settings.py."""
    source = (ROOT / "kepu" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def test_every_setting_read_from_the_environment_is_in_the_readme_table():
    read = settings_read_from_the_environment()
    assert {"DATABASE_URL", "SMS_BACKEND", "PUBLIC_BASE_URL", "NOTIFICATIONS_TICKET_URL"} <= read  # the parse works
    assert sorted(read - documented_settings()) == []


def test_the_readme_table_documents_only_settings_kepu_reads():
    compose_only = {"POSTGRES_PASSWORD"}  # read by docker-compose.yml, not by Kepu
    assert sorted(documented_settings() - settings_read_from_the_environment() - compose_only) == []


def _settings_with(**environment: str) -> dict[str, str]:
    """Some settings as kepu.settings computes them from this environment (a fresh process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFICATIONS_", "PUBLIC_"))}
    env.update(environment, DJANGO_SETTINGS_MODULE="kepu.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.NOTIFICATIONS_TICKET_URL); print(s.NOTIFICATIONS_JOIN_URL); print(s.CELERY_BROKER_URL)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    ticket, join, broker = out.stdout.split()
    return {"ticket": ticket, "join": join, "broker": broker, "stderr": out.stderr}


def test_the_sms_links_start_with_the_public_base_url():
    links = _settings_with(PUBLIC_BASE_URL="https://kepu.example.org/")
    assert links["ticket"] == "https://kepu.example.org/t/{code}/"
    assert links["join"] == "https://kepu.example.org/v/join/{token}/"


def test_an_explicit_link_setting_still_overrides_the_public_base_url():
    links = _settings_with(
        PUBLIC_BASE_URL="https://kepu.example.org", NOTIFICATIONS_TICKET_URL="https://t.example/{code}"
    )
    assert links["ticket"] == "https://t.example/{code}"
    assert links["join"] == "https://kepu.example.org/v/join/{token}/"


def test_without_a_public_base_url_the_sms_links_point_to_the_development_server():
    links = _settings_with()
    assert links["ticket"] == "http://127.0.0.1:8000/t/{code}/"


def test_pages_link_under_the_public_base_url_whatever_host_they_were_asked_by(settings):
    request = RequestFactory().get("/", HTTP_HOST="10.0.0.5:8000")
    settings.ALLOWED_HOSTS = ["10.0.0.5"]
    settings.PUBLIC_BASE_URL = ""
    assert public_url("/c/abc/", request) == "http://10.0.0.5:8000/c/abc/"
    settings.PUBLIC_BASE_URL = "https://kepu.example.org"
    assert public_url("/c/abc/", request) == "https://kepu.example.org/c/abc/"
    assert public_url("/c/abc/") == "https://kepu.example.org/c/abc/"


def test_the_embedded_broker_is_quiet_about_its_hostname(tmp_path):
    """kombu warned "No hostname was supplied" on every connection to `filesystem://`, in seed_demo and tally."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="kepu.settings", CELERY_BROKER_DIR=str(tmp_path / "broker"))
    code = (
        "import django; django.setup()\n"
        "from events.tasks import mark_finished_events_done\n"
        "from kepu.queue import send_task_safely\n"
        "print(send_task_safely(mark_finished_events_done))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"]  # the task was queued, in a folder of its own
    assert "No hostname" not in out.stderr
