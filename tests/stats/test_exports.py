"""The annual summary's Excel file goes through the shared writer: a name that looks like a formula stays text."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import AssociationFactory, CheckInFactory, EventFactory, OrganizerFactory

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def test_the_summary_xlsx_holds_a_formula_like_association_name_as_text(api):
    association = AssociationFactory(name='=HYPERLINK("http://x","y")')
    CheckInFactory.create_batch(2, event=EventFactory(association=association))
    api.force_authenticate(OrganizerFactory(association=association).user)
    response = api.get(f"/api/v1/stats/summary/{YEAR}/?format=xlsx")
    assert response.status_code == 200
    title = load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"]
    assert title.data_type == "s" and title.value.startswith("'=HYPERLINK")
