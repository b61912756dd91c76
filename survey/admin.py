from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from events.models import Campaign, Event

from .models import ActivityRule


class ActivityRuleForm(forms.ModelForm):
    # One list of both kinds; the model's clean() refuses a kind of the other sort than the rule matches.
    value = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[
            ("", "—"),
            (_("Event kinds"), Event.Kind.choices),
            (_("Campaign kinds"), Campaign.Kind.choices),
        ],
        help_text=_("The event's kind or the campaign's kind; empty for countryside trips."),
    )

    class Meta:
        model = ActivityRule
        fields = ["row", "match", "value"]


@admin.register(ActivityRule)
class ActivityRuleAdmin(admin.ModelAdmin):
    """The mapping of events onto the national survey's activity rows: one table for the whole installation,
    changed by superusers (organizers see its effect on their form's page)."""

    form = ActivityRuleForm
    list_display = ("__str__", "row", "match", "value")
    list_filter = ("row", "match")
