"""Notifications: one row per message, its delivery state, people's choices, one-time login codes.

A row is written in the same transaction as the change that causes it; a
worker sends it after commit. Its dedupe key (unique) says a message was
already decided, its status (claimed by a conditional UPDATE) who sends it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SIGNUP_CONFIRMED = "signup_confirmed", _("Sign-up confirmed")
    SIGNUP_WAITLISTED = "signup_waitlisted", _("Sign-up waitlisted")
    SIGNUP_PROMOTED = "signup_promoted", _("Promoted from the waitlist")
    SIGNUP_REMOVED = "signup_removed", _("Removed from a shift")
    SHIFT_REMINDER = "shift_reminder", _("Shift reminder")
    EVENT_CHANGED = "event_changed", _("Event changed")
    EVENT_CANCELLED = "event_cancelled", _("Event cancelled")
    REGISTRATION = "registration", _("Registration confirmed")
    LOGIN_CODE = "login_code", _("Login code")
    VOLUNTEER_INVITATION = "volunteer_invitation", _("Volunteer invitation")
    SUBMISSION_ACCEPTED = "submission_accepted", _("Submission accepted")
    SUBMISSION_RETURNED = "submission_returned", _("Submission returned")


# Nobody may opt out of these: a code they asked for, and an event that will not happen.
MANDATORY_KINDS = (Kind.LOGIN_CODE, Kind.EVENT_CANCELLED)


class Notification(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        SUPPRESSED = "suppressed", _("Suppressed (opted out)")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # No choices: the channels are a setting (NOTIFICATIONS_CHANNELS), so adding one needs no migration.
    channel = models.CharField(_("channel"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    association = models.ForeignKey(
        "events.Association",
        verbose_name=_("association"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    attendee = models.ForeignKey(
        "checkin.Attendee",
        verbose_name=_("attendee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient_name = models.CharField(_("recipient"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=254, blank=True, help_text=_("Phone number or e-mail"))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    # What a channel may need besides the text, e.g. the ticket code to attach as a QR image.
    extra = models.JSONField(_("extra data"), default=dict, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False, help_text=_("Sent during quiet hours too."))
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    permanent_error = models.BooleanField(_("permanent error"), default=False)
    scheduled_at = models.DateTimeField(_("scheduled for"), default=timezone.now)
    # When a worker may next try: scheduled_at at first, later the retry time or the end of quiet hours.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When the row was last handed to the broker; the sweep re-dispatches rows nobody took.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    # The lease of the worker that claimed the row; a 'sending' row older than the lease is taken back.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["event", "kind"], name="notification_event_kind"),
            models.Index(fields=["user", "read_at"], condition=Q(channel="inbox"), name="notification_inbox_unread"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_name or self.address} ({self.channel})"


class Preference(models.Model):
    """How one user wants to hear from Kepu."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    channel = models.CharField(_("preferred channel"), max_length=20, default="sms")
    opted_out = models.JSONField(_("kinds opted out of"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.channel}"


class LoginCode(models.Model):
    """A one-time code sent by SMS; only its hash is kept."""

    phone = models.CharField(_("mobile phone"), max_length=20, db_index=True)
    code_hash = models.CharField(_("code hash"), max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["phone", "created_at"], name="logincode_phone_created")]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M}"
