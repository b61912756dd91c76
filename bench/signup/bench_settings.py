"""Kepu's settings plus the floor view's URLconf: for the benchmark only, never in production."""

from kepu.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
