"""An event's live attendance: counts refreshing by themselves, the scanner link, the scan log."""

urlpatterns: list = []
