"""One-time login codes: a code sent by SMS signs a volunteer in (or confirms a new number at registration).

Beside the sign-in protection (kepu/logins.py): the code goes through `authenticate()` like a
password does (`LoginCodeBackend`), so django-axes counts its failures per phone number and per
address and refuses a locked-out one. The code's SMS is handed to the notifications outbox, which
sends it at once (urgent, quiet hours or not) and blanks the code in its record once sent.
Only the code's hash is kept (notifications.models.LoginCode).
"""

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from notifications.channels import normalize_phone
from notifications.messages import Message
from notifications.models import Kind, LoginCode
from notifications.services import Recipient, notify
from volunteers.messages import volunteer_recipient
from volunteers.models import Volunteer

from .logins import refuse_if_locked_out

LOGIN_CODE = Message(
    gettext_lazy("Your login code"),
    gettext_lazy("Your Kepu login code is %(code)s. It expires in %(minutes)s minutes. Do not tell it to anyone."),
)
# Someone registers a volunteer account with a number Kepu does not know: the code confirms the phone.
REGISTRATION_CODE = Message(
    gettext_lazy("Your registration code"),
    gettext_lazy(
        "Your Kepu registration code is %(code)s. Enter it to finish registering as a volunteer. "
        "It expires in %(minutes)s minutes. Do not tell it to anyone."
    ),
)
# Someone registers with a number that already has an account: its owner is told, and may sign in.
REGISTRATION_TAKEN = Message(
    gettext_lazy("Someone tried to register with your number"),
    gettext_lazy(
        "Someone tried to register a Kepu volunteer account with your number, which already has one. "
        "If it was you, enter the code %(code)s to sign in to your account (it expires in %(minutes)s "
        "minutes). If not, ignore this message: nothing was changed."
    ),
)


class LoginCodeThrottled(Exception):
    def __init__(self, wait_seconds: int):
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


def _code_hash(*, phone: str, code: str, salt: str) -> str:
    # The key salt keeps its old name: codes sent before the move still check.
    digest = salted_hmac("kepu.notifications.login_code", f"{salt}:{phone}:{code}", algorithm="sha256").hexdigest()
    return f"{salt}${digest}"


