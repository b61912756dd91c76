from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Attendee, CheckIn, Headcount, PosterCode, Registration, ScanLog


@admin.register(Attendee)
class AttendeeAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "region", "school", "association"]
    list_filter = ["category", "association"]
    search_fields = ["name", "phone"]
    raw_id_fields = ["region", "school"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["attendee", "event", "campaign", "code", "revoked_at", "created_at"]
    list_filter = ["revoked_at"]
    search_fields = ["attendee__name", "code"]
    raw_id_fields = ["attendee", "event", "campaign"]
    readonly_fields = ["code"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected registrations"))
    def revoke(self, request, queryset):
        for registration in queryset:
            services.registration_revoke(registration=registration)


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["attendee", "event", "method", "scanned_at", "received_at", "scanned_by", "device", "annulled_at"]
    list_filter = ["method", "flagged"]
    search_fields = ["attendee__name", "device"]
    raw_id_fields = ["event", "attendee", "registration", "scanned_by", "annulled_by"]
    date_hierarchy = "scanned_at"


@admin.register(ScanLog)
class ScanLogAdmin(admin.ModelAdmin):
    list_display = ["received_at", "event", "status", "method", "code", "device", "scanned_by", "flagged"]
    list_filter = ["status", "method", "flagged"]
    search_fields = ["code", "device"]
    raw_id_fields = ["event", "registration", "checkin", "scanned_by"]

    def has_change_permission(self, request, obj=None):
        return False  # evidence: read only


@admin.register(Headcount)
class HeadcountAdmin(admin.ModelAdmin):
    list_display = ["event", "count", "counted_at", "note", "recorded_by"]
    raw_id_fields = ["event", "recorded_by"]


@admin.register(PosterCode)
class PosterCodeAdmin(admin.ModelAdmin):
    list_display = ["event", "code", "created_at", "retired_at"]
    raw_id_fields = ["event"]
