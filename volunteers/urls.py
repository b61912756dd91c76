from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api, views

router = DefaultRouter()
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register("signups", api.SignUpViewSet, basename="signup")
router.register("volunteers", api.VolunteerViewSet, basename="volunteer")
router.register("volunteer-invitations", api.VolunteerInvitationViewSet, basename="volunteer-invitation")

# API routes (mounted under /api/v1/) and pages of this app.
api_urlpatterns = [
    path("me/signups/", api.MySignUpsView.as_view(), name="my-signups"),
    path("me/hours/", api.MyHoursView.as_view(), name="my-hours"),
    path("me/staff-scan/", api.StaffScanView.as_view(), name="my-staff-scan"),
    *router.urls,
]

urlpatterns = [
    path("v/", views.events, name="v-events"),
    path("v/register/", views.register, name="v-register"),
    path("v/register/confirm/", views.register_confirm, name="v-register-confirm"),
    path("v/join/<str:token>/", views.join, name="v-join"),
    path("v/login/", views.login, name="v-login"),
    path("v/logout/", views.logout, name="v-logout"),
    path("v/events/<int:event_id>/", views.event_detail, name="v-event"),
    path("v/shifts/<int:shift_id>/signup/", views.signup, name="v-signup"),
    path("v/signups/<int:signup_id>/cancel/", views.cancel, name="v-cancel"),
    path("v/me/", views.schedule, name="v-schedule"),
    path("v/me/hours/", views.hours, name="v-hours"),
    path("v/me/certificate.pdf", views.certificate, name="v-certificate"),
    path("v/me/calendar/", views.calendar_page, name="v-calendar"),
    path("v/ical/<str:token>.ics", views.ical_feed, name="v-ical"),
    path("v/staff/<str:code>/", views.staff_scan, name="v-staff"),
    path("v/org/", views.org_short, name="v-org-short"),
    path("v/org/events/<int:event_id>/", views.org_roster, name="v-org-roster"),
    path("v/org/events/<int:event_id>/roster.<str:fmt>", views.org_roster_export, name="v-org-roster-export"),
    path("v/org/hours.xlsx", views.org_hours_export, name="v-org-hours-export"),
    path("v/org/import/", views.org_import, name="v-org-import"),
]
