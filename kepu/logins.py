"""Sign-in protection (django-axes): who is counted, what a locked-out client is told, who reads the log.

Every sign-in path calls `django.contrib.auth.authenticate` with the request: the admin's
login, the volunteers' /v/login/, the API token (`TokenView`) and the one-time login code
(`kepu.login_codes.LoginCodeBackend`). axes' backend comes first in
AUTHENTICATION_BACKENDS, so a locked-out account or address is refused before any password
or code is checked: the right password does not open a locked account.

Failures are counted per account (the username, a phone number in E.164 however it was
typed) and per client address, each against LOGIN_FAILURE_LIMIT within
LOGIN_COOLOFF_MINUTES of the last failure. The client address is the connection's unless
TRUSTED_PROXY_COUNT says how many proxies of ours stand in front (X-Forwarded-For is
written by the client otherwise, and would let it pick a fresh address per guess).
"""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken

from kepu import phones


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE), the way DRF's throttles see it (NUM_PROXIES)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    # Our nearest proxy appended what it saw; anything further left the client may have written.
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote


def username_of(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in is for (AXES_USERNAME_CALLABLE): a phone number counts as one however written."""
    username = (credentials or {}).get("username")
    if username is None:
        data = getattr(request, "data", None) or request.POST
        username = data.get("username") or data.get("phone")
    if username is None:
        return None
    username = str(username).strip()
    try:
        return phones.normalize_phone(username, mobile_only=True)
    except (ValidationError, ValueError):
        return username


def cooloff_minutes(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request) or timedelta(0)
    return max(1, round(cool_off.total_seconds() / 60))


def lockout_message(request: HttpRequest | None = None) -> str:
    return _("Too many failed sign-ins. Sign-in is locked for %(minutes)d minutes; try again later.") % {
        "minutes": cooloff_minutes(request)
    }


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """What a locked-out sign-in is answered (AXES_LOCKOUT_CALLABLE), 429 in the request's language."""
    if original_response is not None and original_response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        return original_response  # the page said so itself, in its own form (/v/login/)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(request), "code": "locked_out"}, status=429)
    return render(request, "kepu/locked_out.html", {"message": lockout_message(request)}, status=429)


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, request: HttpRequest):
        super().__init__(lockout_message(request))
        self.wait = cooloff_minutes(request) * 60  # DRF's handler sends it as Retry-After


def refuse_if_locked_out(request) -> None:
    """After a failed authenticate(): 429 if axes locked the client out (it marks the DRF request it was given)."""
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(request)


class TokenView(ObtainAuthToken):
    """POST username and password → an API token; 429 while the account or the address is locked out."""

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("TokenAnswer", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            refuse_if_locked_out(request)
            raise


# --- The organizers' log -----------------------------------------------------------------------


def usernames_of_association(association_id: int) -> QuerySet:
    """The usernames of an association's people: its organizers and its volunteers."""
    return User.objects.filter(
        Q(organizer__association_id=association_id) | Q(volunteer__association_id=association_id)
    ).values("username")
