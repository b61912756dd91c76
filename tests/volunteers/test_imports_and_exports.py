"""Issue 11, items 8 and 9 on the volunteers' side: the organizer's import (/v/org/import/) is bounded and
all-or-nothing; the roster and hours exports never carry a live formula and never fail on a stored name;
names are cleaned of control characters wherever they are typed."""

import csv
import io
import re
import zipfile

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from notifications.models import Notification
from tests.factories import VolunteerFactory
from volunteers import services
from volunteers.models import Volunteer, VolunteerInvitation

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def _upload(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(client, content: bytes, name: str = "volunteers.csv"):
    return client.post("/v/org/import/", {"file": _upload(content, name)}, HTTP_ACCEPT_LANGUAGE="en")


# --- import ------------------------------------------------------------------------------------


def test_a_nul_byte_in_a_csv_imports_nobody_and_names_the_row(organizer_client):
    """On PostgreSQL this saved the rows before the NUL and dropped the rest with no report."""
    content = "姓名,手机号\n赵六,13900004444\n钱\x00七,13900005555\n孙八,13900006666\n".encode()
    response = _import(organizer_client, content)
    assert response.status_code == 200
    assert "Row 3 holds a NUL character" in response.context["form"].errors["file"][0]
    assert not Volunteer.objects.exists()


def test_a_row_that_fails_in_the_database_leaves_nothing_behind(organizer_client):
    """Every row is checked in a savepoint; one wrong row late in the file undoes the rows before it."""
    content = "姓名,手机号\n赵六,13900004444\n钱七,13900005555\n孙八,139 0000 4444\n".encode()
    response = _import(organizer_client, content)
    assert [(r["row"], r["name"]) for r in response.context["report"]["rows"]] == [(4, "孙八")]
    assert "Nothing was imported: 1 of 3 rows need correcting" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_a_csv_field_over_131072_characters_is_a_message_not_a_500(organizer_client):
    content = ("姓名,手机号\n赵六,13900004444\n" + "长" * 131_073 + ",13900005555\n").encode()
    response = _import(organizer_client, content)
    assert response.status_code == 200
    assert "Row 3 has a cell longer than 131,072 characters" in response.context["form"].errors["file"][0]
    assert not Volunteer.objects.exists()


@override_settings(IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused_with_the_limit(organizer_client):
    response = _import(organizer_client, "姓名,手机号\n".encode() + b"x" * 2000)
    assert "at most 1.0\xa0KB" in response.context["form"].errors["file"][0]


def test_a_workbook_declaring_the_whole_sheet_is_refused_before_a_row_is_built(organizer_client, rows_built):
    source, out = zipfile.ZipFile(io.BytesIO(_xlsx([["姓名", "手机号"], ["赵六", "13900004444"]]))), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as crafted:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
            crafted.writestr(item.filename, data)
    response = _import(organizer_client, out.getvalue(), "volunteers.xlsx")
    assert rows_built == []
    assert "A1:XFD1048576" in response.context["form"].errors["file"][0]
    assert not Volunteer.objects.exists()


def test_imported_names_lose_their_control_characters(association):
    content = "姓名,手机号\n赵\x07六\u202e,13900004444\n".encode()
    services.volunteers_import(association=association, file=_upload(content, "list.csv"))
    assert VolunteerInvitation.objects.get().name == "赵六"  # the volunteer is made from it on acceptance


# --- names typed in ----------------------------------------------------------------------------


def test_registering_with_a_control_character_stores_the_name_without_it(client, association):
    response = client.post(
        "/v/register/",
        {
            "phone": "13812345670",
            "name": "李\x07明\x1b",
            "password": "Kx-secret-2026",
            "association": association.id,
            "consent": "on",
        },
    )
    assert response.status_code == 302
    # The account is made when the code sent to the phone comes back (registration answers alike for every number).
    sms = Notification.objects.filter(kind="login_code", address="+8613812345670").latest("created_at").body
    client.post("/v/register/confirm/", {"code": re.search(r"\d{6}", sms).group()})
    assert Volunteer.objects.get().name == "李明"


def test_a_name_of_only_control_characters_is_a_missing_name(client, association):
    response = client.post(
        "/v/register/",
        {
            "phone": "13812345670",
            "name": "\x07\x08",
            "password": "Kx-secret-2026",
            "association": association.id,
            "consent": "on",
        },
    )
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert not Volunteer.objects.exists()


def test_the_volunteers_api_cleans_names_on_create_and_change(organizer_api):
    created = organizer_api.post("/api/v1/volunteers/", {"phone": "13812345670", "name": "王\x1b五\x00"}, format="json")
    assert created.status_code == 202, created.json()  # an invitation (tests/volunteers/test_invitations.py)
    assert created.json()["name"] == "王五"
    volunteer = services.invitation_accept_new(invitation=VolunteerInvitation.objects.get(), password_hash="!")
    assert volunteer.name == "王五"
    changed = organizer_api.patch(f"/api/v1/volunteers/{volunteer.id}/", {"name": "\t王\x07六"}, format="json")
    assert changed.status_code == 200 and Volunteer.objects.get().name == "王六"


def test_the_admin_cleans_a_volunteers_name(client, organizer, association):
    volunteer = VolunteerFactory(association=association, name="王芳")
    client.force_login(organizer)
    response = client.post(
        f"/admin/volunteers/volunteer/{volunteer.id}/change/",
        {"phone": volunteer.phone, "name": "王\x07芳芳", "language": "zh-hans"},
    )
    assert response.status_code == 302
    assert Volunteer.objects.get().name == "王芳芳"


# --- exports -----------------------------------------------------------------------------------


def _attended(shift, **volunteer_fields):
    volunteer = VolunteerFactory(association=shift.event.association, **volunteer_fields)
    services.signup_mark_attendance(signup=services.shift_signup(shift=shift, volunteer=volunteer), attended=True)
    return volunteer


def _hours_sheet(client, shift):
    day = timezone.localtime(shift.starts_at).date()
    response = client.get(f"/v/org/hours.xlsx?start={day}&end={day}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def test_a_formula_as_a_name_is_text_in_roster_xlsx_hours_xlsx_and_roster_csv(organizer_client, shift):
    _attended(shift, name=FORMULA)
    roster = load_workbook(io.BytesIO(organizer_client.get(f"/v/org/events/{shift.event_id}/roster.xlsx").content))
    name = roster.active["D2"]
    assert name.data_type == "s" and name.value == "'" + FORMULA
    assert roster.active["K2"].data_type == "n"  # the hours stay a number
    hours = _hours_sheet(organizer_client, shift)
    assert hours["A2"].data_type == "s" and hours["A2"].value == "'" + FORMULA
    assert hours["G2"].data_type == "n"
    body = organizer_client.get(f"/v/org/events/{shift.event_id}/roster.csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1][3] == "'" + FORMULA


@pytest.mark.parametrize("name", ["+1+cmd", "-2+3", "@SUM(A1)"])
def test_names_starting_with_plus_minus_or_at_are_text_in_the_csv(organizer_client, shift, name):
    _attended(shift, name=name)
    body = organizer_client.get(f"/v/org/events/{shift.event_id}/roster.csv").content.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row[3] == "'" + name
    assert float(row[10]) > 0  # the service hours are still a plain number


def test_a_stored_name_with_a_control_character_still_exports(organizer_client, shift):
    _attended(shift, name="响\x07铃")  # stored before names were cleaned on input
    response = organizer_client.get(f"/v/org/events/{shift.event_id}/roster.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active["D2"].value == "响铃"
    assert _hours_sheet(organizer_client, shift)["A2"].value == "响铃"
    assert organizer_client.get(f"/v/org/events/{shift.event_id}/roster.csv").status_code == 200
