"""The check-in API: registrations and their QR codes (organizers), search, counts, headcounts, annulments,
reviews, paper lists, poster codes and the scan log. The scan and offline batches are checkin/scan/endpoint.py."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import Organization, Region
from kepu import access
from kepu.api import IdField, IsEventOrganizer, WriteScopedLinks
from kepu.links import public_url
from kepu.spreadsheets import ImportRefused
from kepu.text import NameField

from . import selectors, services
from .models import Attendee, CheckIn, Headcount, Registration, ScanLog
from .qr import qr_png, qr_svg
from .scan.endpoint import SCANNER_AUTHENTICATION, event_for_scanner

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

    permission_classes = [IsEventOrganizer]
    serializer_class = RegistrationSerializer
    search_fields = ["attendee__name", "attendee__phone"]
    filterset_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        return access.registrations_for_read(self.request.user).filter(event_id=self.kwargs["event_id"]).order_by("id")

    @extend_schema(request=RegistrationCreateSerializer, responses={201: RegistrationSerializer})
    def post(self, request, event_id: int):
        event = access.access_event_for_records(request.user, event_id)
        data = RegistrationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        attendee = None
        if "attendee" in fields:
            attendee = (
                access.attendees_for_write(request.user)
                .filter(pk=fields.pop("attendee"), association_id=event.association_id)
                .first()
            )
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
    consent_confirmed = serializers.BooleanField(
        help_text="The organizer confirms that the people on the list agreed to their data being kept "
        "(Personal Information Protection Law); the import is refused without it."
    )

    def validate_consent_confirmed(self, value: bool) -> bool:
        # A form post leaves an unticked box out, which DRF reads as false: refused here either way.
        if not value:
            raise serializers.ValidationError(services.CONSENT_REQUIRED_MESSAGE)
        return value


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as the spreadsheet numbers it.")
    ok = serializers.BooleanField()
    name = serializers.CharField()
    message = serializers.CharField()


class ImportRefusedSerializer(serializers.Serializer):
    """A file that could not be imported: what is wrong with it, and every wrong row when rows are wrong."""

    file = serializers.ListField(child=serializers.CharField(), required=False)
    rows = ImportRowSerializer(many=True, required=False)
    # The organizer did not confirm the people's consent (the file is then not read).
    consent_confirmed = serializers.ListField(child=serializers.CharField(), required=False)


class EventRegistrationsImportView(APIView):
    """Register a class or village list from an Excel or CSV file (columns 姓名, 手机, 类别, 乡镇/村, 学校):
    all rows, or none and a 400 naming every wrong row."""

    permission_classes = [IsEventOrganizer]
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
        event = access.access_event_for_records(request.user, event_id)
        data = RegistrationImportSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            result = services.registrations_import(
                event=event,
                file=data.validated_data["file"],
                category=data.validated_data.get("category", ""),
                school=data.validated_data.get("school"),
                consent_confirmed=data.validated_data["consent_confirmed"],
            )
        except ImportRefused as refused:  # nothing was imported: every wrong row, to fix and upload again
            body = {"file": refused.messages, "rows": refused.report()}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": len(result.created), "existing": len(result.existing), "notes": result.notes},
            status=status.HTTP_201_CREATED,
        )


class RegistrationDetailView(generics.RetrieveAPIView):
    permission_classes = [IsEventOrganizer]
    serializer_class = RegistrationSerializer

    def get_queryset(self):
        return access.registrations_for_read(self.request.user).order_by("id")


class RegistrationRevokeView(generics.GenericAPIView):
    """Revoke a registration: its code then scans as `revoked`."""

    permission_classes = [IsEventOrganizer]
    serializer_class = RegistrationSerializer

    def get_queryset(self):
        return access.registrations_for_write(self.request.user).order_by("id")

    @extend_schema(request=None, responses=RegistrationSerializer)
    def post(self, request, pk: int):
        registration = services.registration_revoke(registration=self.get_object())
        return Response(self.get_serializer(registration).data)


class _RegistrationQRView(generics.GenericAPIView):
    permission_classes = [IsEventOrganizer]

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
        event = event_for_scanner(request, event_id, watch=True)
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

    permission_classes = [IsEventOrganizer]

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


class HeldCheckInSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="attendee.name")
    category = serializers.CharField(source="attendee.category")
    village = serializers.CharField(source="attendee.region.name", default="")
    reasons = serializers.SerializerMethodField()
    phone_belongs_to = serializers.CharField(source="phone_conflict_with.name", default=None)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "attendee",
            "name",
            "category",
            "village",
            "method",
            "scanned_at",
            "reasons",
            "phone_belongs_to",
        ]

    def get_reasons(self, checkin: CheckIn) -> list[str]:
        return [code for code in checkin.flag_reasons.split(",") if code]


class HeldCheckInsView(generics.ListAPIView):
    """The event's self check-ins held for review, oldest first: accept or reject each with
    POST /api/v1/checkin/checkins/{id}/review/. Left out of the figures until then."""

    permission_classes = [IsEventOrganizer]
    serializer_class = HeldCheckInSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CheckIn.objects.none()
        event = access.access_event_for_read(self.request.user, self.kwargs["event_id"])
        return selectors.checkins_awaiting_review(access.checkins_for_read(self.request.user), event=event)


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
    filterset_fields: list[str] = []
    search_fields: list[str] = []

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
    # Ignored: djangorestframework-stubs 3.18.1 leaves out max_length, which DRF passes on to the ListSerializer
    entries = ListEntrySerializer(many=True, allow_empty=False, max_length=2000)  # type: ignore[call-arg]


class PaperCheckInsView(APIView):
    """Attendance from a paper sign-in sheet after the event (method `paper`, or `manual`); organizers only."""

    permission_classes = [IsEventOrganizer]

    @extend_schema(
        request=PaperListSerializer,
        responses=inline_serializer(
            "PaperListResult", {"checked_in": serializers.IntegerField(), "already": serializers.IntegerField()}
        ),
    )
    def post(self, request, event_id: int):
        event = access.access_event_for_records(request.user, event_id)
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

    permission_classes = [IsEventOrganizer]

    def _answer(self, request, poster):
        url = public_url(reverse("checkin:self", kwargs={"code": poster.code}), request)
        return Response({"code": poster.code, "url": url, "created_at": poster.created_at})

    @extend_schema(responses=POSTER_CODE_SCHEMA)
    def get(self, request, event_id: int):
        event = access.access_event_for_read(request.user, event_id)
        if access.may_write(request.user, event):  # made on first use by those who change the event
            return self._answer(request, services.poster_code_for(event=event))
        # A reader (a prefecture) is shown the code there is: reading writes nothing.
        poster = access.poster_codes_for_read(request.user).filter(event=event, retired_at__isnull=True).first()
        if poster is None:
            raise exceptions.NotFound(_("This event has no self check-in code yet."))
        return self._answer(request, poster)

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

    permission_classes = [IsEventOrganizer]
    serializer_class = ScanLogSerializer
    filterset_fields = ["status", "method", "device", "flagged"]
    search_fields = ["code", "device"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScanLog.objects.none()
        event = access.access_event_for_read(self.request.user, self.kwargs["event_id"])
        return access.scan_logs_for_read(self.request.user).filter(event=event).order_by("-received_at", "-id")
