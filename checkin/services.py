"""Writes of check-in: registrations and their codes, self check-ins, annulments, reviews, paper lists and
headcounts. A scanned code (online or in an offline batch) is checkin/scan/'s, whose writer these use too.

The rule that holds everything together: one live check-in per attendee and
event, decided by the partial unique constraint `checkin_once_per_event`, never
by a read-then-write (checkin/scan/writer.py). Every attempt is written to the
ScanLog. Nothing here waits for the broker.
"""

import base64
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Campaign, Event, Organization, Region
from events.selectors import PlaceNames
from kepu import phones, spreadsheets
from kepu.text import clean_name
from stats import services as stats_services

from .messages import notify_registration
from .models import Attendee, CheckIn, Headcount, PosterCode, Registration, ScanLog
from .scan.decision import FUTURE_TOLERANCE, registration_is_for, within_window
from .scan.lookup import code_candidates
from .scan.writer import after_checkin, check_in

Status = ScanLog.Status
Method = CheckIn.Method

# A scanner may annul its own mistaken check-in for this long.
ANNUL_WITHIN = timedelta(minutes=15)
# A headcount is of a crowd, not a county: at most this many, and at most HEADCOUNT_CAPACITY_FACTOR × the
# event's capacity where it has one (people stand around an open-air stand, but not ten deep).
HEADCOUNT_MAX = 100_000
HEADCOUNT_CAPACITY_FACTOR = 10
LIMIT_KEY_PREFIX = "checkin:self:"  # cache keys of the self check-in limits (settings.CHECKIN_SELF_*)


def new_code() -> str:
    """A registration code: 128 random bits in upper-case base32 (26 characters).

    Upper-case base32 fits the QR alphanumeric mode, so the QR stays at
    version 2 (25×25 modules), which a cheap phone camera reads from afar.
    """
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")


def new_poster_code() -> str:
    return secrets.token_urlsafe(9)  # 72 bits: guessing it only lets one check oneself in


# --- attendees and registrations ---------------------------------------------------------------


def normalize_phone(phone: str) -> str:
    """E.164 for an attendee's phone ("13812345678" → "+8613812345678"); "" stays "". Raises ValidationError."""
    return phones.normalize_phone(phone) if (phone or "").strip() else ""


TALLIED_ATTENDEE_FIELDS = ("category", "region")  # copied onto the attendee's check-ins


@transaction.atomic
def attendee_save(*, attendee: Attendee, fields: Iterable[str] | None = None) -> Attendee:
    """Save an attendee's changes (`fields`, or all); a new category or home region reaches their check-ins.

    The check-ins carry a copy of both (CheckIn.attendee_category), which the tallies group by: the copy
    follows the attendee, and the events whose check-ins changed are tallied again.
    """
    fields = list(fields) if fields is not None else None
    attendee.save(update_fields=fields)
    if fields is not None and not set(fields) & set(TALLIED_ATTENDEE_FIELDS):
        return attendee
    checkins = CheckIn.objects.filter(attendee=attendee)
    copy = (attendee.category, attendee.region_id)
    stale_events = {
        event_id
        for event_id, *copied in checkins.values_list("event_id", "attendee_category", "attendee_region_id")
        if tuple(copied) != copy
    }
    if stale_events:
        checkins.update(attendee_category=attendee.category, attendee_region_id=attendee.region_id)
        for event_id in sorted(stale_events):
            stats_services.tally_request(event_id=event_id)
    return attendee


