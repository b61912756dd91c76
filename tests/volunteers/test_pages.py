import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from notifications.models import Notification
from tests.factories import PASSWORD, TownFactory, UpcomingShiftFactory
from volunteers import services
from volunteers.models import SignUp, Skill, Volunteer, VolunteerInvitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer.user)
    return client


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def test_register_with_a_bad_phone_shows_the_error(client, association):
    response = client.post(
        "/v/register/",
        {
            "phone": "12345",
            "name": "李明",
            "password": "Kx-secret-2026",
            "association": association.id,
            "consent": "on",
        },
    )
    assert response.status_code == 200
    assert "13812345678" in response.context["form"].errors["phone"][0]  # the error shows a valid example
    assert not Volunteer.objects.exists()


def _code_sent_to(phone: str) -> str:
    """The code in the latest SMS to `phone` (the console backend keeps the text until it is sent)."""
    body = Notification.objects.filter(kind="login_code", address=phone).latest("created_at").body
    return re.search(r"\d{6}", body).group()


def test_register_logs_in_with_the_phone_number(client, association):
    response = client.post(
        "/v/register/",
        {
            "phone": "138 0013 8000",
            "name": "李明",
            "password": "Kx-secret-2026",
            "association": association.id,
            "consent": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/v/register/confirm/"
    response = client.post("/v/register/confirm/", {"code": _code_sent_to("+8613800138000")})
    assert response.status_code == 302
    assert Volunteer.objects.get().name == "李明"
    assert client.get("/v/me/").status_code == 200  # signed in
    client.logout()
    assert client.post("/v/login/", {"phone": "13800138000", "password": "Kx-secret-2026"}).status_code == 302
    assert client.post("/v/login/", {"phone": "13800138000", "password": "wrong"}).status_code == 200


def test_open_events_list_the_upcoming_event_with_its_places(client, shift):
    response = client.get("/v/")
    assert shift.event.title in response.content.decode()


def test_open_events_filter_by_town(client, shift):
    elsewhere = TownFactory()
    assert shift.event.title not in client.get(f"/v/?town={elsewhere.id}").content.decode()
    town = shift.event.venue.region.parent
    assert shift.event.title in client.get(f"/v/?town={town.id}").content.decode()


def test_sign_up_and_cancel_from_the_phone_pages(volunteer_client, volunteer, shift):
    page = volunteer_client.get(f"/v/events/{shift.event_id}/").content.decode()
    assert f"/v/shifts/{shift.id}/signup/" in page
    volunteer_client.post(f"/v/shifts/{shift.id}/signup/")
    signup = SignUp.objects.get(volunteer=volunteer)
    assert signup.status == "confirmed"
    assert shift.event.title in volunteer_client.get("/v/me/").content.decode()
    volunteer_client.post(f"/v/signups/{signup.id}/cancel/")
    assert SignUp.objects.get(pk=signup.pk).status == "cancelled"


def test_full_shift_page_waitlists_and_shows_the_position(volunteer_client, shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    services.shift_signup(shift=shift, volunteer=make_volunteer())
    response = volunteer_client.post(f"/v/shifts/{shift.id}/signup/", follow=True)
    assert response.status_code == 200
    assert SignUp.objects.filter(status="waitlisted").count() == 1


def test_event_page_masks_the_teams_phone_numbers(volunteer_client, shift, make_volunteer):
    teammate = make_volunteer(phone="+8613912345678")
    services.shift_signup(shift=shift, volunteer=teammate)
    page = volunteer_client.get(f"/v/events/{shift.event_id}/").content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page


def test_cannot_cancel_another_volunteers_signup(volunteer_client, shift, make_volunteer):
    other = services.shift_signup(shift=shift, volunteer=make_volunteer())
    assert volunteer_client.post(f"/v/signups/{other.id}/cancel/").status_code == 404
    assert SignUp.objects.get(pk=other.pk).status == "confirmed"


def test_pages_of_a_volunteer_need_a_login(client):
    response = client.get("/v/me/")
    assert response.status_code == 302 and response["Location"].startswith("/v/login/")


def test_hours_page_and_certificate(volunteer_client, volunteer, shift):
    services.signup_mark_attendance(signup=services.shift_signup(shift=shift, volunteer=volunteer), attended=True)
    assert "2.00" in volunteer_client.get("/v/me/hours/").content.decode()
    pdf = volunteer_client.get("/v/me/certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_ical_feed_lists_my_shifts_behind_the_secret_token(volunteer_client, client, volunteer, shift):
    services.shift_signup(shift=shift, volunteer=volunteer)
    assert volunteer_client.get("/v/me/calendar/").status_code == 200
    volunteer.refresh_from_db()
    feed = client.get(f"/v/ical/{volunteer.calendar_token}.ics")
    body = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert body.startswith("BEGIN:VCALENDAR") and body.count("BEGIN:VEVENT") == 1
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert client.get("/v/ical/not-the-token.ics").status_code == 404


def test_staff_code_page_checks_in_on_the_tap_not_on_opening(volunteer_client, volunteer, association):
    shift = UpcomingShiftFactory(
        event__association=association, event__starts_at=timezone.now() + timedelta(minutes=30)
    )
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    code = services.staff_code_of(shift.event).code
    assert volunteer_client.get(f"/v/staff/{code}/").status_code == 200
    assert SignUp.objects.get(pk=signup.pk).checked_in_at is None
    page = volunteer_client.post(f"/v/staff/{code}/").content.decode()
    assert 'data-result="checked_in"' in page
    assert SignUp.objects.get(pk=signup.pk).checked_in_at is not None


def test_staff_code_page_with_a_bad_code_says_so(volunteer_client):
    page = volunteer_client.post("/v/staff/forged-code/").content.decode()
    assert 'data-result="invalid"' in page


# --- organizer pages ----------------------------------------------------------------------------------


def test_organizer_roster_shows_fill_rates_full_phones_and_the_staff_code(organizer_client, shift, volunteer):
    services.shift_signup(shift=shift, volunteer=volunteer)
    page = organizer_client.get(f"/v/org/events/{shift.event_id}/").content.decode()
    assert volunteer.phone.removeprefix("+86") in page  # unmasked for organizers
    assert "10%" in page
    assert services.staff_code_of(shift.event).code in page
    assert "<svg" in page


def test_volunteers_cannot_open_organizer_pages(volunteer_client, shift):
    assert volunteer_client.get(f"/v/org/events/{shift.event_id}/").status_code == 403
    assert volunteer_client.get("/v/org/").status_code == 403


def test_organizer_marks_attendance_on_the_roster(organizer_client, shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    organizer_client.post(f"/v/org/events/{shift.event_id}/", {"signup": signup.id, "action": "attended"})
    assert SignUp.objects.get(pk=signup.pk).status == "attended"


def test_roster_exports_as_xlsx_and_csv(organizer_client, shift, volunteer):
    services.shift_signup(shift=shift, volunteer=volunteer)
    xlsx = organizer_client.get(f"/v/org/events/{shift.event_id}/roster.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2
    assert volunteer.name in [c.value for c in sheet[2]]
    rows = list(
        csv.reader(
            io.StringIO(organizer_client.get(f"/v/org/events/{shift.event_id}/roster.csv").content.decode("utf-8-sig"))
        )
    )
    assert len(rows) == 2 and volunteer.name in rows[1]


def test_hours_export_lists_the_period_records(organizer_client, shift, volunteer):
    services.signup_mark_attendance(signup=services.shift_signup(shift=shift, volunteer=volunteer), attended=True)
    day = timezone.localtime(shift.starts_at).date()
    response = organizer_client.get(f"/v/org/hours.xlsx?start={day}&end={day}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:2] == [volunteer.name, volunteer.phone.removeprefix("+86")]
    assert 2.0 in [c.value for c in sheet[2]]


def test_short_of_volunteers_lists_the_emptiest_shift_of_the_week(organizer_client, shift):
    page = organizer_client.get("/v/org/").content.decode()
    assert shift.event.title in page


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _upload(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def test_import_with_wrong_rows_imports_nobody_and_lists_every_wrong_row(organizer_client, association):
    town = TownFactory(parent=association.region, name="青石镇")
    good = [
        ["姓名", "手机号", "专家", "技能", "乡镇"],
        ["王芳", "13900001111", "是", "农技、急救", "青石镇"],
        ["李强", "13900003333", "否", "", ""],
    ]
    wrong = [
        ["坏号码", "12345", "", "", ""],
        ["无名乡", "13900002222", "", "", "不存在镇"],
        ["重复", "139 0000 1111", "", "", ""],
    ]
    response = organizer_client.post("/v/org/import/", {"file": _upload(_xlsx(good + wrong), "volunteers.xlsx")})
    report = response.context["report"]
    assert "import-report" in response.content.decode() and report["refused"]
    assert [(r["row"], r["name"], r["ok"]) for r in report["rows"]] == [
        (4, "坏号码", False),
        (5, "无名乡", False),
        (6, "重复", False),
    ]
    assert not Volunteer.objects.exists() and not Skill.objects.exists()  # the good rows went in with nothing
    assert not VolunteerInvitation.objects.exists()

    organizer_client.post("/v/org/import/", {"file": _upload(_xlsx(good), "volunteers.xlsx")})  # corrected
    # Each row is an invitation; a volunteer exists once its person accepts (tests/volunteers/test_invitations.py).
    assert set(VolunteerInvitation.objects.values_list("name", flat=True)) == {"王芳", "李强"}
    invitation = VolunteerInvitation.objects.get(name="王芳")
    wang = services.invitation_accept_new(invitation=invitation, password_hash="!")
    assert wang.is_expert and wang.home_region == town
    assert set(wang.skills.values_list("name", flat=True)) == {"农技", "急救"}


def test_import_of_a_csv_in_gbk(association):
    content = "姓名,手机号\n赵六,13900004444\n钱七,13900005555\n".encode("gb18030")
    report = services.volunteers_import(association=association, file=_upload(content, "list.csv"))
    assert report["invited"] == 2
    assert [(r["row"], r["name"], r["ok"]) for r in report["rows"]] == [(2, "赵六", True), (3, "钱七", True)]


def test_import_refuses_a_file_that_is_not_a_spreadsheet(organizer_client):
    upload = io.BytesIO(b"not a spreadsheet")
    upload.name = "list.xlsx"
    response = organizer_client.post("/v/org/import/", {"file": upload})
    assert response.status_code == 200
    assert not Volunteer.objects.exists()


def test_login_page_accepts_the_factory_password(client, volunteer):
    assert client.post("/v/login/", {"phone": volunteer.phone, "password": PASSWORD}).status_code == 302


def test_organizer_adds_a_volunteer_by_phone_on_the_roster(organizer_client, shift, volunteer):
    organizer_client.post(
        f"/v/org/events/{shift.event_id}/", {"action": "add", "shift": shift.id, "phone": volunteer.phone[3:]}
    )
    assert SignUp.objects.get(volunteer=volunteer, shift=shift).status == "confirmed"


def test_prefecture_organizer_reads_but_does_not_change_a_county_roster(client, shift, volunteer):
    from tests.factories import AssociationFactory, OrganizerFactory

    county = shift.event.association
    county.parent = AssociationFactory()
    county.save()
    client.force_login(OrganizerFactory(association=county.parent).user)
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    assert client.get(f"/v/org/events/{shift.event_id}/").status_code == 200
    response = client.post(f"/v/org/events/{shift.event_id}/", {"signup": signup.id, "action": "remove"})
    assert response.status_code == 403
    assert SignUp.objects.get(pk=signup.pk).status == "confirmed"


def test_organizer_records_hand_added_hours_capped_at_the_event_length(organizer_client, shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    url = f"/v/org/events/{shift.event_id}/"
    organizer_client.post(url, {"signup": signup.id, "action": "hours", "hours": "5"})
    assert SignUp.objects.get(pk=signup.pk).hours is None  # the event lasts 2 hours
    organizer_client.post(url, {"signup": signup.id, "action": "hours", "hours": "abc"})
    organizer_client.post(url, {"signup": signup.id, "action": "hours", "hours": "1.5"})
    signup.refresh_from_db()
    assert (str(signup.hours), signup.hours_source) == ("1.50", "manual")


@pytest.mark.parametrize("year", ["99999", "abc", "-1", "2026"])
def test_hours_page_never_fails_on_a_bad_year(volunteer_client, year):
    assert volunteer_client.get(f"/v/me/hours/?year={year}").status_code == 200
    assert volunteer_client.get(f"/v/me/certificate.pdf?year={year}").status_code == 200


@pytest.mark.parametrize("query", ["on=not-a-date", "town=999999", "skill=abc", "town=&on=&skill="])
def test_event_list_ignores_bad_filters(client, shift, query):
    assert client.get(f"/v/?{query}").status_code == 200


def test_register_page_speaks_simplified_chinese_by_default(client, association):
    page = client.get("/v/register/").content.decode()
    assert "姓名" in page and "手机号" in page  # "Name" is not another app's "任务名"


def test_event_page_does_not_query_per_shift(volunteer_client, shift, make_volunteer, django_assert_max_num_queries):
    from tests.factories import UpcomingShiftFactory

    for _ in range(6):
        other = UpcomingShiftFactory(event=shift.event)
        services.shift_signup(shift=other, volunteer=make_volunteer())
    with django_assert_max_num_queries(12):  # 7 shifts: no query per shift
        page = volunteer_client.get(f"/v/events/{shift.event_id}/")
    assert page.status_code == 200
