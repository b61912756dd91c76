"""The national form through the API: the filled cells with their sources as JSON, or the workbook."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import YEAR_MAX, YEAR_MIN
from kepu import access
from kepu.api import IsOrganizer
from kepu.replica import replica_reads
from kepu.spreadsheets import XLSX

from .national_form import national_form
from .workbook import attachment_header, national_form_xlsx


def checked_year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise serializers.ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
    return year


class NationalFormView(APIView):
    """The national science-popularization statistics form of an association's year, filled from its
    records: every table's cells with their units and sources; `manual` cells are the clerk's.
    Organizers of the association read it, and a prefecture's organizers its counties' too."""

    permission_classes = [IsOrganizer]

    @extend_schema(
        parameters=[
            OpenApiParameter("as", str, enum=["json", "xlsx"], description="xlsx: the workbook instead of JSON")
        ],
        responses={(200, "application/json"): dict, (200, XLSX): OpenApiTypes.BINARY},
    )
    @replica_reads
    def get(self, request, association_id: int, year: int):
        association = access.access_association_for_read(request.user, association_id)
        form = national_form(association=association, year=checked_year(year))
        if request.query_params.get("as") == "xlsx":
            response = HttpResponse(national_form_xlsx(form), content_type=XLSX)
            response["Content-Disposition"] = attachment_header(form)
            return response
        return Response(form.as_dict())
