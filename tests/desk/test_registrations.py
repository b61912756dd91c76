"""The event workspace's registrations tab: the list, add one, import a list with its per-row report,
revoke, the self check-in code; scoped as the API is (404 unseen, 403 for a read-only organizer's write)."""

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from checkin import services
from checkin.models import Attendee, PosterCode, Registration
from tests.factories import (
    AssociationFactory,
    CountyFactory,
    EventFactory,
    OrganizationFactory,
    OrganizerFactory,
    RegionFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


def class_list(rows: int = 30, *, school: str = "城关一中", name: str = "class.xlsx") -> io.BytesIO:
    """A class list as a teacher sends it: 姓名, 手机 (some missing), 类别, 学校."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机", "类别", "学校"])
    for n in range(1, rows + 1):
        sheet.append([f"学生{n:02d}", f"139{n:08d}" if n % 3 == 0 else "", "学生", school])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = name
    return out


@pytest.fixture
def county():
    """A county association under a prefecture, with a town, two villages, a school and an event happening now."""
    prefecture_region = RegionFactory(level="prefecture", name="测试州")
    prefecture = AssociationFactory(region=prefecture_region, name="测试州科协")
    association = AssociationFactory(parent=prefecture, region=CountyFactory(parent=prefecture_region))
    town = TownFactory(parent=association.region, name="城关镇")
    other_town = TownFactory(parent=association.region, name="石桥镇")
    village = VillageFactory(parent=town, name="上寨村")
    VillageFactory(parent=other_town, name="上寨村")
    OrganizationFactory(association=association, kind="school", name="城关一中")
    event = EventFactory(association=association)
    return {
        "association": association,
        "prefecture": prefecture,
        "village": village,
        "event": event,
        "organizer": OrganizerFactory(association=association).user,
        "prefecture_organizer": OrganizerFactory(association=prefecture).user,
    }


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, event, **kwargs) -> str:
    return reverse(name, kwargs={"event_id": event.pk, **kwargs})


def test_the_list_shows_each_registration_with_a_masked_phone_and_whether_they_checked_in(county):
    event = county["event"]
    registration = services.registration_create(
        event=event, name="王大山", phone="13812345678", category="farmer", region=county["village"]
    )
    services.registration_create(event=event, name="李小红", category="student")
    services.checkins_enter_from_list(event=event, entries=[{"code": registration.code}], method="manual")
    page = client_of(county["organizer"]).get(url("desk-event-registrations", event))
    assert page.status_code == 200
    html = page.content.decode()
    assert "王大山" in html and "李小红" in html
    assert "138****5678" in html and "13812345678" not in html
    assert registration.code in html
    assert "城关镇" in html  # the village is named with its town: 上寨村 is in two towns
    assert reverse("checkin:tickets", kwargs={"event_id": event.pk}) in html
    assert reverse("checkin:poster", kwargs={"event_id": event.pk}) in html


def test_an_organizer_adds_a_person_with_the_category_they_choose(county):
    event = county["event"]
    response = client_of(county["organizer"]).post(
        url("desk-event-registrations", event),
        {"name": "赵六", "category": "farmer", "region": county["village"].pk, "phone": "13900001111"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event)
    attendee = registration.attendee
    assert (attendee.name, attendee.category, attendee.region, attendee.phone) == (
        "赵六",
        "farmer",
        county["village"],
        "+8613900001111",
    )


def test_the_add_form_presets_no_category_and_requires_one(county):
    event = county["event"]
    client = client_of(county["organizer"])
    page = client.get(url("desk-event-registrations", event)).content.decode()
    select = page.split('name="category"')[1].split("</select>")[0]
    assert '<option value="" selected>' in select and not re.search(r'<option value="\w+" selected', select)
    response = client.post(url("desk-event-registrations", event), {"name": "赵六"})
    assert response.status_code == 200 and not Registration.objects.exists()
    assert "category" in response.context["form"].errors


def test_a_wrong_phone_number_is_shown_on_the_form_and_registers_nobody(county):
    response = client_of(county["organizer"]).post(
        url("desk-event-registrations", county["event"]), {"name": "赵六", "category": "farmer", "phone": "12"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Registration.objects.exists()


def test_a_30_row_class_list_is_imported_with_a_report_of_every_row(county):
    event = county["event"]
    client = client_of(county["organizer"])
    response = client.post(
        url("desk-event-registrations-import", event), {"file": class_list(30), "consent_confirmed": "on"}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert report["imported"] and report["created"] == 30
    assert [row["row"] for row in report["rows"]] == list(range(2, 32))
    assert {row["result"] for row in report["rows"]} == {"created"}
    assert report["rows"][0]["name"] == "学生01"
    assert Registration.objects.filter(event=event).count() == 30
    assert set(Attendee.objects.values_list("school__name", flat=True)) == {"城关一中"}
    # The same list again: every row already on the list, nobody registered twice.
    again = client.post(
        url("desk-event-registrations-import", event), {"file": class_list(30), "consent_confirmed": "on"}
    )
    report = again.context["report"]
    assert (report["created"], report["existing"]) == (0, 30)
    assert {row["result"] for row in report["rows"]} == {"existing"}
    assert Registration.objects.filter(event=event).count() == 30


def test_an_import_with_wrong_rows_names_them_and_why_and_imports_nobody(county):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机", "村"])
    sheet.append(["张三", "1", ""])
    sheet.append(["李四", "", "上寨村（城关镇）"])  # two towns have a 上寨村: the row says which
    sheet.append(["王五", "", "没有这个村"])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "village.xlsx"
    response = client_of(county["organizer"]).post(
        url("desk-event-registrations-import", county["event"]), {"file": out, "consent_confirmed": "on"}
    )
    report = response.context["report"]
    assert not report["imported"]
    assert [(row["row"], row["result"]) for row in report["rows"]] == [(2, "refused"), (4, "refused")]
    assert "没有这个村" in report["rows"][1]["message"]
    assert "没有这个村" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_report_says_which_rows_were_already_registered_and_which_repeat_a_person(county):
    event = county["event"]
    services.registration_create(event=event, name="学生03", phone="13900000003", category="student")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机", "类别"])
    sheet.append(["新人甲", "", "学生"])
    sheet.append(["学生03", "13900000003", "学生"])
    sheet.append(["新人乙", "13700000000", "学生"])
    sheet.append(["新人乙", "13700000000", "学生"])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "list.xlsx"
    response = client_of(county["organizer"]).post(
        url("desk-event-registrations-import", event), {"file": out, "consent_confirmed": "on"}
    )
    rows = response.context["report"]["rows"]
    assert [(row["row"], row["result"]) for row in rows] == [
        (2, "created"),
        (3, "existing"),
        (4, "created"),
        (5, "existing"),
    ]
    assert "4" in rows[3]["message"]


def test_the_import_asks_the_organizer_to_confirm_the_peoples_consent(county):
    response = client_of(county["organizer"]).post(
        url("desk-event-registrations-import", county["event"]), {"file": class_list(3)}
    )
    assert response.status_code == 200 and "consent_confirmed" in response.context["form"].errors
    assert not Registration.objects.exists()


def test_a_file_that_is_no_spreadsheet_is_an_error_on_the_form(county):
    file = io.BytesIO(b"\x00\x01 not a workbook")
    file.name = "list.xlsx"
    response = client_of(county["organizer"]).post(
        url("desk-event-registrations-import", county["event"]), {"file": file, "consent_confirmed": "on"}
    )
    assert response.status_code == 200 and "file" in response.context["form"].errors


def test_revoking_asks_first_then_revokes_through_the_service(county):
    event = county["event"]
    registration = services.registration_create(event=event, name="王大山", category="farmer")
    client = client_of(county["organizer"])
    revoke_url = url("desk-registration-revoke", event, pk=registration.pk)
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200 and "王大山" in confirm.content.decode()
    registration.refresh_from_db()
    assert registration.revoked_at is None
    assert client.post(revoke_url).status_code == 302
    registration.refresh_from_db()
    assert registration.revoked_at is not None


def test_a_registration_of_another_event_is_not_revoked_through_this_one(county):
    event = county["event"]
    elsewhere = services.registration_create(event=EventFactory(association=event.association), name="甲")
    response = client_of(county["organizer"]).post(url("desk-registration-revoke", event, pk=elsewhere.pk))
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.revoked_at is None


def test_the_page_shows_the_self_checkin_code_and_rotating_retires_it(county):
    event = county["event"]
    client = client_of(county["organizer"])
    page = client.get(url("desk-event-registrations", event)).content.decode()
    first = PosterCode.objects.get(event=event, retired_at__isnull=True)
    assert reverse("checkin:self", kwargs={"code": first.code}) in page
    assert client.post(url("desk-event-poster-code-rotate", event)).status_code == 302
    first.refresh_from_db()
    assert first.retired_at is not None
    new = PosterCode.objects.get(event=event, retired_at__isnull=True)
    assert new.code in client.get(url("desk-event-registrations", event)).content.decode()


def test_rotating_takes_a_post(county):
    assert client_of(county["organizer"]).get(url("desk-event-poster-code-rotate", county["event"])).status_code == 405


def test_another_countys_event_is_not_found(county):
    other = OrganizerFactory(association=AssociationFactory(parent=county["prefecture"])).user
    client = client_of(other)
    event = county["event"]
    registration = services.registration_create(event=event, name="王大山")
    assert client.get(url("desk-event-registrations", event)).status_code == 404
    assert client.post(url("desk-event-registrations", event), {"name": "x", "category": "farmer"}).status_code == 404
    assert client.get(url("desk-event-registrations-import", event)).status_code == 404
    assert client.post(url("desk-registration-revoke", event, pk=registration.pk)).status_code == 404
    assert client.post(url("desk-event-poster-code-rotate", event)).status_code == 404


def test_the_prefecture_reads_the_list_without_buttons_and_may_not_write(county):
    event = county["event"]
    registration = services.registration_create(event=event, name="王大山")
    client = client_of(county["prefecture_organizer"])
    page = client.get(url("desk-event-registrations", event))
    assert page.status_code == 200
    html = page.content.decode()
    assert "王大山" in html
    assert 'id="add-registration"' not in html
    assert url("desk-registration-revoke", event, pk=registration.pk) not in html
    assert url("desk-event-poster-code-rotate", event) not in html
    assert client.post(url("desk-event-registrations", event), {"name": "x", "category": "farmer"}).status_code == 403
    assert client.post(url("desk-event-registrations-import", event), {}).status_code == 403
    assert client.post(url("desk-registration-revoke", event, pk=registration.pk)).status_code == 403
    assert client.post(url("desk-event-poster-code-rotate", event)).status_code == 403
    registration.refresh_from_db()
    assert registration.revoked_at is None and Registration.objects.count() == 1


def test_the_prefecture_opening_the_poster_or_the_code_makes_no_code_for_the_county(county):
    event = county["event"]
    client = client_of(county["prefecture_organizer"])
    assert client.get(reverse("checkin:poster", kwargs={"event_id": event.pk})).status_code == 404
    assert client.get(f"/api/v1/events/{event.pk}/poster-code/").status_code == 404
    assert not PosterCode.objects.filter(event=event).exists()
    # Once the county has made its code, the prefecture sees that one.
    code = services.poster_code_for(event=event)
    assert client.get(reverse("checkin:poster", kwargs={"event_id": event.pk})).status_code == 200
    assert client.get(f"/api/v1/events/{event.pk}/poster-code/").json()["code"] == code.code
    assert PosterCode.objects.filter(event=event).count() == 1


def test_the_self_checkin_qr_points_at_the_public_address(county, settings):
    settings.PUBLIC_BASE_URL = "https://kepu.example.cn"
    settings.ALLOWED_HOSTS = ["10.0.0.5"]  # the office's own address, which phones outside cannot reach
    page = client_of(county["organizer"]).get(url("desk-event-registrations", county["event"]), HTTP_HOST="10.0.0.5")
    assert "https://kepu.example.cn/c/" in page.content.decode()
    assert "http://10.0.0.5/" not in page.content.decode()


def test_volunteers_and_anonymous_users_are_sent_away(county):
    event = county["event"]
    assert "login" in Client().get(url("desk-event-registrations", event))["Location"]
    from tests.factories import VolunteerFactory

    volunteer = VolunteerFactory(association=county["association"]).user
    response = client_of(volunteer).get(url("desk-event-registrations", event))
    assert response.status_code == 302 and "/desk/" not in response["Location"]


def test_the_ticket_sheet_shows_the_venue_date_and_association(county):
    event = county["event"]
    services.registration_create(event=event, name="王大山")
    html = client_of(county["organizer"]).get(reverse("checkin:tickets", kwargs={"event_id": event.pk})).content
    html = html.decode()
    assert event.venue.name in html
    assert event.association.name in html
    from django.utils import timezone

    assert timezone.localtime(event.starts_at).strftime("%Y-%m-%d") in html


def test_the_poster_names_the_association(county):
    event = county["event"]
    html = client_of(county["organizer"]).get(reverse("checkin:poster", kwargs={"event_id": event.pk})).content
    assert event.association.name in html.decode()


def test_the_ticket_sheets_village_filter_groups_the_villages_by_town(county):
    html = client_of(county["organizer"]).get(reverse("checkin:tickets", kwargs={"event_id": county["event"].pk}))
    html = html.content.decode()
    assert '<optgroup label="城关镇">' in html and '<optgroup label="石桥镇">' in html


def test_a_reader_is_shown_the_self_checkin_code_there_is_and_makes_none(county):
    event = county["event"]
    client = client_of(county["prefecture_organizer"])
    assert "还没有自助签到码" in client.get(url("desk-event-registrations", event)).content.decode()
    assert not PosterCode.objects.exists()
    code = services.poster_code_for(event=event)
    assert code.code in client.get(url("desk-event-registrations", event)).content.decode()


def test_a_village_list_saved_as_csv_by_excel_in_china_is_imported(county):
    file = io.BytesIO("姓名,手机,类别,村\n赵老汉,,农民,上寨村（城关镇）\n钱大妈,13700001111,农民,\n".encode("gb18030"))
    file.name = "村名单.csv"
    response = client_of(county["organizer"]).post(
        url("desk-event-registrations-import", county["event"]), {"file": file, "consent_confirmed": "on"}
    )
    report = response.context["report"]
    assert report["imported"] and [(r["row"], r["name"], r["result"]) for r in report["rows"]] == [
        (2, "赵老汉", "created"),
        (3, "钱大妈", "created"),
    ]
    assert Attendee.objects.get(name="赵老汉").category == "farmer"
