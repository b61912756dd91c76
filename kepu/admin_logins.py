"""The sign-in log in the admin: failed sign-ins, lockouts and sign-ins (django-axes' records).

Organizers read the records of their own association's people (its organizers and
volunteers, by username) and change nothing; superusers see every record, including
failures for names nobody has, and reset a lockout by deleting its attempt record.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from . import access
from .logins import usernames_of_association


class _SignInLogAdmin:
    """Read-only, scoped to the organizer's association; superusers may delete (reset)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        association = access.association_of(request.user)
        if association is None:
            return queryset.none()
        return queryset.filter(username__in=usernames_of_association(association.id))

    def has_module_permission(self, request):
        return request.user.is_superuser or access.holds_association(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_actions(self, request):
        return super().get_actions(request) if request.user.is_superuser else {}

    def get_fieldsets(self, request, obj=None):
        # What was posted stays with superusers (passwords and codes are masked by axes anyway).
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [(name, options) for name, options in fieldsets if "get_data" not in options["fields"]]


@admin.register(AccessAttempt)
class SignInAttemptAdmin(_SignInLogAdmin, AccessAttemptAdmin):
    """Current failure counts; one at the limit is a lockout. Deleting it lifts the lockout."""


@admin.register(AccessFailureLog)
class SignInFailureAdmin(_SignInLogAdmin, AccessFailureLogAdmin):
    """Every failed sign-in, and whether it locked the account or address out."""


@admin.register(AccessLog)
class SignInAdmin(_SignInLogAdmin, AccessLogAdmin):
    """Successful sign-ins and sign-outs."""
