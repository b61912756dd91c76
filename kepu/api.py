"""What every API view of Kepu shares: permissions, pagination, error format."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from events.selectors import is_organizer
from events.services import InUse


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class IsOrganizer(permissions.BasePermission):
    """Organizers of an association; what they see is scoped by each view's queryset."""

    message = _("Only organizers may do this.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and is_organizer(request.user))


class IsOrganizerOrReadOnly(IsOrganizer):
    """Anyone reads (each view's queryset hides drafts from non-organizers); organizers write."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "in_use"


def exception_handler(exc, context):
    """DRF's handler, also turning the services' errors into answers.

    Services raise Django's ValidationError (→ 400 with per-field errors) and
    InUse (→ 409), so the same rules hold in the admin, the API and commands.
    """
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, InUse):
        exc = Conflict(exc.message)
    elif isinstance(exc, ProtectedError):
        exc = Conflict(_("Other records depend on this; nothing was deleted."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict) and "detail" in response.data:
        response.data["code"] = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
    return response