def attendee_copies_repair(
    *, event_ids: Iterable[int] | None = None, attendee_ids: Iterable[int] | None = None
) -> set[int]:
    """Set the copy of the attendee's category and home region on the live check-ins where it is not the
    attendee's (of these events, or of these attendees); returns the events whose check-ins changed.

    attendee_save keeps the copies in step, but a scan that read the attendee just before an edit
    committed writes the old copy just after it, and nothing would change it again: the nightly
    recompute calls this (stats.services.tally_drain) and then tallies the events again. One
    set-based UPDATE; a stale copy is rare, so it mostly finds nothing.
    """
    if event_ids is None and attendee_ids is None:
        raise ValueError("attendee_copies_repair: give the events or the attendees")
    checkins = connection.ops.quote_name(CheckIn._meta.db_table)
    attendees = connection.ops.quote_name(Attendee._meta.db_table)
    # Null-safe inequality: PostgreSQL spells it IS DISTINCT FROM, SQLite IS NOT.
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    where, params = [], []
    for column, ids in (("event_id", event_ids), ("attendee_id", attendee_ids)):
        if ids is not None:
            listed = list(ids)
            if not listed:
                return set()
            where.append(f"{checkins}.{column} IN ({', '.join(['%s'] * len(listed))})")
            params += listed
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {checkins} SET attendee_category = a.category, attendee_region_id = a.region_id "
            f"FROM {attendees} a WHERE a.id = {checkins}.attendee_id AND {checkins}.annulled_at IS NULL "
            f"AND ({checkins}.attendee_category {differs} a.category "
            f"OR {checkins}.attendee_region_id {differs} a.region_id) AND {' AND '.join(where)} "
            f"RETURNING {checkins}.event_id",
            params,
        )
        return {event_id for (event_id,) in cursor.fetchall()}


def attendee_find_or_create(
    *,
    association_id: int,
    name: str,
    phone: str = "",
    category: str = "",
    region: Region | None = None,
    school: Organization | None = None,
) -> Attendee:
    """The attendee with this phone number in the association, else a new one.

    Only a phone number joins two records into one person: a name, even with a village or school, is no
    identity (a county school has two pupils called 张伟). A found attendee keeps their name; the village
    or school they lack is filled in (callers are organizers; self check-in has its own rule).
    """
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter the person's name.")
    elif len(name) > 50:
        errors["name"] = _("The name is too long (at most 50 characters).")
    if category and category not in Attendee.Category.values:
        errors["category"] = _("Unknown category “%(value)s”.") % {"value": category}
    if school is not None and school.association_id != association_id:
        errors["school"] = _("This belongs to another association.")
    if errors:
        raise ValidationError(errors)
    phone = normalize_phone(phone)
    existing = _attendee_with_phone(association_id=association_id, phone=phone) if phone else None
    if existing is not None:
        changed = []
        for attr, value in (("region", region), ("school", school)):
            if value and not getattr(existing, attr):
                setattr(existing, attr, value)
                changed.append(attr)
        if changed:
            attendee_save(attendee=existing, fields=changed)
        return existing
    return Attendee.objects.create(
        association_id=association_id,
        name=name,
        phone=phone,
        category=category or Attendee.Category.RESIDENT,
        region=region,
        school=school,
    )


def _attendee_with_phone(*, association_id: int, phone: str) -> Attendee | None:
    """The association's attendee with this (normalized) phone number: the first recorded, if several."""
    return Attendee.objects.filter(association_id=association_id, phone=phone).order_by("id").first()


@transaction.atomic
def registration_create(
    *,
    attendee: Attendee | None = None,
    event: Event | None = None,
    campaign: Campaign | None = None,
    **attendee_fields: Any,
) -> Registration:
    """Register an attendee (an existing one, or found/created from name, phone…) for an event or a campaign.

    Registering someone already registered returns the live registration, so
    importing the same list twice creates nothing new.
    """
    return _registration_get_or_create(attendee=attendee, event=event, campaign=campaign, **attendee_fields)[0]


def _registration_get_or_create(
    *, attendee: Attendee | None, event: Event | None, campaign: Campaign | None, **attendee_fields: Any
) -> tuple[Registration, bool]:
    if (event is None) == (campaign is None):
        raise ValidationError({"event": _("Register for exactly one event or one campaign.")})
    owner = event or campaign
    assert owner is not None  # exactly one of them, checked above
    association_id = owner.association_id
    if attendee is None:
        attendee = attendee_find_or_create(association_id=association_id, **attendee_fields)
    elif attendee.association_id != association_id:
        raise ValidationError({"attendee": _("This belongs to another association.")})
    live = Registration.objects.filter(attendee=attendee, event=event, campaign=campaign, revoked_at__isnull=True)
    if existing := live.first():
        return existing, False
    registration = Registration.objects.create(attendee=attendee, event=event, campaign=campaign, code=new_code())
    notify_registration(registration=registration)  # recorded with the registration, sent after commit
    return registration, True


@transaction.atomic
def registration_revoke(*, registration: Registration, now: datetime | None = None) -> Registration:
    """Revoke a registration: its code then scans as `revoked`. Check-ins already made stay."""
    if registration.revoked_at is None:
        registration.revoked_at = now or timezone.now()
        registration.save(update_fields=["revoked_at"])
    return registration


