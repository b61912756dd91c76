"""The attendee's category and home region copied onto each check-in (CheckIn.attendee_category): every way a
check-in is written carries them, and an edit of the attendee reaches the copies and the tallies."""

from datetime import timedelta
from uuid import uuid4

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from checkin import services
from checkin.models import CheckIn
from checkin.scan import services as scan_services
from stats import figures
from stats.models import TallyMarker
from tests.factories import AttendeeFactory, CheckInFactory, EventFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory()


@pytest.fixture
def village():
    return VillageFactory()


def copies(attendee) -> set[tuple]:
    return set(CheckIn.objects.filter(attendee=attendee).values_list("attendee_category", "attendee_region_id"))


def test_a_scan_copies_the_attendees_category_and_region(event, village):
    registration = services.registration_create(event=event, name="王小明", category="student", region=village)
    scan_services.checkin_scan(event=event, code=registration.code, client_id=uuid4(), scanned_at=timezone.now())
    assert copies(registration.attendee) == {("student", village.id)}


def test_an_offline_batch_copies_them(event, village):
    registration = services.registration_create(event=event, name="李四", category="farmer", region=village)
    scan = {"code": registration.code, "client_id": uuid4(), "scanned_at": event.starts_at, "event": event.id}
    scan_services.checkin_batch(scans=[scan], events={event.id: event})
    assert copies(registration.attendee) == {("farmer", village.id)}


def test_a_paper_list_copies_them(event, village):
    results = services.checkins_enter_from_list(
        event=event, entries=[{"name": "孙二娘", "category": "teacher", "region": village}]
    )
    assert copies(results[0].attendee) == {("teacher", village.id)}


def test_a_self_checkin_copies_them(event):
    poster = services.poster_code_for(event=event)
    result = services.self_checkin(poster=poster, device_id="d1", ip="10.0.0.1", name="周大嫂", category="cadre")
    assert copies(result.attendee) == {("cadre", None)}


def test_a_checkin_saved_by_hand_takes_them_from_the_attendee(event, village):
    attendee = AttendeeFactory(association=event.association, category="student", region=village)
    CheckInFactory(event=event, attendee=attendee)
    assert copies(attendee) == {("student", village.id)}


def test_a_new_category_reaches_every_checkin_the_tallies_and_the_figures(event, village):
    later = EventFactory(association=event.association, starts_at=event.starts_at + timedelta(days=1))
    attendee = AttendeeFactory(association=event.association, category="resident", region=village)
    CheckInFactory(event=event, attendee=attendee)
    CheckInFactory(event=later, attendee=attendee, annulled_at=timezone.now())
    assert figures.compute_event(event.id).figures["students_participating"] == 0

    attendee.category = "student"
    services.attendee_save(attendee=attendee, fields=["category"])

    assert copies(attendee) == {("student", village.id)}
    assert figures.compute_event(event.id).figures["students_participating"] == 1
    dirty = TallyMarker.objects.filter(version__gt=0).values_list("key", flat=True)
    assert {f"event:{event.id}", f"event:{later.id}"} <= set(dirty)


def test_a_region_filled_in_later_reaches_the_checkins(event, village):
    attendee = services.attendee_find_or_create(association_id=event.association_id, name="赵六", phone="13800001111")
    CheckInFactory(event=event, attendee=attendee)
    services.attendee_find_or_create(
        association_id=event.association_id, name="赵六", phone="13800001111", region=village
    )
    assert copies(attendee) == {("resident", village.id)}


def test_an_edit_that_leaves_category_and_region_alone_touches_no_checkin(event):
    attendee = AttendeeFactory(association=event.association)
    CheckInFactory(event=event, attendee=attendee)
    attendee.name = "新名字"
    services.attendee_save(attendee=attendee, fields=["name"])
    assert not TallyMarker.objects.exists()


def test_an_edit_in_the_admin_reaches_the_checkins(event, village):
    attendee = AttendeeFactory(association=event.association, category="farmer")
    CheckInFactory(event=event, attendee=attendee)
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    page = admin.post(
        f"/admin/checkin/attendee/{attendee.id}/change/",
        {
            "association": attendee.association_id,
            "name": attendee.name,
            "phone": "",
            "category": "student",
            "region": village.id,
            "school": "",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    assert copies(attendee) == {("student", village.id)}
