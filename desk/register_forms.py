"""The forms of the association's registers on the desk (desk/views/registers.py). They take input and ask the
registers' services whether a record may be saved, so a refusal reads as the API's does, in the user's
language; the views then save through the same services. Every choice a record links to (a town or
village of the county, partners, events) is limited to what the organizer may write (kepu.access)."""

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events import services as event_services
from events.models import YEAR_MAX, Event, Organization, OrganizationSupport, Region
from events.selectors import region_descendant_ids
from kepu import access
from kepu.widgets import TownVillageField
from outreach import services
from outreach.models import (
    Contest,
    ContestEntry,
    DemonstrationBase,
    FundingRecord,
    MediaColumn,
    NewsReport,
    Site,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, *, required=True, help_text="") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, widget=DATE_WIDGET)


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Year"), min_value=1900, max_value=YEAR_MAX, widget=forms.NumberInput(attrs={"class": "short"})
    )


def _count_field(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=10_000_000, initial=0)


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal onto the form: on its field where the form has one, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def places_of(user) -> "forms.ModelChoiceField[Region]":
    """A town or village of the organizer's county, town first; none chosen is the county itself."""
    association = access.association_of(user)
    county = association.region if association else None
    ids = [pk for pk in region_descendant_ids(county) if pk != county.pk] if county else []
    field = TownVillageField(
        queryset=Region.objects.filter(id__in=ids).order_by("name"),
        allow_town=True,
        required=False,
        label=_("Town or village"),
        help_text=_("Choose the town, then its village; the town alone for a town's, none for the county's own."),
    )
    return field


class RegisterForm(forms.ModelForm):
    """A record of a register. The model's field checks, then its service's (`check`); the database's
    constraints are left to the services, which say the same thing in the user's words."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def check(self, record) -> None:
        """Raise the service's ValidationError for a record that may not be saved."""

    def _post_clean(self):
        # As ModelForm's, without validate_constraints: a CheckConstraint's message is Django's English one.
        opts = self._meta
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        except ValidationError as invalid:
            self._update_errors(invalid)
        try:
            self.instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as invalid:
            self._update_errors(invalid)
        if not self.errors:
            try:
                self.check(self.instance)
            except ValidationError as invalid:
                add_errors(self, invalid)

    def clean_region(self):
        # No town or village chosen: the county itself (a county-level site, a county-wide society).
        region = self.cleaned_data.get("region")
        if region is None and self._meta.model is not Organization:
            association = access.association_of(self.user)
            region = association.region if association else None
        return region


