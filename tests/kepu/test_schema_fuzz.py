"""The OpenAPI schema tells the truth: every operation, fuzzed from `/api/schema/` by schemathesis.

The schema is loaded from the WSGI application in-process (no server), and every case is sent with an
organizer's token against a county holding a campaign, an event with a shift, sign-ups, registrations,
check-ins, a headcount and notifications, so that the ids in the paths often exist. A case fails on a
server error or on a response that the schema does not describe (body or content type).

Bounded: a few examples per operation, no deadline, derandomized so that a failure is reproduced by
running the test again.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kepu.wsgi import application
from notifications.models import Notification
from tests.factories import (
    CampaignFactory,
    CheckInFactory,
    EventFactory,
    EventOutputFactory,
    HeadcountFactory,
    NotificationFactory,
    OrganizationFactory,
    OrganizerFactory,
    PosterCodeFactory,
    RegistrationFactory,
    ShiftFactory,
    SignUpFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


# Users get an unusable password: hashing a real one takes most of a second, for every operation's test.
NO_PASSWORD = "!"


@pytest.fixture
def county(db):
    """A county association with one of everything the API serves, its organizer's token and the ids to aim at."""
    organizer = OrganizerFactory(user__password=NO_PASSWORD)
    association = organizer.association
    organization = OrganizationFactory(association=association)
    venue = VenueFactory(association=association, latitude="39.9", longitude="116.4")
    campaign = CampaignFactory(association=association)
    event = EventFactory(association=association, venue=venue, campaign=campaign, capacity=200)
    EventOutputFactory(event=event)
    shift = ShiftFactory(event=event)
    signup = SignUpFactory(shift=shift, volunteer__user__password=NO_PASSWORD)
    registration = RegistrationFactory(event=event)
    RegistrationFactory(event=event)
    checkin = CheckInFactory(event=event, attendee=registration.attendee, registration=registration)
    HeadcountFactory(event=event, count=40)
    PosterCodeFactory(event=event)
    notification = NotificationFactory(volunteer=signup.volunteer, event=event, status=Notification.Status.FAILED)
    ids = {
        "events": event.id,
        "campaigns": campaign.id,
        "venues": venue.id,
        "organizations": organization.id,
        "regions": venue.region_id,
        "shifts": shift.id,
        "signups": signup.id,
        "volunteers": signup.volunteer_id,
        "registrations": registration.id,
        "checkins": checkin.id,
        "notifications": notification.id,
        "inbox": notification.id,
        "years": timezone.localdate().year,
        "summary": timezone.localdate().year,
    }
    return {"token": Token.objects.create(user=organizer.user).key, "ids": ids, "event": event.id}


def aim_at_records(case, county) -> None:
    """Point the case's path ids (and an `event` query) at the county's records: random ids are all 404s."""
    segments = case.operation.path.strip("/").split("/")
    for name in case.path_parameters or {}:
        placeholder = f"{{{name}}}"
        if placeholder in segments:
            collection = segments[segments.index(placeholder) - 1]
            if collection in county["ids"]:
                case.path_parameters[name] = county["ids"][collection]
            elif name == "event_id":
                case.path_parameters[name] = county["event"]
    if isinstance(case.query, dict) and "event" in case.query:
        case.query["event"] = county["event"]


@pytest.fixture
def in_process_requests():
    """As Django's test client does: a request must not close the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded once, at collection, from the application itself: one test per operation.
# The coverage phase (every boundary and wrong type of every parameter, a hundred cases an operation) is
# left to a manual run (`st run`): the examples and fuzzing phases keep the suite within a few minutes.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=True,
)
def test_every_operation_answers_as_its_schema_says(case, county, in_process_requests):
    aim_at_records(case, county)
    case.call_and_validate(headers={"Authorization": f"Token {county['token']}"}, checks=CHECKS)
    assert not connection.needs_rollback


# The lies the schema told, each answered once on purpose (the fuzzing above finds them by chance).
NAMED = [
    ("GET", "/api/v1/events/{id}/outputs/", {}, None),  # an array, not a page
    ("POST", "/api/v1/events/{id}/outputs/", {}, {"kind": "materials", "quantity": 5}),  # 201 with the array
    ("GET", "/api/v1/stats/today/", {}, None),  # an array, not an object
    ("GET", "/api/v1/notifications/summary/", {"event": 0}, None),  # an array, not a page
    ("GET", "/api/v1/signups/", {}, None),  # hours_source "" before hours are recorded
    ("POST", "/api/v1/notifications/{id}/resend/", {}, None),  # 202, not 200
]


@pytest.mark.parametrize(("method", "path", "query", "body"), NAMED, ids=[f"{m} {p}" for m, p, _, _ in NAMED])
def test_named_operations_answer_as_their_schema_says(county, in_process_requests, method, path, query, body):
    extra = {"body": body, "media_type": "application/json"} if body else {}
    case = schema[path][method].Case(query=query or None, **extra)
    case.path_parameters = {"id": 0} if "{id}" in path else None
    aim_at_records(case, county)
    response = case.call_and_validate(headers={"Authorization": f"Token {county['token']}"}, checks=CHECKS)
    assert response.status_code < 300


def test_a_scan_of_an_unknown_code_answers_a_null_attendee_as_the_schema_says(county, in_process_requests):
    body = {
        "code": "NO-SUCH-CODE",
        "event": county["event"],
        "client_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "scanned_at": timezone.now().isoformat(),
    }
    case = schema["/api/v1/checkin/scan/"]["POST"].Case(body=body, media_type="application/json")
    response = case.call_and_validate(headers={"Authorization": f"Token {county['token']}"}, checks=CHECKS)
    assert response.json()["status"] == "invalid"
    assert response.json()["attendee"] is None
