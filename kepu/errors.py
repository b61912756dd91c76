"""The error answers of the whole site: JSON for the API (`/api/`), a page for everything else.

A client of the API reads `{"detail": ..., "code": ...}` whatever went wrong, also when Django itself
answers (an unknown route, a rejected host, an error in the server), in the request's language.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status, json_dumps_params={"ensure_ascii": False})


def bad_input(request: HttpRequest, message: str) -> HttpResponse:
    """400 for input Kepu cannot take, saying why."""
    if is_api(request):
        return _api_error(message, "invalid", 400)
    return render(request, "kepu/bad_request.html", {"message": message}, status=400)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return _api_error(_("The request could not be understood."), "bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return _api_error(_("You do not have permission to do this."), "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return _api_error(_("Not found."), "not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return _api_error(_("Something went wrong on the server; the error has been logged."), "server_error", 500)
    return defaults.server_error(request)
