"""registrations_import_report: the registration import with the per-row report the organizer's desk shows."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from checkin import services
from checkin.models import Registration
from tests.factories import EventFactory, TownFactory, VillageFactory

pytestmark = pytest.mark.django_db


def _sheet(rows) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "list.xlsx"
    return out


@pytest.fixture
def event():
    return EventFactory()


def test_every_row_is_reported_added_or_already_registered(event):
    services.registration_create(event=event, name="老会员", phone="13900000001")
    rows = [("姓名", "手机"), ("新人", ""), ("老会员", "13900000001"), ("另一新人", "13900000002")]
    report = services.registrations_import_report(event=event, file=_sheet(rows), consent_confirmed=True)
    assert report["imported"] and (report["created"], report["existing"]) == (2, 1)
    assert [(r["row"], r["name"], r["result"]) for r in report["rows"]] == [
        (2, "新人", "created"),
        (3, "老会员", "existing"),
        (4, "另一新人", "created"),
    ]
    codes = {r.attendee.name: r.code for r in Registration.objects.select_related("attendee")}
    assert all(r["code"] == codes[r["name"]] for r in report["rows"])


def test_phoneless_namesakes_of_a_second_import_match_the_first_in_order(event):
    town = TownFactory(parent=event.association.region)
    east, west = VillageFactory(parent=town, name="东村"), VillageFactory(parent=town, name="西村")
    rows = [("姓名", "村"), ("张伟", "东村"), ("张伟", "西村"), ("张伟", "东村")]
    first = services.registrations_import_report(event=event, file=_sheet(rows), consent_confirmed=True)
    assert [r["result"] for r in first["rows"]] == ["created"] * 3
    rows.append(("张伟", "西村"))
    second = services.registrations_import_report(event=event, file=_sheet(rows), consent_confirmed=True)
    assert [r["result"] for r in second["rows"]] == ["existing", "existing", "existing", "created"]
    assert [r["code"] for r in second["rows"][:3]] == [r["code"] for r in first["rows"]]
    assert Registration.objects.filter(attendee__region=west).count() == 2
    assert Registration.objects.filter(attendee__region=east).count() == 2


def test_wrong_rows_are_reported_refused_with_why_and_nothing_is_imported(event):
    rows = [("姓名", "手机", "村"), ("张三", "1", ""), ("李四", "", ""), ("王五", "", "没有这个村")]
    report = services.registrations_import_report(event=event, file=_sheet(rows), consent_confirmed=True)
    assert not report["imported"] and report["summary"]
    assert [(r["row"], r["result"]) for r in report["rows"]] == [(2, "refused"), (4, "refused")]
    assert "没有这个村" in report["rows"][1]["message"]
    assert not Registration.objects.exists()


def test_without_the_organizers_consent_confirmed_nothing_is_read(event):
    with pytest.raises(ValidationError) as error:
        services.registrations_import_report(event=event, file=_sheet([("姓名",), ("张三",)]), consent_confirmed=False)
    assert "consent_confirmed" in error.value.message_dict
    assert not Registration.objects.exists()
