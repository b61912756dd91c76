"""The volunteers API: shifts, sign-ups (mine, or my association's for organizers), hours, volunteers."""

from datetime import date

import django_filters
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import F, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from kepu import access
from kepu.api import (
    IdField,
    IsEventOrganizer,
    IsEventOrganizerOrReadOnly,
    IsOrganizer,
    RolesTokenAuthentication,
    ScopedByMethod,
    WriteScopedLinks,
)
from kepu.text import NameField

from . import selectors, services
from .models import LIVE, Shift, SignUp, Skill, Volunteer, VolunteerInvitation, star_level

# --- serializers -------------------------------------------------------------------------------------


class SkillField(serializers.SlugRelatedField):
    """Skills by name; a new name makes a new skill (organizers name them freely)."""

    # A slug field is no CharField: DRF's check for NUL characters (which PostgreSQL refuses) is made here.
    default_error_messages = {"null_characters": ProhibitNullCharactersValidator.message}

    def __init__(self, **kwargs):
        super().__init__(slug_field="name", queryset=Skill.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip() or len(data.strip()) > 50:
            self.fail("invalid")
        if "\x00" in data:
            self.fail("null_characters")
        return services.skills_by_names([data])[0]


class ShiftSerializer(WriteScopedLinks, serializers.ModelSerializer):
    write_scopes = {"event": access.events_for_write}
    event_title = serializers.CharField(source="event.title", read_only=True)
    remaining = serializers.SerializerMethodField()
    required_skills = SkillField(many=True, required=False)

    class Meta:
        model = Shift
        fields = [
            "id",
            "event",
            "event_title",
            "role",
            "starts_at",
            "ends_at",
            "capacity",
            "taken",
            "remaining",
            "required_skills",
            "expert_only",
            "signup_deadline",
        ]
        read_only_fields = ["taken"]

    def get_remaining(self, shift: Shift) -> int:
        return max(shift.capacity - shift.taken, 0)


class SignUpSerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name", read_only=True)
    event = serializers.IntegerField(source="shift.event_id", read_only=True)
    event_title = serializers.CharField(source="shift.event.title", read_only=True)
    role = serializers.CharField(source="shift.role", read_only=True)
    starts_at = serializers.DateTimeField(source="shift.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="shift.ends_at", read_only=True)
    waitlist_position = serializers.SerializerMethodField()
    # Blank until hours are recorded: the schema's enum says so too.
    hours_source = serializers.ChoiceField(choices=SignUp.HoursSource.choices, allow_blank=True, read_only=True)

    class Meta:
        model = SignUp
        fields = [
            "id",
            "shift",
            "event",
            "event_title",
            "role",
            "starts_at",
            "ends_at",
            "volunteer",
            "volunteer_name",
            "status",
            "waitlist_position",
            "created_at",
            "checked_in_at",
            "checked_out_at",
            "hours",
            "hours_source",
        ]
        read_only_fields = fields

    def get_waitlist_position(self, signup: SignUp) -> int | None:
        return selectors.waitlist_position(signup)


class VolunteerSerializer(WriteScopedLinks, serializers.ModelSerializer):
    write_scopes = {"organizations": access.organizations_for_write}
    skills = SkillField(many=True, required=False)
    phone = serializers.CharField(max_length=30)
    name = NameField(max_length=50)
    star_level = serializers.SerializerMethodField()

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "phone",
            "name",
            "is_expert",
            "skills",
            "organizations",
            "home_region",
            "language",
            "star_level",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_star_level(self, volunteer: Volunteer) -> int:
        if hasattr(volunteer, "hours_total"):  # annotated by the view's queryset: no query per volunteer
            return star_level(volunteer.hours_total or 0)
        return selectors.hours_of(volunteer).stars

    def to_representation(self, volunteer: Volunteer) -> dict:
        data = super().to_representation(volunteer)
        user = self.context["request"].user
        if not (access.is_organizer(user) or volunteer.user_id == user.id):
            data["phone"] = services.mask_phone(volunteer.phone)
        return data


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as organizers see it: the same shape whoever holds the number."""

    status: serializers.Field = serializers.SerializerMethodField()  # InvitedSerializer answers a constant
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = VolunteerInvitation
        fields = ["id", "status", "phone", "name", "is_expert", "created_at", "expires_at", "accepted_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["pending", "accepted", "expired"]))
    def get_status(self, invitation: VolunteerInvitation) -> str:
        return invitation.status_at(timezone.now())


class InvitedSerializer(InvitationSerializer):
    """The answer to adding a volunteer: invited, whether the number is new or registered elsewhere."""

    status = serializers.ChoiceField(choices=["invited"], read_only=True, default="invited")


class AddVolunteerSerializer(serializers.Serializer):
    volunteer = IdField()


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.BooleanField()


class HoursInputSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)


class MoveSerializer(serializers.Serializer):
    shift = IdField()


class HoursSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    total_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    star_level = serializers.IntegerField()
    next_star_at = serializers.IntegerField(allow_null=True)
    by_source = serializers.DictField(child=serializers.DecimalField(max_digits=10, decimal_places=2))
    records = SignUpSerializer(many=True)


# --- helpers --------------------------------------------------------------------------------------


def _volunteer_or_403(request) -> Volunteer:
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        raise PermissionDenied(_("Only volunteers can sign up; register as a volunteer first."))
    return volunteer


def _period(request) -> tuple[date | None, date | None]:
    errors, period = {}, []
    for name in ("from", "to"):
        raw = request.query_params.get(name)
        try:
            period.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
            period.append(None)
    if errors:
        raise serializers.ValidationError(errors)
    return period[0], period[1]


class ShiftFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__lte")
    has_places = django_filters.BooleanFilter(method="filter_has_places")
    skill = django_filters.CharFilter(field_name="required_skills__name")

    class Meta:
        model = Shift
        fields = ["event", "role", "expert_only"]

    def filter_has_places(self, queryset, name, value):
        return queryset.filter(taken__lt=F("capacity")) if value else queryset.filter(taken__gte=F("capacity"))


# --- views ---------------------------------------------------------------------------------------


class ShiftViewSet(ScopedByMethod, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Shifts of the events one may see; organizers create and change them."""

    serializer_class = ShiftSerializer
    permission_classes = [IsEventOrganizerOrReadOnly]  # a township organizer staffs its township's events
    filterset_class = ShiftFilter
    ordering_fields = ["starts_at"]

    scopes = (access.shifts_for_read, access.shifts_for_write)

    def get_queryset(self):
        if self.action in ("signup", "cancel"):  # a volunteer signs up for a shift they read
            return access.shifts_for_read(self.request.user).order_by("starts_at", "id")
        return super().get_queryset().order_by("starts_at", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.shift_create(
            event=data.pop("event"), required_skills=data.pop("required_skills", []), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        services.shift_update(shift=serializer.instance, required_skills=data.pop("required_skills", None), **data)

    @extend_schema(request=None, responses={200: SignUpSerializer, 201: SignUpSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        authentication_classes=[RolesTokenAuthentication, SessionAuthentication],
        filter_backends=[],  # one shift by its id: the list's filters built a filter form on every tap
    )
    def signup(self, request, pk=None):
        """Sign me up: confirmed while places are free, else waitlisted (with my position). Safe to repeat."""
        volunteer = _volunteer_or_403(request)
        shift = self.get_object()
        signup, created = services.shift_signup_outcome(shift=shift, volunteer=volunteer)
        return Response(
            SignUpSerializer(signup).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses=SignUpSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def cancel(self, request, pk=None):
        """Cancel my sign-up for this shift; my place goes to the first on the waitlist."""
        volunteer = _volunteer_or_403(request)
        signup = get_object_or_404(SignUp, shift=self.get_object(), volunteer=volunteer, status__in=LIVE)
        return Response(SignUpSerializer(services.signup_cancel(signup=signup)).data)

    @extend_schema(request=AddVolunteerSerializer, responses=SignUpSerializer)
    @action(
        detail=True, methods=["post"], permission_classes=[IsEventOrganizer], serializer_class=AddVolunteerSerializer
    )
    def add(self, request, pk=None):
        """Add a volunteer by hand (organizers; not held to the deadline)."""
        shift = self.get_object()
        serializer = AddVolunteerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        volunteer = get_object_or_404(
            access.volunteers_to_staff(request.user), pk=serializer.validated_data["volunteer"]
        )
        signup = services.shift_signup(shift=shift, volunteer=volunteer, by_organizer=True)
        return Response(SignUpSerializer(signup).data, status=status.HTTP_201_CREATED)


class SignUpFilter(django_filters.FilterSet):
    event = django_filters.NumberFilter(field_name="shift__event")

    class Meta:
        model = SignUp
        fields = ["status", "shift", "volunteer"]


class SignUpViewSet(ScopedByMethod, viewsets.ReadOnlyModelViewSet):
    """A volunteer sees their own sign-ups; organizers those of their association."""

    serializer_class = SignUpSerializer
    filterset_class = SignUpFilter

    scopes = (access.signups_for_read, access.signups_for_write)

    def get_queryset(self):
        return super().get_queryset().order_by("shift__starts_at", "id")

    def _organizer_signup(self) -> SignUp:
        if not access.is_organizer(self.request.user):
            raise PermissionDenied(IsOrganizer.message)
        return self.get_object()

    @extend_schema(request=None, responses=SignUpSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The volunteer cancels, or an organizer removes the volunteer (no deadline for organizers)."""
        signup = self.get_object()
        by_organizer = access.is_organizer(request.user)
        return Response(SignUpSerializer(services.signup_cancel(signup=signup, by_organizer=by_organizer)).data)

    @extend_schema(request=AttendanceSerializer, responses=SignUpSerializer)
    @action(detail=True, methods=["post"], serializer_class=AttendanceSerializer)
    def attendance(self, request, pk=None):
        """Organizers mark attended (hours from scans, else the shift's length) or no-show."""
        signup = self._organizer_signup()
        serializer = AttendanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signup = services.signup_mark_attendance(signup=signup, attended=serializer.validated_data["attended"])
        return Response(SignUpSerializer(signup).data)

    @extend_schema(request=HoursInputSerializer, responses=SignUpSerializer)
    @action(detail=True, methods=["post"], serializer_class=HoursInputSerializer)
    def hours(self, request, pk=None):
        """Organizers add hours by hand (capped at the event's length)."""
        signup = self._organizer_signup()
        serializer = HoursInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signup = services.signup_record_hours(signup=signup, hours=serializer.validated_data["hours"])
        return Response(SignUpSerializer(signup).data)

    @extend_schema(request=MoveSerializer, responses=SignUpSerializer)
    @action(detail=True, methods=["post"], serializer_class=MoveSerializer)
    def move(self, request, pk=None):
        """Organizers move the volunteer to another shift with a free place."""
        signup = self._organizer_signup()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to_shift = get_object_or_404(access.shifts_for_write(request.user), pk=serializer.validated_data["shift"])
        return Response(SignUpSerializer(services.signup_move(signup=signup, to_shift=to_shift)).data)


class MySignUpsView(APIView):
    @extend_schema(responses=SignUpSerializer(many=True))
    def get(self, request):
        """My sign-ups, newest shifts last."""
        volunteer = _volunteer_or_403(request)
        signups = SignUp.objects.filter(volunteer=volunteer).select_related("shift", "shift__event")
        status_filter = request.query_params.get("status")
        if status_filter:
            signups = signups.filter(status=status_filter)
        return Response(SignUpSerializer(signups.order_by("shift__starts_at", "id"), many=True).data)


class MyHoursView(APIView):
    @extend_schema(parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str)], responses=HoursSerializer)
    def get(self, request):
        """My service hours over a period (from/to as YYYY-MM-DD), with my star level."""
        volunteer = _volunteer_or_403(request)
        start, end = _period(request)
        record = selectors.hours_of(volunteer, start=start, end=end)
        data = {
            "start": start,
            "end": end,
            "total_hours": record.total,
            "star_level": record.stars,
            "next_star_at": record.next_star,
            "by_source": record.by_source,
            "records": record.signups,
        }
        return Response(HoursSerializer(data).data)


class VolunteerViewSet(ScopedByMethod, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Organizers list, create and change their association's volunteers; a volunteer reads only themselves."""

    serializer_class = VolunteerSerializer
    scopes = (access.volunteers_for_read, access.volunteers_for_write)
    filterset_fields = ["is_expert", "home_region", "skills"]
    search_fields = ["name", "phone"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(hours_total=Sum("signups__hours", filter=Q(signups__status=SignUp.Status.ATTENDED)))
            .order_by("name", "id")  # Meta.ordering is dropped from GROUP BY queries
        )

    def get_permissions(self):
        if self.action in ("create", "update", "partial_update"):
            return [IsOrganizer()]
        return super().get_permissions()

    @extend_schema(
        request=VolunteerSerializer,
        responses={202: InvitedSerializer},
        description=(
            "Add a volunteer: the number gets an SMS inviting it to volunteer with the organizer's association, "
            "and the volunteer exists once the person accepts on the phone. The answer is the same 202 for a new "
            "number and for a volunteer of another association (so it tells nobody who is registered where); a "
            "number already volunteering with the organizer's association is a 400."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        invitation = services.volunteer_invite(
            association=access.association_of(request.user),
            invited_by=request.user,
            skills=data.pop("skills", []),
            organizations=data.pop("organizations", []),
            **data,
        )
        return Response(InvitedSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        services.volunteer_update(volunteer=serializer.instance, skills=data.pop("skills", None), **data)


class VolunteerInvitationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizers follow their association's invitations (pending, accepted, expired); read only."""

    serializer_class = InvitationSerializer
    permission_classes = [IsOrganizer]

    def get_queryset(self):
        return access.volunteer_invitations_for_read(self.request.user)


class StaffScanInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)


class StaffScanSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=[
            "checked_in",
            "checked_out",
            "already_checked_in",
            "already_checked_out",
            "invalid",
            "no_shift",
            "outside_window",
        ]
    )
    message = serializers.CharField(allow_blank=True)
    signup = SignUpSerializer(allow_null=True)


class StaffScanView(APIView):
    @extend_schema(request=StaffScanInputSerializer, responses=StaffScanSerializer)
    def post(self, request):
        """I scanned the event's staff code: check in to my shift, the second time check out.

        Like the attendees' scan, every answer is a 200 whose `result` says what happened.
        """
        volunteer = _volunteer_or_403(request)
        serializer = StaffScanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result, signup = services.staff_scan(code=serializer.validated_data["code"], volunteer=volunteer)
        except services.StaffScanRefused as refused:
            data = {"result": refused.code, "message": refused.message, "signup": None}
        else:
            data = {"result": result, "message": "", "signup": signup}
        return Response(StaffScanSerializer(data).data)
