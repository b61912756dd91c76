"""The register of science-popularization sites over the API: organizers read their association's (a
prefecture its counties') and write their own, as everywhere (kepu.access)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from checkin.api import ImportRefusedSerializer
from events.models import YEAR_MAX, YEAR_MIN
from kepu import access
from kepu.api import IsOrganizer, ScopedByMethod
from kepu.spreadsheets import ImportRefused

from . import services
from .models import Site, SiteBooks, SiteRepair


class SiteRepairSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteRepair
        fields = ["id", "repaired_on", "note"]


class SiteBooksSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteBooks
        fields = ["year", "books"]
        # One entry per year: a POST for a year that has one corrects it.
        extra_kwargs = {"year": {"min_value": 1900, "max_value": YEAR_MAX}}


class SiteSerializer(serializers.ModelSerializer):
    repairs = SiteRepairSerializer(many=True, read_only=True)
    book_counts = SiteBooksSerializer(many=True, read_only=True)

    class Meta:
        model = Site
        fields = ["id", "name", "kind", "region", "built_on", "retired_on", "note", "repairs", "book_counts"]

    def validate(self, attrs: dict) -> dict:
        # The site as it would be saved (a copy: a refused change leaves the instance as it was).
        if self.instance is not None:
            site = Site(**{f.attname: getattr(self.instance, f.attname) for f in Site._meta.concrete_fields})
        else:
            site = Site(association=access.association_of(self.context["request"].user))
        for name, value in attrs.items():
            setattr(site, name, value)
        try:
            services.site_validate(site)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from None
        return attrs


class SiteImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    year = serializers.IntegerField(
        min_value=YEAR_MIN, max_value=YEAR_MAX, required=False, help_text="The year of the books column (this year)."
    )


class SiteViewSet(ScopedByMethod, viewsets.ModelViewSet):
    """科普阵地: windows, galleries, boards, reading rooms, schools, centres, 科普e站, with their dates."""

    scopes = (access.sites_for_read, access.sites_for_write)
    serializer_class = SiteSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["kind", "region"]
    search_fields = ["name", "note"]
    ordering_fields = ["name", "built_on"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("repairs", "book_counts")

    def perform_create(self, serializer):
        site = Site(association=access.association_of(self.request.user), **serializer.validated_data)
        serializer.instance = services.site_save(site)

    def perform_update(self, serializer):
        site = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(site, name, value)
        services.site_save(site)

    def perform_destroy(self, instance):
        services.site_delete(site=instance)

    @extend_schema(request=SiteRepairSerializer, responses={201: SiteRepairSerializer})
    @action(detail=True, methods=["post"], serializer_class=SiteRepairSerializer)
    def repairs(self, request, pk=None):
        """Record a repair of the site (a renovated site is repaired, not new)."""
        site = self.get_object()
        data = SiteRepairSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repair = services.site_repair_add(site=site, **data.validated_data)
        return Response(SiteRepairSerializer(repair).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SiteBooksSerializer, responses={201: SiteBooksSerializer})
    @action(detail=True, methods=["post"], serializer_class=SiteBooksSerializer)
    def books(self, request, pk=None):
        """The books the site holds in a year (that year's entry is written or corrected)."""
        site = self.get_object()
        data = SiteBooksSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.site_books_set(site=site, **data.validated_data)
        return Response(SiteBooksSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SiteImportSerializer,
        responses={
            201: inline_serializer(
                "SiteImportResult", {"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
            ),
            400: ImportRefusedSerializer,
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_(self, request):
        """The association's list of sites from Excel or CSV (名称, 类别, 乡镇, 村, 建成日期, 撤除日期, 藏书,
        备注): every row, or none and a 400 naming every wrong row. A site is known by its name."""
        data = SiteImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.sites_import(
                association=access.association_of(request.user),
                file=data.validated_data["file"],
                year=data.validated_data.get("year"),
            )
        except ImportRefused as refused:
            return Response({"file": refused.messages, "rows": refused.report()}, status=status.HTTP_400_BAD_REQUEST)
        return Response(result, status=status.HTTP_201_CREATED)
