"""Check-in records in the admin: organizers read their associations' records; changes go through the
API and its services (scans, revocations, annulments), so the admin is read-only for them, but for its
actions (revoke; accept or reject self check-ins held for review), which call the services."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kepu.admin import AssociationScopedAdmin
from kepu.text import clean_name

from . import services
from .models import Attendee, CheckIn, Headcount, PosterCode, Registration, ScanLog


class ScopedReadOnlyAdmin(AssociationScopedAdmin):
    """Organizers read their associations' check-in records; they are written by the services (scans, lists)."""

    association_path = "event__association"
    organizers_write = False


@admin.register(Attendee)
class AttendeeAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "category", "region", "school", "association"]
    list_filter = ["category"]
    search_fields = ["name", "phone"]
    raw_id_fields = ["region", "school"]

    def scope(self, association_ids):
        return Q(association_id__in=association_ids)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class NameCleanedForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if not self.instance.pk and "category" in self.fields:
                    # No category is preset for a new person: the model's default would answer for them.
                    self.fields["category"].choices = [("", "---------"), *Attendee.Category.choices]
                    self.initial["category"] = ""

            def clean_name(self):
                if not (name := clean_name(self.cleaned_data["name"])):
                    raise ValidationError(_("Enter the person's name."))
                return name

        return NameCleanedForm

    def save_model(self, request, obj, form, change):
        # Through the service: a new category or region reaches the attendee's check-ins and the tallies.
        services.attendee_save(attendee=obj, fields=form.changed_data if change else None)


@admin.register(Registration)
class RegistrationAdmin(ScopedReadOnlyAdmin):
    list_display = ["attendee", "event", "campaign", "code", "revoked_at", "created_at"]
    list_filter = ["revoked_at"]
    search_fields = ["attendee__name", "code"]
    raw_id_fields = ["attendee", "event", "campaign"]
    readonly_fields = ["code"]
    actions = ["revoke"]

    def scope(self, association_ids):
        return Q(event__association_id__in=association_ids) | Q(campaign__association_id__in=association_ids)

    def has_change_permission(self, request, obj=None):
        # Revoking (the action) is the one change organizers make here; a registration's form stays read-only.
        return super().has_change_permission(request, obj) or (obj is None and self._is_organizer(request))

    @admin.action(description=_("Revoke the selected registrations"), permissions=["change"])
    def revoke(self, request, queryset):
        for registration in self.rows_for_write(request, queryset):
            services.registration_revoke(registration=registration)


@admin.register(CheckIn)
class CheckInAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "attendee",
        "event",
        "method",
        "scanned_at",
        "received_at",
        "scanned_by",
        "device",
        "awaiting_review",
        "flag_reasons",
        "review",
        "annulled_at",
    ]
    list_filter = ["awaiting_review", "review", "method", "flagged"]
    search_fields = ["attendee__name", "device"]
    raw_id_fields = [
        "event",
        "attendee",
        "registration",
        "scanned_by",
        "annulled_by",
        "phone_conflict_with",
        "reviewed_by",
    ]
    date_hierarchy = "scanned_at"
    actions = ["accept", "reject"]

    def has_change_permission(self, request, obj=None):
        # Deciding a review (the actions) is the one change organizers make here; the form stays read-only.
        return super().has_change_permission(request, obj) or (obj is None and self._is_organizer(request))

    def _decide(self, request, queryset, decision: str) -> None:
        decided = 0
        for checkin in self.rows_for_write(request, queryset).filter(awaiting_review=True).select_related("event"):
            services.checkin_review(checkin=checkin, decision=decision, user=request.user)
            decided += 1
        self.message_user(
            request, ngettext("%(n)d check-in decided.", "%(n)d check-ins decided.", decided) % {"n": decided}
        )

    @admin.action(description=_("Accept the selected self check-ins (count them)"), permissions=["change"])
    def accept(self, request, queryset):
        self._decide(request, queryset, services.ReviewDecision.ACCEPT)

    @admin.action(description=_("Reject the selected self check-ins (annul them)"), permissions=["change"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.ReviewDecision.REJECT)


@admin.register(ScanLog)
class ScanLogAdmin(ScopedReadOnlyAdmin):
    list_display = ["received_at", "event", "status", "method", "code", "device", "scanned_by", "flagged"]
    list_filter = ["status", "method", "flagged"]
    search_fields = ["code", "device"]
    raw_id_fields = ["event", "registration", "checkin", "scanned_by"]

    def has_change_permission(self, request, obj=None):
        return False  # evidence: nobody edits it


@admin.register(Headcount)
class HeadcountAdmin(ScopedReadOnlyAdmin):
    list_display = ["event", "count", "counted_at", "note", "recorded_by"]
    raw_id_fields = ["event", "recorded_by"]


@admin.register(PosterCode)
class PosterCodeAdmin(ScopedReadOnlyAdmin):
    list_display = ["event", "code", "created_at", "retired_at"]
    raw_id_fields = ["event"]