# Column headings accepted in an imported list (Chinese, either script, or English).
IMPORT_COLUMNS = {
    "name": spreadsheets.NAME_HEADINGS,
    "phone": spreadsheets.PHONE_HEADINGS,
    "category": ("类别", "類別", "身份", "category"),
    "region": spreadsheets.PLACE_HEADINGS,
    "school": spreadsheets.SCHOOL_HEADINGS,
}
CATEGORY_WORDS = {
    "农民": "farmer",
    "農民": "farmer",
    "学生": "student",
    "學生": "student",
    "居民": "resident",
    "干部": "cadre",
    "幹部": "cadre",
    "教师": "teacher",
    "教師": "teacher",
    "老师": "teacher",
    "老師": "teacher",
    "其他": "other",
}


@dataclass
class ImportResult:
    created: list[Registration] = field(default_factory=list)
    existing: list[Registration] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # rows imported, with something for the organizer to check
    # Each row as imported: (row number, its registration, whether this import made it), in the file's order.
    rows: list[tuple[int, Registration, bool]] = field(default_factory=list)


# The Personal Information Protection Law: people on an imported list must have agreed to their data being kept,
# and the organizer who uploads it says so.
CONSENT_REQUIRED_MESSAGE = _(
    "Confirm that the people on the list agreed to their names and phone numbers being kept for the "
    "association's events before importing it."
)


@transaction.atomic
def registrations_import(
    *,
    event: Event,
    file: Any,
    consent_confirmed: bool,
    category: str = "",
    school: Organization | None = None,
) -> ImportResult:
    """Register a class or village list from an Excel sheet or a CSV file (first sheet, a heading row,
    one person a row), read by `kepu.spreadsheets` within its limits.

    All or nothing: if a row is wrong nothing is imported and every wrong row is
    named (`spreadsheets.ImportRefused`). Importing the same list again registers nobody twice.

    A row with a phone number is the attendee with that number. A row without one is a person of its
    own: it takes one of this event's registrations of the same name, village and school that no
    earlier row took (so a second import of the list matches the first), else a new attendee. Two rows
    of one name are two people, and the report's notes say so for the organizer to confirm.

    `consent_confirmed`: the organizer confirms the people's consent; refused (ValidationError) without it.
    """
    if not consent_confirmed:
        raise ValidationError({"consent_confirmed": CONSENT_REQUIRED_MESSAGE})
    table = spreadsheets.read_table(file, headings=IMPORT_COLUMNS, required=("name",))
    if len(table.rows) > 2000:
        raise ValidationError({"file": _("At most 2,000 people per file.")})
    places = PlaceNames(event.association.region)
    schools = {o.name: o for o in Organization.objects.filter(association_id=event.association_id)}
    phoneless = _phoneless_attendees(event)
    first_row_of: dict[str, int] = {}
    result = ImportResult()

    def register(row: spreadsheets.Row) -> None:
        row_category = table.cell(row, "category")
        row_category = CATEGORY_WORDS.get(row_category, row_category.lower()) if row_category else category
        region_name, school_name = table.cell(row, "region"), table.cell(row, "school")
        row_school = schools.get(school_name) if school_name else school
        problems = []
        region = None
        if region_name:
            try:
                region = places.find(region_name)
            except ValidationError as unknown:  # none, or several villages of that name: the town is needed
                problems.extend(unknown.messages)
        if school_name and row_school is None:
            problems.append(_("unknown school “%(name)s”") % {"name": school_name})
        if problems:
            raise ValidationError(problems)
        name, phone = clean_name(table.cell(row, "name")), table.cell(row, "phone")
        registration, created = _registration_get_or_create(
            attendee=None if phone else _take(phoneless, (name, region, row_school)),
            event=event,
            campaign=None,
            name=name,
            phone=phone,
            category=row_category,
            region=region,
            school=row_school,
        )
        (result.created if created else result.existing).append(registration)
        result.rows.append((row.number, registration, created))
        name = registration.attendee.name
        if created and name in first_row_of:
            result.notes.append(
                _(
                    "Row %(row)d: same name as row %(first)d, registered as another person; "
                    "if it is the same person, correct the list."
                )
                % {"row": row.number, "first": first_row_of[name]}
            )
        first_row_of.setdefault(name, row.number)

    spreadsheets.import_rows(table, register)
    return result


