"""The door's rules (checkin.scan.decision.decide), called without a database: the instances are built, never
saved, and pytest-django refuses any query a test without `django_db` would make."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from checkin.models import Attendee, Registration
from checkin.scan.decision import FUTURE_TOLERANCE, Scan, decide, registration_is_for, within_window
from events.models import Event

NOW = datetime(2026, 5, 18, 9, 30, tzinfo=UTC)  # the event runs 9:00–11:00; check-in opens at 8:00, closes 11:30
ASSOCIATION = 1


def _event(**fields) -> Event:
    values = {
        "id": 100,
        "association_id": ASSOCIATION,
        "campaign_id": None,
        "starts_at": datetime(2026, 5, 18, 9, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 5, 18, 11, 0, tzinfo=UTC),
        "status": Event.Status.PUBLISHED,
    }
    return Event(**{**values, **fields})


def _registration(*, event_id=100, campaign_id=None, association_id=ASSOCIATION, revoked_at=None) -> Registration:
    attendee = Attendee(id=7, name="王芳", category="farmer", association_id=association_id)
    registration = Registration(id=70, event_id=event_id, campaign_id=campaign_id, revoked_at=revoked_at)
    registration.attendee = attendee
    return registration


def _scan(event=None, *, offline=False, scanned_at=NOW) -> Scan:
    return Scan(
        event=event or _event(),
        code="ABC",
        client_id=uuid4(),
        scanned_at=scanned_at,
        method="offline" if offline else "staff_scan",
    )


def _decide(scan=None, *, registration="default", live_checkin=None, now=NOW):
    registration = _registration() if registration == "default" else registration
    return decide(scan or _scan(), registration=registration, live_checkin=live_checkin, now=now)


def test_a_registered_attendee_in_the_window_is_checked_in_now():
    scan = _scan()
    decision = _decide(scan)
    assert decision.status == "ok" and decision.writes_checkin
    assert decision.answer.checked_in_at == decision.scanned_at == NOW
    assert decision.answer.checkin_id is None  # the write gives it
    assert (decision.answer.attendee_name, decision.answer.attendee_category) == ("王芳", "farmer")
    assert decision.answer.client_id == scan.client_id and decision.answer.event_id == 100
    assert decision.registration.id == 70 and decision.attendee.id == 7
    assert not decision.answer.flagged


def test_a_code_no_registration_has_is_invalid_and_names_nobody():
    decision = _decide(registration=None)
    assert decision.status == "invalid" and not decision.writes_checkin
    assert decision.registration is None and decision.attendee is None
    assert decision.answer.attendee_name == "" and decision.answer.to_json()["attendee"] is None


def test_a_code_of_another_associations_attendee_is_invalid_and_names_nobody():
    decision = _decide(registration=_registration(association_id=2))
    assert decision.status == "invalid"
    assert decision.registration is None and decision.attendee is None and decision.answer.attendee_name == ""


def test_another_associations_revoked_code_is_invalid_not_revoked():
    revoked = _registration(association_id=2, revoked_at=NOW - timedelta(days=1))
    assert _decide(registration=revoked).status == "invalid"


def test_a_revoked_registration_is_revoked_and_still_logged_with_its_attendee():
    decision = _decide(registration=_registration(revoked_at=NOW - timedelta(days=1)))
    assert decision.status == "revoked" and not decision.writes_checkin
    assert decision.registration.id == 70 and decision.answer.attendee_name == "王芳"


def test_revoked_comes_before_wrong_event():
    registration = _registration(event_id=999, revoked_at=NOW - timedelta(days=1))
    assert _decide(registration=registration).status == "revoked"


def test_a_registration_for_another_event_is_wrong_event():
    decision = _decide(registration=_registration(event_id=999))
    assert decision.status == "wrong_event" and not decision.writes_checkin
    assert decision.answer.attendee_name == "王芳"


def test_a_campaign_registration_admits_to_every_event_of_its_campaign():
    registration = _registration(event_id=None, campaign_id=5)
    assert _decide(_scan(_event(campaign_id=5)), registration=registration).status == "ok"
    assert _decide(_scan(_event(campaign_id=6)), registration=registration).status == "wrong_event"
    assert _decide(_scan(_event(campaign_id=None)), registration=registration).status == "wrong_event"


def test_wrong_event_comes_before_outside_window():
    late = NOW + timedelta(hours=5)
    assert _decide(registration=_registration(event_id=999), now=late).status == "wrong_event"


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (datetime(2026, 5, 18, 7, 59, tzinfo=UTC), "outside_window"),  # the default window opens an hour before
        (datetime(2026, 5, 18, 8, 0, tzinfo=UTC), "ok"),
        (datetime(2026, 5, 18, 11, 30, tzinfo=UTC), "ok"),  # and closes half an hour after the end
        (datetime(2026, 5, 18, 11, 31, tzinfo=UTC), "outside_window"),
    ],
)
def test_an_online_scan_counts_only_within_the_check_in_window(now, status):
    assert _decide(_scan(scanned_at=now), now=now).status == status


def test_the_events_own_window_replaces_the_default():
    event = _event(checkin_opens_at=NOW + timedelta(minutes=10), checkin_closes_at=NOW + timedelta(hours=1))
    assert _decide(_scan(event)).status == "outside_window"
    assert _decide(_scan(event), now=NOW + timedelta(minutes=10)).status == "ok"


@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.CANCELLED])
def test_a_draft_or_cancelled_event_takes_no_check_ins(status):
    assert _decide(_scan(_event(status=status))).status == "outside_window"


def test_a_done_event_still_takes_check_ins_within_its_window():
    assert _decide(_scan(_event(status=Event.Status.DONE))).status == "ok"


def test_an_online_scan_is_timed_by_the_server_not_the_phone():
    """A phone whose clock runs behind neither passes a window that has closed nor backdates the check-in."""
    behind = NOW - timedelta(hours=2)  # 7:30 on the phone: before the window opened
    decision = _decide(_scan(scanned_at=behind))
    assert decision.status == "ok" and decision.scanned_at == decision.answer.checked_in_at == NOW
    closed = datetime(2026, 5, 18, 12, 0, tzinfo=UTC)
    assert _decide(_scan(scanned_at=NOW), now=closed).status == "outside_window"


def test_a_phone_clock_ahead_by_more_than_the_tolerance_flags_the_answer_which_still_counts():
    ahead = _decide(_scan(scanned_at=NOW + FUTURE_TOLERANCE + timedelta(seconds=1)))
    assert ahead.status == "ok" and ahead.answer.flagged
    assert not _decide(_scan(scanned_at=NOW + FUTURE_TOLERANCE)).answer.flagged


def test_a_refused_scan_is_flagged_too():
    decision = _decide(_scan(scanned_at=NOW + timedelta(days=1)), registration=None)
    assert decision.status == "invalid" and decision.answer.flagged


def test_an_attendee_checked_in_already_is_told_when_and_nothing_is_written():
    first = NOW - timedelta(minutes=20)
    decision = _decide(live_checkin=(41, first))
    assert decision.status == "already_checked_in" and not decision.writes_checkin
    assert (decision.answer.checkin_id, decision.answer.checked_in_at) == (41, first)
    assert decision.registration.id == 70


def test_online_the_first_check_in_stands_even_against_a_phone_dated_earlier():
    decision = _decide(_scan(scanned_at=NOW - timedelta(hours=1)), live_checkin=(41, NOW - timedelta(minutes=1)))
    assert decision.status == "already_checked_in"


def test_outside_window_comes_before_already_checked_in():
    closed = datetime(2026, 5, 18, 12, 0, tzinfo=UTC)
    assert _decide(live_checkin=(41, NOW), now=closed).status == "outside_window"


def test_an_offline_scan_keeps_the_phones_time():
    made = NOW - timedelta(minutes=40)
    decision = _decide(_scan(offline=True, scanned_at=made), now=NOW + timedelta(minutes=30))
    assert decision.status == "ok" and decision.scanned_at == decision.answer.checked_in_at == made


def test_an_offline_scan_made_in_the_window_counts_when_uploaded_after_it_closed():
    made = datetime(2026, 5, 18, 11, 0, tzinfo=UTC)
    decision = _decide(_scan(offline=True, scanned_at=made), now=datetime(2026, 5, 18, 18, 0, tzinfo=UTC))
    assert decision.status == "ok"


def test_an_offline_scan_made_before_the_window_opened_is_outside_it():
    made = datetime(2026, 5, 18, 7, 0, tzinfo=UTC)
    assert _decide(_scan(offline=True, scanned_at=made)).status == "outside_window"


def test_an_offline_scan_dated_ahead_is_judged_at_the_servers_time():
    ahead = datetime(2026, 5, 18, 13, 0, tzinfo=UTC)  # after the window closes, but the server says 9:30
    decision = _decide(_scan(offline=True, scanned_at=ahead))
    assert decision.status == "ok" and decision.answer.flagged and decision.scanned_at == ahead


def test_an_offline_scan_made_before_the_live_check_in_takes_over():
    decision = _decide(_scan(offline=True, scanned_at=NOW - timedelta(minutes=5)), live_checkin=(41, NOW))
    assert decision.status == "ok" and decision.writes_checkin


@pytest.mark.parametrize("minutes", [0, 5])
def test_an_offline_scan_made_at_or_after_the_live_check_in_is_already_checked_in(minutes):
    made = NOW + timedelta(minutes=minutes)
    decision = _decide(_scan(offline=True, scanned_at=made), live_checkin=(41, NOW), now=NOW + timedelta(minutes=10))
    assert decision.status == "already_checked_in" and decision.answer.checkin_id == 41


def test_registration_is_for_its_event_or_its_campaigns_events():
    assert registration_is_for(_registration(event_id=100), _event())
    assert not registration_is_for(_registration(event_id=101), _event())
    assert registration_is_for(_registration(event_id=None, campaign_id=5), _event(campaign_id=5))
    assert not registration_is_for(_registration(event_id=None, campaign_id=None), _event(campaign_id=None))


def test_within_window_includes_both_ends_and_needs_a_published_or_done_event():
    event = _event(checkin_opens_at=NOW, checkin_closes_at=NOW + timedelta(hours=1))
    assert within_window(event, NOW) and within_window(event, NOW + timedelta(hours=1))
    assert not within_window(event, NOW - timedelta(seconds=1))
    assert not within_window(_event(status=Event.Status.DRAFT), NOW)
