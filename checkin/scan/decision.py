"""The rules of the door: what a scan's answer is, given what was read. No database here: `decide` and the rules it
uses look only at the instances and values they are given, so tests call them without one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.utils.dateparse import parse_datetime

from checkin.models import Attendee, CheckIn, Registration, ScanLog
from events.models import Event

Status = ScanLog.Status
Method = CheckIn.Method

# A phone clock this far ahead of the server is flagged; the scan still counts.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class Scan:
    """One scan as the scanner sent it (validated by the endpoint; the code stripped, device and gate cut)."""

    event: Event
    code: str
    client_id: UUID
    scanned_at: datetime  # the phone's time; only an offline scan keeps it (see `decide`)
    method: str = Method.STAFF_SCAN
    scanned_by_id: int | None = None
    device: str = ""
    gate: str = ""
    ip: str | None = None


@dataclass(frozen=True)
class ScanAnswer:
    """What a scanner is told: the status, who it was and when they first checked in."""

    status: str
    client_id: UUID | None
    event_id: int
    attendee_name: str = ""
    attendee_category: str = ""
    checkin_id: int | None = None
    checked_in_at: datetime | None = None  # the first (live) check-in's scan time
    flagged: bool = False
    replayed: bool = False

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "event": self.event_id,
            "attendee": {"name": self.attendee_name, "category": self.attendee_category}
            if self.attendee_name
            else None,
            "checkin": self.checkin_id,
            "checked_in_at": self.checked_in_at.isoformat() if self.checked_in_at else None,
            "flagged": self.flagged,
        }

    @classmethod
    def from_log(cls, log: ScanLog) -> "ScanAnswer":
        stored = log.answer
        attendee = stored.get("attendee") or {}
        return cls(
            status=stored["status"],
            client_id=log.client_id,
            event_id=stored["event"],
            attendee_name=attendee.get("name", ""),
            attendee_category=attendee.get("category", ""),
            checkin_id=stored.get("checkin"),
            checked_in_at=parse_datetime(stored["checked_in_at"]) if stored.get("checked_in_at") else None,
            flagged=stored.get("flagged", False),
            replayed=True,
        )


@dataclass(frozen=True)
class Decision:
    """A scan's outcome and what to write for it (see writer.write_scan)."""

    answer: ScanAnswer  # for `ok`, the check-in's id is the write's to give
    scanned_at: datetime  # the time recorded: the server's for an online scan, the phone's for an offline one
    registration: Registration | None  # logged with the scan; None when the code names nobody of the association
    attendee: Attendee | None  # whom an `ok` checks in

    @property
    def status(self) -> str:
        return self.answer.status

    @property
    def writes_checkin(self) -> bool:
        """Only `ok` writes a check-in; every other outcome writes the log alone."""
        return self.answer.status == Status.OK


def decide(
    scan: Scan, *, registration: Registration | None, live_checkin: tuple[int, datetime] | None, now: datetime
) -> Decision:
    """The outcome of `scan`, given the code's registration (its attendee loaded; None if no registration has the
    code) and the attendee's live check-in at the event as (id, scanned_at), read at `now` on the server.

    In this order: a code of nobody in the event's association is `invalid`; a revoked registration `revoked`;
    a registration for another event (and not for the event's campaign) `wrong_event`; a scan outside the
    event's check-in window `outside_window`; an attendee checked in already `already_checked_in` (online:
    first come first served; offline: unless this scan was made earlier than that check-in); else `ok`.
    A phone clock more than FUTURE_TOLERANCE ahead of the server's flags the answer, whatever it is.

    An `ok` is the decision on what was read: the writer's unique constraint has the last word when a
    concurrent scan got there first.
    """
    event, method = scan.event, scan.method
    flagged = scan.scanned_at > now + FUTURE_TOLERANCE
    # Online, the server's clock decides: a phone whose clock runs behind must neither take over an earlier
    # check-in nor pass a window that has closed. Only offline batches carry their own times (the earliest of
    # them wins).
    scanned_at = scan.scanned_at if method == Method.OFFLINE else now
    attendee = registration.attendee if registration else None
    checkin_id, first_at = None, None
    if registration is None or registration.attendee.association_id != event.association_id:
        status, attendee, registration = Status.INVALID, None, None
    elif registration.revoked_at is not None:
        status = Status.REVOKED
    elif not registration_is_for(registration, event):
        status = Status.WRONG_EVENT
    elif not within_window(event, min(scanned_at, now)):
        status = Status.OUTSIDE_WINDOW
    elif live_checkin is not None and (method != Method.OFFLINE or scanned_at >= live_checkin[1]):
        # Checked in already (online: first come first served; offline: by a scan no later than this one):
        # nothing to write but the log.
        status = Status.ALREADY
        checkin_id, first_at = live_checkin
    else:
        status, first_at = Status.OK, scanned_at
    answer = ScanAnswer(
        status=status,
        client_id=scan.client_id,
        event_id=event.id,
        attendee_name=attendee.name if attendee else "",
        attendee_category=attendee.category if attendee else "",
        checkin_id=checkin_id,
        checked_in_at=first_at,
        flagged=flagged,
    )
    return Decision(answer=answer, scanned_at=scanned_at, registration=registration, attendee=attendee)


def registration_is_for(registration: Registration, event: Event) -> bool:
    """A registration admits to its event, or to every event of its campaign."""
    return registration.event_id == event.id or (
        registration.campaign_id is not None and registration.campaign_id == event.campaign_id
    )


def within_window(event: Event, moment: datetime) -> bool:
    """Whether the event takes check-ins at that moment: a draft or cancelled event never does."""
    if event.status not in (Event.Status.PUBLISHED, Event.Status.DONE):
        return False
    opens, closes = event.checkin_window
    return opens <= moment <= closes
