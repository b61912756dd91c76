"""The desk's pages. Each part of the organizer's day has its own module under desk/views/."""

from .views import after_event, attendance, home, plan, privacy, registers, registrations, reporting, staffing

urlpatterns: list = [
    *home.urlpatterns,
    *plan.urlpatterns,
    *registrations.urlpatterns,
    *attendance.urlpatterns,
    *after_event.urlpatterns,
    *staffing.urlpatterns,
    *privacy.urlpatterns,
    *registers.urlpatterns,
    *reporting.urlpatterns,
]
