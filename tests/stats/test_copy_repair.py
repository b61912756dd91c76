"""The nightly recompute repairs the attendee's category and home region copied onto check-ins.

A scan reads the attendee, an organizer's edit of that attendee commits (attendee_save brings the
attendee's check-ins of that moment in step), then the scan writes its check-in with what it read:
the copy is stale, and nothing else would ever change it. The nightly job finds it and repairs it,
and the figures follow.
"""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from checkin import services as checkin_services
from checkin.models import Attendee, CheckIn
from checkin.scan import writer
from stats import figures, services, tasks
from stats.models import Tally, TallyMarker
from tests.factories import AttendeeFactory, CheckInFactory, EventFactory, TownFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def runs_come_at_once(settings):
    settings.STATS_TALLY_DEBOUNCE_SECONDS = 0
    settings.STATS_TALLY_ROLLUP_DEBOUNCE_SECONDS = 0


def _scan_racing_an_edit(event, attendee: Attendee, **edit) -> CheckIn:
    """The race, step by step: the scan reads the attendee, the edit commits, the scan writes."""
    read_by_the_scan = Attendee.objects.get(pk=attendee.pk)
    for name, value in edit.items():
        setattr(attendee, name, value)
    checkin_services.attendee_save(attendee=attendee, fields=list(edit))
    now = timezone.now()
    writer.check_in(
        event_id=event.id,
        attendee=read_by_the_scan,
        now=now,
        method=CheckIn.Method.STAFF_SCAN,
        client_id=uuid.uuid4(),
        scanned_at=now,
        device="",
        gate="",
        flagged=False,
    )
    return CheckIn.objects.get(event=event, attendee=attendee)


def _year_tally(event) -> Tally:
    year = timezone.localtime(event.starts_at).year
    return Tally.objects.get(key=figures.year_scope(event.association_id, year).key)


def test_an_edit_racing_a_checkin_leaves_a_stale_copy_that_the_nightly_job_repairs_with_the_figures(association, sent):
    town = TownFactory(parent=association.region)
    old_home, new_home = VillageFactory(parent=town), VillageFactory(parent=town)
    event = EventFactory(association=association)
    pupil = AttendeeFactory(association=association, category=Attendee.Category.FARMER, region=old_home)

    checkin = _scan_racing_an_edit(event, pupil, category=Attendee.Category.STUDENT, region=new_home)

    # The race's outcome: the check-in carries what the scan read, not the attendee.
    assert (checkin.attendee_category, checkin.attendee_region_id) == (Attendee.Category.FARMER, old_home.id)
    services.tally_request(event_id=event.id)
    services.tally_run(key=f"event:{event.id}")
    assert Tally.objects.get(key=f"event:{event.id}").figures["students_participating"] == 0

    tasks.tally_nightly()

    checkin.refresh_from_db()
    assert (checkin.attendee_category, checkin.attendee_region_id) == (Attendee.Category.STUDENT, new_home.id)
    event_tally = Tally.objects.get(key=f"event:{event.id}")
    assert event_tally.figures["students_participating"] == 1
    assert event_tally.breakdowns["by_category"] == {Attendee.Category.STUDENT: 1}
    year = _year_tally(event)
    assert year.figures["students_participating"] == 1
    assert year.evidence["students_participating"]["scanned"] == 1
    assert year.breakdowns["by_category"] == {Attendee.Category.STUDENT: 1}
    # Reached from the attendee's home as it is now, not as the scan read it.
    reached = {town_row["name"]: town_row for town_row in year.breakdowns["by_town"]}
    assert year.figures["villages_reached"] == 1
    assert reached[town.name]["not_reached"] == [old_home.name]
    assert services.F_.compute(services.F_.event_scope(event)).figures == event_tally.figures


def test_the_repair_reaches_the_attendees_check_ins_of_other_years_and_asks_for_their_tallies(association, sent):
    last_year = timezone.now() - timedelta(days=400)
    old_event = EventFactory(association=association, starts_at=last_year, ends_at=last_year + timedelta(hours=1))
    event = EventFactory(association=association)
    attendee = AttendeeFactory(association=association, category=Attendee.Category.FARMER)
    # A stale copy last year too (written by hand, as nothing else could leave one there now).
    old = CheckInFactory(event=old_event, attendee=attendee, attendee_category=Attendee.Category.TEACHER)
    checkin = _scan_racing_an_edit(event, attendee, category=Attendee.Category.STUDENT)
    assert checkin.attendee_category == Attendee.Category.FARMER

    year = timezone.localtime(event.starts_at).year
    services.tally_recompute_request(year=year)
    services.tally_drain(year=year)

    old.refresh_from_db()
    checkin.refresh_from_db()
    assert old.attendee_category == checkin.attendee_category == Attendee.Category.STUDENT
    assert TallyMarker.objects.get(key=f"event:{old_event.id}").is_dirty  # last year's event is tallied again


def test_right_copies_are_left_as_they_are(association, sent):
    event = EventFactory(association=association)
    checkins = CheckInFactory.create_batch(3, event=event)
    annulled = CheckInFactory(event=event, annulled_at=timezone.now(), attendee_category=Attendee.Category.TEACHER)
    year = timezone.localtime(event.starts_at).year

    assert checkin_services.attendee_copies_repair(event_ids=[event.id]) == set()
    held = {event.id}
    batch = figures.Batch(held, {figures.year_scope(association.id, year): [event.id]}, verify_copies=True)
    assert batch.stale_copies == set()
    services.tally_recompute_request(year=year)
    services.tally_drain(year=year)

    assert _year_tally(event).figures["checkins"] == 3
    assert [c.attendee_category for c in CheckIn.objects.filter(pk__in=[c.pk for c in checkins])] == [
        Attendee.Category.FARMER
    ] * 3
    annulled.refresh_from_db()
    assert annulled.attendee_category == Attendee.Category.TEACHER  # an annulled check-in counts nowhere


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the batch's one pass compares on PostgreSQL")
def test_the_batch_names_the_attendees_whose_copies_are_stale(association):
    event = EventFactory(association=association)
    right = CheckInFactory(event=event)
    stale = CheckInFactory(event=event, attendee_category=Attendee.Category.CADRE)
    year = timezone.localtime(event.starts_at).year

    batch = figures.Batch({event.id}, {figures.year_scope(association.id, year): [event.id]}, verify_copies=True)

    assert right.attendee_id not in batch.stale_copies
    assert batch.stale_copies == {stale.attendee_id}
