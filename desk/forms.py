"""The desk's forms. They only take input: the views hand the cleaned data to the apps' services, and every
choice (campaign, venue, partners) is limited to what the organizer may write (kepu.access)."""

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Campaign, Event, Organization, Region
from kepu import access
from kepu.widgets import TownVillageField, TownVillageMultipleField
from stats.figures import TARGET_CHOICES
from stats.models import CampaignTarget
from volunteers.models import Shift, Skill

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label, *, required=True, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class EventForm(forms.ModelForm):
    """Plan or change an event. The venue is chosen town first; cancelling has its own page."""

    venue = TownVillageField(label=pgettext_lazy("desk", "Venue"))
    starts_at = _datetime_field(_("Starts at"))
    ends_at = _datetime_field(_("Ends at"))
    checkin_opens_at = _datetime_field(
        _("Check-in opens at"), required=False, help_text=_("Empty: an hour before the start.")
    )
    checkin_closes_at = _datetime_field(
        _("Check-in closes at"), required=False, help_text=_("Empty: half an hour after the end.")
    )
    partners: "forms.ModelMultipleChoiceField[Organization]" = forms.ModelMultipleChoiceField(
        label=_("Partner organizations"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "campaign",
            "venue",
            "starts_at",
            "ends_at",
            "audience",
            "capacity",
            "is_countryside_trip",
            "checkin_opens_at",
            "checkin_closes_at",
            "partners",
            "description",
            "status",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = access.campaigns_to_plan_in(user).exclude(status=Campaign.Status.CLOSED)
        self.fields["venue"].queryset = access.venues_for_write(user)
        self.fields["partners"].queryset = access.organizations_for_write(user).order_by("kind", "name")
        # Cancelling tells everybody concerned: it is the cancel page's, not a status to pick here.
        self.fields["status"].choices = [
            (value, label) for value, label in Event.Status.choices if value != Event.Status.CANCELLED
        ]
        if self.instance.pk and self.instance.status == Event.Status.CANCELLED:
            self.fields["status"].disabled = True
            self.fields["status"].choices = Event.Status.choices


class ShiftForm(forms.ModelForm):
    """A row of the event form's shifts. Empty times take the event's."""

    starts_at = _datetime_field(_("Starts at"), required=False)
    ends_at = _datetime_field(_("Ends at"), required=False)
    required_skills = forms.ModelMultipleChoiceField(
        label=_("Required skills"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Shift
        fields = ["role", "starts_at", "ends_at", "capacity", "expert_only", "required_skills"]
        widgets = {"capacity": forms.NumberInput(attrs={"min": 1, "class": "short"})}


def shift_formset(*, extra: int):
    """The event form's shifts: the event's own, and `extra` empty rows for new ones."""
    return forms.modelformset_factory(Shift, form=ShiftForm, extra=extra, can_delete=True, can_delete_extra=False)


class CopyForm(forms.Form):
    """Copy an event to several venues at once (a 三下乡 trip to several villages), one copy each."""

    venues = TownVillageMultipleField(
        label=_("Venues"), help_text=_("One copy per venue chosen: pick the town, then its villages' venues.")
    )
    starts_at = _datetime_field(
        _("New start"), help_text=_("The copies' start; their end, check-in and shifts move along.")
    )
    with_shifts = forms.BooleanField(label=_("Copy the shifts too"), required=False, initial=True)

    def __init__(self, *args, user, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["venues"]).queryset = access.venues_for_write(user)
        self.fields["starts_at"].initial = timezone.localtime(event.starts_at)


class CampaignForm(forms.ModelForm):
    """A campaign with its targets, one field per figure (empty: no target)."""

    class Meta:
        model = Campaign
        fields = ["name", "kind", "starts_on", "ends_on", "lead_organization", "status", "description"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_organization"].queryset = access.organizations_for_write(user)
        current = {}
        if self.instance.pk:
            current = dict(CampaignTarget.objects.filter(campaign=self.instance).values_list("figure", "target"))
        for figure, label in TARGET_CHOICES:
            self.fields[f"target_{figure}"] = forms.DecimalField(
                label=label, required=False, min_value=0.1, max_digits=12, decimal_places=1, initial=current.get(figure)
            )

    def target_fields(self):
        return [self[name] for name in self.fields if name.startswith("target_")]

    def targets(self) -> dict:
        return {figure: self.cleaned_data.get(f"target_{figure}") for figure, _label in TARGET_CHOICES}


class PlanFilterForm(forms.Form):
    """The plan's filters: town, kind, campaign (and, on the list, which events)."""

    PERIODS = [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))]

    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Region.objects.none(), required=False, empty_label=_("All towns")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *Event.Kind.choices], required=False)
    campaign = forms.ModelChoiceField(
        label=pgettext_lazy("desk", "Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("All campaigns"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Event.Status.choices], required=False
    )
    period = forms.ChoiceField(label=_("When"), choices=PERIODS, required=False)

    def __init__(self, *args, user, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        self.fields["campaign"].queryset = access.campaigns_for_read(user)
