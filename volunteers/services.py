"""Writes of the volunteers app: profiles, shifts, sign-ups, the waitlist, service hours, shift check-in.

Capacity is guarded by one conditional UPDATE on Shift.taken (`taken < capacity`),
whose row count says who won a place. It holds under concurrency on PostgreSQL
(the row lock re-checks the condition) and on SQLite (writers are serialized),
and the check constraint `taken <= capacity` backs it up.

Places are held by sign-ups whose status is in HOLDING: confirmed, attended
and no-show. Waitlisted and cancelled sign-ups hold none.
"""

import logging
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from events.models import Association, Event, Organization, Region
from kepu import phones, spreadsheets
from kepu.login_codes import login_code_check, login_code_send
from kepu.text import clean_name
from stats.services import tally_request

from .messages import notify_signup, notify_volunteer_invitation
from .models import (
    HOLDING,
    LIVE,
    Shift,
    SignUp,
    Skill,
    StaffCode,
    Volunteer,
    VolunteerInvitation,
    invitation_token_hash,
)

logger = logging.getLogger(__name__)

# A check-out scanned this soon after the check-in is a second tap, not the end of the shift.
CHECKOUT_MIN_GAP = timedelta(minutes=2)
# How far before a shift and after it the staff code checks a volunteer in or out.
STAFF_SCAN_EARLY = timedelta(hours=2)
STAFF_SCAN_LATE = timedelta(hours=3)


# --- Notifications ------------------------------------------------------------------------------


def _notify(signup: SignUp, kind: str) -> None:
    """Tell the volunteer what happened to their sign-up ("confirmed", "waitlisted", "promoted", "removed").

    Called inside the transaction that made the change: the message is recorded
    with it and sent after commit, so a lost broker loses no message.
    """
    notify_signup(signup=signup, kind=kind)


# --- Phone numbers ------------------------------------------------------------------------------


def _figures_changed(signup: SignUp) -> None:
    """Attendance and hours are figures of the summary (experts, volunteers, hours): ask for the event's tally."""
    tally_request(event_id=signup.shift.event_id)


def normalize_phone(raw: str) -> str:
    """A volunteer's phone: a mainland mobile number in E.164 (+8613812345678), or ValidationError on "phone"."""
    return phones.normalize_phone(raw, mobile_only=True)


mask_phone = phones.mask_phone


# --- Volunteers --------------------------------------------------------------------------------


def _checked_details(
    *, association: Association, phone: str, name: str, organizations: Iterable[Organization]
) -> tuple[str, str, list[Organization]]:
    """(E.164 phone, clean name, organizations) of a volunteer to be, or ValidationError per field."""
    phone = normalize_phone(phone)
    name = clean_name(name)
    if not name:
        raise ValidationError({"name": _("Enter the volunteer's name.")})
    if len(name) > 50:
        raise ValidationError({"name": _("The name is too long (50 characters at most).")})
    organizations = list(organizations)
    if any(org.association_id != association.id for org in organizations):
        raise ValidationError({"organizations": _("This belongs to another association.")})
    return phone, name, organizations


@transaction.atomic
def volunteer_create(
    *,
    association: Association,
    phone: str,
    name: str,
    password: str | None = None,
    is_expert: bool = False,
    skills: Iterable[Skill] = (),
    organizations: Iterable[Organization] = (),
    home_region: Region | None = None,
    language: str = "zh-hans",
) -> Volunteer:
    """A volunteer and their login (the normalized phone number). No password: cannot log in until one is set."""
    phone, name, organizations = _checked_details(
        association=association, phone=phone, name=name, organizations=organizations
    )
    if User.objects.filter(username=phone).exists() or Volunteer.objects.filter(phone=phone).exists():
        raise ValidationError({"phone": _("This phone number is already registered.")})
    user = User.objects.create_user(username=phone, password=password, first_name=name[:150])
    volunteer = Volunteer.objects.create(
        user=user,
        association=association,
        phone=phone,
        name=name,
        is_expert=is_expert,
        home_region=home_region,
        language=language,
    )
    volunteer.skills.set(skills)
    volunteer.organizations.set(organizations)
    return volunteer


# --- Invitations: how organizers add volunteers --------------------------------------------------------
# An organizer adding a number that is not yet a volunteer of their association gets the same answer
# whether the number is new to Kepu or a volunteer of another association: an invitation is recorded
# and an SMS with a link goes to the number. Nothing changes until the person holding the phone accepts:
# a new number then sets a password and becomes a volunteer here; a volunteer of another association
# signs in and confirms the move (their sign-ups and hours stay theirs). A number already volunteering
# here is refused, since the organizer can read their own volunteers anyway.

