"""The desk's page of the national form: the chosen association's year as the survey's tables, and its
workbook. An organizer reads their own association's form; a prefecture's also its counties' (kepu.access)."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from desk.views.common import organizer_required
from events.models import YEAR_MAX, YEAR_MIN, Association
from kepu import access
from kepu.replica import replica_reads
from kepu.spreadsheets import XLSX

from .models import ActivityRule
from .national_form import national_form
from .workbook import attachment_header, national_form_xlsx


def _year_refused() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(_("Enter a year between 2000 and 2100."))


@organizer_required
@replica_reads
@require_GET
def national_form_page(request):
    """`?association=` one the organizer reads (default: their own), `?year=` (default: this year)."""
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
        association_id = int(request.GET.get("association") or access.association_of(request.user).id)
    except ValueError:
        return HttpResponseBadRequest(_("Unknown association or year."))
    if not YEAR_MIN <= year <= YEAR_MAX:
        return _year_refused()
    association = access.access_association_for_read(request.user, association_id)
    form = national_form(association=association, year=year)
    return render(
        request,
        "survey/national_form.html",
        {
            "form": form,
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
            "association": association,
            "associations": Association.objects.filter(id__in=access.associations_for_read(request.user)),
            "manual_cells": sum(
                1 for t in form.tables for line in t.lines for _unit, cell in line.cells if cell and cell.manual
            ),
            "rules": ActivityRule.objects.all(),
        },
    )


@organizer_required
@replica_reads
@require_GET
def national_form_file(request, association_id: int, year: int):
    if not YEAR_MIN <= year <= YEAR_MAX:
        return _year_refused()
    association = access.access_association_for_read(request.user, association_id)
    form = national_form(association=association, year=year)
    response = HttpResponse(national_form_xlsx(form), content_type=XLSX)
    response["Content-Disposition"] = attachment_header(form)
    return response
