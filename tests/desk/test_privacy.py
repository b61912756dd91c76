"""Issue 12, item 5: one person's data exported or deleted on request from the desk, and the retention rule.
Removing personal data anonymizes records: every figure stays as it was."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from checkin.models import Attendee, CheckIn, ScanLog
from kepu import privacy
from kepu.tasks import anonymize_expired_personal_data
from notifications.models import Notification
from stats import figures
from tests.factories import (
    AttendeeFactory,
    CheckInFactory,
    EventFactory,
    NotificationFactory,
    OrganizerFactory,
    RegistrationFactory,
    SignUpFactory,
    VillageFactory,
    VolunteerFactory,
)
from volunteers.models import SignUp, Volunteer

pytestmark = pytest.mark.django_db

PHONE = "+8613912345678"


def _figures(association_id: int, year: int):
    computed = figures.compute(figures.year_scope(association_id, year))
    return computed.figures, computed.breakdowns


@pytest.fixture
def held_event(association):
    """An event of the organizer's association that ended yesterday."""
    start = timezone.now() - timedelta(days=1, hours=3)
    return EventFactory(association=association, starts_at=start, ends_at=start + timedelta(hours=2))


@pytest.fixture
def person(held_event):
    """One person known under PHONE: an attendee checked in at the event and a volunteer with hours there."""
    attendee = AttendeeFactory(
        association=held_event.association, name="王大妈", phone=PHONE, region=VillageFactory(), category="farmer"
    )
    registration = RegistrationFactory(event=held_event, attendee=attendee)
    checkin = CheckInFactory(event=held_event, attendee=attendee, registration=registration, device="手机A")
    ScanLog.objects.create(
        event=held_event,
        code=registration.code,
        registration=registration,
        checkin=checkin,
        status="ok",
        method="staff_scan",
        scanned_at=checkin.scanned_at,
        ip="10.0.0.8",
        device="手机A",
        answer={"status": "ok", "attendee": {"name": "王大妈", "category": "farmer"}},
    )
    signup = SignUpFactory(
        shift__event=held_event,
        volunteer__phone=PHONE,
        volunteer__name="王大妈",
        volunteer__association=held_event.association,
        hours=Decimal("3.50"),
        status="attended",
    )
    NotificationFactory(
        volunteer=None,
        user=None,
        association=held_event.association,
        attendee=attendee,
        address=PHONE,
        recipient_name="王大妈",
        body="王大妈，您的入场凭证…",
    )
    return attendee, signup.volunteer


def _find(client, phone=PHONE):
    return client.post("/desk/privacy/", {"phone": phone})


def test_the_desk_finds_a_person_by_phone_and_shows_what_is_held(client, organizer, person):
    client.force_login(organizer)
    page = _find(client, "139 1234 5678")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="privacy-records"' in html
    assert html.count("王大妈") >= 2  # as an attendee and as a volunteer
    assert "139****5678" in html and PHONE not in html.replace(f'value="{PHONE}"', "")


def test_export_hands_over_everything_held_as_json(client, organizer, person, held_event):
    client.force_login(organizer)
    response = client.post("/desk/privacy/export/", {"phone": PHONE})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    (attendee,) = data["attendee_records"]
    (volunteer,) = data["volunteer_records"]
    assert attendee["name"] == "王大妈" and attendee["phone"] == PHONE
    assert [c["event"] for c in attendee["checkins"]] == [held_event.title]
    assert attendee["messages"][0]["text"].startswith("王大妈")
    assert volunteer["signups"][0]["hours"] == "3.50"


def test_deleting_a_persons_data_keeps_every_figure(client, organizer, person, held_event):
    attendee, volunteer = person
    year = timezone.localtime(held_event.starts_at).year
    before = _figures(held_event.association_id, year)
    assert before[0]["checkins"] == 1 and before[0]["volunteer_hours"] == 3.5  # what must not change
    client.force_login(organizer)

    refused = client.post("/desk/privacy/delete/", {"phone": PHONE})  # the box not ticked
    assert refused.status_code == 400
    assert Attendee.objects.get(id=attendee.id).name == "王大妈"

    response = client.post("/desk/privacy/delete/", {"phone": PHONE, "confirm": "on"})
    assert response.status_code == 302

    attendee.refresh_from_db()
    volunteer = Volunteer.objects.select_related("user").get(id=volunteer.id)
    assert (attendee.name, attendee.phone) == (privacy.REMOVED_NAME, "")
    assert attendee.category == "farmer" and attendee.region_id is not None  # the figures group by these
    assert volunteer.name == privacy.REMOVED_NAME and "139" not in volunteer.phone
    assert not volunteer.user.is_active and not volunteer.user.has_usable_password()
    assert "139" not in volunteer.user.username
    assert SignUp.objects.get(volunteer=volunteer).hours == Decimal("3.50")  # the hours stay
    log = ScanLog.objects.get(event=held_event)
    assert log.answer["attendee"]["name"] == privacy.REMOVED_NAME and log.ip is None and log.device == ""
    assert CheckIn.objects.get(attendee=attendee).device == ""
    message = Notification.objects.get(attendee=attendee)
    assert (message.address, message.body, message.recipient_name) == ("", "", "")
    assert _figures(held_event.association_id, year) == before
    # Nobody is found under the number any more.
    client.post("/desk/privacy/", {"phone": PHONE})
    assert not privacy.person_records(user=organizer, phone=PHONE)


