"""Migrations that carry data: run on a database holding check-ins from before them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("checkin", "0002_scan_log_poster_codes")]
COPY = [("checkin", "0003_checkin_attendee_copy")]
REVIEW = [("checkin", "0004_checkin_review_of_flagged_self_checkins")]


@pytest.fixture
def executor():
    executor = MigrationExecutor(connection)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema as the other tests expect it


@pytest.mark.django_db(transaction=True)
def test_checkins_recorded_before_the_copy_take_it_from_their_attendees(executor):
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Region = apps.get_model("events", "Region")
    Association = apps.get_model("events", "Association")
    Event = apps.get_model("events", "Event")
    Venue = apps.get_model("events", "Venue")
    Attendee = apps.get_model("checkin", "Attendee")
    CheckIn = apps.get_model("checkin", "CheckIn")
    county = Region.objects.create(name="县", level="county")
    village = Region.objects.create(name="村", level="village", parent=county)
    association = Association.objects.create(name="县科协", region=county)
    now = timezone.now()
    event = Event.objects.create(
        association=association,
        title="讲座",
        kind="lecture",
        venue=Venue.objects.create(association=association, name="礼堂", region=village),
        starts_at=now,
        ends_at=now + timedelta(hours=1),
    )
    student = Attendee.objects.create(association=association, name="甲", category="student", region=village)
    nowhere = Attendee.objects.create(association=association, name="乙", category="farmer")
    for attendee in (student, nowhere):
        CheckIn.objects.create(event=event, attendee=attendee, method="paper", scanned_at=now)

    executor = MigrationExecutor(connection)
    executor.migrate(COPY)

    CheckIn = executor.loader.project_state(COPY).apps.get_model("checkin", "CheckIn")
    copies = CheckIn.objects.order_by("attendee_id").values_list("attendee_category", "attendee_region_id")
    assert list(copies) == [("student", village.id), ("farmer", None)]


@pytest.mark.django_db(transaction=True)
def test_checkins_recorded_before_the_review_need_none_and_still_count(executor):
    executor.migrate(COPY)
    apps = executor.loader.project_state(COPY).apps
    Region = apps.get_model("events", "Region")
    Association = apps.get_model("events", "Association")
    Event = apps.get_model("events", "Event")
    Venue = apps.get_model("events", "Venue")
    Attendee = apps.get_model("checkin", "Attendee")
    CheckIn = apps.get_model("checkin", "CheckIn")
    county = Region.objects.create(name="县", level="county")
    village = Region.objects.create(name="村", level="village", parent=county)
    association = Association.objects.create(name="县科协", region=county)
    now = timezone.now()
    event = Event.objects.create(
        association=association,
        title="讲座",
        kind="lecture",
        venue=Venue.objects.create(association=association, name="礼堂", region=village),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        status="published",
    )
    for name, method in (("甲", "self"), ("乙", "staff_scan")):
        attendee = Attendee.objects.create(association=association, name=name, category="farmer", region=village)
        CheckIn.objects.create(
            event=event, attendee=attendee, method=method, scanned_at=now, attendee_category="farmer", flagged=True
        )

    executor = MigrationExecutor(connection)
    executor.migrate(REVIEW)

    from checkin.models import CheckIn as Current
    from stats import figures

    assert set(Current.objects.values_list("awaiting_review", "review", "flag_reasons")) == {(False, "", "")}
    assert figures.compute_event(event.id).figures["beneficiaries_person_times"] == 2
