"""The register of science-popularization sites over the API: organizers read their association's (a
prefecture its counties') and write their own, as everywhere (kepu.access)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from checkin.api import ImportRefusedSerializer
from events.models import YEAR_MAX, YEAR_MIN, Event, Organization
from kepu import access
from kepu.api import IsOrganizer, ScopedByMethod
from kepu.spreadsheets import ImportRefused

from . import services
from .models import (
    BaseYear,
    Contest,
    ContestEntry,
    DemonstrationBase,
    FundingRecord,
    MediaColumn,
    MediaEpisode,
    NewsReport,
    Site,
    SiteBooks,
    SiteRepair,
)


class RegisterWrites:
    """A register's writes through its services: a new record belongs to the organizer's association, a
    change sets the validated fields and saves, a delete goes through the service. `dated_by` names the date
    whose old value a save needs (the year a record leaves is recounted too)."""

    model: type
    dated_by: str | None = None
    request: Any

    def save_record(self, record, **kwargs):
        raise NotImplementedError

    def delete_record(self, record) -> None:
        raise NotImplementedError

    def perform_create(self, serializer):
        record = self.model(association=access.association_of(self.request.user), **serializer.validated_data)
        serializer.instance = self.save_record(record)

    def perform_update(self, serializer):
        record = serializer.instance
        dated = {"was": getattr(record, self.dated_by)} if self.dated_by else {}
        for name, value in serializer.validated_data.items():
            setattr(record, name, value)
        self.save_record(record, **dated)

    def perform_destroy(self, instance):
        self.delete_record(instance)


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


class SiteViewSet(RegisterWrites, ScopedByMethod, viewsets.ModelViewSet):
    """科普阵地: windows, galleries, boards, reading rooms, schools, centres, 科普e站, with their dates."""

    model = Site
    scopes = (access.sites_for_read, access.sites_for_write)
    serializer_class = SiteSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["kind", "region"]
    search_fields = ["name", "note"]
    ordering_fields = ["name", "built_on"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("repairs", "book_counts")

    def save_record(self, record, **kwargs):
        return services.site_save(record, **kwargs)

    def delete_record(self, record) -> None:
        services.site_delete(site=record)

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


# --- media and contests (issue 14 items 4 and 5) ---------------------------------------------------

_IMPORT_REQUEST = inline_serializer("RegisterImport", {"file": serializers.FileField()})


def _import_responses(name: str) -> dict:
    counts: dict[str, serializers.Field] = {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
    }
    return {201: inline_serializer(name, counts), 400: ImportRefusedSerializer}


def _import(request, run) -> Response:
    """One import over the API: the uploaded file through `run` (a service), 201 with what it created and
    updated, or 400 naming every wrong row (nothing imported)."""
    upload = request.data.get("file")
    if not upload:
        return Response({"file": [_no_file()]}, status=status.HTTP_400_BAD_REQUEST)
    try:
        result = run(upload)
    except ImportRefused as refused:
        return Response({"file": refused.messages, "rows": refused.report()}, status=status.HTTP_400_BAD_REQUEST)
    # A file that is no spreadsheet, too large or without its headings: kepu.api's handler answers 400.
    return Response(result.counts(), status=status.HTTP_201_CREATED)


def _refused(invalid: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(invalid.message_dict if hasattr(invalid, "error_dict") else invalid.messages)


class MediaEpisodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediaEpisode
        fields = ["id", "aired_on", "title", "minutes"]


class MediaColumnSerializer(serializers.ModelSerializer):
    episodes = MediaEpisodeSerializer(many=True, read_only=True)

    class Meta:
        model = MediaColumn
        fields = ["id", "name", "kind", "outlet", "note", "episodes"]

    def validate(self, attrs: dict) -> dict:
        column = MediaColumn(association=access.association_of(self.context["request"].user))
        if self.instance is not None:  # a copy: a refused change leaves the instance as it was
            column = MediaColumn(
                **{f.attname: getattr(self.instance, f.attname) for f in MediaColumn._meta.concrete_fields}
            )
        for name, value in attrs.items():
            setattr(column, name, value)
        try:
            services.media_column_validate(column)
        except DjangoValidationError as invalid:
            raise _refused(invalid) from None
        return attrs


class MediaColumnViewSet(RegisterWrites, ScopedByMethod, viewsets.ModelViewSet):
    """Media columns (a TV column, a newspaper page, an account) with their episodes or posts."""

    model = MediaColumn
    scopes = (access.media_columns_for_read, access.media_columns_for_write)
    serializer_class = MediaColumnSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["kind"]
    search_fields = ["name", "outlet"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("episodes")

    def save_record(self, record, **kwargs):
        return services.media_column_save(record, **kwargs)

    def delete_record(self, record) -> None:
        services.media_column_delete(column=record)

    @extend_schema(request=MediaEpisodeSerializer, responses={201: MediaEpisodeSerializer})
    @action(detail=True, methods=["post"], serializer_class=MediaEpisodeSerializer)
    def episodes(self, request, pk=None):
        """Record an episode aired (or a post, a page published): date, title, minutes on air."""
        column = self.get_object()
        data = MediaEpisodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = services.media_episode_add(column=column, **data.validated_data)
        return Response(MediaEpisodeSerializer(episode).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=_IMPORT_REQUEST, responses=_import_responses("MediaEpisodesImportResult"))
    @action(
        detail=True,
        methods=["post"],
        url_path="episodes/import",
        url_name="episodes-import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def episodes_import(self, request, pk=None):
        """The column's episodes or posts from Excel or CSV (日期, 标题, 时长（分钟）): every row, or none and a
        400 naming every wrong row. An episode is known by its date and title."""
        column = self.get_object()
        return _import(request, lambda upload: services.import_episodes(column, upload))


class NewsReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = NewsReport
        fields = ["id", "published_on", "title", "outlet", "level"]


class NewsReportViewSet(RegisterWrites, ScopedByMethod, viewsets.ModelViewSet):
    """News reports on the association's work, with their outlet and date."""

    model = NewsReport
    dated_by = "published_on"
    scopes = (access.news_reports_for_read, access.news_reports_for_write)
    serializer_class = NewsReportSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["level"]
    search_fields = ["title", "outlet"]
    ordering_fields = ["published_on"]

    def save_record(self, record, **kwargs):
        return services.news_report_save(record, **kwargs)

    def delete_record(self, record) -> None:
        services.news_report_delete(report=record)

    @extend_schema(request=_IMPORT_REQUEST, responses=_import_responses("NewsReportsImportResult"))
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_(self, request):
        """The association's news reports from Excel or CSV (日期, 标题, 媒体, 级别): every row, or none and a
        400 naming every wrong row. A report is known by its date and title."""
        association = access.association_of(request.user)
        return _import(request, lambda upload: services.import_news_reports(association, upload))


class ContestEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ContestEntry
        fields = ["id", "entrant", "school", "title", "pupils", "award", "award_level"]

    def validate(self, attrs: dict) -> dict:
        try:
            services.contest_entry_validate(ContestEntry(**attrs))
        except DjangoValidationError as invalid:
            raise _refused(invalid) from None
        return attrs


class ContestSerializer(serializers.ModelSerializer):
    entries = ContestEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Contest
        fields = ["id", "name", "kind", "held_on", "note", "entries"]

    def validate(self, attrs: dict) -> dict:
        contest = Contest(association=access.association_of(self.context["request"].user))
        if self.instance is not None:  # a copy: a refused change leaves the instance as it was
            contest = Contest(**{f.attname: getattr(self.instance, f.attname) for f in Contest._meta.concrete_fields})
        for name, value in attrs.items():
            setattr(contest, name, value)
        try:
            services.contest_validate(contest)
        except DjangoValidationError as invalid:
            raise _refused(invalid) from None
        return attrs


class ContestViewSet(RegisterWrites, ScopedByMethod, viewsets.ModelViewSet):
    """Contests and reviews (青少年科技创新大赛, 作品展, 论文评选) with their entries and prizes."""

    model = Contest
    dated_by = "held_on"
    scopes = (access.contests_for_read, access.contests_for_write)
    serializer_class = ContestSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["kind"]
    search_fields = ["name", "note"]
    ordering_fields = ["held_on", "name"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("entries")

    def save_record(self, record, **kwargs):
        return services.contest_save(record, **kwargs)

    def delete_record(self, record) -> None:
        services.contest_delete(contest=record)

    @extend_schema(request=ContestEntrySerializer, responses={201: ContestEntrySerializer})
    @action(detail=True, methods=["post"], serializer_class=ContestEntrySerializer)
    def entries(self, request, pk=None):
        """Add an entry: person or team, school, title, pupils it names, and its prize and level if any."""
        contest = self.get_object()
        data = ContestEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.contest_entry_save(ContestEntry(contest=contest, **data.validated_data))
        return Response(ContestEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer("ContestEntriesImport", {"file": serializers.FileField()}),
        responses={
            201: inline_serializer(
                "ContestEntriesImportResult",
                {"created": serializers.IntegerField(), "updated": serializers.IntegerField()},
            ),
            400: ImportRefusedSerializer,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="entries/import",
        url_name="entries-import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def entries_import(self, request, pk=None):
        """The contest's list of entries from Excel or CSV (姓名, 学校, 作品名称, 学生人数, 奖项, 获奖级别):
        every row, or none and a 400 naming every wrong row."""
        contest = self.get_object()
        upload = request.data.get("file")
        if not upload:
            return Response({"file": [_no_file()]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            result = services.contest_entries_import(contest=contest, file=upload)
        except ImportRefused as refused:
            return Response({"file": refused.messages, "rows": refused.report()}, status=status.HTTP_400_BAD_REQUEST)
        return Response(result, status=status.HTTP_201_CREATED)


def _no_file() -> str:
    return str(serializers.FileField().error_messages["required"])


# --- issue 14 items 3 and 6: demonstration bases and funding -----------------------------------------


class BaseYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = BaseYear
        fields = ["year", "varieties", "techniques", "households"]
        # One entry per year: a POST for a year that has one corrects it.
        extra_kwargs = {"year": {"min_value": 1900, "max_value": YEAR_MAX, "validators": []}}
        validators: list = []


class DemonstrationBaseSerializer(serializers.ModelSerializer):
    years = BaseYearSerializer(many=True, read_only=True)
    partners = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Organization.objects.none())
    events = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Event.objects.none())

    class Meta:
        model = DemonstrationBase
        fields = ["id", "name", "kind", "region", "partners", "events", "established_on", "closed_on", "note", "years"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Links to what the organizer reads, else "does not exist" (never another county's records).
            self.fields["partners"].child_relation.queryset = access.organizations_for_read(request.user)
            self.fields["events"].child_relation.queryset = access.events_for_read(request.user)

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None:
            base = DemonstrationBase(
                **{f.attname: getattr(self.instance, f.attname) for f in DemonstrationBase._meta.concrete_fields}
            )
        else:
            base = DemonstrationBase(association=access.association_of(self.context["request"].user))
        for name, value in attrs.items():
            if name not in ("partners", "events"):
                setattr(base, name, value)
        try:
            services.base_validate(base)
            services.base_links_validate(base, partners=attrs.get("partners", ()), events=attrs.get("events", ()))
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from None
        return attrs


class DemonstrationBaseViewSet(ScopedByMethod, viewsets.ModelViewSet):
    """示范基地、示范园、示范项目: the place, the partners, the events held there and the results by year."""

    scopes = (access.bases_for_read, access.bases_for_write)
    serializer_class = DemonstrationBaseSerializer
    permission_classes = [IsOrganizer]
    filterset_fields = ["kind", "region"]
    search_fields = ["name", "note"]
    ordering_fields = ["name", "established_on"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("years", "partners", "events")

    def _save(self, base: DemonstrationBase, data: dict) -> DemonstrationBase:
        partners, events = data.pop("partners", None), data.pop("events", None)
        for name, value in data.items():
            setattr(base, name, value)
        return services.base_save(base, partners=partners, events=events)

    def perform_create(self, serializer):
        base = DemonstrationBase(association=access.association_of(self.request.user))
        serializer.instance = self._save(base, dict(serializer.validated_data))

    def perform_update(self, serializer):
        self._save(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance):
        services.base_delete(base=instance)

    @extend_schema(request=BaseYearSerializer, responses={201: BaseYearSerializer})
    @action(detail=True, methods=["post"], serializer_class=BaseYearSerializer)
    def results(self, request, pk=None):
        """The base's results of a year (that year's entry is written or corrected)."""
        base = self.get_object()
        data = BaseYearSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.base_year_set(base=base, **data.validated_data)
        return Response(BaseYearSerializer(entry).data, status=status.HTTP_201_CREATED)


class FundingRecordSerializer(serializers.ModelSerializer):
    document = serializers.FileField(write_only=True, required=False)
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = FundingRecord
        fields = [
            "id",
            "date",
            "direction",
            "source",
            "use",
            "amount",
            "note",
            "document",
            "has_document",
            "document_type",
            "document_size",
        ]
        read_only_fields = ["document_type", "document_size"]

    def get_has_document(self, record: FundingRecord) -> bool:
        return bool(record.document.name)

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None:
            record = FundingRecord(
                **{f.attname: getattr(self.instance, f.attname) for f in FundingRecord._meta.concrete_fields}
            )
        else:
            record = FundingRecord(association=access.association_of(self.context["request"].user))
        for name, value in attrs.items():
            if name != "document":
                setattr(record, name, value)
        try:
            services.funding_validate(record)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from None
        return attrs


class FundingRecordViewSet(ScopedByMethod, viewsets.ModelViewSet):
    """经费: the year's income by source and spending by use, each with its document (served by `document`)."""

    scopes = (access.funding_for_read, access.funding_for_write)
    serializer_class = FundingRecordSerializer
    permission_classes = [IsOrganizer]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["direction", "source", "use"]
    search_fields = ["note"]
    ordering_fields = ["date", "amount"]

    def _save(self, record: FundingRecord, data: dict) -> FundingRecord:
        document, previous = data.pop("document", None), record.date if record.pk else None
        for name, value in data.items():
            setattr(record, name, value)
        try:
            return services.funding_save(record, document=document, previous_date=previous)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from None

    def perform_create(self, serializer):
        record = FundingRecord(association=access.association_of(self.request.user))
        serializer.instance = self._save(record, dict(serializer.validated_data))

    def perform_update(self, serializer):
        self._save(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance):
        services.funding_delete(record=instance)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        """The record's document, to those who read the association's records only (anyone else: 404);
        files under MEDIA_ROOT are never served directly. PDFs download, images show."""
        record = self.get_object()
        return document_response(record)


def document_response(record: FundingRecord) -> FileResponse:
    stored = record.document
    if not stored.name:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = stored.name.rsplit(".", 1)[-1]
    is_image = record.document_type.startswith("image/")
    response = FileResponse(
        handle,
        content_type=record.document_type or "application/octet-stream",
        as_attachment=not is_image,
        filename=f"funding-{record.association_id}-{record.id}.{extension}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