PhonelessKey = tuple[str, Region | None, Organization | None]


def _phoneless_attendees(event: Event) -> dict[PhonelessKey, list[Attendee]]:
    """The event's registered attendees without a phone number, by name, village and school, oldest first."""
    found: dict[PhonelessKey, list[Attendee]] = {}
    registrations = (
        Registration.objects.filter(event=event, revoked_at__isnull=True, attendee__phone="")
        .select_related("attendee__region", "attendee__school")
        .order_by("id")
    )
    for registration in registrations:
        attendee = registration.attendee
        found.setdefault((attendee.name, attendee.region, attendee.school), []).append(attendee)
    return found


def _take(phoneless: dict[PhonelessKey, list[Attendee]], key: PhonelessKey) -> Attendee | None:
    """The next registered attendee of this name, village and school no earlier row took; None: a new person."""
    waiting = phoneless.get(key)
    return waiting.pop(0) if waiting else None


# --- annulments, reviews and paper lists (a scan is checkin/scan/) ------------------------------


def _log_attempt(*, event_id: int, status: str, checkin_id: int | None, **fields: Any) -> ScanLog:
    """Log a check-in that did not come from a code scan (annulment, paper list, self check-in)."""
    answer = {"status": status, "event": event_id, "checkin": checkin_id}
    return ScanLog.objects.create(event_id=event_id, status=status, checkin_id=checkin_id, answer=answer, **fields)


def _registration_by_code(code: str) -> Registration | None:
    candidates = code_candidates(code)
    if not candidates:
        return None
    return (
        Registration.objects.select_related("attendee")
        .only(
            "id",
            "event_id",
            "campaign_id",
            "revoked_at",
            "attendee__id",
            "attendee__name",
            "attendee__category",
            "attendee__association_id",
        )
        .filter(code__in=candidates)
        .order_by("id")
        .first()
    )


@transaction.atomic
def checkin_annul(*, checkin: CheckIn, user: AbstractBaseUser, now: datetime | None = None) -> CheckIn:
    """Annul a mistaken check-in: only by the one who scanned it, within 15 minutes. Kept, marked annulled."""
    now = now or timezone.now()
    if checkin.annulled_at is not None:
        return checkin
    if checkin.scanned_by_id != user.pk:
        raise ValidationError({"checkin": _("Only the person who scanned this check-in may annul it.")})
    if now - checkin.received_at > ANNUL_WITHIN:
        raise ValidationError({"checkin": _("A check-in can only be annulled within 15 minutes.")})
    updated = CheckIn.objects.filter(id=checkin.id, annulled_at__isnull=True).update(annulled_at=now, annulled_by=user)
    checkin.refresh_from_db()
    if updated:
        _log_attempt(
            event_id=checkin.event_id,
            status=Status.ANNULLED,
            checkin_id=checkin.id,
            registration_id=checkin.registration_id,
            method=checkin.method,
            scanned_at=now,
            scanned_by=user,
            device=checkin.device,
            gate=checkin.gate,
        )
        after_checkin(checkin.event)
    return checkin


@dataclass(frozen=True)
class EntryResult:
    status: str  # "ok" or "already_checked_in"
    attendee: Attendee
    checkin_id: int


