"""Reads of check-in data (what each user may read is kepu/access.py's to say)."""

import functools
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import Count, Q, Sum
from rest_framework.authtoken.models import Token

from events.models import Event, Organizer
from kepu import phones, rawsql
from kepu.access import SCANNING_SIGNUP_STATUSES

from .models import Attendee, CheckIn, Headcount, Registration, ScanLog, counted_checkins

SEARCH_MIN_CHARS = 2  # a Chinese name is two or three characters
SEARCH_MIN_DIGITS = 4
SEARCH_LIMIT = 10


# --- one scan's reads, in one round trip ---------------------------------------------------------

# What a scan needs of the event: its association (who may scan), campaign and check-in window.
SCAN_EVENT_FIELDS = (
    "id",
    "association_id",
    "campaign_id",
    "starts_at",
    "ends_at",
    "checkin_opens_at",
    "checkin_closes_at",
    "status",  # a draft or cancelled event takes no check-ins
)
SCAN_REGISTRATION_FIELDS = ("id", "attendee_id", "event_id", "campaign_id", "revoked_at")
SCAN_ATTENDEE_FIELDS = ("id", "name", "category", "region_id", "association_id")


@dataclass(frozen=True)
class ScanLookup:
    """Everything answering one scan reads, fetched together: see `scan_lookup`."""

    event: Event | None  # None: no such event
    registration: Registration | None  # with its attendee loaded; None: no registration has the code
    live_checkin: tuple[int, datetime] | None  # the attendee's live check-in at the event: (id, scanned_at)
    answered: bool  # a scan with this client_id was answered before
    on_duty: bool | None  # the user has a scanning sign-up at the event; None when not asked
    token_user: User | None = None  # the token's user (organizer profile loaded); None: no such token or not asked


def code_candidates(code: str) -> list[str]:
    """The codes a scanned string may stand for; none for a string no code can be."""
    if not code or len(code) > 64:
        return []
    # Codes are upper-case base32; a code typed by hand in lower case still matches.
    return sorted({code, code.upper()}) if code.isascii() else [code]


_SCAN_ROWS = (
    rawsql.Row(Event, SCAN_EVENT_FIELDS, "e"),
    rawsql.Row(Registration, SCAN_REGISTRATION_FIELDS, "r"),
    rawsql.Row(Attendee, SCAN_ATTENDEE_FIELDS, "a"),
)
_LIVE_CHECKIN = rawsql.Row(CheckIn, ("id", "scanned_at"), "c")
# The token's user and organizer profile, as api.ScannerTokenAuthentication loads them.
TOKEN_USER_ROWS = (
    rawsql.Row(User, tuple(f.attname for f in User._meta.concrete_fields), "u"),
    rawsql.Row(Organizer, tuple(f.attname for f in Organizer._meta.concrete_fields), "o"),
)


