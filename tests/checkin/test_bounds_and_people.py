"""Counts within bounds (headcounts, offline scans dated ahead) and people who are not merged by name."""

import io
from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from checkin import services
from checkin.models import Attendee, CheckIn, Headcount, Registration, ScanLog
from checkin.scan import services as scan_services
from stats import figures
from tests.factories import EventFactory, OrganizationFactory, OrganizerFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def event(association):
    return EventFactory(association=association)


# --- headcounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2147483647, 100_001, 0, -3])
def test_a_headcount_out_of_bounds_is_a_400_on_the_count(organizer_api, event, count):
    response = organizer_api.post(f"/api/v1/events/{event.id}/headcounts/", {"count": count}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["count"]
    assert not Headcount.objects.exists()


def test_a_headcount_of_100000_without_a_capacity_is_recorded(organizer_api, event):
    response = organizer_api.post(f"/api/v1/events/{event.id}/headcounts/", {"count": 100_000}, format="json")
    assert response.status_code == 201


def test_a_headcount_is_at_most_ten_times_the_capacity(organizer_api, association):
    event = EventFactory(association=association, capacity=50)
    url = f"/api/v1/events/{event.id}/headcounts/"
    response = organizer_api.post(url, {"count": 501}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and "最多 500 人" in response.json()["count"][0]
    assert organizer_api.post(url, {"count": 500}, format="json").status_code == 201


def test_a_headcount_in_the_year_139_is_a_400_on_the_time(organizer_api, event):
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/headcounts/",
        {"count": 120, "counted_at": "0139-05-01T10:00:00+08:00"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400 and "活动当天" in response.json()["counted_at"][0]
    assert not Headcount.objects.exists()


def test_a_headcount_lies_within_the_events_day_in_the_county_time_zone(association):
    # 23:00–23:30 in Shanghai on 1 May is 15:00–15:30 UTC: 2 May 00:10 in Shanghai is the next day.
    start = datetime(2026, 5, 1, 23, 0, tzinfo=SHANGHAI)
    event = EventFactory(association=association, starts_at=start, ends_at=start + timedelta(minutes=30))
    later = start + timedelta(days=2)
    services.headcount_record(event=event, count=10, counted_at=start + timedelta(minutes=50), now=later)
    with pytest.raises(ValidationError) as error:
        services.headcount_record(event=event, count=10, counted_at=start + timedelta(minutes=70), now=later)
    assert "counted_at" in error.value.message_dict


# --- offline scans dated ahead ---------------------------------------------------------------------


def test_an_offline_scan_more_than_a_day_ahead_is_refused_with_a_reason_and_not_stored(organizer_api, event):
    registration = services.registration_create(event=event, name="王大山")
    other = services.registration_create(event=event, name="李四")
    now = timezone.now()
    scans = [
        {
            "code": registration.code,
            "event": event.id,
            "client_id": str(uuid4()),
            "scanned_at": now + timedelta(days=2),
        },
        {"code": other.code, "event": event.id, "client_id": str(uuid4()), "scanned_at": now - timedelta(minutes=5)},
    ]
    response = organizer_api.post(
        "/api/v1/checkin/batch/", {"scans": scans}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    ahead, fine = response.json()["results"]
    assert ahead["status"] == "scanned_in_future" and "未记录" in ahead["message"] and ahead["checkin"] is None
    assert fine["status"] == "ok"
    assert list(CheckIn.objects.values_list("attendee__name", flat=True)) == ["李四"]
    assert not ScanLog.objects.filter(client_id=scans[0]["client_id"]).exists()


def test_an_offline_scan_a_few_hours_ahead_is_still_recorded_and_flagged(event):
    registration = services.registration_create(event=event, name="王大山")
    now = timezone.now()
    scan = {"code": registration.code, "event": event.id, "client_id": uuid4(), "scanned_at": now + timedelta(hours=3)}
    [answer] = scan_services.checkin_batch(scans=[scan], events={event.id: event}, now=now)
    assert answer.status == "ok" and answer.flagged


# --- people are not merged by name ------------------------------------------------------------------


def test_two_registrations_of_two_people_of_one_name_give_two_tickets_that_both_scan(organizer_api, event):
    url = f"/api/v1/events/{event.id}/registrations/"
    first = organizer_api.post(url, {"name": "张伟"}, format="json").json()
    second = organizer_api.post(url, {"name": "张伟"}, format="json").json()
    assert first["id"] != second["id"] and first["code"] != second["code"]
    assert Attendee.objects.filter(name="张伟").count() == 2
    for ticket in (first, second):
        answer = scan_services.checkin_scan(
            event=event, code=ticket["code"], client_id=uuid4(), scanned_at=timezone.now()
        )
        assert answer.status == "ok"


def test_the_same_phone_number_is_the_same_person_and_the_same_registration(event):
    first = services.registration_create(event=event, name="张伟", phone="13812345678")
    again = services.registration_create(event=event, name="张伟", phone="+86 138 1234 5678")
    assert again == first and Attendee.objects.count() == 1


def test_a_name_in_the_same_village_and_school_is_still_another_person(event):
    school = OrganizationFactory(association=event.association, kind="school")
    first = services.registration_create(event=event, name="张伟", school=school, category="student")
    second = services.registration_create(event=event, name="张伟", school=school, category="student")
    assert first.attendee != second.attendee and first.code != second.code


def _sheet(rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


CLASS = [("姓名", "类别"), ("张伟", "学生"), ("李娜", "学生"), ("张伟", "学生")]


def test_a_class_list_with_a_repeated_name_gives_two_people_and_says_so(event):
    school = OrganizationFactory(association=event.association, kind="school")
    result = services.registrations_import(event=event, consent_confirmed=True, file=_sheet(CLASS), school=school)
    assert len(result.created) == 3 and Attendee.objects.filter(name="张伟").count() == 2
    assert len(result.notes) == 1 and "4" in result.notes[0] and "2" in result.notes[0]
    # Importing the list again matches each row to one registration: nobody twice, nobody merged.
    again = services.registrations_import(event=event, consent_confirmed=True, file=_sheet(CLASS), school=school)
    assert (len(again.created), len(again.existing), again.notes) == (0, 3, [])
    assert Registration.objects.count() == 3


def test_the_import_report_carries_the_notes(organizer_api, event):
    buffer = _sheet(CLASS)
    buffer.name = "class.xlsx"
    response = organizer_api.post(
        f"/api/v1/events/{event.id}/registrations/import/",
        {"file": buffer, "consent_confirmed": "true"},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 201 and response.json()["created"] == 3
    assert response.json()["notes"] == ["第 4 行：与第 2 行同名，已作为另一个人登记；如是同一人，请更正名单。"]


def test_the_students_figure_counts_both_pupils_of_one_name(event):
    school = OrganizationFactory(association=event.association, kind="school")
    services.registrations_import(event=event, consent_confirmed=True, file=_sheet(CLASS), school=school)
    scanner = OrganizerFactory(association=event.association).user
    for registration in Registration.objects.all():
        scan_services.checkin_scan(
            event=event, code=registration.code, client_id=uuid4(), scanned_at=timezone.now(), scanned_by=scanner
        )
    assert figures.compute_event(event.id).figures["students_participating"] == 3
    year = figures.year_scope(event.association_id, timezone.localdate(event.starts_at).year)
    assert figures.compute(year).figures["students_participating"] == 3
