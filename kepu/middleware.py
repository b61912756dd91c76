"""Input no view can take is answered 400 here, before it reaches the database.

PostgreSQL refuses a NUL character in any text it is given, so a NUL in a path or a query string
(`/t/ab%00cd/`, `?q=a%00b`) would fail deep in whichever view reads it. Forms and DRF's CharField reject
NUL themselves, but URL parameters, raw query parameters and non-form views never go through them.

The last resort: a value out of the database's range (an integer beyond 64 bits, a year 0) that slipped
past validation raises DataError or OverflowError; that is bad input, answered 400, not a server error.
The API's own views answer these in kepu.api.exception_handler; this covers the pages.
"""

import logging
from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from . import errors

logger = logging.getLogger(__name__)


def has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return errors.bad_input(request, _("The address contains a NUL character, which is not allowed."))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataError | OverflowError):
            logger.warning("bad input reached the database: %s %s: %r", request.method, request.path, exception)
            return errors.bad_input(request, _("A value is out of range."))
        return None
