# API routes (mounted under /api/v1/) and pages of this app.
api_urlpatterns: list = []
urlpatterns: list = []
