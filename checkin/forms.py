from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Region
from kepu.text import NameFormField

from .models import Attendee


class SelfCheckInForm(forms.Form):
    """The one-screen form behind the poster's QR code."""

    name = NameFormField(label=_("Your name"), max_length=50)
    category = forms.ChoiceField(label=_("You are"), choices=Attendee.Category.choices)
    region = forms.ModelChoiceField(label=_("Town or village"), queryset=Region.objects.none(), required=False)
    phone = forms.CharField(label=_("Mobile phone (optional)"), max_length=30, required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "autofocus": True})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
