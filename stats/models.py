"""The tallies: figures computed from the records, and what keeps them fresh.

A Tally holds the figures of one scope (an event, a campaign, a period of an
association) as computed at `computed_at` from `record_counts` records. A
TallyMarker is the database's note that a scope needs recomputing: it is
written in the same transaction as the change that made it stale, so a lost
Celery message never loses a tally (the beat sweep finds the marker).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Association, Campaign, Event

from . import figures


class Tally(models.Model):
    class Scope(models.TextChoices):
        EVENT = "event", _("Event")
        CAMPAIGN = "campaign", _("Campaign")
        PERIOD = "period", _("Period")

    key = models.CharField(_("key"), max_length=100, unique=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="tallies"
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), null=True, blank=True, on_delete=models.CASCADE, related_name="tallies"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.CASCADE, related_name="tallies"
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    # Every figure of the scope (stats.figures.FIGURES, docs/figures.md) under its name; keyed ones (outputs…) nest.
    figures = models.JSONField(_("figures"), default=dict)
    breakdowns = models.JSONField(_("breakdowns"), default=dict)
    # figure → {"scanned": n, "manual": n, "estimated": n}
    evidence = models.JSONField(_("evidence"), default=dict)
    record_counts = models.JSONField(_("records counted"), default=dict)
    # When the computation started: a slower, older computation never overwrites a newer one.
    computed_at = models.DateTimeField(_("computed at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class TallyMarker(models.Model):
    """A scope whose tally is stale: `version` counts requests (those made after commit only while no queued
    run is due to see them, see stats.services._run_will_see), `done_version` the last one computed."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    scope = models.JSONField(_("scope"))
    version = models.PositiveBigIntegerField(_("requests"), default=1)
    done_version = models.PositiveBigIntegerField(_("requests computed"), default=0)
    requested_at = models.DateTimeField(_("last requested at"))
    # Set when a run was sent to the queue: further requests within the debounce ride along.
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    # The queued run's countdown ends here; nobody claims the marker before then, so the check-in path
    # may skip its look at the marker until shortly before (stats.services.QueuedRuns).
    run_after = models.DateTimeField(_("queued run due at"), null=True, blank=True)
    # A worker's claim; a claim whose worker died expires and the sweep hands the work on.
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    lease_token = models.CharField(_("claim token"), max_length=40, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("tally marker")
        verbose_name_plural = _("tally markers")
        indexes = [
            models.Index(
                fields=["requested_at"], name="stats_marker_dirty", condition=Q(version__gt=models.F("done_version"))
            )
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_dirty(self) -> bool:
        return self.version > self.done_version


class CampaignTarget(models.Model):
    """What a campaign set out to reach, compared with its tally."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="targets")
    figure = models.CharField(_("figure"), max_length=40, choices=figures.TARGET_CHOICES)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=1)

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "figure"], name="campaign_target_once_per_figure"),
            models.CheckConstraint(condition=Q(target__gt=0), name="campaign_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.get_figure_display()} {self.target}"


class AnnualFigure(models.Model):
    """A figure of the summary that no Kepu record holds (books in libraries, display windows…), entered by hand."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="annual_figures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.SlugField(_("placeholder name"), max_length=50, help_text=_("Used as {manual.NAME} in the summary."))
    label = models.CharField(_("label"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=1)

    class Meta:
        verbose_name = _("hand-entered figure")
        verbose_name_plural = _("hand-entered figures")
        ordering = ["year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "year", "name"], name="annual_figure_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.label or self.name}: {self.value}"


class SummaryTemplate(models.Model):
    """The narrative of the annual summary in one language, with {placeholders} for the figures."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="summary_templates"
    )
    language = models.CharField(_("language"), max_length=10)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {figure} rounded the way reports write it, {figure:exact}, {figure:pct}, "
            "{figure:near}, {figure:about}; nested ones as {outputs.materials}; hand-entered ones as {manual.NAME}."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("summary template")
        verbose_name_plural = _("summary templates")
        constraints = [
            models.UniqueConstraint(fields=["association", "language"], name="summary_template_once_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.association} · {self.language}"
