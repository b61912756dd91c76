from django.urls import path

from . import api

# API routes (mounted under /api/v1/); the pages are the desk's (desk/views/reporting.py).
api_urlpatterns: list = [
    path("reporting/submissions/", api.SubmissionListView.as_view(), name="submission-list"),
    path("reporting/submissions/<int:pk>/", api.SubmissionDetailView.as_view(), name="submission-detail"),
    path("reporting/submissions/<int:pk>/accept/", api.SubmissionAcceptView.as_view(), name="submission-accept"),
    path("reporting/submissions/<int:pk>/return/", api.SubmissionReturnView.as_view(), name="submission-return"),
    path("reporting/rollup/<int:year>/", api.RollupView.as_view(), name="reporting-rollup"),
]
