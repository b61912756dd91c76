"""The organizer's desk: the admin, scoped to the organizer's association.

Changes go through the same services as the API, so the planning rules hold
here too.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kepu import access
from kepu import admin as kepu_admin
from stats.services import registry_request, tally_request

from . import services
from .models import (
    Association,
    Campaign,
    CountyEnrolment,
    Event,
    EventEvidence,
    EventOutput,
    Organization,
    OrganizationMembership,
    OrganizationSupport,
    Organizer,
    Region,
    Venue,
)


class AssociationScopedAdmin(kepu_admin.AssociationScopedAdmin):
    """Planning records: changed through the services, so the planning rules hold here too."""

    # The service function that checks the planning rules, run when the form is cleaned.
    validate: Callable[[Any], None] | None = None

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if self.validate is None:
            return form
        validate, association = self.validate, access.association_of(request.user)

        class ValidatedForm(form):
            def _post_clean(self):
                super()._post_clean()
                if association is not None and not self.instance.association_id:
                    self.instance.association = association
                try:
                    validate(self.instance)
                except ValidationError as invalid:
                    self._update_errors(invalid)

        return ValidatedForm

    def get_exclude(self, request, obj=None):
        # An organizer's records always belong to their own association.
        return ("association",) if not request.user.is_superuser else ()

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.association = access.association_of(request.user)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        try:
            self.delete_through_service(obj)
        except services.InUse as refused:
            self.message_user(request, refused.message, messages.ERROR)

    def delete_through_service(self, obj) -> None:
        obj.delete()


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "code"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(CountyEnrolment)
class CountyEnrolmentAdmin(admin.ModelAdmin):
    """Organizers enter their county's pupils each year: the base of the student participation rate."""

    list_display = ["county", "year", "students"]
    list_filter = ["year"]

    def _own_county_id(self, request) -> int | None:
        association = access.association_of(request.user)
        return association.region_id if association else None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        readable = Association.objects.filter(id__in=access.associations_for_read(request.user))
        return queryset.filter(county_id__in=readable.values("region_id"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "county" and not request.user.is_superuser:
            kwargs["queryset"] = Region.objects.filter(id=self._own_county_id(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_superuser or access.holds_association(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        return access.holds_association(request.user) and (obj is None or obj.county_id == self._own_county_id(request))

    has_delete_permission = has_change_permission


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "parent"]
    search_fields = ["name"]


class ScopedAccountForm(forms.ModelForm):
    """A township organizer's or a partner's account, made by the county's organizer: a new sign-in name
    and password, and the township or the partner organization it is limited to (one of the two)."""

    username = forms.CharField(label=_("sign-in name"), max_length=150)
    password = forms.CharField(label=_("password"), widget=forms.PasswordInput, required=False)

    class Meta:
        model = Organizer
        fields = ["town", "organization"]

    def __init__(self, *args, association=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = association if association is not None else getattr(self.instance, "association", None)
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.username
            self.fields["username"].disabled = True
            self.fields["password"].help_text = _("Leave empty to keep the password.")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("town") and not cleaned.get("organization"):
            raise ValidationError(_("Choose the township or the partner organization the account works for."))
        if not self.instance.pk:
            if User.objects.filter(username=cleaned.get("username", "")).exists():
                self.add_error("username", _("This sign-in name is taken."))
            if not cleaned.get("password"):
                self.add_error("password", _("Give the new account a password."))
        if cleaned.get("password"):
            try:
                password_validation.validate_password(cleaned["password"])
            except ValidationError as weak:
                self.add_error("password", weak)
        return cleaned

    def _post_clean(self):
        if self.association is not None:
            self.instance.association = self.association
        super()._post_clean()  # Organizer.clean: the township of the county, the organization of the association

    def save(self, commit=True):
        organizer = super().save(commit=False)
        if not organizer.pk:
            organizer.user = User.objects.create_user(username=self.cleaned_data["username"])
        if self.cleaned_data.get("password"):
            organizer.user.set_password(self.cleaned_data["password"])
            organizer.user.save(update_fields=["password"])
        if commit:
            organizer.save()
        return organizer


@admin.register(Organizer)
class OrganizerAdmin(kepu_admin.AssociationScopedAdmin):
    """Superusers make every organizer. An association's organizer makes and changes the accounts limited to
    a part of it, a township organizer or a partner account (kepu/access.py says what each holds), of its own
    association, never a second organizer of the whole association."""

    list_display = ["user", "association", "town", "organization"]
    list_filter = ["association"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user", "association", "town", "organization")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(town__isnull=False) | Q(organization__isnull=False))

    def rows_for_write(self, request, queryset):
        rows = super().rows_for_write(request, queryset)
        return rows if request.user.is_superuser else rows.filter(Q(town__isnull=False) | Q(organization__isnull=False))

    def get_form(self, request, obj=None, **kwargs):
        if request.user.is_superuser:
            return super().get_form(request, obj, **kwargs)
        association = obj.association if obj is not None else access.association_of(request.user)

        class Form(ScopedAccountForm):
            def __init__(self, *args, **inner):
                super().__init__(*args, association=association, **inner)

        return Form

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return [(None, {"fields": ["username", "password", "town", "organization"]})]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "town" and not request.user.is_superuser:
            association = access.association_of(request.user)
            kwargs["queryset"] = Region.objects.filter(
                level=Region.Level.TOWN, parent_id=association.region_id if association else None
            ).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(kepu_admin.ScopedInline):
    """Members year by year: a new year is a new row, last year's stays as it was."""

    model = OrganizationMembership
    extra = 1


class SupportInline(kepu_admin.ScopedInline):
    model = OrganizationSupport
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(AssociationScopedAdmin):
    list_display = ["name", "kind", "founded_on", "dissolved_on", "latest_members", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]
    inlines = [MembershipInline, SupportInline]

    @admin.display(description=_("members (latest year)"))
    def latest_members(self, obj):
        latest = obj.memberships.order_by("-year").first()
        return f"{latest.members} ({latest.year})" if latest else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The registry figures of the years the dates touch (founded, dissolved, members, support).
        organization = form.instance
        dates = [organization.founded_on, organization.dissolved_on]
        dates += [date(m.year, 1, 1) for m in organization.memberships.all()]
        dates += [s.date for s in organization.supports.all()]
        known = [d for d in dates if d is not None]
        registry_request(association_id=organization.association_id, since=min(known) if known else None)

    validate = staticmethod(services.organization_validate)

    def delete_through_service(self, obj) -> None:
        services.organization_delete(organization=obj)


@admin.register(Venue)
class VenueAdmin(AssociationScopedAdmin):
    list_display = ["name", "kind", "region", "address"]
    list_filter = ["kind"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["region"]

    def delete_through_service(self, obj) -> None:
        services.venue_delete(venue=obj)


class EventInline(admin.TabularInline):
    model = Event
    # Events are edited on their own page, where partners, window and outputs live.
    readonly_fields = ("title", "kind", "venue", "starts_at", "ends_at", "status")
    fields = readonly_fields
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(AssociationScopedAdmin):
    list_display = ["name", "kind", "starts_on", "ends_on", "status", "lead_organization"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "description"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["lead_organization"]
    inlines = [EventInline]

    validate = staticmethod(services.campaign_validate)

    def delete_through_service(self, obj) -> None:
        services.campaign_delete(campaign=obj)


class EventOutputInline(admin.TabularInline):
    model = EventOutput
    extra = 1


class CampaignKindFilter(admin.ChoicesFieldListFilter):
    title = _("campaign kind")


@admin.register(Event)
class EventAdmin(AssociationScopedAdmin):
    list_display = ["title", "kind", "campaign", "venue", "starts_at", "status", "is_countryside_trip"]
    list_filter = ["status", "kind", "is_countryside_trip", ("campaign__kind", CampaignKindFilter), "audience"]
    search_fields = ["title", "description", "venue__name", "campaign__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["campaign", "venue", "partners"]
    list_select_related = ["campaign", "venue"]
    inlines = [EventOutputInline]
    actions = ["cancel_events"]

    validate = staticmethod(services.event_validate)

    def delete_through_service(self, obj) -> None:
        services.event_delete(event=obj)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Through the service: a new time or place, or a cancellation, is told to everybody concerned.
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name != "partners"}
        services.event_update(event=Event.objects.get(pk=obj.pk), **changed)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        tally_request(event_id=form.instance.id)  # outputs edited inline change the figures

    @admin.action(description=_("Cancel the selected events (their records are kept)"), permissions=["change"])
    def cancel_events(self, request, queryset):
        events = list(self.rows_for_write(request, queryset))
        for event in events:
            services.event_cancel(event=event)
        self.message_user(request, _("%(count)d events cancelled.") % {"count": len(events)})


@admin.register(EventEvidence)
class EventEvidenceAdmin(kepu_admin.AssociationScopedAdmin):
    """Photos and scanned sheets: uploaded and deleted on the desk (the event's "after" page), which checks
    what a file is and makes its thumbnail; here organizers read, and superusers may delete."""

    association_path = "event__association"
    organizers_write = False
    organizers_delete = False
    list_display = ["event", "kind", "caption", "file_link", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["event__title", "caption"]
    raw_id_fields = ["event", "uploaded_by"]
    list_select_related = ["event", "uploaded_by"]
    readonly_fields = ["file_link", "content_type", "size", "uploaded_by", "uploaded_at"]
    exclude = ["file", "thumbnail"]

    def has_add_permission(self, request):
        return False  # uploads go through the desk (events.services.evidence_add)

    @admin.display(description=_("file"))
    def file_link(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', reverse("desk-evidence-file", args=[obj.pk]), _("Open"))

    def delete_model(self, request, obj):
        services.evidence_delete(evidence=obj)

    def delete_queryset(self, request, queryset):
        for evidence in self.rows_for_write(request, queryset):
            services.evidence_delete(evidence=evidence)
