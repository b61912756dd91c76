"""The door's API: `POST checkin/scan/` (one scan) and `POST checkin/batch/` (offline scans), and the scanner
token authentication the door's other endpoints use too (SCANNER_AUTHENTICATION)."""

import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.fields import SkipField
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from checkin.models import ScanLog
from events.models import Event
from kepu import access
from kepu.api import IdField

from . import services
from .decision import ScanAnswer
from .lookup import SCAN_EVENT_FIELDS, ScanLookup, scan_lookup, token_with_user

# --- who scans ---------------------------------------------------------------------------------


def _check_token_user(user):
    """The token's user (None: no such token), refused as DRF's TokenAuthentication refuses it."""
    if user is None:
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    if not user.is_active:
        raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
    return user


class ScannerTokenAuthentication(TokenAuthentication):
    """DRF's token auth, loading the organizer with the user in one hand-written statement (lookup.token_with_user):
    on the door's endpoints the ORM's compilation of that query cost as much CPU as the rest of the lookup.
    Every request still reads the token from the database, so a deleted token fails at once."""

    def authenticate_credentials(self, key):
        token = token_with_user(key)
        return _check_token_user(token.user if token else None), token


class ScannerTokenScheme(OpenApiAuthenticationExtension):
    target_class = ScannerTokenAuthentication
    name = "scannerTokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _('The same token as tokenAuth: "Token <key>" from /api/v1/auth/token/.'),
        }


SCANNER_AUTHENTICATION = [ScannerTokenAuthentication, SessionAuthentication]


class _TokenKeyOnly(TokenAuthentication):
    """DRF's reading of the "Authorization: Token <key>" header, with its errors, stopping short of the query."""

    def authenticate_credentials(self, key):
        return None, key


def _token_key(request) -> str | None:
    """The token key the request carries; None without a token header. A malformed header fails (401)."""
    found = _TokenKeyOnly().authenticate(request)
    return found[1] if found else None


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def event_for_scanner(request, event_id: int, *, field: str = "event", watch: bool = False) -> Event:
    """The event, if the user may scan at it (with `watch`, or watch its door); else a 400 on `field` or a 403."""
    event = Event.objects.only(*SCAN_EVENT_FIELDS).filter(pk=event_id).first()
    if watch and event is not None and access.may_watch_door(request.user, event):
        return event
    return _check_scanner(request, event, field=field)


def _check_scanner(request, event: Event | None, *, field: str = "event", on_duty: bool | None = None) -> Event:
    if event is None:
        raise exceptions.ValidationError({field: [_("Unknown event.")]})
    if not access.may_scan(request.user, event, on_duty=on_duty):
        raise exceptions.PermissionDenied(_("Only organizers and volunteers on duty at this event may scan."))
    return event


# --- what a scan says and is told ----------------------------------------------------------------


class ScanSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=500, trim_whitespace=True)
    event = IdField()
    client_id = serializers.UUIDField(
        error_messages={"invalid": gettext_lazy("Must be a UUID, e.g. a crypto.randomUUID().")}
    )
    scanned_at = serializers.DateTimeField(required=False)
    device = serializers.CharField(required=False, allow_blank=True, max_length=100)
    gate = serializers.CharField(required=False, allow_blank=True, max_length=50)


def _bound_fields(serializer_class: type[serializers.Serializer]) -> dict[str, serializers.Field]:
    return dict(serializer_class().fields)


_SCAN_FIELDS = _bound_fields(ScanSerializer)


def validate_scan(data) -> dict:
    """ScanSerializer's validation (same fields, same errors) without a serializer per request.

    A serializer deep-copies its fields for every instance; on the scan endpoint that copy and
    the serializer's machinery cost as much CPU as a database round trip (bench/checkin). These
    fields keep no state between calls, so one bound set serves every request and thread.
    """
    if not isinstance(data, dict):
        message = serializers.Serializer.default_error_messages["invalid"].format(datatype=type(data).__name__)
        raise exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]})
    values, errors = {}, {}
    for name, field in _SCAN_FIELDS.items():
        try:
            values[name] = field.run_validation(field.get_value(data))
        except exceptions.ValidationError as error:
            errors[name] = error.detail
        except SkipField:
            pass
    if errors:
        raise exceptions.ValidationError(errors)
    return values


class ScanResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s for s in ScanLog.Status.values if s != "annulled"])
    message = serializers.CharField()
    client_id = serializers.UUIDField()
    event = serializers.IntegerField()
    # null when the code names no registration (invalid, and wrong_event without an attendee of ours)
    attendee = inline_serializer(
        "ScanAttendee", {"name": serializers.CharField(), "category": serializers.CharField()}, allow_null=True
    )
    checkin = serializers.IntegerField(allow_null=True)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    flagged = serializers.BooleanField()
    replayed = serializers.BooleanField()


def scan_message(answer: ScanAnswer) -> str:
    messages = {
        "ok": _("Checked in. Welcome!"),
        "invalid": _("Invalid code."),
        "wrong_event": _("This code is for another event."),
        "outside_window": _("Check-in for this event is not open now."),
        "revoked": _("This registration was revoked."),
        "scanned_in_future": _(
            "Dated more than a day ahead of the server's clock: not recorded. Check the phone's date."
        ),
    }
    if answer.status == "already_checked_in":
        first = timezone.localtime(answer.checked_in_at).strftime("%H:%M") if answer.checked_in_at else ""
        return _("Already checked in at %(time)s.") % {"time": first}
    return messages[answer.status]


def scan_result(answer: ScanAnswer) -> dict:
    return {
        **answer.to_json(),
        "client_id": str(answer.client_id),
        "message": scan_message(answer),
        "replayed": answer.replayed,
    }


