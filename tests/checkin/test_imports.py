"""Issue 11, items 8 and 9 on the check-in side: the registration import (…/registrations/import/) is
bounded, all-or-nothing with a per-row report, and attendees' names are cleaned of control characters."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import Workbook

from checkin import services
from checkin.models import Attendee, Registration
from events.models import Event
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(association):
    return EventFactory(association=association)


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _post(api, event, content: bytes, name: str = "list.xlsx", **headers):
    upload = io.BytesIO(content)
    upload.name = name
    return api.post(
        f"/api/v1/events/{event.id}/registrations/import/",
        {"file": upload, "consent_confirmed": "true"},
        format="multipart",
        **headers,
    )


def test_a_list_with_wrong_rows_is_a_400_naming_every_wrong_row_and_registers_nobody(organizer_api, event):
    rows = [("姓名", "手机", "村"), ("张三", "13800000001", ""), ("李四", "1", ""), ("王五", "", "没有这个村")]
    response = _post(organizer_api, event, _xlsx(rows), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert [(r["row"], r["name"], r["ok"]) for r in body["rows"]] == [(3, "李四", False), (4, "王五", False)]
    assert "没有这个村" in body["rows"][1]["message"]
    assert body["file"][0].startswith("Row 3:") and body["file"][1].startswith("Row 4:")
    assert not Registration.objects.exists() and not Attendee.objects.exists()


def test_a_workbook_declaring_the_whole_sheet_is_a_400_in_the_users_language_before_a_row_is_built(
    organizer_api, event, rows_built
):
    source, out = zipfile.ZipFile(io.BytesIO(_xlsx([("姓名",), ("张三",)]))), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as crafted:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
            crafted.writestr(item.filename, data)
    assert len(out.getvalue()) < 6000
    response = _post(organizer_api, event, out.getvalue(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert rows_built == []  # no row is built: what the sheet declares is refused before openpyxl reads a cell
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert "A1:XFD1048576" in message and "1,048,576" in message and re.search(r"[\u4e00-\u9fff]", message)


@override_settings(IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_a_400(organizer_api, event):
    response = _post(organizer_api, event, "姓名\n".encode() + b"x" * 2000, "list.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "at most 1.0\xa0KB" in response.json()["file"][0]


def test_a_csv_list_is_imported_and_its_names_lose_their_control_characters(organizer_api, event):
    content = "姓名,手机\n张\x07三\u202e,13800000001\n李四,\n".encode("gb18030")
    response = _post(organizer_api, event, content, "list.csv")
    assert response.status_code == 201, response.json()
    assert sorted(Attendee.objects.values_list("name", flat=True)) == ["张三", "李四"]


def test_a_csv_field_over_131072_characters_is_a_400(organizer_api, event):
    content = ("姓名\n张三\n" + "x" * 131_073 + "\n").encode()
    response = _post(organizer_api, event, content, "list.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Row 3 has a cell longer than 131,072 characters" in response.json()["file"][0]


def test_registering_an_attendee_through_the_api_cleans_the_name(organizer_api, event):
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/registrations/", {"name": "王\x00大\x1b山"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Attendee.objects.get().name == "王大山"


def test_self_checkin_cleans_the_name(client, event):
    poster = services.poster_code_for(event=event)
    client.post(f"/c/{poster.code}/", {"name": "周\x07大嫂", "category": "farmer", "phone": "", "consent": "on"})
    assert Attendee.objects.get().name == "周大嫂"


def test_the_admin_cleans_an_attendees_name(admin_client, event):
    attendee = services.registration_create(event=event, name="周大嫂").attendee
    response = admin_client.post(
        f"/admin/checkin/attendee/{attendee.id}/change/",
        {"association": attendee.association_id, "name": "周\x07大嫂", "phone": "", "category": "farmer"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Attendee.objects.get().name == "周大嫂"


def test_a_paper_list_cleans_the_names(organizer_api, event):
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2, hours=-2)
    )
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/paper-checkins/",
        {"entries": [{"name": "赵\u202e六\x07", "category": "farmer"}, {"name": "\x07\x1b"}]},
        format="json",
    )
    assert response.status_code == 400 and "name" in response.json()["entries"]["1"]  # only control characters
    assert not Attendee.objects.exists()
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/paper-checkins/",
        {"entries": [{"name": "赵\u202e六\x07", "category": "farmer"}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Attendee.objects.get().name == "赵六"


# --- issue 12, item 5: the organizer confirms the people's consent ----------------------------------------


@pytest.mark.parametrize("consent", [None, "false"])
def test_an_import_without_the_organizers_consent_confirmation_is_refused_in_chinese(organizer_api, event, consent):
    upload = io.BytesIO(_xlsx([("姓名", "手机"), ("张三", "13800000001")]))
    upload.name = "list.xlsx"
    body = {"file": upload} | ({"consent_confirmed": consent} if consent else {})
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/registrations/import/", body, format="multipart", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "同意" in response.json()["consent_confirmed"][0]
    assert not Registration.objects.exists()


def test_the_import_service_refuses_without_consent(event):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.registrations_import(
            event=event, file=io.BytesIO(_xlsx([("姓名",), ("张三",)])), consent_confirmed=False
        )
    assert "consent_confirmed" in error.value.message_dict


def test_a_village_name_two_towns_share_is_refused_until_the_row_tells_the_town(organizer_api, event):
    from tests.factories import TownFactory, VillageFactory

    county = event.association.region
    east = VillageFactory(parent=TownFactory(parent=county, name="城关镇"), name="上寨村")
    VillageFactory(parent=TownFactory(parent=county, name="河口镇"), name="上寨村")
    refused = _post(organizer_api, event, _xlsx([("姓名", "村"), ("张三", "上寨村")]))
    assert refused.status_code == 400
    assert "有多个村叫“上寨村”" in refused.json()["rows"][0]["message"]
    assert not Registration.objects.exists()

    told = _post(
        organizer_api, event, _xlsx([("姓名", "村"), ("张三", "上寨村（城关镇）"), ("李四", "城关镇 · 上寨村")])
    )
    assert told.status_code == 201, told.json()
    assert set(Attendee.objects.values_list("region", flat=True)) == {east.id}
