"""Forms of the volunteer phone pages and the organizer's import."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Association, Region
from kepu.text import NameFormField

from . import services
from .models import Skill


class PhoneField(forms.CharField):
    """A mainland mobile number, normalized to E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile phone"))
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel", "placeholder": "13812345678"})

    def clean(self, value):
        value = super().clean(value)
        try:
            return services.normalize_phone(value)
        except ValidationError as invalid:
            raise ValidationError(invalid.message_dict["phone"]) from None


class LoginForm(forms.Form):
    phone = PhoneField()
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class RegisterForm(forms.Form):
    phone = PhoneField()
    name = NameFormField(label=pgettext_lazy("person", "Name"), max_length=50)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), min_length=8
    )
    association = forms.ModelChoiceField(label=_("Association"), queryset=Association.objects.all())
    home_region = forms.ModelChoiceField(
        label=_("Home town"),
        queryset=Region.objects.filter(level=Region.Level.TOWN),
        required=False,
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    # The Personal Information Protection Law: consent where personal data is collected (docs/privacy.md).
    consent = forms.BooleanField(
        label=_(
            "I agree that the association keeps my name, phone number, skills and service record to arrange "
            "volunteering and count service hours."
        ),
        error_messages={"required": _("Please agree to the privacy notice to register.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A county association first: that is where volunteers serve.
        associations = Association.objects.order_by("parent_id", "name")
        self.fields["association"].queryset = associations
        if associations.filter(parent__isnull=False).count() == 1:
            self.fields["association"].initial = associations.get(parent__isnull=False).pk
        elif associations.count() == 1:
            self.fields["association"].initial = associations.get().pk

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            try:
                password_validation.validate_password(cleaned["password"])
            except ValidationError as invalid:
                self.add_error("password", invalid)
        return cleaned


class EventFilterForm(forms.Form):
    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Region.objects.filter(level=Region.Level.TOWN), required=False
    )
    on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    skill = forms.ModelChoiceField(label=_("Skill"), queryset=Skill.objects.all(), required=False)

    def __init__(self, *args, association: Association | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if association is not None:  # the towns of the volunteer's own county
            town = self.fields["town"]
            assert isinstance(town, forms.ModelChoiceField)
            town.queryset = Region.objects.filter(level=Region.Level.TOWN, parent=association.region)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))


class JoinForm(forms.Form):
    """A new number accepting an invitation: the password of the account, and consent."""

    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), min_length=8
    )
    consent = forms.BooleanField(
        label_suffix="",
        label=_("I agree to volunteer with this association and to its keeping my name, phone and service record."),
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class MoveForm(forms.Form):
    """A volunteer of another association accepting an invitation: they confirm the move."""

    confirm = forms.BooleanField(label=_("Yes, move me to this association."), label_suffix="")