# --- the endpoints -------------------------------------------------------------------------------

_JSON = JSONRenderer()


class ScanView(APIView):
    """One scan at the door → `ok`, `already_checked_in` (with the first check-in's time), `invalid`,
    `wrong_event`, `outside_window` or `revoked`. A repeated `client_id` gets its first answer again.

    The token is checked by the scan's lookup (one statement reads the token's user with the
    event, the code and the check-in: bench/checkin), so authentication is lazy here and
    the permission is checked in `answer`. The scanner page's session works as everywhere.
    """

    authentication_classes = SCANNER_AUTHENTICATION
    permission_classes = []  # see answer

    def dispatch(self, request, *args, **kwargs):
        """A JSON scan with a token is answered without DRF's request wrapper, content negotiation and
        response rendering, which cost a sixth of the endpoint's CPU (bench/checkin). The rest goes through
        DRF as usual: other methods and content types, the scanner page's session (and its CSRF check), a
        body that is no JSON object, and every error, so that those answers are DRF's own."""
        if request.method != "POST" or request.content_type != "application/json":
            return super().dispatch(request, *args, **kwargs)
        try:
            token_key = _token_key(request)
            data = json.loads(request.body) if token_key is not None else None
        except (exceptions.APIException, ValueError):
            return super().dispatch(request, *args, **kwargs)
        if not isinstance(data, dict):
            return super().dispatch(request, *args, **kwargs)
        try:
            body = self.answer(request, data, token_key=token_key)
        except Exception as exc:  # DRF's handling decides: an API error's answer, or a 500 for the rest
            return self._drf_error(request, exc, *args, **kwargs)
        return HttpResponse(_JSON.render(body), content_type=_JSON.media_type)

    def _drf_error(self, request, exc, *args, **kwargs):
        """The answer DRF's own dispatch gives to this exception (same handler, headers and rendering)."""
        self.args, self.kwargs = args, kwargs
        self.request = self.initialize_request(request, *args, **kwargs)
        self.headers = self.default_response_headers
        response = self.handle_exception(exc)
        self.response = self.finalize_response(self.request, response, *args, **kwargs)
        return self.response

    def perform_authentication(self, request):
        pass  # lazy: request.user is read only for a request without a token

    @extend_schema(request=ScanSerializer, responses=ScanResultSerializer)
    def post(self, request):
        token_key = _token_key(request)
        if token_key is None and not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return Response(self.answer(request, request.data, token_key=token_key))

    def answer(self, request, data, *, token_key: str | None) -> dict:
        """The scan's answer; `request` is DRF's, or Django's own for a token scan (see dispatch)."""
        scan = validate_scan(data)
        # The event, the permission, the code's registration and check-in, an earlier answer: one query.
        lookup = scan_lookup(
            event_id=scan["event"],
            code=scan["code"],
            client_id=scan["client_id"],
            user=None if token_key else request.user,
            token_key=token_key,
        )
        if token_key is not None:
            request.user = self._token_user(token_key, lookup)
        event = _check_scanner(request, lookup.event, on_duty=lookup.on_duty)
        answer = services.checkin_scan(
            event=event,
            lookup=lookup,
            code=scan["code"],
            client_id=scan["client_id"],
            scanned_at=scan.get("scanned_at") or timezone.now(),
            scanned_by=request.user,
            device=scan.get("device", ""),
            gate=scan.get("gate", ""),
            ip=client_ip(request),
        )
        return scan_result(answer)

    @staticmethod
    def _token_user(token_key: str, lookup: ScanLookup):
        """The token's user, checked as ScannerTokenAuthentication checks it."""
        if lookup.event is not None:
            return _check_token_user(lookup.token_user)
        # An unknown event read no row: the token decides between 401 and "Unknown event."
        token = token_with_user(token_key)
        return _check_token_user(token.user if token else None)


class OfflineScanSerializer(ScanSerializer):
    scanned_at = serializers.DateTimeField()  # an offline scan is dated by the phone that made it


class BatchSerializer(serializers.Serializer):
    # Ignored: djangorestframework-stubs 3.18.1 leaves out max_length, which DRF passes on to the ListSerializer
    scans = OfflineScanSerializer(many=True, allow_empty=False, max_length=services.BATCH_MAX)  # type: ignore[call-arg]
    device = serializers.CharField(required=False, allow_blank=True, max_length=100)
    gate = serializers.CharField(required=False, allow_blank=True, max_length=50)


class BatchView(APIView):
    """Up to 1,000 scans made offline, each with its `client_id` and `scanned_at`; one answer per scan, in order.

    Uploads may come late, twice, or from two phones that scanned the same
    person: the earliest scan is the check-in and nothing is counted twice.
    """

    authentication_classes = SCANNER_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=BatchSerializer,
        responses=inline_serializer("BatchResult", {"results": ScanResultSerializer(many=True)}),
    )
    def post(self, request):
        scans = request.data.get("scans") if isinstance(request.data, dict) else None
        if isinstance(scans, list) and len(scans) > services.BATCH_MAX:  # say so before validating 1,000s
            raise exceptions.ValidationError(
                {"scans": [_("At most %(max)d scans per batch.") % {"max": services.BATCH_MAX}]}
            )
        data = BatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scans = data.validated_data["scans"]
        events = {
            event_id: event_for_scanner(request, event_id, field="scans") for event_id in {s["event"] for s in scans}
        }
        answers = services.checkin_batch(
            scans=scans,
            events=events,
            scanned_by=request.user,
            device=data.validated_data.get("device", ""),
            gate=data.validated_data.get("gate", ""),
            ip=client_ip(request),
        )
        return Response({"results": [scan_result(a) for a in answers]})
