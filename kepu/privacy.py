"""Personal data, as China's Personal Information Protection Law (个人信息保护法) expects.

What Kepu holds about one person (an attendee known by phone, a volunteer's account), exported or removed
on that person's request, and the names and phones of attendees removed for everyone once
PERSONAL_DATA_RETENTION_DAYS have passed since their last event.

Removing is anonymizing, never deleting rows: a check-in, a registration, a sign-up and its hours are the
figures of the annual summary (and of the volunteer's certificate of hours), so the records stay with
what the figures group by (category, home region, school, skills) and lose what names a person (name,
phone, account, the addresses and texts of the messages sent to them, the network address and device of
their scans). The figures before and after are identical (tests/desk/test_privacy.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from checkin.models import Attendee, CheckIn, Registration, ScanLog
from kepu import access, phones
from notifications.models import LoginCode, Notification
from volunteers.models import SignUp, Volunteer, VolunteerInvitation

# Stored in place of a removed name. Stored data, not a page's text: it is not translated.
REMOVED_NAME = "已删除"


def retention_days() -> int:
    return int(getattr(settings, "PERSONAL_DATA_RETENTION_DAYS", 1095))


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Attendees whose last event ended before this moment lose their names and phones."""
    return (now or timezone.now()) - timedelta(days=retention_days())


# --- one person, on request -----------------------------------------------------------------------------


@dataclass
class PersonRecords:
    """What the organizer's association holds under one phone number."""

    phone: str
    attendees: list[Attendee] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.attendees or self.volunteers)


def person_records(*, user: Any, phone: str) -> PersonRecords:
    """The attendees and volunteers with this phone number within the organizer's write scope (their own
    association: only it may hand out or remove its people's data). Raises ValidationError for a number
    that is no phone number."""
    phone = phones.normalize_phone(phone)
    attendees = (
        access.attendees_for_write(user)
        .filter(phone=phone)
        .select_related("association", "region", "school")
        .order_by("id")
    )
    volunteers = access.volunteers_for_write(user).filter(phone=phone).select_related("user").order_by("id")
    return PersonRecords(phone=phone, attendees=list(attendees), volunteers=list(volunteers))