def _phone_or_error(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except ValueError:
        raise ValidationError({"phone": _("Enter a valid mobile phone number.")}) from None


@transaction.atomic
def login_code_send(
    *,
    phone: str,
    now: datetime | None = None,
    purpose: str = "login",
    association_id: int | None = None,
    language: str | None = None,
) -> None:
    """Send a one-time login code to a volunteer's phone.

    Rate-limited per phone (unknown numbers too, and with the same answer, so
    the form does not tell who is a volunteer). Only the code's hash is kept.

    purpose "register": someone registers with this number (volunteers.services.volunteer_register_start).
    A number Kepu does not know gets a registration code (in `language`); a volunteer's number gets a
    message saying someone tried to register with it, with a code that signs its owner in.
    """
    now = now or timezone.now()
    config = settings.NOTIFICATIONS_LOGIN_CODE
    phone = _phone_or_error(phone)
    recent = LoginCode.objects.filter(phone=phone, created_at__gte=now - timedelta(minutes=config["window_minutes"]))
    latest = recent.order_by("-created_at").first()
    if latest and latest.created_at > now - timedelta(seconds=config["min_interval_seconds"]):
        wait = latest.created_at + timedelta(seconds=config["min_interval_seconds"]) - now
        raise LoginCodeThrottled(int(wait.total_seconds()) + 1)
    if recent.count() >= config["max_per_window"]:
        oldest = recent.order_by("created_at").first()
        assert oldest is not None  # the window holds max_per_window codes, at least one
        wait = oldest.created_at + timedelta(minutes=config["window_minutes"]) - now
        raise LoginCodeThrottled(int(wait.total_seconds()) + 1)
    code = f"{secrets.randbelow(10**6):06d}"
    login_code = LoginCode.objects.create(
        phone=phone,
        code_hash=_code_hash(phone=phone, code=code, salt=secrets.token_hex(8)),
        created_at=now,
        expires_at=now + timedelta(minutes=config["ttl_minutes"]),
    )
    volunteer = Volunteer.objects.select_related("user").filter(phone=phone).first()
    if volunteer is not None:
        recipients = [volunteer_recipient(volunteer)]
        association_id = volunteer.association_id
        message = REGISTRATION_TAKEN if purpose == "register" else LOGIN_CODE
    elif purpose == "register":
        recipients = [Recipient(ref=f"p{phone}", name="", language=language or settings.LANGUAGE_CODE, phone=phone)]
        message = REGISTRATION_CODE
    else:
        return
    notify(
        kind=Kind.LOGIN_CODE,
        recipients=recipients,
        key=f"{login_code.id}",
        message=message,
        context={"code": code, "minutes": config["ttl_minutes"]},
        association_id=association_id,
        now=now,
    )


def login_code_check(*, phone: str, code: str, now: datetime | None = None) -> bool:
    """Whether `code` is the phone's latest live code; a right code is used up, a wrong one counts against it."""
    now = now or timezone.now()
    try:
        phone = normalize_phone(phone)
    except ValueError:
        return False
    login_code = (
        LoginCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first()
    )
    if login_code is None or login_code.failed_attempts >= settings.NOTIFICATIONS_LOGIN_CODE["max_attempts"]:
        return False
    salt = login_code.code_hash.split("$", 1)[0]
    if not constant_time_compare(_code_hash(phone=phone, code=str(code).strip(), salt=salt), login_code.code_hash):
        LoginCode.objects.filter(id=login_code.id).update(failed_attempts=F("failed_attempts") + 1)
        return False
    # Single use, also when two requests race with the same code: the conditional UPDATE picks one.
    return bool(LoginCode.objects.filter(id=login_code.id, used_at__isnull=True).update(used_at=now))


def login_code_verify(*, phone: str, code: str, now: datetime | None = None) -> User | None:
    """The volunteer's user if `code` is the phone's latest live code (then used up); None otherwise."""
    if not login_code_check(phone=phone, code=code, now=now):
        return None
    volunteer = Volunteer.objects.select_related("user").filter(phone=normalize_phone(phone)).first()
    return volunteer.user if volunteer else None


# --- Signing in with a code -----------------------------------------------------------------------


class LoginCodeBackend(ModelBackend):
    """Signing in with a one-time login code, as an authentication backend (AUTHENTICATION_BACKENDS)."""

    # ModelBackend's signature; the code comes as the credential "one_time_password", never as `password`
    # (a password is no code). "one_time_password" rather than "code": Django masks credentials named like a
    # password in the user_login_failed signal, so the code never reaches a log.
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        one_time_password = kwargs.get("one_time_password")
        if username is None or one_time_password is None:
            return None
        user: User | None = login_code_verify(phone=username, code=one_time_password)
        return user if user is not None and self.user_can_authenticate(user) else None


class LoginCodeThrottle(SimpleRateThrottle):
    """Requests for and with login codes per client address (rate: REST_FRAMEWORK's "login_code_ip")."""

    scope = "login_code_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginCodePhoneThrottle(SimpleRateThrottle):
    """Requests for and with login codes per phone number, however written ("login_code_phone")."""

    scope = "login_code_phone"

    def get_cache_key(self, request, view):
        try:
            phone = normalize_phone(str(request.data.get("phone", "")))
        except (ValidationError, ValueError, AttributeError):
            return None  # not a number: the serializer refuses it, nothing to count
        return self.cache_format % {"scope": self.scope, "ident": phone}


class LoginCodeRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)


class LoginCodeVerifySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    code = serializers.CharField(max_length=10)


class LoginCodeView(APIView):
    """Send a one-time login code by SMS to a volunteer who forgot their password."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [LoginCodeThrottle, LoginCodePhoneThrottle]

    @extend_schema(
        request=LoginCodeRequestSerializer,
        responses={202: inline_serializer("LoginCodeSent", {"detail": serializers.CharField()})},
    )
    def post(self, request):
        serializer = LoginCodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            login_code_send(phone=serializer.validated_data["phone"])
        except LoginCodeThrottled as throttled:
            raise exceptions.Throttled(wait=throttled.wait_seconds) from None
        detail = _("If this number belongs to a volunteer, a code is on its way.")
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class LoginCodeVerifyView(APIView):
    """Trade a one-time login code for an API token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [LoginCodeThrottle, LoginCodePhoneThrottle]

    @extend_schema(
        request=LoginCodeVerifySerializer,
        responses=inline_serializer("LoginCodeToken", {"token": serializers.CharField()}),
    )
    def post(self, request):
        serializer = LoginCodeVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Through authenticate(), so django-axes counts failures per number and address (kepu/logins.py).
        user = authenticate(request, username=data["phone"], one_time_password=data["code"])
        if user is None:
            refuse_if_locked_out(request)
            raise exceptions.ValidationError({"code": [_("The code is wrong or has expired.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
