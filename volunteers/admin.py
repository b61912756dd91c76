"""Volunteers in the organizer's admin: shifts inline in the event, volunteers, sign-ups.

Writes go through the services, so the capacity and the waitlist stay right here too.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from events.admin import EventAdmin
from kepu import access
from kepu.admin import AssociationScopedAdmin
from kepu.text import clean_name

from . import services
from .models import Shift, SignUp, Skill, Volunteer


class ShiftForm(forms.ModelForm):
    class Meta:
        model = Shift
        fields = ["role", "starts_at", "ends_at", "capacity", "required_skills", "expert_only", "signup_deadline"]

    def _post_clean(self):
        super()._post_clean()
        if self.instance.event_id or getattr(self.instance, "event", None):
            try:
                services.shift_validate(self.instance)
            except ValidationError as invalid:
                self._update_errors(invalid)


class ShiftFormSet(BaseInlineFormSet):
    def save_existing(self, form, obj, commit=True):
        # Through the service: more places promote the waitlist; `taken` is never overwritten.
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name != "required_skills"}
        skills = form.cleaned_data.get("required_skills") if "required_skills" in form.changed_data else None
        return services.shift_update(shift=obj, required_skills=skills, **fields)


class ShiftInline(admin.TabularInline):
    model = Shift
    form = ShiftForm
    formset = ShiftFormSet
    extra = 0
    fields = ["role", "starts_at", "ends_at", "capacity", "taken", "required_skills", "expert_only", "signup_deadline"]
    readonly_fields = ["taken"]
    show_change_link = True

    # Organizers hold no Django model permissions: their right comes from being an organizer
    # (the event admin itself already checks the event is theirs).
    def _may_use(self, request) -> bool:
        return request.user.is_superuser or access.holds_association(request.user)

    def has_view_permission(self, request, obj=None):
        return self._may_use(request)

    def has_add_permission(self, request, obj=None):
        return self._may_use(request)

    def has_change_permission(self, request, obj=None):
        return self._may_use(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # a shift with sign-ups is not deleted from the organizer's desk


# Shifts are planned on the event's page: add the inline to the events app's admin.
if ShiftInline not in EventAdmin.inlines:
    EventAdmin.inlines = [*EventAdmin.inlines, ShiftInline]


class _ScopedToAssociation(AssociationScopedAdmin):
    organizers_delete = False  # sign-ups and volunteers leave through the services (cancel, remove)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Volunteer)
class VolunteerAdmin(_ScopedToAssociation):
    list_display = ["name", "phone", "is_expert", "home_region", "created_at"]
    list_filter = ["is_expert", "skills"]
    search_fields = ["name", "phone"]
    autocomplete_fields = ["home_region", "organizations", "skills"]
    readonly_fields = ["user", "calendar_token"]
    exclude = []

    def get_exclude(self, request, obj=None):
        return () if request.user.is_superuser else ("association",)

    def has_add_permission(self, request):
        # Organizers add volunteers by invitation (the API, the import), which answers alike for every
        # number; this form would tell them whether a number is registered in another association.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service: a new phone number is also the new login.
            changed = {
                name: form.cleaned_data[name] for name in form.changed_data if name not in ("skills", "organizations")
            }
            services.volunteer_update(volunteer=Volunteer.objects.select_related("user").get(pk=obj.pk), **changed)
            return None
        volunteer = services.volunteer_create(
            association=obj.association if request.user.is_superuser else access.association_of(request.user),
            phone=obj.phone,
            name=obj.name,
            is_expert=obj.is_expert,
            home_region=obj.home_region,
            language=obj.language,
        )
        obj.pk, obj.user, obj.phone = volunteer.pk, volunteer.user, volunteer.phone
        obj._state.adding = False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class PhoneCheckedForm(form):
            def clean_phone(self):
                try:
                    return services.normalize_phone(self.cleaned_data["phone"])
                except ValidationError as invalid:
                    raise ValidationError(invalid.message_dict["phone"]) from None

            def clean_name(self):
                if not (name := clean_name(self.cleaned_data["name"])):
                    raise ValidationError(_("Enter the volunteer's name."))
                return name

        return PhoneCheckedForm


@admin.register(Shift)
class ShiftAdmin(_ScopedToAssociation):
    association_path = "event__association"
    form = ShiftForm
    list_display = ["event", "role", "starts_at", "ends_at", "taken", "capacity", "expert_only"]
    list_filter = ["role", "expert_only"]
    search_fields = ["event__title"]
    autocomplete_fields = ["event"]
    list_select_related = ["event"]

    def get_fields(self, request, obj=None):
        return ["event", *ShiftForm.Meta.fields]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = ["event", *ShiftForm.Meta.fields]
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name != "required_skills"}
            services.shift_update(shift=obj, **fields)
        else:
            super().save_model(request, obj, form, change)


@admin.register(SignUp)
class SignUpAdmin(_ScopedToAssociation):
    association_path = "shift__event__association"
    list_display = ["volunteer", "shift", "status", "created_at", "checked_in_at", "checked_out_at", "hours"]
    list_filter = ["status", "hours_source"]
    search_fields = ["volunteer__name", "volunteer__phone", "shift__event__title"]
    list_select_related = ["volunteer", "shift", "shift__event"]
    readonly_fields = [
        "shift",
        "volunteer",
        "status",
        "created_at",
        "checked_in_at",
        "checked_out_at",
        "hours",
        "hours_source",
    ]
    actions = ["mark_attended", "mark_no_show", "remove"]

    def has_add_permission(self, request):
        return False  # sign-ups are made through the shift's sign-up, which guards the capacity

    def _each(self, request, queryset, do) -> None:
        done = 0
        for signup in self.rows_for_write(request, queryset):
            try:
                do(signup)
                done += 1
            except ValidationError as invalid:
                self.message_user(request, f"{signup}: {' '.join(invalid.messages)}", messages.ERROR)
        self.message_user(request, _("%(count)d sign-ups changed.") % {"count": done})

    @admin.action(description=_("Mark attended"), permissions=["change"])
    def mark_attended(self, request, queryset):
        self._each(request, queryset, lambda s: services.signup_mark_attendance(signup=s, attended=True))

    @admin.action(description=_("Mark no-show"), permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._each(request, queryset, lambda s: services.signup_mark_attendance(signup=s, attended=False))

    @admin.action(description=_("Remove from the shift (the waitlist moves up)"), permissions=["change"])
    def remove(self, request, queryset):
        self._each(request, queryset, lambda s: services.signup_cancel(signup=s, by_organizer=True))
