"""The register of sites in the admin (the organizer's pages until the desk has its own), scoped per
association like every admin (kepu.admin); changes go through outreach.services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from events.admin import AssociationScopedAdmin
from kepu.admin import ScopedInline

from . import services
from .models import Site, SiteBooks, SiteRepair


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

    def delete_queryset(self, request, queryset):
        for site in self.rows_for_write(request, queryset):
            services.site_delete(site=site)