INVITATION_VALID_FOR = timedelta(days=7)


class InvitationClosed(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code  # "invalid", "expired", "accepted"
        self.message = message


def _check_invites_here(association: Association) -> None:
    # A prefecture reads its counties' volunteers but enrols none: volunteers serve with a county.
    if association.children.exists():
        raise PermissionDenied(_("A prefecture association does not enrol volunteers; its counties do."))


@transaction.atomic
def volunteer_invite(
    *,
    association: Association,
    invited_by: User | None,
    phone: str,
    name: str,
    is_expert: bool = False,
    skills: Iterable[Skill] = (),
    organizations: Iterable[Organization] = (),
    home_region: Region | None = None,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> VolunteerInvitation:
    """Invite a number to volunteer with `association`; ValidationError if it already does.

    A number with a live invitation from this association keeps it (its details are brought up to date)
    and gets no second SMS, so repeated adds do not flood a phone.
    """
    now = now or timezone.now()
    _check_invites_here(association)
    phone, name, organizations = _checked_details(
        association=association, phone=phone, name=name, organizations=organizations
    )
    if Volunteer.objects.filter(phone=phone, association=association).exists():
        raise ValidationError({"phone": _("This number is already a volunteer of your association.")})
    details = {"name": name, "is_expert": is_expert, "home_region": home_region, "language": language}
    invitation = (
        VolunteerInvitation.objects.select_for_update()
        .filter(association=association, phone=phone, accepted_at__isnull=True, expires_at__gt=now)
        .first()
    )
    token = None
    if invitation is None:
        token = secrets.token_urlsafe(24)
        invitation = VolunteerInvitation.objects.create(
            association=association,
            phone=phone,
            invited_by=invited_by,
            token_hash=invitation_token_hash(token),
            created_at=now,
            expires_at=now + INVITATION_VALID_FOR,
            **details,
        )
    else:
        for field, value in details.items():
            setattr(invitation, field, value)
        invitation.save(update_fields=[*details])
    invitation.skills.set(skills)
    invitation.organizations.set(organizations)
    if token:
        notify_volunteer_invitation(invitation=invitation, token=token)
    return invitation


def invitation_check_open(invitation: VolunteerInvitation | None, now: datetime | None = None) -> VolunteerInvitation:
    """The invitation if it can still be accepted; InvitationClosed saying why not otherwise."""
    if invitation is None:
        raise InvitationClosed("invalid", _("This invitation link is not valid. Check that it was copied whole."))
    status = invitation.status_at(now or timezone.now())
    if status == "accepted":
        raise InvitationClosed("accepted", _("This invitation has already been accepted. Log in to continue."))
    if status == "expired":
        raise InvitationClosed(
            "expired",
            _("This invitation has expired. Ask %(association)s to invite you again.")
            % {"association": invitation.association.name},
        )
    return invitation


def _locked_open(invitation: VolunteerInvitation, now: datetime) -> VolunteerInvitation:
    # The row lock makes two taps on "accept" accept once.
    locked = VolunteerInvitation.objects.select_for_update().select_related("association").get(pk=invitation.pk)
    return invitation_check_open(locked, now)


def _accepted(invitation: VolunteerInvitation, volunteer: Volunteer, now: datetime) -> Volunteer:
    invitation.accepted_at, invitation.volunteer = now, volunteer
    invitation.save(update_fields=["accepted_at", "volunteer"])
    return volunteer


@transaction.atomic
def invitation_accept_new(
    *, invitation: VolunteerInvitation, password_hash: str, now: datetime | None = None
) -> Volunteer:
    """A number new to Kepu accepts: the volunteer is created in the inviting association with the invited details."""
    now = now or timezone.now()
    invitation = _locked_open(invitation, now)
    if User.objects.filter(username=invitation.phone).exists():
        raise ValidationError({"phone": _("This number already has an account: log in, then open the link again.")})
    volunteer = volunteer_create(
        association=invitation.association,
        phone=invitation.phone,
        name=invitation.name,
        is_expert=invitation.is_expert,
        skills=invitation.skills.all(),
        organizations=invitation.organizations.all(),
        home_region=invitation.home_region,
        language=invitation.language,
    )
    volunteer.user.password = password_hash  # hashed when the form was sent; the plain password is never kept
    volunteer.user.save(update_fields=["password"])
    return _accepted(invitation, volunteer, now)


@transaction.atomic
def invitation_accept_move(
    *, invitation: VolunteerInvitation, volunteer: Volunteer, now: datetime | None = None
) -> Volunteer:
    """The volunteer holding the invited number moves to the inviting association.

    Their name, sign-ups and hours stay theirs; the organizations (which belong to an association)
    become the invited ones, and the invited skills, expertise and home are added to their profile.
    """
    now = now or timezone.now()
    invitation = _locked_open(invitation, now)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.phone != invitation.phone:
        raise InvitationClosed("invalid", _("This invitation is for another phone number."))
    volunteer.association = invitation.association
    volunteer.is_expert = volunteer.is_expert or invitation.is_expert
    volunteer.home_region = invitation.home_region or volunteer.home_region
    volunteer.save(update_fields=["association", "is_expert", "home_region"])
    volunteer.organizations.set(invitation.organizations.all())
    volunteer.skills.add(*invitation.skills.all())
    return _accepted(invitation, volunteer, now)


# --- Registering on the phone pages ------------------------------------------------------------------
# /v/register/ answers the same whether the number is new or taken: it always goes on to "we sent a
# code to your phone". A new number gets a registration code, and the account is created only when the
# code comes back (so nobody holds a number they cannot receive SMS on); a taken number's owner gets an
# SMS saying someone tried to register with it, whose code signs them in to their own account. Whoever
# lacks the phone learns nothing, and the details typed for a taken number change nothing.


def volunteer_register_start(*, phone: str, association: Association, language: str) -> None:
    """Send the code that confirms a registration (raises kepu.login_codes.LoginCodeThrottled when too soon)."""
    login_code_send(phone=phone, purpose="register", association_id=association.id, language=language)


@transaction.atomic
def volunteer_register_confirm(
    *,
    phone: str,
    code: str,
    name: str,
    password_hash: str,
    association: Association,
    home_region: Region | None = None,
    skills: Iterable[Skill] = (),
    language: str = "zh-hans",
) -> tuple[Volunteer, bool]:
    """(the volunteer, whether newly created) once the phone's code is right; ValidationError on "code" otherwise.

    A number that already has a volunteer signs its owner in: the details typed at registration are dropped.
    """
    if not login_code_check(phone=phone, code=code):
        raise ValidationError({"code": _("The code is wrong or has expired.")})
    phone = normalize_phone(phone)
    if existing := Volunteer.objects.select_related("user").filter(phone=phone).first():
        return existing, False
    volunteer = volunteer_create(
        association=association, phone=phone, name=name, home_region=home_region, skills=skills, language=language
    )
    volunteer.user.password = password_hash  # hashed when the form was sent; the plain password is never kept
    volunteer.user.save(update_fields=["password"])
    return volunteer, True


@transaction.atomic
def volunteer_update(*, volunteer: Volunteer, skills: Iterable[Skill] | None = None, **fields) -> Volunteer:
    if "phone" in fields:
        phone = normalize_phone(fields.pop("phone"))
        if phone != volunteer.phone:
            if User.objects.filter(username=phone).exists() or Volunteer.objects.filter(phone=phone).exists():
                raise ValidationError({"phone": _("This phone number is already registered.")})
            volunteer.phone = phone
            volunteer.user.username = phone
            volunteer.user.save(update_fields=["username"])
    organizations = fields.pop("organizations", None)
    if "name" in fields:
        fields["name"] = clean_name(fields["name"])
        if not fields["name"]:
            raise ValidationError({"name": _("Enter the volunteer's name.")})
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.save()
    if skills is not None:
        volunteer.skills.set(skills)
    if organizations is not None:
        volunteer.organizations.set(organizations)
    return volunteer


def skills_by_names(names: Iterable[str]) -> list[Skill]:
    """The skills with these names, created when new."""
    skills = []
    for name in names:
        name = name.strip()
        if name:
            skills.append(Skill.objects.get_or_create(name=name[:50])[0])
    return skills


def calendar_token_of(volunteer: Volunteer) -> str:
    """The secret of the volunteer's iCalendar URL, made on first use."""
    if not volunteer.calendar_token:
        return calendar_token_reset(volunteer=volunteer)
    return volunteer.calendar_token


def calendar_token_reset(*, volunteer: Volunteer) -> str:
    """A new secret: calendars subscribed with the old URL stop receiving shifts."""
    volunteer.calendar_token = secrets.token_urlsafe(24)
    volunteer.save(update_fields=["calendar_token"])
    return volunteer.calendar_token


# --- Shifts --------------------------------------------------------------------------------------


def shift_validate(shift: Shift) -> None:
    """Raise ValidationError (per field) if the shift breaks a rule."""
    if shift.starts_at is None or shift.ends_at is None:
        return  # a form with these fields missing reports that by itself
    errors: dict[str, str] = {}
    if shift.ends_at <= shift.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if shift.capacity is not None and shift.capacity < shift.taken:
        errors["capacity"] = _("%(taken)d volunteers already hold a place; cancel some before lowering the places.") % {
            "taken": shift.taken
        }
    if shift.signup_deadline and shift.signup_deadline > shift.starts_at:
        errors["signup_deadline"] = _("The sign-up deadline must not be after the shift starts.")
    if shift.event_id:
        event = shift.event
        # Volunteers set up before the event and clear up after it, but on the same day.
        if abs(shift.starts_at - event.starts_at) > timedelta(hours=24) or shift.ends_at > event.ends_at + timedelta(
            hours=24
        ):
            errors["starts_at"] = _("The shift must take place around its event (within a day of it).")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def shift_create(*, event: Event, required_skills: Iterable[Skill] = (), **fields) -> Shift:
    shift = Shift(event=event, **fields)
    shift_validate(shift)
    shift.save()
    shift.required_skills.set(required_skills)
    return shift


@transaction.atomic
def shift_update(*, shift: Shift, required_skills: Iterable[Skill] | None = None, **fields) -> Shift:
    fields.pop("event", None)  # a shift stays with its event
    for name, value in fields.items():
        setattr(shift, name, value)
    shift.taken = Shift.objects.values_list("taken", flat=True).get(pk=shift.pk)
    shift_validate(shift)
    # Only the edited fields: `taken` is owned by the conditional UPDATEs.
    shift.save(update_fields=[*fields] or None)
    if required_skills is not None:
        shift.required_skills.set(required_skills)
    _fill_from_waitlist(shift)  # more places: the waitlist moves up
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift) -> None:
    """Remove a shift nobody holds or waits for. One with live sign-ups is kept: cancelling them first tells
    the volunteers, and attended ones carry service hours."""
    if shift.signups.filter(status__in=LIVE).exists():
        raise ValidationError(
            _("Volunteers hold or wait for a place on this shift; cancel their sign-ups before removing it.")
        )
    shift.delete()


# --- Sign-ups ---------------------------------------------------------------------------------


def _claim_place(shift_id: int) -> bool:
    """Take one place if one is free; the row count says whether we won it."""
    return Shift.objects.filter(pk=shift_id, taken__lt=F("capacity")).update(taken=F("taken") + 1) == 1


def _release_place(shift_id: int) -> None:
    Shift.objects.filter(pk=shift_id, taken__gt=0).update(taken=F("taken") - 1)


def _local(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "m-d H:i")


def _overlapping_confirmed(volunteer_id: int, shift: Shift, *, besides: int | None = None) -> SignUp | None:
    """A confirmed sign-up of the volunteer at a time overlapping the shift (other than `besides`)."""
    overlapping = SignUp.objects.filter(
        volunteer_id=volunteer_id,
        status=SignUp.Status.CONFIRMED,
        shift__starts_at__lt=shift.ends_at,
        shift__ends_at__gt=shift.starts_at,
    ).exclude(shift=shift)
    if besides is not None:
        overlapping = overlapping.exclude(pk=besides)
    return overlapping.select_related("shift__event").first()


def _overlap_error(other: SignUp) -> ValidationError:
    return ValidationError(
        {
            "shift": _("You already have a shift at that time: %(event)s, %(role)s (%(start)s–%(end)s).")
            % {
                "event": other.shift.event.title,
                "role": other.shift.get_role_display(),
                "start": _local(other.shift.starts_at),
                "end": _local(other.shift.ends_at),
            }
        }
    )


def signups_closed_reason(shift: Shift, now: datetime | None = None) -> str | None:
    """Why volunteers can no longer sign up for (or cancel) this shift, or None while it is open."""
    now = now or timezone.now()
    event = shift.event
    if event.status == Event.Status.CANCELLED:
        return _("This event has been cancelled.")
    if event.status != Event.Status.PUBLISHED:
        return _("This event is not open for sign-up.")
    if now >= event.starts_at or now >= shift.starts_at:
        return _("The event has started; sign-up and cancellation are closed. Please contact the organizer.")
    if shift.signup_deadline and now > shift.signup_deadline:
        return _("The sign-up deadline (%(deadline)s) has passed; please contact the organizer.") % {
            "deadline": _local(shift.signup_deadline)
        }
    return None


def signup_ineligible_reason(shift: Shift, volunteer: Volunteer) -> str | None:
    """Why this volunteer may not take this shift (another association's, experts only, a skill missing), or
    None. The event page shows it instead of the sign-up button; shift_signup refuses with it."""
    if volunteer.association_id != shift.event.association_id:
        return _("This shift belongs to another association.")
    if shift.expert_only and not volunteer.is_expert:
        return _("This shift is for experts and science workers only.")
    required = {skill.name for skill in shift.required_skills.all()}  # often prefetched
    missing = required - set(volunteer.skills.values_list("name", flat=True)) if required else set()
    if missing:
        return _("This shift needs: %(skills)s.") % {"skills": "、".join(sorted(missing))}
    return None


def _check_eligible(shift: Shift, volunteer: Volunteer) -> None:
    if reason := signup_ineligible_reason(shift, volunteer):
        raise ValidationError({"shift": reason})


def shift_signup(
    *, shift: Shift, volunteer: Volunteer, by_organizer: bool = False, now: datetime | None = None
) -> SignUp:
    """Sign a volunteer up: confirmed while a place is free, else waitlisted in arrival order.

    Idempotent: a second tap returns the live sign-up the first one made.
    Organizers adding someone by hand are not held to the deadline.
    """
    return shift_signup_outcome(shift=shift, volunteer=volunteer, by_organizer=by_organizer, now=now)[0]


@transaction.atomic
def shift_signup_outcome(
    *, shift: Shift, volunteer: Volunteer, by_organizer: bool = False, now: datetime | None = None
) -> tuple[SignUp, bool]:
    """shift_signup, and whether this call made the sign-up (False: the live one of an earlier tap).

    The shift's row is locked from the claim of a place to the commit, so everything that can be
    decided first is: the checks, then the claim, the sign-up with its final status and its message.
    The sign-up is written after the claim, so its time orders it after every place taken before it:
    nobody is confirmed after someone waitlisted before them.
    """
    # One volunteer's sign-ups run one at a time (PostgreSQL row lock): two taps,
    # or two overlapping shifts taken at once, cannot both pass the checks below.
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk", flat=True).first()
    # This shift's live sign-up (a second tap) and a confirmed one at an overlapping time, in one read.
    mine = list(
        SignUp.objects.filter(volunteer_id=volunteer.pk)
        .filter(
            Q(shift=shift, status__in=LIVE)
            | Q(status=SignUp.Status.CONFIRMED, shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
        )
        .select_related("shift__event")
    )
    if existing := next((s for s in mine if s.shift_id == shift.pk and s.status in LIVE), None):
        return existing, False
    if not by_organizer and (reason := signups_closed_reason(shift, now)):
        raise ValidationError({"shift": reason})
    if shift.event.status == Event.Status.CANCELLED:
        raise ValidationError({"shift": _("This event has been cancelled.")})
    _check_eligible(shift, volunteer)
    if other := next((s for s in mine if s.shift_id != shift.pk), None):
        raise _overlap_error(other)
    try:
        # The unique constraint settles a race the lock above did not see: the savepoint gives the place back.
        with transaction.atomic():
            confirmed = _claim_place(shift.pk)
            status = SignUp.Status.CONFIRMED if confirmed else SignUp.Status.WAITLISTED
            signup = SignUp.objects.create(shift=shift, volunteer=volunteer, status=status)
    except IntegrityError:
        return SignUp.objects.get(shift=shift, volunteer=volunteer, status__in=LIVE), False
    _notify(signup, "confirmed" if confirmed else "waitlisted")
    return signup, True


def _fill_from_waitlist(shift: Shift, now: datetime | None = None) -> list[SignUp]:
    """Promote waitlisted volunteers, first come first served, while places are free.

    Not once the shift has started: a place freed then is filled by the organizer by hand,
    not by telling someone at home that they are expected now.
    """
    if (now or timezone.now()) >= shift.starts_at:
        return []
    promoted = []
    waiting = SignUp.objects.filter(shift=shift, status=SignUp.Status.WAITLISTED).order_by("created_at", "id")
    for candidate in waiting.select_related("shift__event"):
        if other := _overlapping_confirmed(candidate.volunteer_id, shift):
            logger.info("waitlisted signup %s skipped: overlaps signup %s", candidate.pk, other.pk)
            continue  # they took another shift at that time meanwhile; they keep their place in the queue
        if not _claim_place(shift.pk):
            break
        if SignUp.objects.filter(pk=candidate.pk, status=SignUp.Status.WAITLISTED).update(
            status=SignUp.Status.CONFIRMED
        ):
            candidate.status = SignUp.Status.CONFIRMED
            promoted.append(candidate)
            _notify(candidate, "promoted")
        else:  # cancelled or promoted by someone else meanwhile: give the place back
            _release_place(shift.pk)
    return promoted


@transaction.atomic
def signup_cancel(*, signup: SignUp, by_organizer: bool = False, now: datetime | None = None) -> SignUp:
    """Cancel a sign-up; a freed place goes to the first waitlisted volunteer, in the same transaction."""
    shift = signup.shift
    if not by_organizer and (reason := signups_closed_reason(shift, now)):
        raise ValidationError({"shift": reason})
    old_status = SignUp.objects.values_list("status", flat=True).get(pk=signup.pk)
    if old_status not in (SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED):
        if old_status == SignUp.Status.CANCELLED:
            signup.status = old_status
            return signup  # a second tap on "cancel"
        raise ValidationError({"status": _("Attendance has been recorded for this sign-up; it cannot be cancelled.")})
    # The conditional UPDATE makes two cancellations at once free the place only once.
    if not SignUp.objects.filter(pk=signup.pk, status=old_status).update(status=SignUp.Status.CANCELLED):
        signup.refresh_from_db()
        return signup
    signup.status = SignUp.Status.CANCELLED
    if by_organizer:
        _notify(signup, "removed")
    if old_status == SignUp.Status.CONFIRMED:
        _release_place(shift.pk)
        _fill_from_waitlist(shift, now)
    return signup


@transaction.atomic
def signup_move(*, signup: SignUp, to_shift: Shift) -> SignUp:
    """An organizer moves a volunteer to another shift; their old place goes to the waitlist."""
    old_shift = signup.shift
    if to_shift.pk == old_shift.pk:
        return signup
    if to_shift.event.association_id != old_shift.event.association_id:
        raise ValidationError({"shift": _("This shift belongs to another association.")})
    signup = SignUp.objects.select_related("volunteer").get(pk=signup.pk)
    if signup.status not in (SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED):
        raise ValidationError({"status": _("Only confirmed or waitlisted sign-ups can be moved.")})
    if SignUp.objects.filter(shift=to_shift, volunteer=signup.volunteer, status__in=LIVE).exists():
        raise ValidationError({"shift": _("This volunteer is already signed up for that shift.")})
    _check_eligible(to_shift, signup.volunteer)
    if to_shift.event.status != Event.Status.PUBLISHED:
        raise ValidationError({"shift": _("That shift's event is not open.")})
    if other := _overlapping_confirmed(signup.volunteer_id, to_shift, besides=signup.pk):
        raise _overlap_error(other)
    if not _claim_place(to_shift.pk):
        raise ValidationError({"shift": _("That shift is full.")})
    was_confirmed = signup.status == SignUp.Status.CONFIRMED
    signup.shift = to_shift
    signup.status = SignUp.Status.CONFIRMED
    signup.save(update_fields=["shift", "status"])
    if was_confirmed:
        _release_place(old_shift.pk)
        _fill_from_waitlist(old_shift)
    _notify(signup, "confirmed")
    return signup


# --- Attendance and service hours --------------------------------------------------------------


def _hours_between(start: datetime, end: datetime) -> Decimal:
    seconds = max((end - start).total_seconds(), 0)
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _event_hours(event: Event) -> Decimal:
    return _hours_between(event.starts_at, event.ends_at)


def service_hours_scanned(signup: SignUp) -> Decimal:
    """The time between check-in and check-out, within the shift: travel and waiting are not service."""
    shift, checked_in_at, checked_out_at = signup.shift, signup.checked_in_at, signup.checked_out_at
    if checked_in_at is None or checked_out_at is None:
        raise ValueError(f"sign-up {signup.pk}: hours from scans need both the check-in and the check-out")
    return _hours_between(max(checked_in_at, shift.starts_at), min(checked_out_at, shift.ends_at))


@transaction.atomic
def signup_mark_attendance(*, signup: SignUp, attended: bool) -> SignUp:
    """The organizer's roll call: attended (hours from the scans, else the shift's length) or no-show."""
    signup = SignUp.objects.select_for_update().select_related("shift__event").get(pk=signup.pk)
    if signup.status not in HOLDING:
        raise ValidationError({"status": _("Only volunteers holding a place can be marked attended or no-show.")})
    if attended:
        signup.status = SignUp.Status.ATTENDED
        if signup.checked_in_at and signup.checked_out_at:
            signup.hours, signup.hours_source = service_hours_scanned(signup), SignUp.HoursSource.SCANNED
        elif signup.hours_source != SignUp.HoursSource.MANUAL:
            signup.hours = _hours_between(signup.shift.starts_at, signup.shift.ends_at)
            signup.hours_source = SignUp.HoursSource.ORGANIZER
    else:
        signup.status, signup.hours, signup.hours_source = SignUp.Status.NO_SHOW, None, ""
    signup.save(update_fields=["status", "hours", "hours_source"])
    _figures_changed(signup)
    return signup


@transaction.atomic
def signup_record_hours(*, signup: SignUp, hours: Decimal) -> SignUp:
    """Hours added by hand, capped at the event's length; the sign-up counts as attended."""
    signup = SignUp.objects.select_for_update().select_related("shift__event").get(pk=signup.pk)
    if signup.status not in HOLDING:
        raise ValidationError({"status": _("Only volunteers holding a place can be credited with hours.")})
    hours = Decimal(hours)
    limit = _event_hours(signup.shift.event)
    if hours <= 0:
        raise ValidationError({"hours": _("Enter a number of hours above zero.")})
    if hours > limit:
        raise ValidationError(
            {"hours": _("Hours added by hand cannot exceed the event's length (%(limit)s hours).") % {"limit": limit}}
        )
    signup.status = SignUp.Status.ATTENDED
    signup.hours = hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    signup.hours_source = SignUp.HoursSource.MANUAL
    signup.save(update_fields=["status", "hours", "hours_source"])
    _figures_changed(signup)
    return signup


# --- Shift check-in with the event's staff code -----------------------------------------------------


def staff_code_of(event: Event) -> StaffCode:
    """The event's staff code, made on first use."""
    try:
        return event.staff_code
    except StaffCode.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return StaffCode.objects.create(event=event, code=secrets.token_urlsafe(16))
    except IntegrityError:  # made by a concurrent request
        return StaffCode.objects.get(event=event)


@transaction.atomic
def staff_code_rotate(*, event: Event) -> StaffCode:
    """A new staff code for the event, when the old one was shared too widely."""
    staff_code = staff_code_of(event)
    staff_code.code = secrets.token_urlsafe(16)
    staff_code.save(update_fields=["code"])
    return staff_code


class StaffScanRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code  # "invalid", "no_shift", "outside_window"
        self.message = message


def _signup_for_staff_scan(event: Event, volunteer: Volunteer, now: datetime) -> SignUp:
    signups = list(
        SignUp.objects.filter(shift__event=event, volunteer=volunteer, status__in=HOLDING).select_related("shift")
    )
    if not signups:
        raise StaffScanRefused("no_shift", _("You have no confirmed shift at this event."))
    in_window = [s for s in signups if s.shift.starts_at - STAFF_SCAN_EARLY <= now <= s.shift.ends_at + STAFF_SCAN_LATE]
    if not in_window:
        raise StaffScanRefused("outside_window", _("Your shift is not now: check-in opens two hours before it."))
    # A volunteer with two shifts that day: the one already running, else the next.
    open_ones = [s for s in in_window if s.checked_in_at and not s.checked_out_at]
    if open_ones:
        return open_ones[0]
    not_started = [s for s in in_window if not s.checked_in_at]
    return min(not_started or in_window, key=lambda s: abs((s.shift.starts_at - now).total_seconds()))


@transaction.atomic
def staff_scan(*, code: str, volunteer: Volunteer, now: datetime | None = None) -> tuple[str, SignUp]:
    """A volunteer scanned the event's staff code: check in, or check out the second time.

    Returns ("checked_in" | "checked_out" | "already_checked_in" | "already_checked_out", sign-up).
    Check-out sets the service hours from the scanned times (source "scanned").
    """
    now = now or timezone.now()
    staff_code = StaffCode.objects.select_related("event").filter(code=code).first()
    if staff_code is None:
        raise StaffScanRefused("invalid", _("This staff code is not valid (it may have been replaced)."))
    signup = _signup_for_staff_scan(staff_code.event, volunteer, now)
    # Conditional UPDATEs: two scans at once check in (or out) once.
    if SignUp.objects.filter(pk=signup.pk, checked_in_at__isnull=True).update(checked_in_at=now):
        signup.checked_in_at = now
        return "checked_in", signup
    signup.refresh_from_db()
    if signup.checked_out_at:
        return "already_checked_out", signup
    assert signup.checked_in_at is not None  # the conditional UPDATE above found it set
    if now - signup.checked_in_at < CHECKOUT_MIN_GAP:
        return "already_checked_in", signup
    if not SignUp.objects.filter(pk=signup.pk, checked_out_at__isnull=True).update(checked_out_at=now):
        signup.refresh_from_db()
        return "already_checked_out", signup
    signup.checked_out_at = now
    signup.status = SignUp.Status.ATTENDED
    signup.hours = service_hours_scanned(signup)
    signup.hours_source = SignUp.HoursSource.SCANNED
    signup.save(update_fields=["status", "hours", "hours_source"])
    _figures_changed(signup)
    return "checked_out", signup


def signup_reconcile_taken(*, shift: Shift) -> int:
    """Recount a shift's places from its sign-ups (a repair tool; the services keep them equal)."""
    taken = SignUp.objects.filter(shift=shift, status__in=HOLDING).count()
    Shift.objects.filter(pk=shift.pk).update(taken=taken)
    return taken


# --- Import from Excel or CSV ------------------------------------------------------------------------

# Column headings the import understands, as organizers write them.
IMPORT_COLUMNS = {
    "phone": spreadsheets.PHONE_HEADINGS,
    "name": spreadsheets.NAME_HEADINGS,
    "expert": ("专家", "expert", "專家", "是否专家", "是否專家"),
    "skills": ("技能", "skills", "专长", "專長", "特长"),
    "town": spreadsheets.TOWN_HEADINGS,
    "village": spreadsheets.VILLAGE_HEADINGS,
    "organization": spreadsheets.ORGANIZATION_HEADINGS,
}
YES = {"1", "y", "yes", "true", "是", "√", "专家", "專家"}


@transaction.atomic
def volunteers_import(*, association: Association, file: IO[bytes], invited_by: User | None = None) -> dict:
    """Invite the volunteers of a spreadsheet (.xlsx or .csv, read by `kepu.spreadsheets` within its limits).

    Each row's number gets an invitation (see "Invitations"): the report says "invited" alike for a
    new number and for a volunteer of another association. A number already volunteering here, or
    twice in the file, is a wrong row. All or nothing: when any row is wrong, nothing is recorded (and
    no SMS sent) and `spreadsheets.ImportRefused` names every wrong row, so the organizer corrects the
    file and uploads it again.
    Returns {"invited": n, "rows": [{"row": number, "ok": True, "name": ..., "message": "", "result": "invited"}]}.
    """
    _check_invites_here(association)
    table = spreadsheets.read_table(file, headings=IMPORT_COLUMNS, required=("phone", "name"))
    towns = {r.name: r for r in Region.objects.filter(level=Region.Level.TOWN, parent=association.region)}
    organizations = {o.name: o for o in Organization.objects.filter(association=association)}
    rows_of_phone: dict[str, int] = {}

    def invite(row: spreadsheets.Row) -> dict:
        name = clean_name(table.cell(row, "name"))
        region = None
        if town_name := table.cell(row, "town"):
            if town_name not in towns:
                raise ValidationError({"town": _("Unknown town “%(name)s”.") % {"name": town_name}})
            region = towns[town_name]
            if village_name := table.cell(row, "village"):
                region = Region.objects.filter(parent=region, name=village_name).first()
                if region is None:
                    raise ValidationError(
                        {
                            "village": _("Unknown village “%(name)s” in %(town)s.")
                            % {"name": village_name, "town": town_name}
                        }
                    )
        orgs = []
        if org_name := table.cell(row, "organization"):
            if org_name not in organizations:
                raise ValidationError({"organization": _("Unknown organization “%(name)s”.") % {"name": org_name}})
            orgs = [organizations[org_name]]
        phone = normalize_phone(table.cell(row, "phone"))
        if phone in rows_of_phone:
            raise ValidationError({"phone": _("This number is also in row %(row)d.") % {"row": rows_of_phone[phone]}})
        rows_of_phone[phone] = row.number
        volunteer_invite(
            association=association,
            invited_by=invited_by,
            phone=phone,
            name=name,
            is_expert=table.cell(row, "expert").lower() in YES,
            skills=skills_by_names(_split_skills(table.cell(row, "skills"))),
            organizations=orgs,
            home_region=region,
        )
        return {"row": row.number, "ok": True, "name": name, "message": "", "result": "invited"}

    rows = spreadsheets.import_rows(table, invite)
    return {"invited": len(rows), "rows": rows}


def _split_skills(text: str) -> list[str]:
    return [part for part in re.split(r"[、,，;；/\s]+", text) if part]
