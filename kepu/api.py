"""What every API view of Kepu shares: permissions, pagination, error format."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from events.services import InUse
from kepu.access import holds_association, is_organizer

logger = logging.getLogger(__name__)


class RolesTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the user's roles (organizer, volunteer) with the token: one
    statement where the views' access checks (kepu.access, volunteers.selectors.volunteer_of) made two more.
    Used where a volunteer's tap must be quick (bench/signup). A user without a role has it cached as
    absent, so asking costs no query either."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        token = model.objects.select_related("user", "user__organizer", "user__volunteer").filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # refused as DRF refuses, in its words
        return token.user, token


class RolesTokenScheme(OpenApiAuthenticationExtension):
    """The same "Authorization: Token <key>" header in the schema, under its own name (a second class may not
    take DRF's tokenAuth)."""

    target_class = RolesTokenAuthentication
    name = "rolesTokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _('The same token as tokenAuth: "Token <key>" from /api/v1/auth/token/.'),
        }


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


# The largest id a BigAutoField holds. A larger integer names no record, and the database refuses to
# compare a column with it (an overflow): a serializer taking an id says so with a 400 first.
ID_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """The id of a record, sent as an integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class IsOrganizer(permissions.BasePermission):
    """Organizers of a whole association (kepu.access.holds_association); what they see is scoped by each
    view's queryset. Township organizers and partner accounts are refused: the registers, campaigns and
    figures behind these views are not theirs."""

    message = _("Only organizers may do this.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and holds_association(request.user))


class IsOrganizerOrReadOnly(IsOrganizer):
    """Anyone reads (each view's queryset hides drafts from non-organizers); organizers write."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)


class IsEventOrganizer(permissions.BasePermission):
    """Any organizer, township organizers and partner accounts included: for the views of events' own
    records, whose querysets (kepu.access) keep each to the events they hold."""

    message = _("Only organizers may do this.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and is_organizer(request.user))


class IsEventOrganizerOrReadOnly(IsEventOrganizer):
    """Anyone reads (each view's queryset hides drafts from non-organizers); any organizer writes, within
    the events their write scope holds."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)


class ScopedByMethod:
    """A viewset mixin: `scopes` = (a kepu.access *_for_read function, its *_for_write twin). Safe methods
    (GET, HEAD, OPTIONS) see the read scope; every other method and action only the write scope. A
    record the user reads but may not change answers 403 (they know it exists); any other, 404."""

    scopes: tuple = ()

    def get_queryset(self):
        read, write = self.scopes
        return for_method(self.request, read=read, write=write)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            read, _write = self.scopes
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            if self.request.method not in permissions.SAFE_METHODS and _readable(read(self.request.user), lookup):
                self.permission_denied(self.request, message=_("You read this record but may not change it."))
            raise


def _readable(queryset, lookup) -> bool:
    """Whether the read scope holds the record the URL names; an id that is no id names none (the
    DRF lookup already answered 404 for it, and the database would refuse to compare it)."""
    try:
        return queryset.filter(pk=lookup).exists()
    except (TypeError, ValueError, DjangoValidationError):
        return False


def for_method(request, *, read, write):
    """The read scope for a safe method (GET, HEAD, OPTIONS), the write scope for every other:
    `read` and `write` are a kepu.access pair such as events_for_read / events_for_write."""
    scope = read if request.method in permissions.SAFE_METHODS else write
    return scope(request.user)


class WriteScopedLinks:
    """A serializer mixin: the relational fields named in `write_scopes` (field name → a kepu.access
    *_for_write function) link only to records the user may change. Another association's record is
    refused like an unknown one: 400 with DRF's translated "object does not exist"."""

    write_scopes: dict = {}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        for name, scope in self.write_scopes.items():
            field = fields[name]
            related = getattr(field, "child_relation", field)  # many=True: the child holds the queryset
            if not field.read_only:
                related.queryset = scope(request.user) if request is not None else related.queryset.none()
        return fields


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "in_use"


class OutOfRange(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


def exception_handler(exc, context):
    """DRF's handler, also turning the services' errors into answers.

    Services raise Django's ValidationError (→ 400 with per-field errors) and
    InUse (→ 409), so the same rules hold in the admin, the API and commands.
    A value the database cannot hold (DataError, OverflowError: an integer beyond
    64 bits that no serializer bounded) is bad input, not a server error: 400.
    """
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, InUse):
        exc = Conflict(exc.message)
    elif isinstance(exc, ProtectedError):
        exc = Conflict(_("Other records depend on this; nothing was deleted."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()  # DRF would pass on get_object_or_404's English "No Event matches…"
    elif isinstance(exc, DataError | OverflowError):
        logger.warning("bad input reached the database: %s: %r", context["request"].path, exc)
        exc = OutOfRange(_("A value is out of range."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict) and "detail" in response.data:
        response.data["code"] = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
    return response
