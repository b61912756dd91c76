"""The check-in API: registrations and their QR codes (organizers), scans and offline batches (scanners),
search, counts, headcounts, annulments and paper lists."""

import functools
import json

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.fields import SkipField
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from events.models import Event, Organization, Organizer, Region
from kepu import access, rawsql
from kepu.api import IdField, IsOrganizer, WriteScopedLinks
from kepu.links import public_url
from kepu.spreadsheets import ImportRefused
from kepu.text import NameField

from . import selectors, services
from .models import Attendee, CheckIn, Headcount, Registration, ScanLog
from .qr import qr_png, qr_svg

User = get_user_model()


class ScannerTokenAuthentication(TokenAuthentication):
    """DRF's token auth, loading the organizer with the user in one hand-written statement (kepu/rawsql.py):
    on the scan path the ORM's compilation of that query cost as much CPU as the rest of the lookup.
    Every request still reads the token from the database, so a deleted token fails at once."""

    def authenticate_credentials(self, key):
        token = _token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token


_TOKEN = rawsql.Row(Token, ("key", "user_id", "created"), "t")
_USER = rawsql.Row(User, tuple(f.attname for f in User._meta.concrete_fields), "u")
_ORGANIZER = rawsql.Row(Organizer, tuple(f.attname for f in Organizer._meta.concrete_fields), "o")


@functools.cache
def _token_sql(vendor: str) -> str:
    del vendor  # part of the cache key only: quoting is the backend's
    c = rawsql.column
    return (
        f"SELECT {', '.join(_TOKEN.select() + _USER.select() + _ORGANIZER.select())} "
        f"FROM {rawsql.table(Token)} t "
        f"JOIN {rawsql.table(User)} u ON {c(User, 'id', 'u')} = {c(Token, 'user_id', 't')} "
        f"LEFT JOIN {rawsql.table(Organizer)} o ON {c(Organizer, 'user_id', 'o')} = {c(User, 'id', 'u')} "
        f"WHERE {c(Token, 'key', 't')} = %s"
    )


def _token_with_user(key: str) -> Token | None:
    """The token, its user and the user's organizer profile (or its absence), as select_related would load them."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    token, user, organizer = _TOKEN.load(values), _USER.load(values), _ORGANIZER.load(values)
    token.user = user
    User.organizer.related.set_cached_value(user, organizer)  # None: known to be no organizer, no query later
    if organizer is not None:
        organizer.user = user
    return token


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


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _event_for_scanner(request, event_id: int, *, field: str = "event", watch: bool = False) -> Event:
    event = Event.objects.only(*selectors.SCAN_EVENT_FIELDS).filter(pk=event_id).first()
    if watch and event is not None and access.may_watch_door(request.user, event):
        return event
    return _check_scanner(request, event, field=field)


def _check_scanner(request, event: Event | None, *, field: str = "event", on_duty: bool | None = None) -> Event:
    if event is None:
        raise exceptions.ValidationError({field: [_("Unknown event.")]})
    if not access.may_scan(request.user, event, on_duty=on_duty):
        raise exceptions.PermissionDenied(_("Only organizers and volunteers on duty at this event may scan."))
    return event


# --- registrations -----------------------------------------------------------------------------


class RegistrationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="attendee.name", read_only=True)
    phone = serializers.SerializerMethodField()
    category = serializers.CharField(source="attendee.category", read_only=True)
    qr_png = serializers.SerializerMethodField()
    qr_svg = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "code",
            "attendee",
            "name",
            "phone",
            "category",
            "event",
            "campaign",
            "revoked_at",
            "created_at",
            "qr_png",
            "qr_svg",
        ]

    def get_phone(self, registration: Registration) -> str:
        return selectors.mask_phone(registration.attendee.phone)

    def _url(self, name: str, registration: Registration) -> str:
        url = reverse(name, kwargs={"pk": registration.pk})
        request = self.context.get("request")
        return public_url(url, request) if request else url

    def get_qr_png(self, registration: Registration) -> str:
        return self._url("api:registration-qr-png", registration)

    def get_qr_svg(self, registration: Registration) -> str:
        return self._url("api:registration-qr-svg", registration)


class RegistrationCreateSerializer(WriteScopedLinks, serializers.Serializer):
    write_scopes = {"school": access.organizations_for_write}

    attendee = IdField(required=False, help_text="An existing attendee; else name (and phone…).")
    name = NameField(required=False, max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    category = serializers.ChoiceField(choices=Attendee.Category.choices, required=False)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True)
    school = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True)

    def validate(self, data):
        if "attendee" not in data and not data.get("name"):
            raise serializers.ValidationError({"name": _("Enter the person's name.")})
        return data


class EventRegistrationsView(generics.ListCreateAPIView):
    """The event's registrations (organizers); POST registers one attendee and answers its code and QR links."""

    permission_classes = [IsOrganizer]
    serializer_class = RegistrationSerializer
    search_fields = ["attendee__name", "attendee__phone"]
    filterset_fields = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        return access.registrations_for_read(self.request.user).filter(event_id=self.kwargs["event_id"]).order_by("id")

    @extend_schema(request=RegistrationCreateSerializer, responses={201: RegistrationSerializer})
    def post(self, request, event_id: int):
        event = access.access_event_for_write(request.user, event_id)
        data = RegistrationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        attendee = None
        if "attendee" in fields:
            attendee = Attendee.objects.filter(pk=fields.pop("attendee"), association_id=event.association_id).first()
            if attendee is None:
                raise exceptions.ValidationError({"attendee": [_("Unknown attendee.")]})
            fields = {}
        registration = services.registration_create(event=event, attendee=attendee, **fields)
        body = RegistrationSerializer(registration, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class RegistrationImportSerializer(WriteScopedLinks, serializers.Serializer):
    write_scopes = {"school": access.organizations_for_write}

    file = serializers.FileField()
    category = serializers.ChoiceField(choices=Attendee.Category.choices, required=False)
    school = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True)


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as the spreadsheet numbers it.")
    ok = serializers.BooleanField()
    name = serializers.CharField()
    message = serializers.CharField()