@functools.cache
def _scan_lookup_sql(vendor: str, candidates: int, principal: str) -> str:
    """`principal`: "token" (the user comes from the token key, on duty if no organizer), "duty" (a known
    user who is no organizer: on duty?) or "none" (nothing to ask about the user)."""
    from volunteers.models import Shift, SignUp, Volunteer

    del vendor  # part of the cache key only: quoting is the backend's
    c = rawsql.column
    live = (
        f"FROM {rawsql.table(CheckIn)} c WHERE {c(CheckIn, 'event_id', 'c')} = {c(Event, 'id', 'e')} "
        f"AND {c(CheckIn, 'attendee_id', 'c')} = {c(Registration, 'attendee_id', 'r')} "
        f"AND {c(CheckIn, 'annulled_at', 'c')} IS NULL"
    )
    select = [column for row in _SCAN_ROWS for column in row.select()]
    select += [  # scalar subqueries: each an index lookup, whatever the planner thinks of the tables' sizes
        f"(SELECT {column} {live})" for column in _LIVE_CHECKIN.select()
    ]
    select.append(f"(SELECT 1 FROM {rawsql.table(ScanLog)} s WHERE {c(ScanLog, 'client_id', 's')} = %s)")
    on_duty = (
        f"EXISTS (SELECT 1 FROM {rawsql.table(SignUp)} su "
        f"JOIN {rawsql.table(Shift)} sh ON {c(Shift, 'id', 'sh')} = {c(SignUp, 'shift_id', 'su')} "
        f"JOIN {rawsql.table(Volunteer)} v ON {c(Volunteer, 'id', 'v')} = {c(SignUp, 'volunteer_id', 'su')} "
        f"WHERE {c(Shift, 'event_id', 'sh')} = {c(Event, 'id', 'e')} AND {c(Volunteer, 'user_id', 'v')} = {{user}} "
        f"AND {c(SignUp, 'status', 'su')} IN ({', '.join(['%s'] * len(SCANNING_SIGNUP_STATUSES))}))"
    )
    joins = ""
    if principal == "token":
        select += [column for row in TOKEN_USER_ROWS for column in row.select()]
        # Asked of organizers too (their answer is ignored): one statement text for every token.
        select.append(on_duty.format(user=c(User, "id", "u")))
        joins = (
            f"LEFT JOIN {rawsql.table(Token)} t ON {c(Token, 'key', 't')} = %s "
            f"LEFT JOIN {rawsql.table(User)} u ON {c(User, 'id', 'u')} = {c(Token, 'user_id', 't')} "
            f"LEFT JOIN {rawsql.table(Organizer)} o ON {c(Organizer, 'user_id', 'o')} = {c(User, 'id', 'u')} "
        )
    elif principal == "duty":
        select.append(on_duty.format(user="%s"))
    matches = f"{c(Registration, 'code', 'r')} IN ({', '.join(['%s'] * candidates)})" if candidates else "1 = 0"
    return (
        f"SELECT {', '.join(select)} FROM {rawsql.table(Event)} e {joins}"
        f"LEFT JOIN {rawsql.table(Registration)} r ON {matches} "
        f"LEFT JOIN {rawsql.table(Attendee)} a ON {c(Attendee, 'id', 'a')} = {c(Registration, 'attendee_id', 'r')} "
        f"WHERE {c(Event, 'id', 'e')} = %s ORDER BY {c(Registration, 'id', 'r')} LIMIT 1"
    )


def scan_lookup(
    *,
    event_id: int,
    code: str,
    client_id: UUID | None = None,
    user: User | AnonymousUser | None = None,
    token_key: str | None = None,
) -> ScanLookup:
    """The event, the code's registration and attendee, the attendee's live check-in at the event, whether
    `client_id` was answered before and (for a user who is no organizer) whether the user is on duty.

    With `token_key` instead of a `user`, the same statement also reads the token's user and organizer
    profile (`token_user`), as api.ScannerTokenAuthentication would: the scan endpoint authenticates
    with its lookup. An unknown event reads no user; ask the token on its own then.

    One statement where a scan once made five or six, written by hand (kepu/rawsql.py):
    the scan endpoint is bound by the CPU each query costs. A read only: the unique
    constraints still decide every race when the scan writes.
    """
    if token_key is not None:
        principal = "token"
    elif user is not None and user.is_authenticated and getattr(user, "organizer", None) is None:
        principal = "duty"
    else:
        principal = "none"
    candidates = code_candidates(code)
    params: list = [rawsql.db_value(ScanLog, "client_id", client_id)]
    if principal == "duty":
        assert user is not None  # "duty" is a signed-in user's
        params.append(user.pk)
    if principal != "none":
        params += SCANNING_SIGNUP_STATUSES
    if principal == "token":
        params.append(token_key)
    params += [*candidates, event_id]
    with connection.cursor() as cursor:
        cursor.execute(_scan_lookup_sql(connection.vendor, len(candidates), principal), params)
        row = cursor.fetchone()
    if row is None:
        return ScanLookup(event=None, registration=None, live_checkin=None, answered=False, on_duty=None)
    values = iter(row)
    event_row, registration_row, attendee_row = _SCAN_ROWS
    event, registration, attendee = event_row.load(values), registration_row.load(values), attendee_row.load(values)
    live = _LIVE_CHECKIN.load(values)
    answered = next(values) is not None
    token_user = None
    if principal == "token":
        user_row, organizer_row = TOKEN_USER_ROWS
        token_user, organizer = user_row.load(values), organizer_row.load(values)
        if token_user is not None:
            User.organizer.related.set_cached_value(token_user, organizer)  # None: no organizer, no query later
            if organizer is not None:
                organizer.user = token_user
    on_duty = bool(next(values)) if principal != "none" else None
    if registration is not None and attendee is not None:  # a registration always has its attendee
        registration.attendee = attendee
    return ScanLookup(
        event=event,
        registration=registration,
        live_checkin=(live.id, live.scanned_at) if live is not None else None,
        answered=answered,
        on_duty=on_duty,
        token_user=token_user,
    )


