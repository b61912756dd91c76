"""Absolute links Kepu hands out: in an SMS, on a printed poster, in a calendar app.

One setting, PUBLIC_BASE_URL, says where the public reaches Kepu. A link made while answering a request
would otherwise carry the host that request came by (an office's internal address, the proxy's upstream),
and a link made in a worker has no request at all.
"""

from django.conf import settings
from django.http import HttpRequest

DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"  # `make run`'s address, for links made outside a request


def public_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` (absolute, from reverse()) as a full URL: under PUBLIC_BASE_URL when it is set, else under the
    request's own scheme and host, else under the development server's address."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + path
    if request is not None:
        return request.build_absolute_uri(path)
    return DEVELOPMENT_BASE_URL + path
