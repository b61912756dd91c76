"""The statistics API: tallies, the annual summary, campaign progress, a recompute on request (organizers only)."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from kepu import access
from kepu.api import IsEventOrganizer, IsOrganizer
from kepu.queue import send_task_safely
from kepu.replica import replica_reads

from . import figures as F_
from . import selectors, services, summary, tasks
from .models import Tally, TallyMarker


class TallySerializer(serializers.ModelSerializer):
    pending = serializers.SerializerMethodField(help_text=_("A recomputation has been requested and not done yet."))

    class Meta:
        model = Tally
        fields = [
            "key",
            "scope",
            "event",
            "campaign",
            "starts_on",
            "ends_on",
            "figures",
            "evidence",
            "breakdowns",
            "record_counts",
            "computed_at",
            "duration_ms",
            "pending",
        ]

    def get_pending(self, tally: Tally) -> bool:
        marker = TallyMarker.objects.filter(key=tally.key).first()
        return bool(marker and marker.is_dirty)


def _association(request):
    return access.association_of(request.user)


def _year(value: str | None) -> int:
    if value in (None, ""):
        return timezone.localdate().year
    try:
        year = int(value)
    except ValueError:
        raise serializers.ValidationError({"year": [_("Enter a year such as 2026.")]}) from None
    if not 2000 <= year <= 2100:
        raise serializers.ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
    return year


class YearTallyView(APIView):
    """The figures of one year of the organizer's association (computed now if never computed)."""

    permission_classes = [IsOrganizer]

    @extend_schema(responses=TallySerializer)
    @replica_reads
    def get(self, request, year: int):
        tally = selectors.year_tally(association_id=_association(request).id, year=_year(str(year)))
        return Response(TallySerializer(tally).data)


class PeriodQuery(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must not be before the start.")]})
        if (attrs["end"] - attrs["start"]).days > 366 * 5:
            raise serializers.ValidationError({"end": [_("A period may span at most five years.")]})
        return attrs


class PeriodTallyView(APIView):
    """The figures of any date range (a quarter, a month, a week…): computed from the records and stored."""

    permission_classes = [IsOrganizer]

    @extend_schema(parameters=[PeriodQuery], responses=TallySerializer)
    @replica_reads
    def get(self, request):
        query = PeriodQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = F_.period_scope(_association(request).id, query.validated_data["start"], query.validated_data["end"])
        return Response(TallySerializer(services.tally_compute(scope=scope)).data)


class EventTallyView(APIView):
    permission_classes = [IsEventOrganizer]  # township organizers and partner accounts: their events' figures

    @extend_schema(responses=TallySerializer)
    @replica_reads
    def get(self, request, event_id: int):
        event = access.access_event_for_read(request.user, event_id)
        return Response(TallySerializer(selectors.tally_for(F_.event_scope(event))).data)


class CampaignTallyView(APIView):
    permission_classes = [IsOrganizer]

    @extend_schema(responses=TallySerializer)
    @replica_reads
    def get(self, request, campaign_id: int):
        campaign = access.campaigns_for_read(request.user).filter(id=campaign_id).first()
        if campaign is None:
            raise Http404
        return Response(TallySerializer(selectors.tally_for(F_.campaign_scope(campaign))).data)


class CampaignProgressSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.id")
    name = serializers.CharField(source="campaign.name")
    kind = serializers.CharField(source="campaign.kind")
    elapsed_pct = serializers.IntegerField()
    behind = serializers.BooleanField()
    targets = serializers.ListField(child=serializers.DictField())
    figures = serializers.DictField()


class CampaignProgressView(APIView):
    """The year's campaigns: actual against target, and which are behind."""

    permission_classes = [IsOrganizer]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)], responses=CampaignProgressSerializer(many=True)
    )
    @replica_reads
    def get(self, request):
        year = _year(request.query_params.get("year"))
        progress = selectors.campaign_progress(association_id=_association(request).id, year=year)
        return Response(CampaignProgressSerializer(progress, many=True).data)


class SummaryQuery(serializers.Serializer):
    lang = serializers.ChoiceField(choices=summary.LANGUAGES, default="zh-hans")
    format = serializers.ChoiceField(choices=summary.FORMATS, default="json")


class _FormatIsOurs(DefaultContentNegotiation):
    """?format= names the summary's file format here, not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class SummaryView(APIView):
    """The annual work summary: json (figures and text), md, docx or xlsx."""

    permission_classes = [IsOrganizer]
    content_negotiation_class = _FormatIsOurs

    @extend_schema(
        parameters=[SummaryQuery],
        responses={
            (200, summary.CONTENT_TYPES["json"]): dict,
            (200, "text/markdown"): OpenApiTypes.STR,
            (200, summary.CONTENT_TYPES["docx"]): OpenApiTypes.BINARY,
            (200, summary.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
    )
    @replica_reads
    def get(self, request, year: int):
        query = SummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt, lang = query.validated_data["format"], query.validated_data["lang"]
        content = summary.summary_export(
            association=_association(request), year=_year(str(year)), language=lang, fmt=fmt
        )
        response = HttpResponse(content, content_type=summary.CONTENT_TYPES[fmt])
        if fmt in ("docx", "xlsx", "md"):
            response["Content-Disposition"] = f'attachment; filename="summary-{year}-{lang}.{fmt}"'
        return response


class RecomputeInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class RecomputeView(APIView):
    """Recompute every tally of a year in the background (what `manage.py tally` does)."""

    permission_classes = [IsOrganizer]

    @extend_schema(request=RecomputeInput, responses={202: dict})
    def post(self, request):
        data = RecomputeInput(data=request.data)
        data.is_valid(raise_exception=True)
        year = data.validated_data.get("year") or timezone.localdate().year
        keys = services.tally_recompute_request(
            year=year, association_ids=F_.association_tree(_association(request).id)
        )
        queued = send_task_safely(tasks.tally_drain, year)
        return Response({"year": year, "tallies": len(keys), "queued": queued}, status=status.HTTP_202_ACCEPTED)


class TodayView(APIView):
    """Today's events with live counts from the records (the dashboard polls this)."""

    permission_classes = [IsOrganizer]

    @extend_schema(
        responses=inline_serializer(
            "TodayEvent",
            {
                "event": serializers.IntegerField(),
                "title": serializers.CharField(),
                "starts_at": serializers.DateTimeField(),
                "checked_in": serializers.IntegerField(),
                "headcount": serializers.IntegerField(),
                "running": serializers.BooleanField(),
            },
            many=True,
        )
    )
    @replica_reads
    def get(self, request):
        rows = selectors.todays_events(association_id=_association(request).id)
        return Response(
            [
                {
                    "event": row["event"].id,
                    "title": row["event"].title,
                    "starts_at": row["event"].starts_at,
                    "checked_in": row["checked_in"],
                    "headcount": row["headcount"],
                    "running": row["running"],
                }
                for row in rows
            ]
        )
