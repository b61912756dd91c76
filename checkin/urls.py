from django.urls import include, path

from . import api, ticket, views
from .scan import endpoint as scan

# Mounted under /api/v1/ (namespace "api"), scans first: they are the busiest requests (see kepu/urls.py).
api_urlpatterns = [
    path("checkin/scan/", scan.ScanView.as_view(), name="checkin-scan"),
    path("checkin/batch/", scan.BatchView.as_view(), name="checkin-batch"),
    path(
        "events/<int:event_id>/registrations/",
        api.EventRegistrationsView.as_view(),
        name="event-registrations",
    ),
    path(
        "events/<int:event_id>/registrations/import/",
        api.EventRegistrationsImportView.as_view(),
        name="event-registrations-import",
    ),
    path("events/<int:event_id>/headcounts/", api.HeadcountsView.as_view(), name="event-headcounts"),
    path("events/<int:event_id>/paper-checkins/", api.PaperCheckInsView.as_view(), name="event-paper-checkins"),
    path("events/<int:event_id>/poster-code/", api.PosterCodeView.as_view(), name="event-poster-code"),
    path("events/<int:event_id>/scan-log/", api.ScanLogView.as_view(), name="event-scan-log"),
    path("events/<int:event_id>/attendance/", api.CountsView.as_view(), name="event-attendance"),
    path("registrations/<int:pk>/", api.RegistrationDetailView.as_view(), name="registration-detail"),
    path("registrations/<int:pk>/revoke/", api.RegistrationRevokeView.as_view(), name="registration-revoke"),
    path("registrations/<int:pk>/qr.png", api.RegistrationQRPngView.as_view(), name="registration-qr-png"),
    path("registrations/<int:pk>/qr.svg", api.RegistrationQRSvgView.as_view(), name="registration-qr-svg"),
    path("checkin/search/", api.SearchView.as_view(), name="checkin-search"),
    path("checkin/checkins/<int:pk>/annul/", api.AnnulView.as_view(), name="checkin-annul"),
    path("checkin/checkins/<int:pk>/review/", api.ReviewView.as_view(), name="checkin-review"),
    path("events/<int:event_id>/checkins-held/", api.HeldCheckInsView.as_view(), name="event-checkins-held"),
]

# Pages, under the "checkin" namespace.
page_urlpatterns = [
    path("scan/sw.js", views.service_worker, name="scanner-sw"),
    path("scan/<int:event_id>/", views.scanner, name="scanner"),
    path("c/<str:code>/", views.self_checkin, name="self"),
    path("checkin/events/<int:event_id>/tickets/", views.tickets, name="tickets"),
    path("checkin/events/<int:event_id>/poster/", views.poster, name="poster"),
]
urlpatterns = [
    path("", include((page_urlpatterns, "checkin"))),
    # The link in the registration SMS (NOTIFICATIONS_TICKET_URL): short, and outside the namespace.
    path("t/<str:code>/", ticket.ticket, name="ticket"),
]
