"""Submissions: an association's year (or a campaign's report) handed up to its parent, frozen as it stood.

A submission is one version: its snapshot (the figures, the hand-entered figures, the by-town table) is
written once and never changed, with the hash of its canonical JSON and the summary files made from it.
The records go on changing; reporting.selectors compares the snapshot with them. A new version never
replaces an old one: each stays, with its own state.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Association, Campaign


class Submission(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")  # waiting for the parent's review
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")
        SUPERSEDED = "superseded", _("Superseded")  # a newer version came before anyone reviewed this one

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="submissions"
    )
    # The association it was handed to (the parent when it was submitted): who reviews it.
    to_association = models.ForeignKey(
        Association, verbose_name=_("submitted to"), on_delete=models.PROTECT, related_name="submissions_received"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
        help_text=_("Empty: the whole year."),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    # The frozen content (reporting.services.snapshot_of) and the SHA-256 of its canonical JSON.
    snapshot = models.JSONField(_("snapshot"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    markdown_file = models.FileField(_("summary (Markdown)"), upload_to="submissions/", blank=True)
    docx_file = models.FileField(_("summary (Word)"), upload_to="submissions/", blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # Two clicks at once make one version each, never two of the same number.
            models.UniqueConstraint(
                fields=["association", "year", "version"],
                condition=Q(campaign__isnull=True),
                name="submission_year_version_once",
            ),
            models.UniqueConstraint(
                fields=["association", "campaign", "version"],
                condition=Q(campaign__isnull=False),
                name="submission_campaign_version_once",
            ),
        ]
        indexes = [models.Index(fields=["to_association", "year", "state"], name="submission_inbox")]

    def __str__(self) -> str:
        what = self.campaign.name if self.campaign_id and self.campaign else str(self.year)
        return f"{self.association} · {what} · v{self.version}"
