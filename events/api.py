"""The planning API: campaigns, events, venues, organizations (organizers write) and regions (read)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kepu import access
from kepu.api import IsEventOrganizerOrReadOnly, IsOrganizer, IsOrganizerOrReadOnly, ScopedByMethod, WriteScopedLinks

from . import services
from .filters import CampaignFilter, EventFilter
from .models import (
    YEAR_MAX,
    Campaign,
    Event,
    EventOutput,
    Organization,
    OrganizationMembership,
    OrganizationSupport,
    Region,
    Venue,
)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "level", "parent", "code"]


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganizationMembership
        fields = ["year", "members"]
        # One entry per year: a POST for a year that has one corrects it.
        extra_kwargs = {"year": {"min_value": 1900, "max_value": YEAR_MAX}}


class SupportSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganizationSupport
        fields = ["id", "kind", "date", "note"]


class OrganizationSerializer(serializers.ModelSerializer):
    # Members are entered year by year (POST …/memberships/), never as one number overwritten.
    memberships = MembershipSerializer(many=True, read_only=True)
    supports = SupportSerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "founded_on", "dissolved_on", "region", "memberships", "supports"]

    def validate(self, attrs: dict) -> dict:
        # The name is unique within the association, which the view sets: checked against it here.
        association = (
            self.instance.association if self.instance else access.association_of(self.context["request"].user)
        )
        name = attrs.get("name", getattr(self.instance, "name", ""))
        organization = Organization(pk=getattr(self.instance, "pk", None), association=association, name=name)
        founded = attrs.get("founded_on", getattr(self.instance, "founded_on", None))
        dissolved = attrs.get("dissolved_on", getattr(self.instance, "dissolved_on", None))
        try:
            services.organization_validate(organization)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from None
        if founded and dissolved and dissolved <= founded:
            raise serializers.ValidationError({"dissolved_on": _("An organization is dissolved after it was founded.")})
        return attrs


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["id", "name", "kind", "region", "address", "latitude", "longitude"]


class CampaignSerializer(WriteScopedLinks, serializers.ModelSerializer):
    write_scopes = {"lead_organization": access.organizations_for_write}
    event_count = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "starts_on",
            "ends_on",
            "lead_organization",
            "description",
            "status",
            "event_count",
        ]

    def get_event_count(self, campaign: Campaign) -> int:
        # Lists annotate the count (access.campaigns_for_read); a just-created campaign has none yet.
        count = getattr(campaign, "event_count", None)
        return campaign.events.count() if count is None else count


class EventOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventOutput
        fields = ["id", "kind", "quantity", "note"]
        extra_kwargs = {"quantity": {"min_value": 0}}


class EventSerializer(WriteScopedLinks, serializers.ModelSerializer):
    write_scopes = {
        "campaign": access.campaigns_to_plan_in,
        "venue": access.venues_for_write,
        "partners": access.organizations_for_write,
    }
    checkin_window = serializers.SerializerMethodField()
    venue_name = serializers.CharField(source="venue.name", read_only=True)
    outputs = EventOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "kind",
            "campaign",
            "venue",
            "venue_name",
            "starts_at",
            "ends_at",
            "capacity",
            "partners",
            "audience",
            "is_countryside_trip",
            "checkin_opens_at",
            "checkin_closes_at",
            "checkin_window",
            "description",
            "status",
            "outputs",
        ]
        extra_kwargs = {"is_countryside_trip": {"required": False}}

    def get_checkin_window(self, event: Event) -> dict:
        opens, closes = event.checkin_window
        return {"opens_at": opens, "closes_at": closes}


def _organizer_association(request):
    return access.association_of(request.user)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The administrative tree; anyone may read it."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    permission_classes = []
    filterset_fields = ["level", "parent"]
    search_fields = ["name"]


@contextmanager
def _name_race_refused(serializer: OrganizationSerializer) -> Iterator[None]:
    name = serializer.validated_data.get("name", getattr(serializer.instance, "name", ""))
    try:
        with services.organization_name_race_refused(name):
            yield
    except DjangoValidationError as invalid:
        raise serializers.ValidationError(invalid.message_dict) from None


class OrganizationViewSet(ScopedByMethod, viewsets.ModelViewSet):
    scopes = (access.organizations_for_read, access.organizations_for_write)
    serializer_class = OrganizationSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["kind", "region"]
    search_fields = ["name"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("memberships", "supports")

    def perform_create(self, serializer):
        with _name_race_refused(serializer):
            serializer.save(association=_organizer_association(self.request))
        services.organization_saved(serializer.instance)

    def perform_update(self, serializer):
        with _name_race_refused(serializer):
            serializer.save()
        services.organization_saved(serializer.instance)

    def perform_destroy(self, instance):
        services.organization_delete(organization=instance)

    @extend_schema(request=MembershipSerializer, responses={201: MembershipSerializer})
    @action(detail=True, methods=["post"], serializer_class=MembershipSerializer)
    def memberships(self, request, pk=None):
        """The organization's members in a year: that year's entry is written (or corrected)."""
        organization = self.get_object()
        data = MembershipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.organization_members_set(organization=organization, **data.validated_data)
        return Response(MembershipSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SupportSerializer, responses={201: SupportSerializer})
    @action(detail=True, methods=["post"], serializer_class=SupportSerializer)
    def supports(self, request, pk=None):
        """Record what the association did for the organization, on a date (charter, leaders trained…)."""
        organization = self.get_object()
        data = SupportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        support = services.organization_support_add(organization=organization, **data.validated_data)
        return Response(SupportSerializer(support).data, status=status.HTTP_201_CREATED)


class VenueViewSet(ScopedByMethod, viewsets.ModelViewSet):
    scopes = (access.venues_for_read, access.venues_for_write)
    serializer_class = VenueSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["kind", "region"]
    search_fields = ["name", "address"]

    def perform_create(self, serializer):
        serializer.save(association=_organizer_association(self.request))

    def perform_destroy(self, instance):
        services.venue_delete(venue=instance)


class CampaignViewSet(ScopedByMethod, viewsets.ModelViewSet):
    scopes = (access.campaigns_for_read, access.campaigns_for_write)
    serializer_class = CampaignSerializer
    permission_classes = [IsOrganizerOrReadOnly]
    filterset_class = CampaignFilter
    search_fields = ["name", "description"]
    ordering_fields = ["starts_on", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.campaign_create(
            association=_organizer_association(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.campaign_update(campaign=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance)


class EventViewSet(ScopedByMethod, viewsets.ModelViewSet):
    scopes = (access.events_for_read, access.events_for_write)
    serializer_class = EventSerializer
    # Township organizers plan their township's events too; partner accounts record outputs only.
    permission_classes = [IsEventOrganizerOrReadOnly]
    filterset_class = EventFilter
    search_fields = ["title", "description", "venue__name"]
    ordering_fields = ["starts_at", "title"]

    def create(self, request, *args, **kwargs):
        if not access.may_plan_events(request.user):
            self.permission_denied(request, message=_("Your account records the work of events; it plans none."))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.event_create(
            association=_organizer_association(self.request),
            township=access.township_of(self.request.user),  # who did it: the township, or the county (None)
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        services.event_update(event=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.event_delete(event=instance)

    def _event_for_records(self) -> Event:
        """The URL's event, if the user records its work; 404/403 as kepu.access says."""
        try:
            event_id = int(self.kwargs["pk"])
        except ValueError:
            raise Http404 from None
        return access.access_event_for_records(self.request.user, event_id)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the event; its sign-ups, registrations and check-ins are kept."""
        event = services.event_cancel(event=self.get_object())
        return Response(EventSerializer(event, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], responses=EventOutputSerializer(many=True))
    @extend_schema(methods=["POST"], request=EventOutputSerializer, responses={201: EventOutputSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], serializer_class=EventOutputSerializer, pagination_class=None)
    def outputs(self, request, pk=None):
        """The event's outputs (materials, boards, broadcasts…); POST records one more (those who record
        the event's work: a partner account too)."""
        event = self.get_object() if request.method == "GET" else self._event_for_records()
        if request.method == "POST":
            serializer = EventOutputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.event_output_add(event=event, **serializer.validated_data)
        # Not event.outputs: the list queryset prefetched them before this POST.
        outputs = EventOutputSerializer(EventOutput.objects.filter(event=event), many=True).data
        return Response(outputs, status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK)
