"""The desk's pages. Each part of the organizer's day has its own module under desk/views/."""

urlpatterns: list = []
