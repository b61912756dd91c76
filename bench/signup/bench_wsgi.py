"""One gunicorn app serving both Kepu (full middleware) and the floor view (no middleware at all)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test.utils import override_settings  # noqa: E402


class BareHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        with override_settings(MIDDLEWARE=[]):
            super().load_middleware(is_async)


kepu = WSGIHandler()
bare = BareHandler()


def application(environ, start_response):
    handler = bare if environ.get("PATH_INFO", "").startswith("/floor/") else kepu
    return handler(environ, start_response)