def _when(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _messages(notifications: QuerySet[Notification]) -> list[dict[str, Any]]:
    return [
        {
            "channel": n.channel,
            "kind": n.kind,
            "status": n.status,
            "address": n.address,
            "subject": n.subject,
            "text": n.body,
            "sent_at": _when(n.sent_at),
            "created_at": _when(n.created_at),
        }
        for n in notifications.order_by("created_at", "id")
    ]


def attendee_data(attendee: Attendee) -> dict[str, Any]:
    """Everything held about an attendee: who they are, their registrations, check-ins and messages."""
    registrations = Registration.objects.filter(attendee=attendee).select_related("event", "campaign").order_by("id")
    checkins = CheckIn.objects.filter(attendee=attendee).select_related("event").order_by("scanned_at", "id")
    return {
        "association": attendee.association.name,
        "name": attendee.name,
        "phone": attendee.phone,
        "category": attendee.category,
        "region": attendee.region.name if attendee.region else None,
        "school": attendee.school.name if attendee.school else None,
        "created_at": _when(attendee.created_at),
        "registrations": [
            {
                "event": r.event.title if r.event else None,
                "campaign": r.campaign.name if r.campaign else None,
                "code": r.code,
                "created_at": _when(r.created_at),
                "revoked_at": _when(r.revoked_at),
            }
            for r in registrations
        ],
        "checkins": [
            {
                "event": c.event.title,
                "event_starts_at": _when(c.event.starts_at),
                "method": c.method,
                "scanned_at": _when(c.scanned_at),
                "annulled": c.annulled_at is not None,
            }
            for c in checkins
        ],
        "messages": _messages(Notification.objects.filter(attendee=attendee)),
    }


def volunteer_data(volunteer: Volunteer) -> dict[str, Any]:
    """Everything held about a volunteer: the account, the profile, the sign-ups and hours, the messages."""
    signups = SignUp.objects.filter(volunteer=volunteer).select_related("shift__event").order_by("id")
    return {
        "association": volunteer.association.name,
        "name": volunteer.name,
        "phone": volunteer.phone,
        "username": volunteer.user.get_username() if volunteer.user_id else None,
        "is_expert": volunteer.is_expert,
        "skills": sorted(s.name for s in volunteer.skills.all()),
        "organizations": sorted(o.name for o in volunteer.organizations.all()),
        "home_region": volunteer.home_region.name if volunteer.home_region else None,
        "language": volunteer.language,
        "created_at": _when(volunteer.created_at),
        "signups": [
            {
                "event": s.shift.event.title,
                "role": s.shift.role,
                "starts_at": _when(s.shift.starts_at),
                "status": s.status,
                "checked_in_at": _when(s.checked_in_at),
                "checked_out_at": _when(s.checked_out_at),
                "hours": str(s.hours) if s.hours is not None else None,
            }
            for s in signups
        ],
        "messages": _messages(Notification.objects.filter(volunteer=volunteer)),
    }


def person_export(records: PersonRecords) -> dict[str, Any]:
    """The person's data as one JSON document (个人信息副本), for the organizer to hand over."""
    return {
        "phone": records.phone,
        "exported_at": _when(timezone.now()),
        "attendee_records": [attendee_data(a) for a in records.attendees],
        "volunteer_records": [volunteer_data(v) for v in records.volunteers],
    }


@transaction.atomic
def person_delete(records: PersonRecords) -> int:
    """Remove the person's data (anonymize their records; the figures stay). Returns the records changed."""
    for attendee in records.attendees:
        attendee_anonymize(attendee=attendee)
    for volunteer in records.volunteers:
        volunteer_anonymize(volunteer=volunteer)
    return len(records.attendees) + len(records.volunteers)


# --- anonymizing -----------------------------------------------------------------------------------------


def _forget_messages(notifications: QuerySet[Notification]) -> None:
    # The status, channel and times stay (delivery figures); the address, name and text go.
    notifications.update(recipient_name="", address="", body="", subject="", extra={})


def _forget_scans(scan_logs: QuerySet[ScanLog]) -> None:
    """A scan's answer repeats the attendee's name; its network address and device point at the person."""
    for log in scan_logs.exclude(answer={}).only("id", "answer"):
        attendee = (log.answer or {}).get("attendee")
        if isinstance(attendee, dict) and attendee.get("name") not in (None, REMOVED_NAME):
            log.answer = {**log.answer, "attendee": {**attendee, "name": REMOVED_NAME}}
            ScanLog.objects.filter(id=log.id).update(answer=log.answer)
    scan_logs.exclude(ip=None, device="").update(ip=None, device="")


@transaction.atomic
def attendee_anonymize(*, attendee: Attendee) -> Attendee:
    """The attendee loses name and phone; category, home region and school stay (the figures group by
    them), and so do the registrations and check-ins."""
    attendee.name, attendee.phone = REMOVED_NAME, ""
    # Only these two fields: attendee_save would re-tally for category or region, which do not change.
    attendee.save(update_fields=["name", "phone"])
    _forget_scans(ScanLog.objects.filter(Q(registration__attendee=attendee) | Q(checkin__attendee=attendee)))
    CheckIn.objects.filter(attendee=attendee).exclude(device="").update(device="")
    _forget_messages(Notification.objects.filter(attendee=attendee))
    return attendee


@transaction.atomic
def volunteer_anonymize(*, volunteer: Volunteer) -> Volunteer:
    """The volunteer loses name, phone and account (it can no longer sign in); the sign-ups and their hours
    stay, with the expert flag, skills and home region the figures count by."""
    old_phone = volunteer.phone
    volunteer.name = REMOVED_NAME
    volunteer.phone = f"removed-{volunteer.id}"  # unique, and no phone number
    volunteer.calendar_token = None
    volunteer.save(update_fields=["name", "phone", "calendar_token"])
    user = volunteer.user
    # A colleague's staff account (an organizer, an administrator) that also volunteers is not the volunteer
    # record's to close: its name and sign-in belong to the association's staff records. The volunteer's own
    # name and phone go as for anyone; the account keeps working.
    if user is not None and not _is_staff_account(user):
        user.username = f"removed-{user.id}"
        user.first_name = user.last_name = user.email = ""
        user.is_active = False  # signed out everywhere: the session's user no longer authenticates
        user.set_unusable_password()
        user.save(update_fields=["username", "first_name", "last_name", "email", "is_active", "password"])
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=user).delete()
        _forget_messages(Notification.objects.filter(user=user))
    _forget_messages(Notification.objects.filter(volunteer=volunteer))
    LoginCode.objects.filter(phone=old_phone).delete()
    VolunteerInvitation.objects.filter(association_id=volunteer.association_id, phone=old_phone).update(
        phone="", name=REMOVED_NAME
    )
    return volunteer


def _is_staff_account(user: Any) -> bool:
    return user.is_staff or user.is_superuser or hasattr(user, "organizer")


# --- retention -------------------------------------------------------------------------------------------


def expired_attendees(*, cutoff: datetime) -> QuerySet[Attendee]:
    """Attendees not yet anonymized, known since before the cutoff, with no event or campaign that ended
    at or after it (a person at this year's and a four-year-old event keeps their name)."""
    recent_event = Q(event__ends_at__gte=cutoff)
    recent_campaign = Q(campaign__ends_on__gte=timezone.localtime(cutoff).date())
    return (
        Attendee.objects.filter(created_at__lt=cutoff)
        .exclude(name=REMOVED_NAME, phone="")
        .exclude(Exists(Registration.objects.filter(recent_event | recent_campaign, attendee=OuterRef("pk"))))
        .exclude(Exists(CheckIn.objects.filter(attendee=OuterRef("pk"), event__ends_at__gte=cutoff)))
    )


def anonymize_expired(*, now: datetime | None = None, limit: int = 5000) -> int:
    """The retention rule: remove the names and phones of attendees whose events all ended more than
    PERSONAL_DATA_RETENTION_DAYS ago, and the network addresses and devices of those events' scans.
    Safe to run twice; at most `limit` attendees a run (the next run takes the rest). Returns the count."""
    cutoff = retention_cutoff(now)
    done = 0
    for attendee in expired_attendees(cutoff=cutoff).order_by("id")[:limit]:
        attendee_anonymize(attendee=attendee)
        done += 1
    # Failed scans of old events name nobody in the records but keep a network address and a device.
    ScanLog.objects.filter(event__ends_at__lt=cutoff).exclude(ip=None, device="").update(ip=None, device="")
    return done