class ImportRefusedSerializer(serializers.Serializer):
    """A file that could not be imported: what is wrong with it, and every wrong row when rows are wrong."""

    file = serializers.ListField(child=serializers.CharField())
    rows = ImportRowSerializer(many=True, required=False)


class EventRegistrationsImportView(APIView):
    """Register a class or village list from an Excel or CSV file (columns 姓名, 手机, 类别, 乡镇/村, 学校):
    all rows, or none and a 400 naming every wrong row."""

    permission_classes = [IsOrganizer]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=RegistrationImportSerializer,
        responses={
            201: inline_serializer(
                "RegistrationImportResult",
                {
                    "created": serializers.IntegerField(),
                    "existing": serializers.IntegerField(),
                    "notes": serializers.ListField(child=serializers.CharField()),
                },
            ),
            400: ImportRefusedSerializer,
        },
    )
    def post(self, request, event_id: int):
        event = access.access_event_for_write(request.user, event_id)
        data = RegistrationImportSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            result = services.registrations_import(
                event=event,
                file=data.validated_data["file"],
                category=data.validated_data.get("category", ""),
                school=data.validated_data.get("school"),
            )
        except ImportRefused as refused:  # nothing was imported: every wrong row, to fix and upload again
            body = {"file": refused.messages, "rows": refused.report()}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": len(result.created), "existing": len(result.existing), "notes": result.notes},
            status=status.HTTP_201_CREATED,
        )


class RegistrationDetailView(generics.RetrieveAPIView):
    permission_classes = [IsOrganizer]
    serializer_class = RegistrationSerializer

    def get_queryset(self):
        return access.registrations_for_read(self.request.user).order_by("id")


class RegistrationRevokeView(generics.GenericAPIView):
    """Revoke a registration: its code then scans as `revoked`."""

    permission_classes = [IsOrganizer]
    serializer_class = RegistrationSerializer

    def get_queryset(self):
        return access.registrations_for_write(self.request.user).order_by("id")

    @extend_schema(request=None, responses=RegistrationSerializer)
    def post(self, request, pk: int):
        registration = services.registration_revoke(registration=self.get_object())
        return Response(self.get_serializer(registration).data)


class _RegistrationQRView(generics.GenericAPIView):
    permission_classes = [IsOrganizer]

    def get_queryset(self):
        return access.registrations_for_read(self.request.user).order_by("id")


class RegistrationQRPngView(_RegistrationQRView):
    @extend_schema(responses={(200, "image/png"): bytes})
    def get(self, request, pk: int):
        return HttpResponse(qr_png(self.get_object().code), content_type="image/png")


class RegistrationQRSvgView(_RegistrationQRView):
    @extend_schema(responses={(200, "image/svg+xml"): str})
    def get(self, request, pk: int):
        return HttpResponse(qr_svg(self.get_object().code), content_type="image/svg+xml")


# --- scanning ----------------------------------------------------------------------------------


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


def scan_message(answer: services.ScanAnswer) -> str:
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


def scan_result(answer: services.ScanAnswer) -> dict:
    return {
        **answer.to_json(),
        "client_id": str(answer.client_id),
        "message": scan_message(answer),
        "replayed": answer.replayed,
    }


class _TokenKeyOnly(TokenAuthentication):
    """DRF's reading of the "Authorization: Token <key>" header, with its errors, stopping short of the query."""

    def authenticate_credentials(self, key):
        return None, key


