import io
import re
from datetime import timedelta
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from checkin import services
from checkin.models import Attendee, CheckIn, Registration, ScanLog
from checkin.scan import services as scan_services
from tests.factories import (
    AttendeeFactory,
    CampaignFactory,
    CheckInFactory,
    EventFactory,
    OrganizationFactory,
    OrganizerFactory,
    PosterCodeFactory,
    RegistrationFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory()


@pytest.fixture
def registration(event):
    return services.registration_create(event=event, name="王大山", phone="13812345678", category="farmer")


@pytest.fixture
def scanner(event):
    return OrganizerFactory(association=event.association).user


def scan(event, code, *, client_id=None, scanned_at=None, **kwargs):
    return scan_services.checkin_scan(
        event=event,
        code=code,
        client_id=client_id or uuid4(),
        scanned_at=scanned_at or timezone.now(),
        **kwargs,
    )


# --- registrations -----------------------------------------------------------------------------


def test_registration_code_is_128_random_bits_in_qr_friendly_base32(registration):
    assert re.fullmatch(r"[A-Z2-7]{26}", registration.code)  # 26 × 5 bits = 130 ≥ 128
    assert len({services.new_code() for _ in range(1000)}) == 1000


def test_registering_the_same_person_twice_returns_the_live_registration(event, registration):
    again = services.registration_create(event=event, name="王大山", phone="138 1234 5678")
    assert again == registration
    assert Attendee.objects.filter(association=event.association).count() == 1


def test_registration_normalizes_the_phone_and_refuses_a_bad_one(event, registration):
    assert registration.attendee.phone == "+8613812345678"
    with pytest.raises(ValidationError) as error:
        services.registration_create(event=event, name="李四", phone="12")
    assert "phone" in error.value.message_dict


def test_registration_needs_a_name(event):
    with pytest.raises(ValidationError) as error:
        services.registration_create(event=event, name="  ")
    assert "name" in error.value.message_dict


def test_revoked_registration_can_be_registered_anew_with_a_new_code(event, registration):
    services.registration_revoke(registration=registration)
    fresh = services.registration_create(event=event, attendee=registration.attendee)
    assert fresh != registration and fresh.code != registration.code


def _sheet(rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_registers_a_class_list_and_a_second_import_adds_nobody(event):
    school = OrganizationFactory(association=event.association, kind="school", name="城关一中")
    rows = [("姓名", "手机", "类别", "学校"), ("张小明", "", "学生", "城关一中"), ("李小红", "13900001111", "学生", "")]
    result = services.registrations_import(event=event, consent_confirmed=True, file=_sheet(rows), school=school)
    assert len(result.created) == 2
    assert set(Attendee.objects.values_list("school__name", flat=True)) == {"城关一中"}
    assert set(Attendee.objects.values_list("category", flat=True)) == {"student"}
    again = services.registrations_import(event=event, consent_confirmed=True, file=_sheet(rows), school=school)
    assert (len(again.created), len(again.existing)) == (0, 2)
    assert Registration.objects.count() == 2


def test_import_of_a_village_list_matches_villages_by_name(event):
    town = TownFactory(parent=event.association.region)
    village = VillageFactory(parent=town, name="石桥村")
    rows = [("姓名", "村"), ("赵老汉", "石桥村")]
    services.registrations_import(event=event, consent_confirmed=True, file=_sheet(rows), category="farmer")
    assert Attendee.objects.get().region == village


def test_import_names_every_wrong_row_and_imports_nothing(event):
    rows = [("姓名", "手机", "村"), ("张三", "1", ""), ("", "", ""), ("李四", "", "没有这个村")]
    with pytest.raises(ValidationError) as error:
        services.registrations_import(event=event, consent_confirmed=True, file=_sheet(rows))
    messages = error.value.message_dict["file"]
    assert len(messages) == 2 and "2" in messages[0] and "4" in messages[1]
    assert not Registration.objects.exists()


def test_import_refuses_a_file_that_is_not_a_workbook(event):
    with pytest.raises(ValidationError) as error:
        services.registrations_import(event=event, consent_confirmed=True, file=io.BytesIO(b"name,phone\n"))
    assert "file" in error.value.message_dict


# --- scanning ----------------------------------------------------------------------------------


def test_first_scan_checks_in_and_records_who_how_and_when(event, registration, scanner):
    answer = scan(event, registration.code, scanned_by=scanner, device="phone-1", gate="east")
    assert answer.status == "ok" and answer.attendee_name == "王大山"
    checkin = CheckIn.objects.get()
    assert (checkin.method, checkin.scanned_by, checkin.device, checkin.gate) == (
        "staff_scan",
        scanner,
        "phone-1",
        "east",
    )
    assert checkin.registration == registration and checkin.received_at is not None


def test_second_scan_is_already_checked_in_with_the_first_time(event, registration):
    first = scan(event, registration.code, scanned_at=timezone.now() - timedelta(minutes=5))
    second = scan(event, registration.code)
    assert second.status == "already_checked_in"
    assert second.checked_in_at == first.checked_in_at
    assert CheckIn.objects.count() == 1
    assert ScanLog.objects.filter(status="already_checked_in").count() == 1


def test_repeated_client_id_returns_the_first_answer_and_writes_nothing(event, registration):
    client_id = uuid4()
    first = scan(event, registration.code, client_id=client_id)
    rows = (CheckIn.objects.count(), ScanLog.objects.count())
    again = scan(event, registration.code, client_id=client_id)
    assert (again.status, again.checkin_id, again.checked_in_at) == (
        first.status,
        first.checkin_id,
        first.checked_in_at,
    )
    assert again.replayed
    assert (CheckIn.objects.count(), ScanLog.objects.count()) == rows


def test_repeated_client_id_of_a_refused_scan_replays_the_refusal(event):
    client_id = uuid4()
    assert scan(event, "NOPE", client_id=client_id).status == "invalid"
    assert scan(event, "NOPE", client_id=client_id).status == "invalid"
    assert ScanLog.objects.count() == 1


def test_client_id_reused_for_another_event_is_refused(event, registration):
    client_id = uuid4()
    scan(event, registration.code, client_id=client_id)
    with pytest.raises(ValidationError):
        scan(EventFactory(association=event.association), registration.code, client_id=client_id)


@pytest.mark.parametrize("code", ["", "X", "TESTCODE", "A" * 64, "A" * 500, "'; DROP TABLE x; --", "王大山"])
def test_forged_or_truncated_code_is_invalid(event, registration, code):
    assert scan(event, code).status == "invalid"


def test_truncated_real_code_is_invalid(event, registration):
    assert scan(event, registration.code[:-1]).status == "invalid"


def test_code_typed_in_lower_case_still_matches(event, registration):
    assert scan(event, registration.code.lower()).status == "ok"


def test_code_of_another_event_is_wrong_event(event, registration):
    other = EventFactory(association=event.association)
    answer = scan(other, registration.code)
    assert answer.status == "wrong_event" and answer.attendee_name == "王大山"
    assert not CheckIn.objects.exists()


def test_code_of_another_association_is_invalid(registration):
    assert scan(EventFactory(), registration.code).status == "invalid"


def test_campaign_registration_checks_in_at_any_event_of_the_campaign(event):
    campaign = CampaignFactory(association=event.association)
    first = EventFactory(association=event.association, campaign=campaign)
    second = EventFactory(association=event.association, campaign=campaign)
    registration = services.registration_create(campaign=campaign, name="钱七")
    assert scan(first, registration.code).status == "ok"
    assert scan(second, registration.code).status == "ok"
    assert scan(event, registration.code).status == "wrong_event"


def test_scan_outside_the_window_is_refused(event, registration):
    opens, _closes = event.checkin_window
    assert scan(event, registration.code, now=opens - timedelta(minutes=1)).status == "outside_window"
    assert not CheckIn.objects.exists()


def test_an_online_scan_cannot_pass_a_closed_window_with_an_earlier_clock(event, registration):
    _opens, closes = event.checkin_window
    late = closes + timedelta(minutes=5)
    answer = scan(event, registration.code, scanned_at=closes - timedelta(minutes=30), now=late)
    assert answer.status == "outside_window"


def test_a_phone_with_a_slow_clock_does_not_take_over_an_online_check_in(event, registration):
    first = scan(event, registration.code)
    behind = scan(event, registration.code, scanned_at=timezone.now() - timedelta(minutes=10), device="slow")
    assert (first.status, behind.status) == ("ok", "already_checked_in")
    assert CheckIn.objects.get().device == ""


def test_a_cancelled_event_takes_no_check_ins(event, registration):
    from events.services import event_cancel

    event_cancel(event=event)
    assert scan(event, registration.code).status == "outside_window"
    assert not CheckIn.objects.exists()


def test_revoked_code_is_revoked(event, registration):
    services.registration_revoke(registration=registration)
    assert scan(event, registration.code).status == "revoked"


def test_scan_from_a_clock_far_in_the_future_is_accepted_but_flagged(event, registration):
    answer = scan(event, registration.code, scanned_at=timezone.now() + timedelta(days=2))
    assert answer.status == "ok" and answer.flagged
    assert CheckIn.objects.get().flagged and ScanLog.objects.get().flagged


def test_every_failed_scan_is_logged_with_its_reason_and_device(event, registration):
    services.registration_revoke(registration=registration)
    scan(event, registration.code, device="phone-7")
    scan(event, "FORGED", device="phone-7")
    assert sorted(ScanLog.objects.values_list("status", "device", "code")) == [
        ("invalid", "phone-7", "FORGED"),
        ("revoked", "phone-7", registration.code),
    ]


def test_each_new_checkin_requests_the_events_tally_once(event, registration, django_capture_on_commit_callbacks):
    from stats.models import TallyMarker

    with django_capture_on_commit_callbacks(execute=True):
        scan(event, registration.code)
        scan(event, registration.code)  # already checked in: the figures did not change
    marker = TallyMarker.objects.get()
    assert marker.scope["event_id"] == event.id
    assert marker.version == 1


# --- offline batches ---------------------------------------------------------------------------


def _offline(code, event, minutes_ago, client_id=None):
    return {
        "code": code,
        "event": event.id,
        "client_id": client_id or uuid4(),
        "scanned_at": timezone.now() - timedelta(minutes=minutes_ago),
    }


def test_batch_answers_in_order_and_the_earliest_scan_is_the_checkin(event, registration):
    scans = [_offline(registration.code, event, 2), _offline(registration.code, event, 10), _offline("X", event, 1)]
    answers = scan_services.checkin_batch(scans=scans, events={event.id: event})
    assert [a.status for a in answers] == ["already_checked_in", "ok", "invalid"]
    checkin = CheckIn.objects.get()
    assert checkin.scanned_at == scans[1]["scanned_at"] and checkin.method == "offline"


def test_an_earlier_scan_uploaded_late_becomes_the_checkin_and_counts_once(event, registration):
    later, earlier = _offline(registration.code, event, 3), _offline(registration.code, event, 20)
    scan_services.checkin_batch(scans=[later], events={event.id: event}, device="phone-a")
    answers = scan_services.checkin_batch(scans=[earlier], events={event.id: event}, device="phone-b")
    assert answers[0].status == "ok"
    checkin = CheckIn.objects.get()
    assert (checkin.scanned_at, checkin.device, checkin.client_id) == (
        earlier["scanned_at"],
        "phone-b",
        earlier["client_id"],
    )
    assert ScanLog.objects.count() == 2  # both phones' scans are kept as evidence


def test_a_batch_uploaded_twice_replays_every_answer_and_writes_nothing(event, registration):
    other = RegistrationFactory(event=event)
    scans = [_offline(registration.code, event, 5), _offline(other.code, event, 4), _offline("NOPE", event, 3)]
    first = scan_services.checkin_batch(scans=scans, events={event.id: event})
    rows = (CheckIn.objects.count(), ScanLog.objects.count())
    second = scan_services.checkin_batch(scans=scans, events={event.id: event})
    assert [a.status for a in second] == [a.status for a in first] == ["ok", "ok", "invalid"]
    assert (CheckIn.objects.count(), ScanLog.objects.count()) == rows == (2, 3)


def test_batch_over_1000_scans_is_refused(event):
    with pytest.raises(ValidationError):
        scan_services.checkin_batch(scans=[_offline("X", event, 1)] * 1001, events={event.id: event})


def test_online_and_offline_scans_of_one_person_count_once(event, registration):
    scan(event, registration.code)
    scan_services.checkin_batch(scans=[_offline(registration.code, event, 1)], events={event.id: event})
    assert CheckIn.objects.filter(event=event, annulled_at__isnull=True).count() == 1


# --- annul, paper lists, headcounts ----------------------------------------------------------------


def test_scanner_annuls_its_own_checkin_within_15_minutes_and_the_log_keeps_it(event, registration, scanner):
    answer = scan(event, registration.code, scanned_by=scanner)
    checkin = services.checkin_annul(checkin=CheckIn.objects.get(pk=answer.checkin_id), user=scanner)
    assert checkin.annulled_at is not None and checkin.annulled_by == scanner
    assert ScanLog.objects.filter(status="annulled", checkin=checkin).exists()
    # the person can then be checked in again
    assert scan(event, registration.code, scanned_by=scanner).status == "ok"
    assert CheckIn.objects.count() == 2


def test_another_user_cannot_annul_a_checkin(event, registration, scanner):
    answer = scan(event, registration.code, scanned_by=scanner)
    other = OrganizerFactory(association=event.association).user
    with pytest.raises(ValidationError):
        services.checkin_annul(checkin=CheckIn.objects.get(pk=answer.checkin_id), user=other)


def test_annul_after_15_minutes_is_refused(event, registration, scanner):
    answer = scan(event, registration.code, scanned_by=scanner)
    checkin = CheckIn.objects.get(pk=answer.checkin_id)
    with pytest.raises(ValidationError):
        services.checkin_annul(checkin=checkin, user=scanner, now=timezone.now() + timedelta(minutes=16))
    assert CheckIn.objects.get().annulled_at is None


def test_paper_list_after_the_event_records_paper_checkins_once(event, registration, scanner):
    scan(event, registration.code)
    results = services.checkins_enter_from_list(
        event=event,
        entries=[
            {"code": registration.code},
            {"name": "孙二娘", "phone": "13700001111", "category": "resident"},
            {"name": "孙二娘", "phone": "137 0000 1111"},  # the same phone number: the same person
        ],
        entered_by=scanner,
    )
    assert [r.status for r in results] == ["already_checked_in", "ok", "already_checked_in"]
    paper = CheckIn.objects.get(method="paper")
    assert paper.attendee.name == "孙二娘" and paper.scanned_at == event.starts_at and paper.scanned_by == scanner


def test_paper_list_with_a_wrong_entry_saves_nothing(event):
    with pytest.raises(ValidationError):
        services.checkins_enter_from_list(event=event, entries=[{"name": "甲"}, {"code": "NOPE"}])
    assert not CheckIn.objects.exists()


def test_headcount_is_recorded_apart_from_checkins(event, scanner):
    headcount = services.headcount_record(event=event, count=230, note="广场", recorded_by=scanner)
    assert headcount.count == 230 and not CheckIn.objects.exists()
    with pytest.raises(ValidationError):
        services.headcount_record(event=event, count=0)


# --- self check-in -----------------------------------------------------------------------------


def test_self_checkin_finds_or_creates_the_person_and_counts_once(event):
    poster = services.poster_code_for(event=event)
    first = services.self_checkin(poster=poster, device_id="d1", ip="10.0.0.1", name="周大嫂", phone="13700001234")
    again = services.self_checkin(poster=poster, device_id="d1", ip="10.0.0.1", attendee=first.attendee)
    assert (first.status, again.status) == ("ok", "already_checked_in")
    assert CheckIn.objects.get().method == "self"


def test_rotated_poster_code_stops_working(event):
    old = services.poster_code_for(event=event)
    new = services.poster_code_rotate(event=event)
    old.refresh_from_db()
    assert new.code != old.code and services.poster_code_for(event=event) == new
    with pytest.raises(services.SelfCheckInRefused) as refused:
        services.self_checkin(poster=old, device_id="d", ip=None, name="甲")
    assert refused.value.code == "retired"


def test_self_checkin_limits_people_per_device(event, settings):
    poster = PosterCodeFactory(event=event)
    for n in range(settings.CHECKIN_SELF_PER_DEVICE):
        services.self_checkin(poster=poster, device_id="shared", ip="10.0.0.2", name=f"家人{n}")
    with pytest.raises(services.SelfCheckInRefused) as refused:
        services.self_checkin(poster=poster, device_id="shared", ip="10.0.0.2", name="陌生人")
    assert refused.value.code == "too_many"
    assert CheckIn.objects.count() == settings.CHECKIN_SELF_PER_DEVICE


def test_self_checkin_limits_requests_per_ip(event, settings):
    settings.CHECKIN_SELF_PER_IP = 2
    poster = PosterCodeFactory(event=event)
    services.self_checkin(poster=poster, device_id="a", ip="10.0.0.3", name="甲")
    services.self_checkin(poster=poster, device_id="b", ip="10.0.0.3", name="乙")
    with pytest.raises(services.SelfCheckInRefused):
        services.self_checkin(poster=poster, device_id="c", ip="10.0.0.3", name="丙")


def test_self_checkin_outside_the_window_is_refused():
    event = EventFactory(starts_at=timezone.now() + timedelta(days=3))
    with pytest.raises(services.SelfCheckInRefused) as refused:
        services.self_checkin(poster=PosterCodeFactory(event=event), device_id="d", ip=None, name="甲")
    assert refused.value.code == "outside_window"


def test_existing_checkin_rows_from_factories_still_block_a_second_checkin(event):
    attendee = AttendeeFactory(association=event.association)
    CheckInFactory(event=event, attendee=attendee)
    registration = RegistrationFactory(event=event, attendee=attendee)
    assert scan(event, registration.code).status == "already_checked_in"


def test_offline_scans_uploaded_after_the_event_count_by_when_they_were_made(event, registration):
    made_during = timezone.now()
    scan_services.checkin_batch(
        scans=[
            {"code": registration.code, "event": event.id, "client_id": uuid4(), "scanned_at": made_during},
        ],
        events={event.id: event},
        now=made_during + timedelta(days=1),
    )
    checkin = CheckIn.objects.get()
    assert checkin.scanned_at == made_during and checkin.received_at is not None


def test_a_client_id_reused_at_another_event_is_answered_invalid_in_a_batch(event, registration):
    client_id = uuid4()
    other = EventFactory(association=event.association)
    scan(other, "NOPE", client_id=client_id)
    second = RegistrationFactory(event=event)
    answers = scan_services.checkin_batch(
        scans=[_offline(registration.code, event, 2, client_id=client_id), _offline(second.code, event, 1)],
        events={event.id: event},
    )
    assert [a.status for a in answers] == ["invalid", "ok"]


def test_import_reads_phone_numbers_stored_as_numbers(event):
    services.registrations_import(
        event=event, consent_confirmed=True, file=_sheet([("姓名", "手机"), ("吴用", 13812340000.0)])
    )
    assert Attendee.objects.get().phone == "+8613812340000"


def test_a_paper_list_refuses_revoked_and_other_events_codes(event, registration):
    other = RegistrationFactory(event=EventFactory(association=event.association))
    services.registration_revoke(registration=registration)
    with pytest.raises(ValidationError) as refused:
        services.checkins_enter_from_list(event=event, entries=[{"code": registration.code}, {"code": other.code}])
    assert len(refused.value.message_dict["entries"]) == 2  # each entry refused, with its number
    assert not CheckIn.objects.exists()
