from django.urls import path

from . import api, views

# API routes (mounted under /api/v1/) and pages of this app (under the desk).
api_urlpatterns: list = [
    path(
        "survey/national-form/<int:association_id>/<int:year>/",
        api.NationalFormView.as_view(),
        name="survey-national-form",
    ),
]
urlpatterns: list = [
    path("desk/national-form/", views.national_form_page, name="desk-national-form"),
    path(
        "desk/national-form/<int:association_id>/<int:year>/",
        views.national_form_file,
        name="desk-national-form-file",
    ),
]