class OrganizationForm(RegisterForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "region", "founded_on", "dissolved_on"]
        widgets = {"founded_on": DATE_WIDGET, "dissolved_on": DATE_WIDGET}
        help_texts = {"dissolved_on": _("The first day it no longer exists (deregistered, merged).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = places_of(self.user)
        self.fields["region"].help_text = _("Empty: none in particular (a county-wide society).")

    def check(self, record) -> None:
        event_services.organization_validate(record)


class SiteForm(RegisterForm):
    class Meta:
        model = Site
        fields = ["name", "kind", "region", "built_on", "retired_on", "note"]
        widgets = {"built_on": DATE_WIDGET, "retired_on": DATE_WIDGET}
        help_texts = {"retired_on": _("The first day it is gone (taken down, closed); empty while it stands.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = places_of(self.user)

    def check(self, record) -> None:
        services.site_validate(record)


class BaseForm(RegisterForm):
    partners: "forms.ModelMultipleChoiceField[Organization]" = forms.ModelMultipleChoiceField(
        label=_("Partner institutes or companies"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    events: "forms.ModelMultipleChoiceField[Event]" = forms.ModelMultipleChoiceField(
        label=_("Trainings and events held there"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DemonstrationBase
        fields = ["name", "kind", "region", "established_on", "closed_on", "partners", "events", "note"]
        widgets = {"established_on": DATE_WIDGET, "closed_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = places_of(self.user)
        partners = cast(forms.ModelMultipleChoiceField, self.fields["partners"])
        partners.queryset = access.organizations_for_write(self.user).order_by("kind", "name")
        events = cast(forms.ModelMultipleChoiceField, self.fields["events"])
        # The trainings of the last years, and those already linked: a county's whole history would make a list
        # of thousands to tick through.
        since = timezone.now() - timedelta(days=3 * 366)
        linked = self.instance.events.values("pk") if self.instance.pk else Event.objects.none().values("pk")
        events.queryset = (
            access.events_for_write(self.user).filter(Q(starts_at__gte=since) | Q(pk__in=linked)).order_by("-starts_at")
        )
        events.label_from_instance = lambda event: f"{timezone.localtime(event.starts_at):%Y-%m-%d} {event.title}"

    def check(self, record) -> None:
        services.base_validate(record)
        services.base_links_validate(
            record, partners=self.cleaned_data.get("partners", ()), events=self.cleaned_data.get("events", ())
        )


class MediaColumnForm(RegisterForm):
    class Meta:
        model = MediaColumn
        fields = ["name", "kind", "outlet", "note"]

    def check(self, record) -> None:
        services.media_column_validate(record)


class NewsReportForm(RegisterForm):
    class Meta:
        model = NewsReport
        fields = ["published_on", "title", "outlet", "level"]
        widgets = {"published_on": DATE_WIDGET}


class ContestForm(RegisterForm):
    class Meta:
        model = Contest
        fields = ["name", "kind", "held_on", "note"]
        widgets = {"held_on": DATE_WIDGET}

    def check(self, record) -> None:
        services.contest_validate(record)


class FundingForm(RegisterForm):
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("A scanned allocation letter, an invoice…: a PDF or a photo. A new file replaces the old one."),
    )

    class Meta:
        model = FundingRecord
        fields = ["date", "direction", "source", "use", "amount", "note"]
        widgets = {"date": DATE_WIDGET}
        help_texts = {"source": _("For income only."), "use": _("For spending only.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].widget.attrs["accept"] = ".pdf,image/*"

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            try:
                services.document_check(document)
            except ValidationError as refused:
                raise ValidationError(refused.message_dict["document"]) from None
        return document

    def check(self, record) -> None:
        services.funding_validate(record)


# --- what a record holds: yearly entries, dated records, entries ------------------------------


class MembershipForm(forms.Form):
    year = _year_field()
    members = _count_field(_("Members"))


class SupportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganizationSupport.Kind.choices)
    date = _date_field(_("Date"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RepairForm(forms.Form):
    repaired_on = _date_field(_("Repaired on"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class BooksForm(forms.Form):
    year = _year_field()
    books = _count_field(_("Books"))


class BaseYearForm(forms.Form):
    year = _year_field()
    varieties = _count_field(_("Varieties introduced"))
    techniques = _count_field(_("Techniques introduced"))
    households = _count_field(_("Households reached"))


class EpisodeForm(forms.Form):
    aired_on = _date_field(_("Aired on"))
    title = forms.CharField(label=_("Title"), max_length=200)
    minutes = forms.IntegerField(
        label=_("Minutes on air"), min_value=0, max_value=24 * 60, initial=0, help_text=_("0 for print.")
    )


class EntryForm(RegisterForm):
    class Meta:
        model = ContestEntry
        fields = ["entrant", "school", "title", "pupils", "award", "award_level"]

    def check(self, record) -> None:
        services.contest_entry_validate(record)


# --- imports ---------------------------------------------------------------------------------------


class SitesImportForm(forms.Form):
    file = forms.FileField(label=_("List of sites (.xlsx or .csv)"))
    year = forms.IntegerField(label=_("Year of the books column"), min_value=2000, max_value=YEAR_MAX, required=False)

    def __init__(self, *args, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        self.fields["year"].initial = timezone.localdate().year


class EntriesImportForm(forms.Form):
    file = forms.FileField(label=_("List of entries (.xlsx or .csv)"))

    def __init__(self, *args, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"


class RegisterFilterForm(forms.Form):
    """A register's list: the year, and the town and the kind where the register has them."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Region.objects.none(), required=False, empty_label=_("All towns")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, years, towns=None, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["year"]).choices = [(y, y) for y in years]
        if towns is None:
            del self.fields["town"]
        else:
            cast(forms.ModelChoiceField, self.fields["town"]).queryset = towns
        if kinds is None:
            del self.fields["kind"]
        else:
            cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("All kinds")), *kinds]
