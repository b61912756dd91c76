from django.urls import path

from . import api, views

# API routes (mounted under /api/v1/) and pages of this app.
api_urlpatterns: list = [
    path("stats/years/<int:year>/", api.YearTallyView.as_view(), name="stats-year"),
    path("stats/period/", api.PeriodTallyView.as_view(), name="stats-period"),
    path("stats/events/<int:event_id>/", api.EventTallyView.as_view(), name="stats-event"),
    path("stats/campaigns/<int:campaign_id>/", api.CampaignTallyView.as_view(), name="stats-campaign"),
    path("stats/campaigns/", api.CampaignProgressView.as_view(), name="stats-campaigns"),
    path("stats/summary/<int:year>/", api.SummaryView.as_view(), name="stats-summary"),
    path("stats/recompute/", api.RecomputeView.as_view(), name="stats-recompute"),
    path("stats/today/", api.TodayView.as_view(), name="stats-today"),
]
urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figures/<slug:figure>/", views.figure_records, name="dashboard-figure"),
    path("dashboard/events/<int:event_id>/", views.event_records, name="dashboard-event"),
    path("dashboard/summary/<int:year>/", views.summary_file, name="dashboard-summary"),
]
