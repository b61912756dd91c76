"""The check-in's writes, by hand-written statements (kepu/rawsql.py: Model.save() cost more CPU than the
statements): a scan's check-in and its log row, and `check_in`, which self check-ins and paper lists use too.

One live check-in per attendee and event is decided by the partial unique index `checkin_once_per_event`
(INSERT … ON CONFLICT DO NOTHING), never by a read-then-write.
"""

import functools
import logging
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from checkin.models import Attendee, CheckIn, ScanLog
from events.models import Event
from kepu import rawsql
from stats import services as stats_services

from .decision import Decision, Method, Scan, ScanAnswer, Status

logger = logging.getLogger(__name__)


def write_scan(scan: Scan, decision: Decision, *, now: datetime) -> ScanAnswer:
    """Write what `decision` says for `scan`: its log row, and for `ok` the check-in. The answer, with the
    check-in's id; `already_checked_in` if a concurrent scan checked the attendee in since the lookup.

    Raises IntegrityError if the scan's `client_id` is in the log already (a concurrent retry won).
    """
    answer, registration = decision.answer, decision.registration
    log = {
        "client_id": scan.client_id,
        "event_id": scan.event.id,
        "code": scan.code[:64],
        "registration_id": registration.id if registration else None,
        "status": answer.status,
        "method": scan.method,
        "scanned_at": decision.scanned_at,
        "scanned_by_id": scan.scanned_by_id,
        "device": scan.device,
        "gate": scan.gate,
        "ip": scan.ip,
        "flagged": answer.flagged,
    }
    if not decision.writes_checkin:
        # One INSERT, its own transaction: no BEGIN/COMMIT round trips. Inside a caller's
        # transaction a savepoint keeps an IntegrityError from breaking it.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            insert_scan_log(**log, checkin_id=answer.checkin_id, answer=answer.to_json())
        return answer
    attendee = decision.attendee
    assert registration is not None and attendee is not None  # an `ok` names both (decision.decide)
    fields = {
        "registration_id": registration.id,
        "method": scan.method,
        "client_id": scan.client_id,
        "scanned_at": decision.scanned_at,
        "scanned_by_id": scan.scanned_by_id,
        "device": scan.device,
        "gate": scan.gate,
        "flagged": answer.flagged,
    }
    if connection.vendor == "postgresql":
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            checkin_id = insert_checkin_and_log(
                checkin={"event_id": scan.event.id, "received_at": now, **attendee_copy(attendee), **fields},
                log={**log, "answer": answer.to_json()},
            )
        if checkin_id is not None:
            return replace(answer, checkin_id=checkin_id)
        # The attendee was checked in since the lookup (or has a later check-in, for a late offline scan).
    with transaction.atomic():
        # The unique constraint decides: a concurrent scan may have checked the attendee in since the lookup.
        status, checkin_id, first_at = check_in(
            event_id=scan.event.id,
            attendee=attendee,
            now=now,
            earliest_wins=scan.method == Method.OFFLINE,
            **fields,
        )
        answer = replace(answer, status=status, checkin_id=checkin_id, checked_in_at=first_at)
        insert_scan_log(**{**log, "status": status}, checkin_id=checkin_id, answer=answer.to_json())
    return answer


def insert_checkin_and_log(*, checkin: dict[str, Any], log: dict[str, Any]) -> int | None:
    """PostgreSQL: the check-in and its log row in one statement (a data-modifying WITH), hence one
    implicit transaction without BEGIN and COMMIT round trips. Returns the new check-in's id, or None
    having written nothing if the attendee has a live check-in: the partial unique index decides, as in
    `insert_checkin_if_absent`. The stored answer gets the check-in's id, known only in the statement."""
    log = {**log, "received_at": timezone.now()}
    answer = log.pop("answer")
    sql = _checkin_and_log_sql(connection.vendor, tuple(checkin), tuple(log))
    params = rawsql.prep(CheckIn, checkin) + rawsql.prep(ScanLog, {**log, "answer": answer})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


