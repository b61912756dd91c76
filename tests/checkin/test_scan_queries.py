"""The scan endpoint's round trips to the database, pinned: it is bound by them (bench/checkin).

Counted as statements, leaving out transaction control (BEGIN, COMMIT, savepoints), which
PostgreSQL's driver does not report and SQLite's does.
"""

from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from checkin import services
from checkin.models import CheckIn, ScanLog
from stats.models import TallyMarker
from tests.factories import EventFactory, ShiftFactory, SignUpFactory

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: the tally is asked after commit

SCAN = "/api/v1/checkin/scan/"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@pytest.fixture
def event(association):
    return EventFactory(association=association)


@pytest.fixture
def codes(event):
    return [services.registration_create(event=event, name=f"王{i}").code for i in range(3)]


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _scan(client, event, code, client_id=None) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            SCAN, {"code": code, "event": event.id, "client_id": str(client_id or uuid4())}, format="json"
        )
    assert response.status_code == 200, response.content
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]
    return response.json(), statements


def _writes_to(table: str, statements: list[str]) -> list[str]:
    return [s for s in statements if table in s and s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_a_first_scan_takes_three_statements_and_leaves_a_queued_tally_marker_alone(organizer, event, codes):
    client = _client_for(organizer)
    _scan(client, event, codes[0])  # creates the event's tally marker and queues its run
    marker = TallyMarker.objects.get(key=f"event:{event.id}")
    body, statements = _scan(client, event, codes[1])
    assert body["status"] == "ok"
    # token, user, event, registration, attendee, live check-in and earlier answer;
    # the check-in and the scan log (one statement on PostgreSQL); is a tally run already queued?
    assert len(statements) == (3 if connection.vendor == "postgresql" else 4), statements
    assert not _writes_to(TallyMarker._meta.db_table, statements)
    assert TallyMarker.objects.get(key=f"event:{event.id}").version == marker.version


def test_scans_within_a_queued_runs_countdown_take_two_statements(organizer, event, codes, settings):
    settings.STATS_TALLY_DEBOUNCE_SECONDS = 30  # the run queued by the first scan is due in 30 s
    client = _client_for(organizer)
    _scan(client, event, codes[0])  # queues the event's tally run
    _scan(client, event, codes[1])  # reads the marker: that run claims it no sooner than its countdown ends
    body, statements = _scan(client, event, codes[2])
    assert body["status"] == "ok"
    assert len(statements) == (2 if connection.vendor == "postgresql" else 3), statements  # lookup; check-in and log
    assert not [s for s in statements if TallyMarker._meta.db_table in s]
    assert TallyMarker.objects.get(key=f"event:{event.id}").is_dirty  # the queued run will count all three


def test_a_repeated_scan_is_two_statements_and_one_insert(organizer, event, codes):
    client = _client_for(organizer)
    _scan(client, event, codes[0])
    body, statements = _scan(client, event, codes[0])
    assert body["status"] == "already_checked_in"
    assert len(statements) == 2, statements  # the lookup, with the token and user; the scan log
    assert _writes_to(ScanLog._meta.db_table, statements) and not _writes_to(CheckIn._meta.db_table, statements)


def test_a_retried_client_id_is_answered_from_the_log_with_two_reads(organizer, event, codes):
    client = _client_for(organizer)
    client_id = uuid4()
    first, _ = _scan(client, event, codes[0], client_id)
    again, statements = _scan(client, event, codes[0], client_id)
    assert again == {**first, "replayed": True}
    assert len(statements) == 2, statements  # the lookup, with the token and user; the stored answer
    assert not [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    assert ScanLog.objects.count() == 1


def test_a_volunteer_on_duty_is_checked_in_the_same_lookup(event, codes):
    signup = SignUpFactory(shift=ShiftFactory(event=event), status="confirmed")
    client = _client_for(signup.volunteer.user)
    _scan(client, event, codes[0])
    body, statements = _scan(client, event, codes[1])
    assert body["status"] == "ok"
    assert len(statements) == (3 if connection.vendor == "postgresql" else 4), statements
    assert [s for s in statements if "volunteers_signup" in s] == [statements[0]]  # inside the lookup


def test_a_token_scan_is_answered_without_drfs_request_and_response(organizer, event, codes, monkeypatch):
    from checkin.scan.endpoint import ScanView

    def fail(*args, **kwargs):
        pytest.fail("the scan went through DRF's request wrapper")

    monkeypatch.setattr(ScanView, "initialize_request", fail)
    body, _ = _scan(_client_for(organizer), event, codes[0])
    assert body["status"] == "ok"