mask_phone = phones.mask_phone


def attendees_search(*, event: Event, query: str) -> list[dict]:
    """People registered for the event (or its campaign) matching a few characters of name or phone.

    Needs at least two characters of a name or four digits of a phone, answers
    at most ten people, with masked phones: the door never lists everyone.
    """
    query = query.strip()
    digits = query.lstrip("+")
    if digits.isdigit():
        if len(digits) < SEARCH_MIN_DIGITS:
            return []
        match = Q(attendee__phone__contains=digits)
    else:
        if len(query) < SEARCH_MIN_CHARS:
            return []
        match = Q(attendee__name__icontains=query)
    for_event = Q(event_id=event.id)
    if event.campaign_id:
        for_event |= Q(campaign_id=event.campaign_id)
    registrations = (
        Registration.objects.filter(for_event, match, revoked_at__isnull=True)
        .select_related("attendee")
        .order_by("attendee__name", "id")[:SEARCH_LIMIT]
    )
    checked_in = set(
        CheckIn.objects.filter(
            event=event, annulled_at__isnull=True, attendee_id__in=[r.attendee_id for r in registrations]
        ).values_list("attendee_id", flat=True)
    )
    return [
        {
            "name": r.attendee.name,
            "phone": mask_phone(r.attendee.phone),
            "category": r.attendee.category,
            "code": r.code,
            "checked_in": r.attendee_id in checked_in,
        }
        for r in registrations
    ]


def event_counts(*, event: Event) -> dict:
    """Live counts for the door and the organizer: identified check-ins (by method) and headcounts, kept apart."""
    by_method = dict(
        CheckIn.objects.filter(counted_checkins(), event=event)
        .values_list("method")
        .annotate(n=Count("id"))
        .values_list("method", "n")
    )
    headcounts = Headcount.objects.filter(event=event).aggregate(total=Sum("count"), entries=Count("id"))
    checked_in = sum(by_method.values())
    return {
        "event": event.id,
        "checked_in": checked_in,
        "by_method": by_method,
        "registered": Registration.objects.filter(event=event, revoked_at__isnull=True).count(),
        "headcount": headcounts["total"] or 0,
        "headcount_entries": headcounts["entries"],
        "person_times": checked_in + (headcounts["total"] or 0),
        # Self check-ins held for an organizer's review: recorded, counted above once accepted.
        "awaiting_review": CheckIn.objects.filter(event=event, awaiting_review=True).count(),
        "failed_scans": ScanLog.objects.filter(
            event=event,
            status__in=[
                ScanLog.Status.INVALID,
                ScanLog.Status.WRONG_EVENT,
                ScanLog.Status.REVOKED,
                ScanLog.Status.OUTSIDE_WINDOW,
            ],
        ).count(),
    }


def attendee_of_association(*, attendee_id: int, association_id: int) -> Attendee | None:
    return Attendee.objects.filter(id=attendee_id, association_id=association_id).first()
