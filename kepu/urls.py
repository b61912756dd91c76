from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from checkin import urls as checkin_urls
from desk import urls as desk_urls
from events import urls as events_urls
from notifications import urls as notifications_urls
from outreach import urls as outreach_urls
from reporting import urls as reporting_urls
from stats import urls as stats_urls
from survey import urls as survey_urls
from volunteers import urls as volunteers_urls

from .health import healthz
from .login_codes import LoginCodeVerifyView, LoginCodeView
from .logins import TokenView

# The API answers errors in JSON, even those Django answers itself (kepu/errors.py).
handler400 = "kepu.errors.bad_request"
handler403 = "kepu.errors.permission_denied"
handler404 = "kepu.errors.page_not_found"
handler500 = "kepu.errors.server_error"

admin.site.site_header = _("Kepu · science association desk")
admin.site.site_title = _("Kepu")
admin.site.index_title = _("Plan, staff, check in, report")
admin.site.site_url = None  # no "View site": kepu/templates/admin/base_site.html links back to the desk

# The check-in API first: Django tries patterns in order, and the scan endpoint is the hot path (bench/checkin).
# No two patterns here overlap, so the order changes nothing else.
api_v1 = [
    *checkin_urls.api_urlpatterns,
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/login-code/", LoginCodeView.as_view(), name="login-code"),
    path("auth/login-code/verify/", LoginCodeVerifyView.as_view(), name="login-code-verify"),
    *events_urls.api_urlpatterns,
    *volunteers_urls.api_urlpatterns,
    *notifications_urls.api_urlpatterns,
    *outreach_urls.api_urlpatterns,
    *reporting_urls.api_urlpatterns,
    *stats_urls.api_urlpatterns,
    *survey_urls.api_urlpatterns,
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    # The organizer's desk is the front door; the admin stays for superusers and the registries.
    path("", RedirectView.as_view(pattern_name="desk-home", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    *volunteers_urls.urlpatterns,
    *checkin_urls.urlpatterns,
    *notifications_urls.urlpatterns,
    *stats_urls.urlpatterns,
    *survey_urls.urlpatterns,  # the national form's pages, under desk/
    path("desk/", include(desk_urls)),
]