def test_deleting_a_volunteer_who_is_also_an_organizer_keeps_the_organizers_account(client, organizer, held_event):
    colleague = OrganizerFactory(association=held_event.association).user
    volunteer = VolunteerFactory(user=colleague, phone=PHONE, name="李干事", association=held_event.association)
    username = colleague.username
    client.force_login(organizer)
    assert client.post("/desk/privacy/delete/", {"phone": PHONE, "confirm": "on"}).status_code == 302
    volunteer.refresh_from_db()
    colleague.refresh_from_db()
    assert volunteer.name == privacy.REMOVED_NAME and "139" not in volunteer.phone  # the volunteer's data goes
    assert colleague.is_active and colleague.has_usable_password()  # the colleague still signs in to work
    assert colleague.username == username


def test_another_associations_person_is_not_found(client, person):
    stranger = OrganizerFactory()  # an organizer of another association
    client.force_login(stranger.user)
    page = _find(client)
    assert page.status_code == 200 and 'data-testid="privacy-records"' not in page.content.decode()
    assert client.post("/desk/privacy/export/", {"phone": PHONE}).status_code == 404
    assert client.post("/desk/privacy/delete/", {"phone": PHONE, "confirm": "on"}).status_code == 404
    assert Attendee.objects.get(id=person[0].id).name == "王大妈"


def test_a_number_that_is_no_phone_number_is_refused_with_a_message(client, organizer):
    client.force_login(organizer)
    page = _find(client, "abc")
    assert page.status_code == 400 and "手机号" in page.content.decode()


def test_volunteers_and_anonymous_users_do_not_reach_the_page(client, person):
    assert "login" in client.get("/desk/privacy/")["Location"]
    client.force_login(person[1].user)
    assert client.post("/desk/privacy/export/", {"phone": PHONE}).status_code == 302


# --- retention --------------------------------------------------------------------------------------


def _long_ago(days: int):
    return timezone.now() - timedelta(days=days)


def test_the_retention_task_removes_names_and_phones_of_old_events_only_and_keeps_the_figures(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 365
    old = EventFactory(starts_at=_long_ago(400), ends_at=_long_ago(400) + timedelta(hours=2))
    recent = EventFactory(
        association=old.association, starts_at=_long_ago(30), ends_at=_long_ago(30) + timedelta(hours=2)
    )
    gone = AttendeeFactory(association=old.association, name="李四", phone="+8613800000001")
    both = AttendeeFactory(association=old.association, name="张三", phone="+8613800000002")
    for attendee, event in ((gone, old), (both, old), (both, recent)):
        CheckInFactory(event=event, attendee=attendee, scanned_at=event.starts_at)
    failed = ScanLog.objects.create(
        event=old, code="BROKEN", status="invalid", method="staff_scan", scanned_at=old.starts_at, ip="10.0.0.9"
    )
    Attendee.objects.update(created_at=_long_ago(500))
    years = {timezone.localtime(e.starts_at).year for e in (old, recent)}
    before = {year: _figures(old.association_id, year) for year in years}
    assert sum(figures["checkins"] for figures, _ in before.values()) == 3

    assert anonymize_expired_personal_data() == 1
    assert anonymize_expired_personal_data() == 0  # safe to run twice

    gone.refresh_from_db(), both.refresh_from_db(), failed.refresh_from_db()
    assert (gone.name, gone.phone) == (privacy.REMOVED_NAME, "")
    assert (both.name, both.phone) == ("张三", "+8613800000002")  # came to a recent event too
    assert failed.ip is None
    assert {year: _figures(old.association_id, year) for year in years} == before


def test_a_person_known_only_recently_is_kept():
    attendee = AttendeeFactory(name="赵六")  # no event at all, created today
    assert privacy.anonymize_expired() == 0
    attendee.refresh_from_db()
    assert attendee.name == "赵六"


def test_the_retention_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-anonymize-expired"]
    assert entry["task"] == "kepu.tasks.anonymize_expired_personal_data"
    assert str(entry["schedule"].hour) == "{3}"
