"""Attendees, their registrations (the QR codes), check-ins and headcounts.

Core fields laid down with the foundation so that the tallies can build on
them; the check-in issue adds the rest.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Association, Campaign, Event, Organization, Region


class Attendee(models.Model):
    """A person known by name: a farmer, student, resident… No account, no app."""

    class Category(models.TextChoices):
        FARMER = "farmer", _("Farmer")
        STUDENT = "student", _("Student")
        RESIDENT = "resident", _("Resident")
        CADRE = "cadre", _("Cadre")
        TEACHER = "teacher", _("Teacher")
        OTHER = "other", _("Other")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="attendees"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.RESIDENT)
    region = models.ForeignKey(
        Region,
        verbose_name=_("town or village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendees",
    )
    school = models.ForeignKey(
        Organization,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="students",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Registration(models.Model):
    """An attendee known in advance for an event or a whole campaign, with the code their QR carries."""

    attendee = models.ForeignKey(
        Attendee, verbose_name=_("attendee"), on_delete=models.PROTECT, related_name="registrations"
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    code = models.CharField(_("code"), max_length=64, unique=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(event__isnull=False, campaign__isnull=True) | Q(event__isnull=True, campaign__isnull=False),
                name="registration_for_event_or_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attendee} · {self.event or self.campaign}"


def counted_checkins(prefix: str = "") -> Q:
    """The check-ins the figures count: live (not annulled) and not held for an organizer's review.

    The tally index `checkin_live_tally_idx` has this condition; the raw SQL of the tallies spells it
    COUNTED_CHECKINS_SQL. `prefix` reaches the check-ins from another model ("checkins__").
    """
    # No parameter in it (IS NULL, NOT column): a prepared statement's generic plan can still prove that
    # its query implies the partial index's condition.
    return Q(**{f"{prefix}annulled_at__isnull": True, f"{prefix}awaiting_review": False})


COUNTED_CHECKINS_SQL = "annulled_at IS NULL AND NOT awaiting_review"  # counted_checkins(), for hand-written SQL


class CheckIn(models.Model):
    """One attendee recorded as present at one event, once."""

    class Method(models.TextChoices):
        STAFF_SCAN = "staff_scan", _("Scanned by staff")
        SELF = "self", _("Self check-in")
        OFFLINE = "offline", _("Offline scanner batch")
        PAPER = "paper", _("From a paper sign-in sheet")
        MANUAL = "manual", _("Entered by hand")

    class Review(models.TextChoices):
        NONE = "", _("Not decided")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    class Flag(models.TextChoices):
        """Why a self check-in waits for an organizer's review (several may apply)."""

        BURST = "burst", _("Many self check-ins from one network or at one event in a short time")
        FAR_FROM_VENUE = "far_from_venue", _("The phone was far from the venue")
        NO_LOCATION = "no_location", _("The phone gave no location")
        PHONE_CONFLICT = "phone_conflict", _("The phone number belongs to an attendee with another name")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="checkins")
    attendee = models.ForeignKey(
        Attendee, verbose_name=_("attendee"), on_delete=models.PROTECT, related_name="checkins"
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checkins",
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    # The scanner's idempotency key: a retried upload returns the first answer.
    client_id = models.UUIDField(_("client id"), default=uuid.uuid4, unique=True)
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    device = models.CharField(_("device"), max_length=100, blank=True)
    gate = models.CharField(_("gate"), max_length=50, blank=True)
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when the scanner's clock claimed a time far in the future (accepted, but worth a look), and on every
    # self check-in held for review.
    flagged = models.BooleanField(_("flagged"), default=False)
    # A flagged self check-in waits for an organizer to accept or reject it (`review`), and the figures leave
    # it out until then (counted_checkins). It stays the person's live check-in meanwhile: they are not
    # checked in twice. Rejecting annuls it. Database defaults: rows written by hand-made INSERTs need none.
    awaiting_review = models.BooleanField(_("awaiting review"), default=False, db_default=False)
    review = models.CharField(_("review"), max_length=10, choices=Review.choices, blank=True, default="", db_default="")
    flag_reasons = models.CharField(
        _("reasons for review"),
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text=_("Comma-separated codes: burst, far_from_venue, no_location, phone_conflict."),
    )
    # phone_conflict: the attendee whose phone number was entered with another name (the organizer may merge).
    phone_conflict_with = models.ForeignKey(
        Attendee,
        verbose_name=_("phone number belongs to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # written on few rows and read with them: no index on the scan path's INSERT
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The attendee's category and home region, copied onto the check-in so that the tallies group a year of
    # check-ins without joining the attendees (a join of a million rows costs more than the grouping itself).
    # Written with the check-in and kept in step by services.attendee_save; never edited on their own.
    attendee_category = models.CharField(
        _("attendee's category"), max_length=20, choices=Attendee.Category.choices, editable=False
    )
    attendee_region = models.ForeignKey(
        Region,
        verbose_name=_("attendee's home region"),
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            # Settles races between phones: one live check-in per attendee and event.
            models.UniqueConstraint(
                fields=["event", "attendee"], condition=Q(annulled_at__isnull=True), name="checkin_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["event", "scanned_at"]),
            # The tallies' pass over the counted check-ins: grouped by event, category and method straight from
            # the index (PostgreSQL reads it without the table), with the region and the person for coverage
            # and distinct students. Its condition is counted_checkins().
            models.Index(
                fields=["event", "attendee_category", "method", "attendee_region", "attendee"],
                condition=counted_checkins(),
                name="checkin_live_tally_idx",
            ),
            # The organizer's list of self check-ins waiting for review.
            models.Index(fields=["event"], condition=Q(awaiting_review=True), name="checkin_awaiting_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.attendee} @ {self.event}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.attendee_category and self.attendee_id:
            # Written by hand (the services pass the copy in their INSERTs): take it from the attendee.
            self.attendee_category, self.attendee_region_id = Attendee.objects.filter(id=self.attendee_id).values_list(
                "category", "region_id"
            )[0]
        super().save(*args, **kwargs)


class Headcount(models.Model):
    """A counted crowd at an open event where people are not identified one by one."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="headcounts")
    count = models.PositiveIntegerField(_("people counted"))
    counted_at = models.DateTimeField(_("counted at"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # After the event an organizer accepts the count as reported or corrects it (services.headcount_accept,
    # headcount_correct); a corrected count keeps the figure first reported here.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_count = models.PositiveIntegerField(_("count as reported"), null=True, blank=True)

    class Meta:
        verbose_name = _("headcount")
        verbose_name_plural = _("headcounts")

    def __str__(self) -> str:
        return f"{self.event}: {self.count}"


class ScanLog(models.Model):
    """Every scan attempt, answered or refused, as the scanner saw it.

    The check-ins are the figures; this is the evidence behind them: failed
    scans (fraud attempts, broken codes), duplicates, annulments. A scan's
    `client_id` keys its stored answer, so a retried upload gets the same
    answer back and writes nothing.
    """

    class Status(models.TextChoices):
        OK = "ok", _("Checked in")
        ALREADY = "already_checked_in", _("Already checked in")
        INVALID = "invalid", _("Invalid code")
        WRONG_EVENT = "wrong_event", _("Registered for another event")
        OUTSIDE_WINDOW = "outside_window", _("Outside the check-in window")
        REVOKED = "revoked", _("Registration revoked")
        ANNULLED = "annulled", _("Check-in annulled")
        # An offline scan dated more than a day ahead: refused in the batch's answer, never stored.
        SCANNED_IN_FUTURE = "scanned_in_future", _("Dated more than a day ahead")

    client_id = models.UUIDField(_("client id"), null=True, blank=True, unique=True)
    # Written on every scan: only the indexes that reads use (event is led by the composite index below).
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scan_logs",
        db_index=False,
    )
    code = models.CharField(_("code scanned"), max_length=64, blank=True)
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scan_logs",
    )
    checkin = models.ForeignKey(
        CheckIn,
        verbose_name=_("check-in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scan_logs",
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    method = models.CharField(_("method"), max_length=20, choices=CheckIn.Method.choices)
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    device = models.CharField(_("device"), max_length=100, blank=True)
    gate = models.CharField(_("gate"), max_length=50, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    # The answer as first given (status, attendee, times), replayed for a repeated client_id.
    answer = models.JSONField(_("answer"), default=dict)

    class Meta:
        verbose_name = _("scan log entry")
        verbose_name_plural = _("scan log")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["event", "status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.code} → {self.status}"


class PosterCode(models.Model):
    """The code on an event's self check-in poster (/c/<code>/); rotating it retires the printed one."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="poster_codes")
    code = models.CharField(_("code"), max_length=32, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("poster code")
        verbose_name_plural = _("poster codes")
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(retired_at__isnull=True), name="postercode_one_live_per_event"
            ),
        ]

    def __str__(self) -> str:
        return self.code
