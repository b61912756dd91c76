"""Plan: campaigns and events as a list and a month calendar; create, edit, copy, cancel; shifts."""

urlpatterns: list = []
