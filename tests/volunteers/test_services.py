from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import Event
from tests.factories import (
    AssociationFactory,
    SkillFactory,
    UpcomingEventFactory,
    UpcomingShiftFactory,
    VolunteerFactory,
)
from volunteers import selectors, services
from volunteers.models import HOLDING, Shift, SignUp, star_level

pytestmark = pytest.mark.django_db


def _taken(shift) -> int:
    return Shift.objects.values_list("taken", flat=True).get(pk=shift.pk)


def _holding(shift) -> int:
    return SignUp.objects.filter(shift=shift, status__in=HOLDING).count()


# --- phone numbers and profiles ----------------------------------------------------------------


@pytest.mark.parametrize("raw", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "8613812345678"])
def test_phone_numbers_are_normalized_to_e164(raw):
    assert services.normalize_phone(raw) == "+8613812345678"


@pytest.mark.parametrize("raw", ["", "12345", "010-12345678", "+14155550100", "abc"])
def test_invalid_or_foreign_or_landline_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as invalid:
        services.normalize_phone(raw)
    assert "phone" in invalid.value.message_dict


def test_phone_mask_shows_the_first_three_and_last_four_digits():
    assert services.mask_phone("+8613812341234") == "138****1234"


def test_volunteer_create_logs_in_with_the_normalized_phone(association):
    volunteer = services.volunteer_create(
        association=association, phone="138 0013 8000", name=" 李明 ", password="Kx-secret-2026"
    )
    assert volunteer.user.username == volunteer.phone == "+8613800138000"
    assert volunteer.name == "李明"
    assert volunteer.user.check_password("Kx-secret-2026")


def test_a_phone_number_registers_once(association):
    services.volunteer_create(association=association, phone="13800138000", name="李明")
    with pytest.raises(ValidationError) as invalid:
        services.volunteer_create(association=association, phone="+8613800138000", name="王芳")
    assert "phone" in invalid.value.message_dict


# --- sign-up ------------------------------------------------------------------------------------


