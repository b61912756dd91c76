"""After an event: the paper sign-in sheet, headcounts, outputs and evidence (photos, scanned sheets)."""

urlpatterns: list = []
