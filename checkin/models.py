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


class CheckIn(models.Model):
    """One attendee recorded as present at one event, once."""

    class Method(models.TextChoices):
        STAFF_SCAN = "staff_scan", _("Scanned by staff")
        SELF = "self", _("Self check-in")
        OFFLINE = "offline", _("Offline scanner batch")
        PAPER = "paper", _("From a paper sign-in sheet")
        MANUAL = "manual", _("Entered by hand")

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

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            # Settles races between phones: one live check-in per attendee and event.
            models.UniqueConstraint(
                fields=["event", "attendee"], condition=Q(annulled_at__isnull=True), name="checkin_once_per_event"
            ),
        ]
        indexes = [models.Index(fields=["event", "scanned_at"])]

    def __str__(self) -> str:
        return f"{self.attendee} @ {self.event}"


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

    class Meta:
        verbose_name = _("headcount")
        verbose_name_plural = _("headcounts")

    def __str__(self) -> str:
        return f"{self.event}: {self.count}"