def test_signup_is_confirmed_while_places_are_free(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    assert signup.status == SignUp.Status.CONFIRMED
    assert _taken(shift) == 1


def test_full_shift_waitlists_in_arrival_order_with_positions(shift, make_volunteer):
    shift.capacity = 2
    shift.save()
    signups = [services.shift_signup(shift=shift, volunteer=make_volunteer()) for _ in range(5)]
    assert [s.status for s in signups] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [selectors.waitlist_position(s) for s in signups[2:]] == [1, 2, 3]
    assert _taken(shift) == 2


def test_double_tap_makes_one_signup(shift, volunteer):
    first = services.shift_signup(shift=shift, volunteer=volunteer)
    second = services.shift_signup(shift=shift, volunteer=volunteer)
    assert first.pk == second.pk
    assert SignUp.objects.filter(shift=shift).count() == 1
    assert _taken(shift) == 1


def test_overlapping_confirmed_shift_is_refused_naming_the_other(shift, volunteer):
    services.shift_signup(shift=shift, volunteer=volunteer)
    other = UpcomingShiftFactory(
        event__association=shift.event.association,
        event__title="果树修剪培训",
        event__starts_at=shift.starts_at + timedelta(minutes=30),
    )
    with pytest.raises(ValidationError) as refused:
        services.shift_signup(shift=other, volunteer=volunteer)
    assert shift.event.title in refused.value.message_dict["shift"][0]
    assert not SignUp.objects.filter(shift=other).exists()


def test_back_to_back_shifts_do_not_overlap(shift, volunteer):
    services.shift_signup(shift=shift, volunteer=volunteer)
    later = UpcomingShiftFactory(event=shift.event, starts_at=shift.ends_at, ends_at=shift.ends_at + timedelta(hours=1))
    assert services.shift_signup(shift=later, volunteer=volunteer).status == SignUp.Status.CONFIRMED


def test_signup_after_the_deadline_is_closed(shift, volunteer):
    shift.signup_deadline = timezone.now() - timedelta(minutes=1)
    shift.save()
    with pytest.raises(ValidationError) as refused:
        services.shift_signup(shift=shift, volunteer=volunteer)
    assert "deadline" in str(refused.value) or "截止" in str(refused.value)
    assert not SignUp.objects.exists()


def test_signup_after_the_event_started_is_closed(shift, volunteer):
    with pytest.raises(ValidationError):
        services.shift_signup(shift=shift, volunteer=volunteer, now=shift.event.starts_at + timedelta(minutes=1))
    assert not SignUp.objects.exists()


def test_organizer_may_add_a_volunteer_after_the_deadline(shift, volunteer):
    shift.signup_deadline = timezone.now() - timedelta(minutes=1)
    shift.save()
    assert services.shift_signup(shift=shift, volunteer=volunteer, by_organizer=True).status == "confirmed"


def test_expert_only_shift_refuses_non_experts(shift, make_volunteer):
    shift.expert_only = True
    shift.save()
    with pytest.raises(ValidationError):
        services.shift_signup(shift=shift, volunteer=make_volunteer(is_expert=False))
    assert services.shift_signup(shift=shift, volunteer=make_volunteer(is_expert=True)).status == "confirmed"


def test_required_skills_are_named_when_missing(shift, volunteer):
    shift.required_skills.add(SkillFactory(name="急救"))
    with pytest.raises(ValidationError) as refused:
        services.shift_signup(shift=shift, volunteer=volunteer)
    assert "急救" in refused.value.message_dict["shift"][0]


def test_volunteer_of_another_association_cannot_sign_up(shift):
    stranger = VolunteerFactory(association=AssociationFactory())
    with pytest.raises(ValidationError):
        services.shift_signup(shift=shift, volunteer=stranger)


# --- cancel and the waitlist -----------------------------------------------------------------------


def test_cancelling_a_place_promotes_the_first_waitlisted(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    holder, first, second = (services.shift_signup(shift=shift, volunteer=make_volunteer()) for _ in range(3))
    services.signup_cancel(signup=holder)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SignUp.Status.CONFIRMED
    assert second.status == SignUp.Status.WAITLISTED
    assert selectors.waitlist_position(second) == 1
    assert _taken(shift) == 1 == _holding(shift)


def test_cancelling_twice_frees_one_place(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    holder = services.shift_signup(shift=shift, volunteer=make_volunteer())
    services.signup_cancel(signup=holder)
    services.signup_cancel(signup=holder)
    assert _taken(shift) == 0


def test_cancelling_a_waitlisted_signup_keeps_the_places(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    services.shift_signup(shift=shift, volunteer=make_volunteer())
    waiting = services.shift_signup(shift=shift, volunteer=make_volunteer())
    services.signup_cancel(signup=waiting)
    assert _taken(shift) == 1
    assert SignUp.objects.get(pk=waiting.pk).status == SignUp.Status.CANCELLED


def test_promotion_skips_a_volunteer_now_busy_at_that_time(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    holder = services.shift_signup(shift=shift, volunteer=make_volunteer())
    busy, free = make_volunteer(), make_volunteer()
    busy_signup = services.shift_signup(shift=shift, volunteer=busy)
    free_signup = services.shift_signup(shift=shift, volunteer=free)
    services.shift_signup(shift=UpcomingShiftFactory(event=shift.event), volunteer=busy)
    services.signup_cancel(signup=holder)
    assert SignUp.objects.get(pk=busy_signup.pk).status == SignUp.Status.WAITLISTED
    assert SignUp.objects.get(pk=free_signup.pk).status == SignUp.Status.CONFIRMED


def test_cancel_after_the_event_started_is_closed(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    with pytest.raises(ValidationError):
        services.signup_cancel(signup=signup, now=shift.event.starts_at + timedelta(minutes=5))
    assert SignUp.objects.get(pk=signup.pk).status == SignUp.Status.CONFIRMED


def test_volunteer_may_sign_up_again_after_cancelling(shift, volunteer):
    services.signup_cancel(signup=services.shift_signup(shift=shift, volunteer=volunteer))
    again = services.shift_signup(shift=shift, volunteer=volunteer)
    assert again.status == SignUp.Status.CONFIRMED
    assert SignUp.objects.filter(shift=shift).count() == 2


def test_more_places_promote_the_waitlist(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    signups = [services.shift_signup(shift=shift, volunteer=make_volunteer()) for _ in range(3)]
    services.shift_update(shift=shift, capacity=3)
    assert {SignUp.objects.get(pk=s.pk).status for s in signups} == {SignUp.Status.CONFIRMED}
    assert _taken(shift) == 3


def test_places_cannot_drop_below_those_taken(shift, make_volunteer):
    for _ in range(3):
        services.shift_signup(shift=shift, volunteer=make_volunteer())
    with pytest.raises(ValidationError) as refused:
        services.shift_update(shift=shift, capacity=2)
    assert "capacity" in refused.value.message_dict


def test_organizer_moves_a_volunteer_and_the_old_place_goes_to_the_waitlist(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    moved = services.shift_signup(shift=shift, volunteer=make_volunteer())
    waiting = services.shift_signup(shift=shift, volunteer=make_volunteer())
    target = UpcomingShiftFactory(event=shift.event, role=Shift.Role.SCANNER, capacity=2)
    services.signup_move(signup=moved, to_shift=target)
    assert SignUp.objects.get(pk=moved.pk).shift == target
    assert SignUp.objects.get(pk=waiting.pk).status == SignUp.Status.CONFIRMED
    assert _taken(shift) == 1 and _taken(target) == 1


def test_moving_to_a_full_shift_is_refused(shift, make_volunteer):
    target = UpcomingShiftFactory(event=shift.event, capacity=1)
    services.shift_signup(shift=target, volunteer=make_volunteer())
    signup = services.shift_signup(shift=shift, volunteer=make_volunteer())
    with pytest.raises(ValidationError):
        services.signup_move(signup=signup, to_shift=target)
    assert SignUp.objects.get(pk=signup.pk).shift == shift


def test_organizer_removal_promotes_and_notifies(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    removed = services.shift_signup(shift=shift, volunteer=make_volunteer())
    waiting = services.shift_signup(shift=shift, volunteer=make_volunteer())
    services.signup_cancel(signup=removed, by_organizer=True)
    assert "signup_removed" in _told(removed.volunteer) and "signup_promoted" in _told(waiting.volunteer)
    assert SignUp.objects.get(pk=waiting.pk).status == SignUp.Status.CONFIRMED


def test_removal_after_the_shift_started_frees_the_place_without_promoting(shift, make_volunteer):
    shift.capacity = 1
    shift.save()
    removed = services.shift_signup(shift=shift, volunteer=make_volunteer())
    waiting = services.shift_signup(shift=shift, volunteer=make_volunteer())
    services.signup_cancel(signup=removed, by_organizer=True, now=shift.starts_at + timedelta(minutes=10))
    assert SignUp.objects.get(pk=waiting.pk).status == SignUp.Status.WAITLISTED
    assert _taken(shift) == 0


# --- attendance and hours ---------------------------------------------------------------------------


def test_attended_without_scans_counts_the_shift_length_confirmed_by_organizer(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    signup = services.signup_mark_attendance(signup=signup, attended=True)
    assert signup.status == SignUp.Status.ATTENDED
    assert signup.hours == Decimal("2.00")
    assert signup.hours_source == SignUp.HoursSource.ORGANIZER


def test_attendance_and_hours_ask_for_the_events_tally(shift, volunteer):
    from stats.models import TallyMarker

    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    assert not TallyMarker.objects.exists()  # a sign-up alone changes no figure
    services.signup_mark_attendance(signup=signup, attended=True)
    services.signup_record_hours(signup=signup, hours=Decimal("1.5"))
    marker = TallyMarker.objects.get()
    assert marker.scope["event_id"] == shift.event_id and marker.version == 2


def test_no_show_has_no_hours_and_keeps_the_place(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    signup = services.signup_mark_attendance(signup=signup, attended=False)
    assert signup.status == SignUp.Status.NO_SHOW and signup.hours is None
    assert _taken(shift) == 1


def test_hand_added_hours_are_capped_at_the_event_length(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    with pytest.raises(ValidationError) as refused:
        services.signup_record_hours(signup=signup, hours=Decimal("2.5"))
    assert "hours" in refused.value.message_dict
    signup = services.signup_record_hours(signup=signup, hours=Decimal("1.5"))
    assert (signup.hours, signup.hours_source) == (Decimal("1.50"), SignUp.HoursSource.MANUAL)


@pytest.mark.parametrize(
    ("hours", "stars"), [(0, 0), (99.5, 0), (100, 1), (299, 1), (300, 2), (600, 3), (1000, 4), (1499, 4), (1500, 5)]
)
def test_star_levels_follow_the_national_thresholds(hours, stars):
    assert star_level(hours) == stars


def test_hours_of_a_volunteer_sum_the_period(shift, volunteer):
    services.signup_mark_attendance(signup=services.shift_signup(shift=shift, volunteer=volunteer), attended=True)
    day = timezone.localtime(shift.starts_at).date()
    assert selectors.hours_of(volunteer).total == Decimal("2.00")
    assert selectors.hours_of(volunteer, start=day + timedelta(days=1)).total == 0


# --- staff code check-in and out ----------------------------------------------------------------------


def test_staff_code_checks_in_then_out_and_records_scanned_hours(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    code = services.staff_code_of(shift.event).code
    result, _ = services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at - timedelta(minutes=20))
    assert result == "checked_in"
    result, _ = services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at + timedelta(minutes=90))
    assert result == "checked_out"
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.ATTENDED
    # Arriving 20 minutes early is not service time: counted from the shift's start.
    assert signup.hours == Decimal("1.50")
    assert signup.hours_source == SignUp.HoursSource.SCANNED


def test_a_second_tap_right_after_check_in_does_not_check_out(shift, volunteer):
    services.shift_signup(shift=shift, volunteer=volunteer)
    code = services.staff_code_of(shift.event).code
    services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at)
    result, signup = services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at + timedelta(seconds=20))
    assert result == "already_checked_in"
    assert signup.checked_out_at is None


def test_organizer_attendance_uses_the_scanned_times(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    code = services.staff_code_of(shift.event).code
    services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at + timedelta(minutes=30))
    services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at + timedelta(minutes=60))
    signup = services.signup_mark_attendance(signup=signup, attended=True)
    assert (signup.hours, signup.hours_source) == (Decimal("0.50"), SignUp.HoursSource.SCANNED)


def test_staff_scan_without_a_shift_or_with_a_bad_code_is_refused(shift, volunteer):
    code = services.staff_code_of(shift.event).code
    with pytest.raises(services.StaffScanRefused) as refused:
        services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at)
    assert refused.value.code == "no_shift"
    with pytest.raises(services.StaffScanRefused) as refused:
        services.staff_scan(code=code[:-2], volunteer=volunteer, now=shift.starts_at)
    assert refused.value.code == "invalid"


def test_staff_scan_outside_the_shift_window_is_refused(shift, volunteer):
    services.shift_signup(shift=shift, volunteer=volunteer)
    code = services.staff_code_of(shift.event).code
    with pytest.raises(services.StaffScanRefused) as refused:
        services.staff_scan(code=code, volunteer=volunteer, now=shift.starts_at - timedelta(hours=5))
    assert refused.value.code == "outside_window"


def test_rotated_staff_code_replaces_the_old_one(shift, volunteer):
    services.shift_signup(shift=shift, volunteer=volunteer)
    old = services.staff_code_of(shift.event).code
    new = services.staff_code_rotate(event=shift.event).code
    assert new != old
    with pytest.raises(services.StaffScanRefused):
        services.staff_scan(code=old, volunteer=volunteer, now=shift.starts_at)


def test_cancelled_event_refuses_signups(shift, volunteer):
    Event.objects.filter(pk=shift.event_id).update(status=Event.Status.CANCELLED)
    shift.refresh_from_db()
    with pytest.raises(ValidationError):
        services.shift_signup(shift=shift, volunteer=volunteer, by_organizer=True)


# --- what the volunteer is told -------------------------------------------------------------------


def _told(volunteer) -> list[str]:
    from notifications.models import Notification

    return sorted(set(Notification.objects.filter(volunteer=volunteer).values_list("kind", flat=True)))


def test_volunteers_are_told_of_confirmation_waitlist_and_promotion(association, make_volunteer):
    shift = UpcomingShiftFactory(event__association=association, capacity=1)
    first, second = make_volunteer(), make_volunteer()
    taken = services.shift_signup(shift=shift, volunteer=first)
    services.shift_signup(shift=shift, volunteer=second)
    assert _told(first) == ["signup_confirmed"]
    assert _told(second) == ["signup_waitlisted"]

    services.signup_cancel(signup=taken)
    assert _told(second) == ["signup_promoted", "signup_waitlisted"]


def test_a_volunteer_removed_by_an_organizer_is_told(shift, volunteer):
    signup = services.shift_signup(shift=shift, volunteer=volunteer)
    services.signup_cancel(signup=signup, by_organizer=True)
    assert "signup_removed" in _told(volunteer)


def test_a_volunteer_moved_to_another_shift_is_told(association, make_volunteer):
    from notifications.models import Notification

    volunteer = make_volunteer()
    first = UpcomingShiftFactory(event__association=association)
    later = first.ends_at + timedelta(hours=1)
    second = UpcomingShiftFactory(event=UpcomingEventFactory(association=association, starts_at=later))
    signup = services.shift_signup(shift=first, volunteer=volunteer)
    services.signup_move(signup=signup, to_shift=second)
    told = Notification.objects.filter(volunteer=volunteer, kind="signup_confirmed")
    assert told.values("event").distinct().count() == 2


def test_a_move_checks_the_target_shifts_skills(association, make_volunteer):
    signup = services.shift_signup(
        shift=UpcomingShiftFactory(event__association=association), volunteer=make_volunteer()
    )
    target = UpcomingShiftFactory(event__association=association)
    target.required_skills.add(SkillFactory(name="果树修剪"))
    with pytest.raises(ValidationError):
        services.signup_move(signup=signup, to_shift=target)
