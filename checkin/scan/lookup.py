"""What a scan reads: the event, the code's registration and attendee, the attendee's live check-in, an earlier
answer to the same `client_id`, whether the scanner is on duty, and (for a token scan) the token's user.
One statement (`scan_lookup`), written by hand (kepu/rawsql.py).

Also the one loader of scanner tokens: `token_with_user` for a request that is not a scan, and the same rows
and joins inside `scan_lookup` for a scan; both load the user and the organizer profile alike (`_TOKEN_USER`).
"""

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from rest_framework.authtoken.models import Token

from checkin.models import Attendee, CheckIn, Registration, ScanLog
from events.models import Event, Organizer
from kepu import rawsql
from kepu.access import SCANNING_SIGNUP_STATUSES

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


# --- scanner tokens ------------------------------------------------------------------------------

_TOKEN = rawsql.Row(Token, ("key", "user_id", "created"), "t")
# The token's user and organizer profile, as select_related would load them.
_TOKEN_USER = (
    rawsql.Row(User, tuple(f.attname for f in User._meta.concrete_fields), "u"),
    rawsql.Row(Organizer, tuple(f.attname for f in Organizer._meta.concrete_fields), "o"),
)


def _token_user_joins(user_join: str) -> str:
    """The joins from the token (alias t) to its user (u) and the user's organizer profile (o)."""
    c = rawsql.column
    return (
        f"{user_join} {rawsql.table(User)} u ON {c(User, 'id', 'u')} = {c(Token, 'user_id', 't')} "
        f"LEFT JOIN {rawsql.table(Organizer)} o ON {c(Organizer, 'user_id', 'o')} = {c(User, 'id', 'u')} "
    )


def _load_token_user(values: Iterator) -> User | None:
    """The user and organizer profile from the next columns of `values` (see `_TOKEN_USER`)."""
    user_row, organizer_row = _TOKEN_USER
    user, organizer = user_row.load(values), organizer_row.load(values)
    if user is not None:
        User.organizer.related.set_cached_value(user, organizer)  # None: known to be no organizer, no query later
        if organizer is not None:
            organizer.user = user
    return user


@functools.cache
def _token_sql(vendor: str) -> str:
    del vendor  # part of the cache key only: quoting is the backend's
    select = _TOKEN.select() + [column for row in _TOKEN_USER for column in row.select()]
    return (
        f"SELECT {', '.join(select)} FROM {rawsql.table(Token)} t {_token_user_joins('JOIN')}"
        f"WHERE {rawsql.column(Token, 'key', 't')} = %s"
    )


def token_with_user(key: str) -> Token | None:
    """The token, its user and the user's organizer profile (or its absence), as select_related would load them.

    Hand-written: on the door's endpoints the ORM's compilation of this query cost as much CPU as the rest of
    the lookup. A scan reads the same rows inside `scan_lookup` instead.
    """
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    token = _TOKEN.load(values)
    user = _load_token_user(values)
    # The WHERE matched the token's key and the join to its user is an inner one: neither is NULL.
    assert token is not None and user is not None
    token.user = user
    return token


# --- one scan's reads, in one round trip ---------------------------------------------------------

_SCAN_ROWS = (
    rawsql.Row(Event, SCAN_EVENT_FIELDS, "e"),
    rawsql.Row(Registration, SCAN_REGISTRATION_FIELDS, "r"),
    rawsql.Row(Attendee, SCAN_ATTENDEE_FIELDS, "a"),
)
_LIVE_CHECKIN = rawsql.Row(CheckIn, ("id", "scanned_at"), "c")


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
        select += [column for row in _TOKEN_USER for column in row.select()]
        # Asked of organizers too (their answer is ignored): one statement text for every token.
        select.append(on_duty.format(user=c(User, "id", "u")))
        joins = f"LEFT JOIN {rawsql.table(Token)} t ON {c(Token, 'key', 't')} = %s {_token_user_joins('LEFT JOIN')}"
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
    profile (`token_user`), as `token_with_user` would: the scan endpoint authenticates with its
    lookup. An unknown event reads no user; ask `token_with_user` then.

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
        assert user is not None  # "duty" is chosen for a signed-in user only
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
    token_user = _load_token_user(values) if principal == "token" else None
    on_duty = bool(next(values)) if principal != "none" else None
    if registration is not None:
        assert attendee is not None  # a registration's attendee is a NOT NULL foreign key: the join finds it
        registration.attendee = attendee
    return ScanLookup(
        event=event,
        registration=registration,
        live_checkin=(live.id, live.scanned_at) if live is not None else None,
        answered=answered,
        on_duty=on_duty,
        token_user=token_user,
    )