@transaction.atomic
def checkins_enter_from_list(
    *,
    event: Event,
    entries: Iterable[dict],
    method: str = Method.PAPER,
    entered_by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> list[EntryResult]:
    """Attendance written on a paper sign-in sheet (or known otherwise), entered by an organizer.

    Each entry names a person (name, phone, category, region, school) or a
    registration `code`; people already checked in are not counted again. All
    or nothing: one wrong entry and nothing is saved.
    """
    if method not in (Method.PAPER, Method.MANUAL):
        raise ValidationError({"method": _("Use “paper” or “manual”.")})
    now = now or timezone.now()
    results, errors = [], []
    for index, entry in enumerate(entries):
        entry = dict(entry)
        scanned_at = entry.pop("checked_in_at", None) or event.starts_at
        code = entry.pop("code", "")
        registration = None
        try:
            if code:
                registration = _registration_by_code(code)
                if registration is None or registration.attendee.association_id != event.association_id:
                    raise ValidationError({"code": _("No registration has this code.")})
                if registration.revoked_at is not None:
                    raise ValidationError({"code": _("This registration was revoked.")})
                if not registration_is_for(registration, event):
                    raise ValidationError({"code": _("This registration is for another event.")})
                attendee = registration.attendee
            else:
                attendee = attendee_find_or_create(association_id=event.association_id, **entry)
        except ValidationError as error:
            errors.append(
                _("Entry %(number)d: %(problems)s")
                % {"number": index + 1, "problems": "; ".join(m for ms in error.message_dict.values() for m in ms)}
            )
            continue
        status, checkin_id, _first = check_in(
            event_id=event.id,
            attendee=attendee,
            now=now,
            earliest_wins=False,  # a sheet's time is approximate: a scan made at the door stands
            registration_id=registration.id if registration else None,
            method=method,
            client_id=UUID(bytes=secrets.token_bytes(16), version=4),
            scanned_at=scanned_at,
            scanned_by_id=entered_by.pk if entered_by else None,
            device="",
            gate="",
            flagged=False,
        )
        _log_attempt(
            event_id=event.id,
            status=status,
            checkin_id=checkin_id,
            code=code[:64],
            registration=registration,
            method=method,
            scanned_at=scanned_at,
            scanned_by=entered_by,
        )
        results.append(EntryResult(status=status, attendee=attendee, checkin_id=checkin_id))
    if errors:
        raise ValidationError({"entries": errors})
    after_checkin(event)
    return results


@transaction.atomic
def headcount_record(
    *,
    event: Event,
    count: int,
    counted_at: datetime | None = None,
    note: str = "",
    recorded_by: User | None = None,
    now: datetime | None = None,
) -> Headcount:
    """A counted crowd (people not identified one by one); tallied as person-times apart from check-ins.

    A count is 1…HEADCOUNT_MAX, and at most HEADCOUNT_CAPACITY_FACTOR × the event's capacity where it has
    one; it is counted on the event's day(s) in the county's time zone, and not in the future.
    """
    now = now or timezone.now()
    counted_at = counted_at or now
    errors = {}
    if count is None or count < 1:
        errors["count"] = _("Count at least one person.")
    elif count > HEADCOUNT_MAX:
        errors["count"] = _("A headcount is at most %(max)s people.") % {"max": f"{HEADCOUNT_MAX:,}"}
    elif event.capacity and count > HEADCOUNT_CAPACITY_FACTOR * event.capacity:
        errors["count"] = _("At most %(max)s people: ten times the event's capacity of %(capacity)s.") % {
            "max": f"{HEADCOUNT_CAPACITY_FACTOR * event.capacity:,}",
            "capacity": f"{event.capacity:,}",
        }
    first_day, last_day = timezone.localdate(event.starts_at), timezone.localdate(event.ends_at)
    if counted_at > now + FUTURE_TOLERANCE:
        errors["counted_at"] = _("The count cannot be in the future.")
    elif not first_day <= timezone.localdate(counted_at) <= last_day:
        errors["counted_at"] = _("Count the people on the day of the event (%(day)s).") % {
            "day": first_day.isoformat() if first_day == last_day else f"{first_day.isoformat()}–{last_day.isoformat()}"
        }
    if errors:
        raise ValidationError(errors)
    headcount = Headcount.objects.create(
        event=event, count=count, counted_at=counted_at, note=note[:200], recorded_by=recorded_by
    )
    after_checkin(event)
    return headcount


# --- self check-in -----------------------------------------------------------------------------
#
# Who a self check-in is for. The page is open to anyone holding the poster's link, so it must neither
# tell them about other people's records nor let them change one:
#
# - the person this phone remembers (a signed cookie set by their own earlier self check-in);
# - else the person whose details were entered. An attendee with the same phone number *and* the same
#   name is that person; nothing of their record changes. A phone number that belongs to an attendee of
#   another name (a relative's phone, a typo, or someone trying numbers) makes a new attendee with the
#   name, village and category entered but without the number, which stays that one person's; the check-in
#   waits for an organizer (flag phone_conflict, with the attendee the number belongs to) to accept it or
#   merge the two. Without a phone number, a new attendee: a name is no identity.
# - The answer shows only what was entered (or what this phone remembers), never a stored name or number.
#
# Limits (settings.CHECKIN_SELF_*, counted in the cache, which is Redis in production): people per device
# and event, attempts per network address and event, self check-ins per event. The device is a signed
# random id in a cookie; a client that sends none is a new device every time, but still counted per
# address and per event. Past a limit the check-in is refused with a message saying which.
#
# Flags (CheckIn.Flag): a self check-in over the burst threshold (per address or per event), far from a
# venue with coordinates or with no location from the phone, or with a phone conflict, is recorded but
# held for review (CheckIn.awaiting_review): the figures leave it out until an organizer accepts it
# (checkin_review). Never refused for its location: cheap phones and indoor halls often have no fix.


class SelfCheckInRefused(Exception):
    def __init__(self, code: str, limit: int | None = None):
        super().__init__(code)
        self.code = code  # "retired", "outside_window", "too_many" (this device), "too_many_ip", "too_many_event"
        self.limit = limit  # the limit reached, for the message


def poster_code_for(*, event: Event) -> PosterCode:
    """The event's live poster code, made on first use."""
    live = PosterCode.objects.filter(event=event, retired_at__isnull=True).first()
    if live:
        return live
    try:
        with transaction.atomic():
            return PosterCode.objects.create(event=event, code=new_poster_code())
    except IntegrityError:  # another request made it first
        return PosterCode.objects.get(event=event, retired_at__isnull=True)


@transaction.atomic
def poster_code_rotate(*, event: Event, now: datetime | None = None) -> PosterCode:
    """Retire the printed poster's code (e.g. a photo of it went round) and make a new one."""
    PosterCode.objects.filter(event=event, retired_at__isnull=True).update(retired_at=now or timezone.now())
    return PosterCode.objects.create(event=event, code=new_poster_code())


def _allow(key: str, limit: int, timeout: int) -> bool:
    """Count one use of `key` in the cache (Redis in production); False past `limit`."""
    return _count(key, timeout) <= limit


def _count(key: str, timeout: int) -> int:
    """Add one to a counter in the cache that lives `timeout` seconds from its first use; its new value."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


EARTH_RADIUS_METERS = 6_371_000


def distance_meters(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(math.sqrt(min(1.0, h)))


def _location_flags(event: Event, location: tuple[float, float] | None) -> list[str]:
    venue = event.venue
    if venue.latitude is None or venue.longitude is None:
        return []  # nothing to compare with: the venue's place is not known
    if location is None:
        return [CheckIn.Flag.NO_LOCATION]
    if distance_meters(location, (float(venue.latitude), float(venue.longitude))) > settings.CHECKIN_SELF_RADIUS_METERS:
        return [CheckIn.Flag.FAR_FROM_VENUE]
    return []


@dataclass(frozen=True)
class SelfCheckIn:
    status: str  # "ok" or "already_checked_in"
    attendee: Attendee  # the person entered (or remembered): the page shows their name and nothing stored
    checked_in_at: datetime
    awaiting_review: bool = False  # recorded, but counted once an organizer accepts it


def _self_checkin_attendee(*, association_id: int, **fields: Any) -> tuple[Attendee, Attendee | None]:
    """The attendee a filled-in form stands for, and the attendee whose phone number was entered with another
    name (None if no conflict). See the rule above."""
    name = (fields.get("name") or "").strip()
    phone = normalize_phone(fields.get("phone", ""))  # a bad number: ValidationError on the field
    owner = _attendee_with_phone(association_id=association_id, phone=phone) if phone and name else None
    if owner is not None and owner.name == name:
        return owner, None
    new = attendee_find_or_create(
        association_id=association_id, **{**fields, "phone": "" if owner is not None else phone}
    )
    return new, owner


def self_checkin(
    *,
    poster: PosterCode,
    device_id: str,
    ip: str | None,
    attendee: Attendee | None = None,
    location: tuple[float, float] | None = None,
    now: datetime | None = None,
    **attendee_fields: Any,
) -> SelfCheckIn:
    """Check oneself in from the poster: the remembered `attendee`, or the person entered (name, phone,
    category, region), as the rule above says; `location` is the phone's (latitude, longitude), if it gave
    one. Raises SelfCheckInRefused (a limit, a retired poster, outside the window) or ValidationError."""
    now = now or timezone.now()
    event = poster.event
    if poster.retired_at is not None:
        raise SelfCheckInRefused("retired")
    if not within_window(event, now):
        raise SelfCheckInRefused("outside_window")
    prefix = f"{LIMIT_KEY_PREFIX}{event.id}:"
    if not _allow(f"{prefix}ip:{ip}", settings.CHECKIN_SELF_PER_IP, settings.CHECKIN_SELF_IP_WINDOW_SECONDS):
        raise SelfCheckInRefused("too_many_ip", settings.CHECKIN_SELF_PER_IP)
    # One transaction: a check-in refused below leaves no attendee behind either.
    with transaction.atomic():
        conflict = None
        if attendee is None or attendee.association_id != event.association_id:
            attendee, conflict = _self_checkin_attendee(association_id=event.association_id, **attendee_fields)
        reasons = _location_flags(event, location)
        if conflict is not None:
            reasons.append(CheckIn.Flag.PHONE_CONFLICT)
        fields = {
            "registration_id": None,
            "method": Method.SELF,
            "client_id": UUID(bytes=secrets.token_bytes(16), version=4),
            "scanned_at": now,
            "scanned_by_id": None,
            "device": device_id[:100],
            "gate": "",
            "flagged": False,
        }
        status, checkin_id, first_at = check_in(
            event_id=event.id, attendee=attendee, now=now, earliest_wins=False, **fields
        )
        awaiting_review = False
        if status == Status.OK:
            # The limits count people, so the same person tapping twice uses none of them up. Raising here
            # leaves the block and rolls the check-in back.
            day = 24 * 3600
            if not _allow(f"{prefix}device:{device_id}", settings.CHECKIN_SELF_PER_DEVICE, day):
                raise SelfCheckInRefused("too_many", settings.CHECKIN_SELF_PER_DEVICE)
            if not _allow(f"{prefix}event", settings.CHECKIN_SELF_PER_EVENT, 2 * day):
                raise SelfCheckInRefused("too_many_event", settings.CHECKIN_SELF_PER_EVENT)
            window = settings.CHECKIN_SELF_BURST_SECONDS
            from_ip = _count(f"{prefix}burst-ip:{ip}", window)
            at_event = _count(f"{prefix}burst-event", window)
            if from_ip > settings.CHECKIN_SELF_BURST_PER_IP or at_event > settings.CHECKIN_SELF_BURST_PER_EVENT:
                reasons.insert(0, CheckIn.Flag.BURST)
            if reasons:
                awaiting_review = True
                CheckIn.objects.filter(id=checkin_id).update(
                    flagged=True,
                    awaiting_review=True,
                    flag_reasons=",".join(reasons),
                    phone_conflict_with=conflict,
                )
        else:
            awaiting_review = CheckIn.objects.filter(id=checkin_id).values_list("awaiting_review", flat=True)[0]
        _log_attempt(
            event_id=event.id,
            status=status,
            checkin_id=checkin_id,
            code=poster.code,
            method=Method.SELF,
            scanned_at=now,
            device=device_id[:100],
            ip=ip,
            flagged=bool(reasons) and status == Status.OK,
        )
    if status == Status.OK and not awaiting_review:
        after_checkin(event)  # a check-in held for review changes no figure until it is accepted
    return SelfCheckIn(status=status, attendee=attendee, checked_in_at=first_at, awaiting_review=awaiting_review)


class ReviewDecision:
    ACCEPT = "accept"
    REJECT = "reject"


@transaction.atomic
def checkin_review(*, checkin: CheckIn, decision: str, user: AbstractBaseUser, now: datetime | None = None) -> CheckIn:
    """An organizer decides on a self check-in held for review: accepted, the figures count it (the event's
    tally is asked for again); rejected, it is annulled and kept. Deciding the same again changes nothing;
    a check-in that waits for no review, or was decided otherwise, cannot be decided (ValidationError)."""
    if decision not in (ReviewDecision.ACCEPT, ReviewDecision.REJECT):
        raise ValidationError({"decision": _("Decide “accept” or “reject”.")})
    now = now or timezone.now()
    accept = decision == ReviewDecision.ACCEPT
    outcome = CheckIn.Review.ACCEPTED if accept else CheckIn.Review.REJECTED
    changes: dict[str, Any] = {"awaiting_review": False, "review": outcome, "reviewed_at": now, "reviewed_by": user}
    if not accept:
        changes.update(annulled_at=now, annulled_by=user)
    # Conditional: of two organizers deciding at once, one decides.
    decided = CheckIn.objects.filter(id=checkin.id, awaiting_review=True).update(**changes)
    checkin.refresh_from_db()
    if not decided:
        if checkin.review == outcome:
            return checkin
        raise ValidationError({"checkin": _("This check-in is not waiting for review.")})
    if accept:
        after_checkin(checkin.event)
    else:
        _log_attempt(
            event_id=checkin.event_id,
            status=Status.ANNULLED,
            checkin_id=checkin.id,
            method=checkin.method,
            scanned_at=now,
            scanned_by=user,
            device=checkin.device,
        )
    return checkin


# --- after the event: an organizer accepts or corrects the headcounts ---------------------------


def _headcount_count_errors(event: Event, count: int | None) -> str | None:
    """What is wrong with a headcount's figure (the rule of headcount_record), or None."""
    if count is None or count < 1:
        return _("Count at least one person.")
    if count > HEADCOUNT_MAX:
        return _("A headcount is at most %(max)s people.") % {"max": f"{HEADCOUNT_MAX:,}"}
    if event.capacity and count > HEADCOUNT_CAPACITY_FACTOR * event.capacity:
        return _("At most %(max)s people: ten times the event's capacity of %(capacity)s.") % {
            "max": f"{HEADCOUNT_CAPACITY_FACTOR * event.capacity:,}",
            "capacity": f"{event.capacity:,}",
        }
    return None


@transaction.atomic
def headcount_accept(*, headcount: Headcount, user: User, now: datetime | None = None) -> Headcount:
    """The organizer confirms the count as reported at the door; the figures do not change."""
    headcount.reviewed_at = now or timezone.now()
    headcount.reviewed_by = user
    headcount.save(update_fields=["reviewed_at", "reviewed_by"])
    return headcount


@transaction.atomic
def headcount_correct(
    *, headcount: Headcount, count: int, user: User, note: str | None = None, now: datetime | None = None
) -> Headcount:
    """The organizer puts a corrected figure in place of the reported one (kept as `reported_count`);
    the event is tallied again. Corrected twice, the first reported figure is still the one kept."""
    if error := _headcount_count_errors(headcount.event, count):
        raise ValidationError({"count": error})
    if headcount.reported_count is None and count != headcount.count:
        headcount.reported_count = headcount.count
    headcount.count = count
    if note is not None:
        headcount.note = note[:200]
    headcount.reviewed_at = now or timezone.now()
    headcount.reviewed_by = user
    headcount.save(update_fields=["count", "reported_count", "note", "reviewed_at", "reviewed_by"])
    stats_services.tally_request(event_id=headcount.event_id)  # the person-times changed
    return headcount


# --- the desk's import report ------------------------------------------------------------------


def registrations_import_report(
    *, event: Event, file: Any, consent_confirmed: bool, category: str = "", school: Organization | None = None
) -> dict:
    """`registrations_import` with the per-row report the organizer's desk shows, in the shape of the
    volunteer import's: {"imported": bool, "created": n, "existing": n, "summary": str, "notes": [...],
    "rows": [{"row", "ok", "name", "message", "result"}]}.

    Refused (nothing imported): the wrong rows, each with why. Imported: every row, "created" (newly
    registered) or "existing" (already on the list, or the same person as an earlier row). A file that
    cannot be read at all still raises ValidationError({"file": …}).

    """
    try:
        result = registrations_import(
            event=event, file=file, category=category, school=school, consent_confirmed=consent_confirmed
        )
    except spreadsheets.ImportRefused as refused:
        return {
            "imported": False,
            "created": 0,
            "existing": 0,
            "summary": refused.summary,
            "notes": [],
            "rows": [{**row, "result": "refused"} for row in refused.report()],
        }
    first_row_of: dict[int, int] = {}
    rows = []
    for number, registration, created in result.rows:
        if registration.id in first_row_of:
            outcome, message = "existing", _("Same person as row %(row)d.") % {"row": first_row_of[registration.id]}
        elif created:
            outcome, message = "created", ""
        else:
            outcome, message = "existing", _("Already registered.")
        first_row_of.setdefault(registration.id, number)
        rows.append(
            {
                "row": number,
                "ok": True,
                "name": registration.attendee.name,
                "message": message,
                "result": outcome,
                "code": registration.code,
            }
        )
    return {
        "imported": True,
        "created": len(result.created),
        "existing": len(result.existing),
        "summary": "",
        "notes": result.notes,
        "rows": rows,
    }
