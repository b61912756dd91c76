from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("notifications", api.NotificationViewSet, basename="notification")
router.register("inbox", api.InboxViewSet, basename="inbox")

# API routes (mounted under /api/v1/) and pages of this app.
api_urlpatterns = [
    path("notification-preferences/", api.PreferenceView.as_view(), name="notification-preferences"),
    *router.urls,
]
urlpatterns = [
    path("v/inbox/", views.inbox, name="inbox"),
    path("v/inbox/<int:notification_id>/read/", views.inbox_read, name="inbox-read"),
    path("v/inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
]
