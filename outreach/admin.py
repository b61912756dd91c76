"""The register of sites in the admin (the organizer's pages until the desk has its own), scoped per
association like every admin (kepu.admin); changes go through outreach.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.admin import AssociationScopedAdmin
from events.models import YEAR_MAX, YEAR_MIN
from kepu import access
from kepu.admin import ScopedInline
from kepu.spreadsheets import ImportRefused
from stats.services import registry_request

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


class RepairInline(ScopedInline):
    model = SiteRepair
    extra = 0


class BooksInline(ScopedInline):
    """Books year by year: a new year is a new row, last year's stays as it was."""

    model = SiteBooks
    extra = 0


class StandingFilter(admin.SimpleListFilter):
    title = _("standing")
    parameter_name = "standing"

    def lookups(self, request, model_admin):
        return [("yes", _("Standing")), ("no", _("Retired"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(retired_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(retired_on__isnull=False)
        return queryset


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel or CSV file"),
        help_text=_(
            "Columns: 名称, 类别, 乡镇, 村（社区）, 建成日期, 撤除日期, 藏书, 备注. A site is known by its name."
        ),
    )
    year = forms.IntegerField(
        label=_("year of the books"),
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        required=False,
        help_text=_("This year if empty."),
    )


@admin.register(Site)
class SiteAdmin(AssociationScopedAdmin):
    list_display = ["name", "kind", "region", "built_on", "retired_on"]
    list_filter = ["kind", StandingFilter]
    search_fields = ["name", "note", "region__name"]
    date_hierarchy = "built_on"
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    inlines = [RepairInline, BooksInline]

    validate = staticmethod(services.site_validate)

    def delete_through_service(self, obj) -> None:
        services.site_delete(site=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The year tallies the dates touch (built, retired, repaired, books).
        services.site_touched(form.instance)

    change_list_template = "admin/outreach/site/change_list.html"

    def get_urls(self):
        own = [path("import/", self.admin_site.admin_view(self.import_view), name="outreach_site_import")]
        return own + super().get_urls()

    def import_view(self, request):
        """The association's list of sites from Excel: all rows, or none and every wrong row named."""
        association = access.association_of(request.user)
        if association is None or not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = services.sites_import(
                    association=association, file=form.cleaned_data["file"], year=form.cleaned_data["year"]
                )
            except ImportRefused as refused:
                problems = [refused.summary, *refused.messages]
            except ValidationError as refused:
                problems = refused.messages
            else:
                self.message_user(
                    request,
                    gettext("%(created)d sites added, %(updated)d updated.") % result,
                    messages.SUCCESS,
                )
                return redirect("admin:outreach_site_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import sites from Excel"),
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/outreach/site/import.html", context)

    def delete_queryset(self, request, queryset):
        for site in self.rows_for_write(request, queryset):
            services.site_delete(site=site)


# --- media and contests (issue 14 items 4 and 5) ---------------------------------------------------


class EpisodeInline(ScopedInline):
    """The column's episodes or posts: date, title, minutes on air."""

    model = MediaEpisode
    extra = 0


@admin.register(MediaColumn)
class MediaColumnAdmin(AssociationScopedAdmin):
    list_display = ["name", "kind", "outlet"]
    list_filter = ["kind"]
    search_fields = ["name", "outlet", "note"]
    inlines = [EpisodeInline]

    validate = staticmethod(services.media_column_validate)

    def delete_through_service(self, obj) -> None:
        services.media_column_delete(column=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.media_column_touched(form.instance)

    def delete_queryset(self, request, queryset):
        for column in self.rows_for_write(request, queryset):
            services.media_column_delete(column=column)


@admin.register(NewsReport)
class NewsReportAdmin(AssociationScopedAdmin):
    list_display = ["title", "outlet", "level", "published_on"]
    list_filter = ["level"]
    search_fields = ["title", "outlet"]
    date_hierarchy = "published_on"

    def delete_through_service(self, obj) -> None:
        services.news_report_delete(report=obj)

    def save_model(self, request, obj, form, change):
        was = NewsReport.objects.filter(pk=obj.pk).values_list("published_on", flat=True).first()
        super().save_model(request, obj, form, change)
        registry_request(association_id=obj.association_id, since=min(d for d in (was, obj.published_on) if d))

    def delete_queryset(self, request, queryset):
        for report in self.rows_for_write(request, queryset):
            services.news_report_delete(report=report)


class EntryInline(ScopedInline):
    """The entries: person or team, school, title, pupils named, prize and its level."""

    model = ContestEntry
    extra = 0


@admin.register(Contest)
class ContestAdmin(AssociationScopedAdmin):
    list_display = ["name", "kind", "held_on"]
    list_filter = ["kind"]
    search_fields = ["name", "note", "entries__school", "entries__entrant"]
    date_hierarchy = "held_on"
    inlines = [EntryInline]

    validate = staticmethod(services.contest_validate)

    def delete_through_service(self, obj) -> None:
        services.contest_delete(contest=obj)

    def save_model(self, request, obj, form, change):
        was = Contest.objects.filter(pk=obj.pk).values_list("held_on", flat=True).first()
        super().save_model(request, obj, form, change)
        if was:
            registry_request(association_id=obj.association_id, since=min(was, obj.held_on))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.contest_touched(form.instance)

    def delete_queryset(self, request, queryset):
        for contest in self.rows_for_write(request, queryset):
            services.contest_delete(contest=contest)


# --- issue 14 items 3 and 6: demonstration bases and funding -----------------------------------------


class BaseYearInline(ScopedInline):
    """Results year by year: a new year is a new row, last year's stays as it was."""

    model = BaseYear
    extra = 0


@admin.register(DemonstrationBase)
class DemonstrationBaseAdmin(AssociationScopedAdmin):
    list_display = ["name", "kind", "region", "established_on", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["name", "note", "region__name"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["partners", "events"]
    list_select_related = ["region"]
    inlines = [BaseYearInline]

    validate = staticmethod(services.base_validate)

    def delete_through_service(self, obj) -> None:
        services.base_delete(base=obj)

    def save_related(self, request, form, formsets, change):
        services.base_links_validate(
            form.instance, partners=form.cleaned_data.get("partners", ()), events=form.cleaned_data.get("events", ())
        )
        super().save_related(request, form, formsets, change)
        # The year tallies its dates touch (established, closed, results, events held there).
        services.base_touched(form.instance)

    def delete_queryset(self, request, queryset):
        for base in self.rows_for_write(request, queryset):
            services.base_delete(base=base)


class FundingForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("document"),
        required=False,
        help_text=_("A scanned letter, receipt or invoice: a photo (JPEG, PNG, WebP) or a PDF."),
    )

    class Meta:
        model = FundingRecord
        fields = ["association", "date", "direction", "source", "use", "amount", "note"]

    def clean_upload(self):
        # Refused here with the form's message, not when the record is saved.
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                services.document_check(upload)
            except ValidationError as refused:
                raise forms.ValidationError(refused.message_dict["document"]) from None
        return upload


@admin.register(FundingRecord)
class FundingRecordAdmin(AssociationScopedAdmin):
    form = FundingForm
    list_display = ["date", "direction", "source", "use", "amount", "note", "document_link"]
    list_filter = ["direction", "source", "use"]
    search_fields = ["note"]
    date_hierarchy = "date"
    readonly_fields = ["document_link"]

    validate = staticmethod(services.funding_validate)

    @admin.display(description=_("document"))
    def document_link(self, obj):
        if obj is None or not obj.document.name:
            return "—"
        # Served by the API's access-checked view, never from MEDIA_ROOT.
        url = reverse("api:fundingrecord-document", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("open"))

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.association = access.association_of(request.user)
        previous = form.initial.get("date") if change else None
        services.funding_save(obj, document=form.cleaned_data.get("upload"), previous_date=previous)

    def delete_through_service(self, obj) -> None:
        services.funding_delete(record=obj)

    def delete_queryset(self, request, queryset):
        for record in self.rows_for_write(request, queryset):
            services.funding_delete(record=record)