_ON_LIVE_CHECKIN_DO_NOTHING = "ON CONFLICT (event_id, attendee_id) WHERE annulled_at IS NULL DO NOTHING"


@functools.cache
def _checkin_and_log_sql(vendor: str, checkin: tuple[str, ...], log: tuple[str, ...]) -> str:
    del vendor  # part of the cache key only: quoting is the backend's
    checkin_sql = rawsql.insert_sql(CheckIn, checkin, suffix=f"{_ON_LIVE_CHECKIN_DO_NOTHING} RETURNING id")
    column = functools.partial(rawsql.column, ScanLog)
    columns = ", ".join(column(name) for name in [*log, "answer", "checkin_id"])
    return (
        f"WITH c AS ({checkin_sql}) INSERT INTO {rawsql.table(ScanLog)} ({columns}) "
        f"SELECT {', '.join(['%s'] * len(log))}, jsonb_set(%s, '{{checkin}}', to_jsonb(c.id)), c.id FROM c "
        f"RETURNING {column('checkin_id')}"
    )


def insert_scan_log(**values: Any) -> None:
    """The scan's ScanLog row, by a hand-written INSERT: Model.save() cost more CPU than the statement.
    There are no signals on ScanLog; received_at is what auto_now_add would set."""
    sql, params = rawsql.insert(ScanLog, {**values, "received_at": timezone.now()})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def attendee_copy(attendee: Attendee) -> dict[str, Any]:
    """The attendee's fields a check-in carries (see CheckIn.attendee_category)."""
    return {
        "attendee_id": attendee.id,
        "attendee_category": attendee.category,
        "attendee_region_id": attendee.region_id,
    }


def check_in(
    *, event_id: int, attendee: Attendee, now: datetime, earliest_wins: bool = True, **fields: Any
) -> tuple[str, int, datetime]:
    """Insert the check-in unless a live one exists; with `earliest_wins` the earliest scan is the check-in.

    Returns (status, check-in id, time of the check-in that stands).
    """
    checkin_id = insert_checkin_if_absent(event_id=event_id, received_at=now, **attendee_copy(attendee), **fields)
    if checkin_id is not None:
        return Status.OK, checkin_id, fields["scanned_at"]
    existing = CheckIn.objects.filter(event_id=event_id, attendee_id=attendee.id, annulled_at__isnull=True).values(
        "id", "scanned_at"
    )[0]
    if earliest_wins and fields["scanned_at"] < existing["scanned_at"]:
        # An offline scan from before arrived late: it becomes the check-in (the conditional
        # UPDATE makes two late uploads agree on the earliest), still one row, counted once.
        moved = CheckIn.objects.filter(id=existing["id"], scanned_at__gt=fields["scanned_at"]).update(
            **{k: v for k, v in fields.items() if k != "registration_id"}
        )
        if moved:
            return Status.OK, existing["id"], fields["scanned_at"]
        existing = CheckIn.objects.filter(id=existing["id"]).values("id", "scanned_at")[0]
    return Status.ALREADY, existing["id"], existing["scanned_at"]


def insert_checkin_if_absent(**values: Any) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING on the one-live-check-in index; the new id, or None if one exists.

    One statement, no savepoint: the database settles concurrent scans of one
    code (the losers wait for the winner's commit, then do nothing). Works on
    PostgreSQL and SQLite ≥ 3.35.
    """
    sql, params = rawsql.insert(CheckIn, values, suffix=f"{_ON_LIVE_CHECKIN_DO_NOTHING} RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def after_checkin(event: Event) -> None:
    """The event's attendance changed: ask for its tally once the change has committed."""
    transaction.on_commit(lambda: _request_tally(event.id, event.association_id))


def _request_tally(event_id: int, association_id: int) -> None:
    # After commit, in its own short transaction: the scan's own transaction never waits on the
    # event's tally marker. The change has committed, so while a run is queued this is one read.
    try:
        stats_services.tally_request(event_id=event_id, association_id=association_id, committed=True)
    except Exception:
        # The check-in has committed; a failed request only delays the figures until the nightly recompute.
        logger.exception("could not request the tally of event %s", event_id)
