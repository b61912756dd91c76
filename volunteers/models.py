"""Volunteers, the shifts they staff and their sign-ups.

Core fields laid down with the foundation so that check-in and the tallies
can build on them; the volunteers issue adds the rest.
"""

import hashlib
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Association, Event, Organization, Region
from kepu.phones import mask_phone


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A volunteer's profile. The user's username is the normalized mobile number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="volunteer"
    )
    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="volunteers"
    )
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, help_text=_("E.164, e.g. +8613812345678"))
    name = models.CharField(_("name"), max_length=50)
    is_expert = models.BooleanField(_("expert or science worker"), default=False)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="volunteers")
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("organizations"), blank=True, related_name="volunteers"
    )
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home town or village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteers",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The secret in the private iCalendar URL; made on first use, replaced to revoke old subscriptions.
    calendar_token = models.CharField(_("calendar token"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """A volunteer role at an event, with a time and a number of places."""

    class Role(models.TextChoices):
        LECTURER = "lecturer", _("Expert lecturer")
        CONSULTANT = "consultant", _("Consultant")
        REGISTRATION = "registration", _("Registration desk")
        SCANNER = "scanner", _("Scanner")
        GUIDE = "guide", _("Guide")
        OTHER = "other", _("Other")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="shifts")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    # Confirmed places taken. Sign-ups claim a place with one conditional
    # UPDATE (taken < capacity), which holds under concurrency on SQLite too.
    taken = models.PositiveIntegerField(_("places taken"), default=0, editable=False)
    required_skills = models.ManyToManyField(Skill, verbose_name=_("required skills"), blank=True)
    expert_only = models.BooleanField(_("experts only"), default=False)
    signup_deadline = models.DateTimeField(_("sign-up deadline"), null=True, blank=True)

    # Not stored: set on the shifts of an event's page for display (volunteers.views.event_detail).
    my_signup: "SignUp | None"
    closed_reason: str | None
    ineligible_reason: str | None
    team: list[tuple[str, str]]  # (name, masked phone)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "role"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(taken__lte=F("capacity")), name="shift_taken_within_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.get_role_display()}"


class SignUp(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    class HoursSource(models.TextChoices):
        SCANNED = "scanned", _("Scanned in and out")
        ORGANIZER = "organizer", _("Confirmed by organizer")
        MANUAL = "manual", _("Added by hand")

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    hours = models.DecimalField(_("service hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    hours_source = models.CharField(_("hours recorded by"), max_length=20, choices=HoursSource.choices, blank=True)

    position: int | None  # not stored: the waitlist position, set for display (selectors.waitlist_position)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [
            # One live sign-up per volunteer and shift; cancelling frees the slot to sign up again.
            models.UniqueConstraint(
                fields=["shift", "volunteer"], condition=~Q(status="cancelled"), name="signup_one_live_per_shift"
            ),
            models.CheckConstraint(condition=Q(hours__isnull=True) | Q(hours__gte=0), name="signup_hours_not_negative"),
        ]
        indexes = [models.Index(fields=["shift", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.shift}"


# Places are held by sign-ups whose status is in HOLDING; a volunteer has one LIVE sign-up per shift at most.
HOLDING = (SignUp.Status.CONFIRMED, SignUp.Status.ATTENDED, SignUp.Status.NO_SHOW)
LIVE = (*HOLDING, SignUp.Status.WAITLISTED)

STAR_LEVELS = (100, 300, 600, 1000, 1500)  # hours for one to five stars (national volunteer star rating)


def star_level(hours: Decimal | float) -> int:
    """0 to 5 stars for a volunteer's total service hours."""
    return sum(1 for threshold in STAR_LEVELS if hours >= threshold)


def next_star_threshold(hours: Decimal | float) -> int | None:
    return next((threshold for threshold in STAR_LEVELS if hours < threshold), None)


class StaffCode(models.Model):
    """The code of an event's staff QR: volunteers scan it to check in and out of their shift.

    Shown to organizers only; kept apart from the attendees' codes so an
    attendee poster never checks a volunteer in, nor the other way round.
    """

    event = models.OneToOneField(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="staff_code")
    code = models.CharField(_("code"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff code")
        verbose_name_plural = _("staff codes")

    def __str__(self) -> str:
        return f"{self.event}"


class VolunteerInvitation(models.Model):
    """An organizer asked a phone number to volunteer with their association; the person answers on the phone.

    Organizers add volunteers through invitations, whether the number is new or already a volunteer
    elsewhere, so adding one answers the same for both and tells nobody who is registered where.
    Only the link token's SHA-256 is kept: the link in the SMS is the one way to accept.
    """

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="invitations"
    )
    phone = models.CharField(_("mobile phone"), max_length=20, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    is_expert = models.BooleanField(_("expert or science worker"), default=False)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    organizations = models.ManyToManyField(Organization, verbose_name=_("organizations"), blank=True, related_name="+")
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home town or village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_hash = models.CharField(_("link token (SHA-256)"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # The volunteer who accepted (created or moved here); empty while pending.
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )

    class Meta:
        verbose_name = _("volunteer invitation")
        verbose_name_plural = _("volunteer invitations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["association", "phone"], name="invitation_association_phone")]

    def __str__(self) -> str:
        return f"{self.name} → {self.association}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def status_at(self, now: datetime) -> str:
        """One of "accepted", "expired" and "pending"."""
        if self.accepted_at:
            return "accepted"
        return "expired" if now >= self.expires_at else "pending"


def invitation_token_hash(token: str) -> str:
    """What is kept of an invitation link's token (VolunteerInvitation.token_hash)."""
    return hashlib.sha256(token.encode()).hexdigest()
