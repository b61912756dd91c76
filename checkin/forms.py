from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Region
from kepu.text import NameFormField
from kepu.widgets import TownVillageField

from .models import Attendee


class SelfCheckInForm(forms.Form):
    """The one-screen form behind the poster's QR code."""

    name = NameFormField(label=_("Your name"), max_length=50)
    # No category is preset: a default answers for the person and skews the figures by category.
    category = forms.ChoiceField(label=_("You are"), choices=[("", "---------"), *Attendee.Category.choices])
    # Town first, then its village: village names repeat from town to town (kepu/widgets.py).
    region = TownVillageField(
        label=_("Town or village"), queryset=Region.objects.none(), required=False, allow_town=True
    )
    phone = forms.CharField(label=_("Mobile phone (optional)"), max_length=30, required=False)
    # Filled in by self_checkin.js when the phone gives its location; read by posted_location().
    latitude = forms.CharField(widget=forms.HiddenInput, required=False)
    longitude = forms.CharField(widget=forms.HiddenInput, required=False)
    # The Personal Information Protection Law: consent where personal data is collected (docs/privacy.md).
    consent = forms.BooleanField(
        label=_("I agree that the association keeps what I enter here to count the event's attendance."),
        error_messages={"required": _("Please agree to the privacy notice to check in.")},
    )

    def clean(self):
        data = super().clean()
        data.pop("latitude", None), data.pop("longitude", None)  # the location is no attendee field
        data.pop("consent", None)  # required to get here; no attendee field either
        return data

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "autofocus": True})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


def posted_location(data) -> tuple[float, float] | None:
    """The phone's (latitude, longitude) from a self check-in form, or None: none given, or not a place on
    Earth (dropped, not shown as an error: the person did not type it)."""
    try:
        latitude, longitude = float(data.get("latitude", "")), float(data.get("longitude", ""))
    except (TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # also refuses nan
        return None
    return latitude, longitude
