"""A scan, end to end: read (lookup), decide (decision), write (writer); and offline batches of scans."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from checkin.models import ScanLog
from events.models import Event

from .decision import Method, Scan, ScanAnswer, Status, decide
from .lookup import ScanLookup, scan_lookup
from .writer import after_checkin, write_scan

# An offline scan dated further ahead than this is refused (not stored): no phone's clock runs a day fast
# by accident, and a check-in dated tomorrow would take over the real one as "the earliest".
BATCH_FUTURE_LIMIT = timedelta(days=1)
BATCH_MAX = 1000


def checkin_scan(
    *,
    event: Event,
    code: str,
    client_id: UUID,
    scanned_at: datetime,
    method: str = Method.STAFF_SCAN,
    scanned_by: AbstractBaseUser | None = None,
    device: str = "",
    gate: str = "",
    ip: str | None = None,
    now: datetime | None = None,
    lookup: ScanLookup | None = None,
) -> ScanAnswer:
    """Record one scan of a code at an event. One live check-in per attendee and event, however
    many phones scan at once; a repeated `client_id` gets its first answer back and writes nothing.

    `lookup` is `scan_lookup` for this event, code and client_id when the caller
    has read it already (the scan endpoint does, to check the permission).
    """
    now = now or timezone.now()
    code = (code or "").strip()
    if lookup is None:
        lookup = scan_lookup(event_id=event.id, code=code, client_id=client_id)
    if lookup.answered and (earlier := _replay(client_id=client_id, event=event)):
        return earlier  # the scanner retried: the first answer, nothing written
    scan = Scan(
        event=event,
        code=code,
        client_id=client_id,
        scanned_at=scanned_at,
        method=method,
        scanned_by_id=scanned_by.pk if scanned_by else None,
        device=device[:100],
        gate=gate[:50],
        ip=ip,
    )
    decision = decide(scan, registration=lookup.registration, live_checkin=lookup.live_checkin, now=now)
    try:
        answer = write_scan(scan, decision, now=now)
    except IntegrityError:
        # The client_id is taken: a concurrent retry of this scan won. Everything this
        # attempt wrote was rolled back.
        earlier = _replay(client_id=client_id, event=event)
        if earlier is None:
            raise
        return earlier
    if answer.status == Status.OK:
        after_checkin(event)
    return answer


def _replay(*, client_id: UUID, event: Event) -> ScanAnswer | None:
    """The first answer to a scan with this client_id, if there was one."""
    earlier = ScanLog.objects.filter(client_id=client_id).first()
    if earlier is None:
        return None
    if earlier.event_id != event.id:
        raise ValidationError({"client_id": _("This client_id was already used for another scan.")})
    return ScanAnswer.from_log(earlier)


def checkin_batch(
    *,
    scans: Iterable[dict],
    events: dict[int, Event],
    scanned_by: AbstractBaseUser | None = None,
    device: str = "",
    gate: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> list[ScanAnswer]:
    """Scans made offline, answered one by one in the order given.

    They are applied earliest first, so within an upload the first scan of a
    person is the check-in; one that arrives later but was made earlier takes
    over (see writer.check_in). Each scan is its own transaction: one bad scan
    loses nothing else, and re-uploading the batch replays every answer.
    """
    scans = list(scans)
    if len(scans) > BATCH_MAX:
        raise ValidationError({"scans": _("At most %(max)d scans per batch.") % {"max": BATCH_MAX}})
    now = now or timezone.now()
    answers: dict[int, ScanAnswer] = {}  # by the scan's index: answered earliest first, returned in order
    for index in sorted(range(len(scans)), key=lambda i: scans[i]["scanned_at"]):
        scan = scans[index]
        if scan["scanned_at"] > now + BATCH_FUTURE_LIMIT:
            # Refused, not stored (no check-in, no log): its answer says why.
            answers[index] = ScanAnswer(
                status=Status.SCANNED_IN_FUTURE, client_id=scan["client_id"], event_id=scan["event"]
            )
            continue
        try:
            answers[index] = checkin_scan(
                event=events[scan["event"]],
                code=scan["code"],
                client_id=scan["client_id"],
                scanned_at=scan["scanned_at"],
                method=Method.OFFLINE,
                scanned_by=scanned_by,
                device=scan.get("device") or device,
                gate=scan.get("gate") or gate,
                ip=ip,
                now=now,
            )
        except ValidationError:
            # A client_id already used for a scan at another event: a broken phone, not a reason
            # to refuse the scans around it. Answered invalid; nothing is written for it.
            answers[index] = ScanAnswer(status=Status.INVALID, client_id=scan["client_id"], event_id=scan["event"])
    return [answers[index] for index in range(len(scans))]  # every index was answered above
