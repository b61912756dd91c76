"""Submissions in the admin: read only, for everyone. A snapshot is never edited or deleted; submitting
and reviewing happen on the desk and through the API (reporting.services)."""

from django.contrib import admin

from kepu.admin import AssociationScopedAdmin

from .models import Submission


@admin.register(Submission)
class SubmissionAdmin(AssociationScopedAdmin):
    organizers_write = False
    organizers_delete = False
    list_display = ["association", "year", "campaign", "version", "state", "submitted_at", "to_association"]
    list_filter = ["state", "year"]
    search_fields = ["association__name"]
    readonly_fields = [field.name for field in Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