def _token_key(request) -> str | None:
    """The token key the request carries; None without a token header. A malformed header fails (401)."""
    found = _TokenKeyOnly().authenticate(request)
    return found[1] if found else None


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
        lookup = selectors.scan_lookup(
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
            ip=_client_ip(request),
        )
        return scan_result(answer)

    @staticmethod
    def _token_user(token_key: str, lookup: selectors.ScanLookup):
        """The token's user, checked as ScannerTokenAuthentication checks it."""
        if lookup.event is not None:
            user = lookup.token_user
        else:  # an unknown event read no row: the token decides between 401 and "Unknown event."
            token = _token_with_user(token_key)
            user = token.user if token else None
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user


_JSON = JSONRenderer()


class OfflineScanSerializer(ScanSerializer):
    scanned_at = serializers.DateTimeField()  # an offline scan is dated by the phone that made it


class BatchSerializer(serializers.Serializer):
    scans = OfflineScanSerializer(many=True, allow_empty=False, max_length=services.BATCH_MAX)
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
            event_id: _event_for_scanner(request, event_id, field="scans") for event_id in {s["event"] for s in scans}
        }
        answers = services.checkin_batch(
            scans=scans,
            events=events,
            scanned_by=request.user,
            device=data.validated_data.get("device", ""),
            gate=data.validated_data.get("gate", ""),
            ip=_client_ip(request),
        )
        return Response({"results": [scan_result(a) for a in answers]})


class SearchView(APIView):
    """Find a registered person at the door by ≥ 2 characters of the name or ≥ 4 digits of the phone."""

    authentication_classes = SCANNER_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "AttendeeSearch",
            {
                "results": inline_serializer(
                    "AttendeeFound",
                    {
                        "name": serializers.CharField(),
                        "phone": serializers.CharField(),
                        "category": serializers.CharField(),
                        "code": serializers.CharField(),
                        "checked_in": serializers.BooleanField(),
                    },
                    many=True,
                )
            },
        )
    )
    def get(self, request):
        try:
            event_id = int(request.query_params.get("event", ""))
        except ValueError:
            raise exceptions.ValidationError({"event": [_("Give the event's id.")]}) from None
        event = _event_for_scanner(request, event_id, watch=True)
        query = request.query_params.get("q", "")
        return Response({"results": selectors.attendees_search(event=event, query=query)})


class CountsView(APIView):
    """Live counts of an event: identified check-ins (by method) and headcounts, apart."""

    authentication_classes = SCANNER_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "EventAttendance",
            {
                "event": serializers.IntegerField(),
                "checked_in": serializers.IntegerField(),
                "by_method": serializers.DictField(child=serializers.IntegerField()),
                "registered": serializers.IntegerField(),
                "headcount": serializers.IntegerField(),
                "headcount_entries": serializers.IntegerField(),
                "person_times": serializers.IntegerField(),
                "awaiting_review": serializers.IntegerField(),
                "failed_scans": serializers.IntegerField(),
            },
        )
    )
    def get(self, request, event_id: int):
        return Response(selectors.event_counts(event=access.access_watched_event(request.user, event_id)))


class AnnulView(APIView):
    """Annul one's own mistaken check-in within 15 minutes (kept in the log as annulled)."""

    authentication_classes = SCANNER_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=inline_serializer("Annulled", {"annulled_at": serializers.DateTimeField()}))
    def post(self, request, pk: int):
        checkin = CheckIn.objects.filter(pk=pk).select_related("event").first()
        if checkin is None or not access.may_scan(request.user, checkin.event):
            raise Http404
        checkin = services.checkin_annul(checkin=checkin, user=request.user)
        return Response({"id": checkin.id, "annulled_at": checkin.annulled_at})


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[services.ReviewDecision.ACCEPT, services.ReviewDecision.REJECT])


class ReviewView(APIView):
    """Accept or reject a self check-in held for review (organizers of the event's own association)."""

    permission_classes = [IsOrganizer]

    @extend_schema(
        request=ReviewSerializer,
        responses=inline_serializer(
            "Reviewed",
            {
                "id": serializers.IntegerField(),
                "review": serializers.ChoiceField(choices=[CheckIn.Review.ACCEPTED, CheckIn.Review.REJECTED]),
                "reviewed_at": serializers.DateTimeField(allow_null=True),
                "annulled_at": serializers.DateTimeField(allow_null=True),
            },
        ),
    )
    def post(self, request, pk: int):
        checkin = get_object_or_404(access.checkins_for_write(request.user), pk=pk)
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        checkin = services.checkin_review(checkin=checkin, decision=data.validated_data["decision"], user=request.user)
        return Response(
            {
                "id": checkin.id,
                "review": checkin.review,
                "reviewed_at": checkin.reviewed_at,
                "annulled_at": checkin.annulled_at,
            }
        )


class HeadcountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Headcount
        fields = ["id", "event", "count", "counted_at", "note", "recorded_by", "created_at"]
        read_only_fields = ["event", "recorded_by", "created_at"]
        extra_kwargs = {
            "counted_at": {"required": False},  # within the event's day: the service
            "count": {"min_value": 1, "max_value": services.HEADCOUNT_MAX},  # and ≤ 10× capacity: the service
        }


class HeadcountsView(generics.ListCreateAPIView):
    """Counted crowds at an open event; volunteers on duty and organizers record them."""

    authentication_classes = SCANNER_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = HeadcountSerializer
    filterset_fields = []
    search_fields = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Headcount.objects.none()
        event = access.access_watched_event(self.request.user, self.kwargs["event_id"])
        return Headcount.objects.filter(event=event).order_by("counted_at")

    def create(self, request, *args, **kwargs):
        self.event = access.access_scanned_event(request.user, self.kwargs["event_id"])  # before the body's errors
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.headcount_record(
            event=self.event, recorded_by=self.request.user, **serializer.validated_data
        )


class ListEntrySerializer(WriteScopedLinks, serializers.Serializer):
    write_scopes = {"school": access.organizations_for_write}

    code = serializers.CharField(required=False, max_length=64)
    name = NameField(required=False, max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    category = serializers.ChoiceField(choices=Attendee.Category.choices, required=False)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True)
    school = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True)
    checked_in_at = serializers.DateTimeField(required=False)

    def validate(self, data):
        if not data.get("code") and not data.get("name"):
            raise serializers.ValidationError({"name": _("Give a name or a registration code.")})
        return data


class PaperListSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=[CheckIn.Method.PAPER, CheckIn.Method.MANUAL], default="paper")
    entries = ListEntrySerializer(many=True, allow_empty=False, max_length=2000)


class PaperCheckInsView(APIView):
    """Attendance from a paper sign-in sheet after the event (method `paper`, or `manual`); organizers only."""

    permission_classes = [IsOrganizer]

    @extend_schema(
        request=PaperListSerializer,
        responses=inline_serializer(
            "PaperListResult", {"checked_in": serializers.IntegerField(), "already": serializers.IntegerField()}
        ),
    )
    def post(self, request, event_id: int):
        event = access.access_event_for_write(request.user, event_id)
        data = PaperListSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        results = services.checkins_enter_from_list(
            event=event,
            entries=data.validated_data["entries"],
            method=data.validated_data["method"],
            entered_by=request.user,
        )
        return Response(
            {
                "checked_in": sum(r.status == "ok" for r in results),
                "already": sum(r.status != "ok" for r in results),
            },
            status=status.HTTP_201_CREATED,
        )


POSTER_CODE_SCHEMA = inline_serializer(
    "PosterCode",
    {"code": serializers.CharField(), "url": serializers.URLField(), "created_at": serializers.DateTimeField()},
)


class PosterCodeView(APIView):
    """The event's self check-in poster code; POST rotates it (the printed poster stops working)."""

    permission_classes = [IsOrganizer]

    def _answer(self, request, poster):
        url = public_url(reverse("checkin:self", kwargs={"code": poster.code}), request)
        return Response({"code": poster.code, "url": url, "created_at": poster.created_at})

    @extend_schema(responses=POSTER_CODE_SCHEMA)
    def get(self, request, event_id: int):
        event = access.access_event_for_read(request.user, event_id)
        return self._answer(request, services.poster_code_for(event=event))

    @extend_schema(request=None, responses=POSTER_CODE_SCHEMA)
    def post(self, request, event_id: int):
        event = access.access_event_for_write(request.user, event_id)
        return self._answer(request, services.poster_code_rotate(event=event))


class ScanLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScanLog
        fields = [
            "id",
            "client_id",
            "event",
            "code",
            "registration",
            "checkin",
            "status",
            "method",
            "scanned_at",
            "received_at",
            "scanned_by",
            "device",
            "gate",
            "ip",
            "flagged",
        ]


class ScanLogView(generics.ListAPIView):
    """Every scan attempt of an event, newest first: failed codes, duplicates, annulments (organizers)."""

    permission_classes = [IsOrganizer]
    serializer_class = ScanLogSerializer
    filterset_fields = ["status", "method", "device", "flagged"]
    search_fields = ["code", "device"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScanLog.objects.none()
        event = access.access_event_for_read(self.request.user, self.kwargs["event_id"])
        return access.scan_logs_for_read(self.request.user).filter(event=event).order_by("-received_at", "-id")
