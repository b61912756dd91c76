"""Which events count in which row of the national survey's activity table (全国科普统计调查, 科普活动).

The survey asks for lectures, exhibitions, contests, trainings, science week, 三下乡… as sessions and
person-times; Kepu's events have their own kinds and campaigns. `ActivityRule` is the one table that
says which events fill which row, so an administrator who reads the year's form differently changes a
row here instead of the code (survey.national_form reads it; docs/national-form.md lists the defaults,
which the migration `0002_default_rules` wrote).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Campaign, Event


class ActivityRow(models.TextChoices):
    """The rows of the survey's activity table, in the form's order."""

    LECTURE = "lecture", _("Science lectures")
    EXHIBITION = "exhibition", _("Special exhibitions")
    CONTEST = "contest", _("Science contests")
    INTERNATIONAL = "international", _("International exchanges")
    INTEREST_GROUP = "interest_group", _("Youth science interest groups")
    CAMP = "camp", _("Science summer and winter camps")
    SCIENCE_WEEK = "science_week", _("Science and technology week")
    OPEN_INSTITUTE = "open_institute", _("Universities and institutes open to the public")
    TRAINING = "training", _("Practical-technique trainings")
    COUNTRYSIDE = "countryside", _("Three to the countryside")
    MAJOR = "major", _("Major science-popularization activities")


class ActivityRule(models.Model):
    """Events matching this rule count in this row. A row takes every event matched by any of its rules,
    each once; an event may count in several rows (a lecture of the science week is a lecture and a
    science-week activity, as the survey counts it), but an event kind fills one row at most."""

    class Match(models.TextChoices):
        EVENT_KIND = "event_kind", _("Events of the kind")
        CAMPAIGN_KIND = "campaign_kind", _("Events of a campaign of the kind")
        COUNTRYSIDE_TRIP = "countryside_trip", _("Events marked as a countryside trip")

    row = models.CharField(_("row of the survey"), max_length=20, choices=ActivityRow.choices)
    match = models.CharField(_("events matched by"), max_length=20, choices=Match.choices)
    value = models.CharField(
        _("kind"),
        max_length=20,
        blank=True,
        help_text=_("The event's kind or the campaign's kind; empty for countryside trips."),
    )

    class Meta:
        verbose_name = _("activity mapping rule")
        verbose_name_plural = _("activity mapping rules")
        ordering = ["row", "match", "value"]
        constraints = [
            models.UniqueConstraint(fields=["row", "match", "value"], name="activity_rule_unique"),
            # Lectures, exhibitions, contests and trainings are separate rows of the survey: one event
            # counted in two of them would count one session twice in the table's kinds.
            models.UniqueConstraint(
                fields=["value"], condition=Q(match="event_kind"), name="activity_rule_one_row_per_event_kind"
            ),
            models.CheckConstraint(
                condition=Q(match="countryside_trip", value="") | (~Q(match="countryside_trip") & ~Q(value="")),
                name="activity_rule_kind_given_unless_trip",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.describe()} → {self.get_row_display()}"

    def describe(self) -> str:
        """The events it matches, in words."""
        if self.match == self.Match.EVENT_KIND:
            return f"{self.get_match_display()}: {dict(Event.Kind.choices).get(self.value, self.value)}"
        if self.match == self.Match.CAMPAIGN_KIND:
            return f"{self.get_match_display()}: {dict(Campaign.Kind.choices).get(self.value, self.value)}"
        return str(self.get_match_display())

    def clean(self) -> None:
        kinds: dict[str, list[str]] = {
            self.Match.EVENT_KIND: Event.Kind.values,
            self.Match.CAMPAIGN_KIND: Campaign.Kind.values,
        }
        if self.match == self.Match.COUNTRYSIDE_TRIP:
            if self.value:
                raise ValidationError({"value": _("A countryside-trip rule names no kind.")})
        elif self.match in kinds and self.value not in kinds[self.match]:
            raise ValidationError({"value": _("Choose a kind of the events or campaigns this rule matches.")})
