"""Personal data on request: export or delete one person's data; what is kept and for how long.

A person asks their association (个人信息保护法: the right to a copy and to deletion). The organizer finds them
by phone number within the write scope (only their own association hands out or removes its people's data),
sees what is held, and exports it as JSON or removes it. The phone number travels in POST bodies, never in an
address that a log would keep.
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kepu import phones, privacy

from .common import association_organizer_required


class PhoneForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=30)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off", "autofocus": True})

    def clean_phone(self):
        try:
            return phones.normalize_phone(self.cleaned_data["phone"])
        except ValidationError:
            raise ValidationError(_("Enter a mobile phone number, e.g. 138 1234 5678.")) from None


class DeleteForm(PhoneForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked that the request comes from this person, and the data is to be deleted."),
    )


def _records(request, form: PhoneForm) -> privacy.PersonRecords:
    return privacy.person_records(user=request.user, phone=form.cleaned_data["phone"])


def _page(request, form: PhoneForm, records=None, *, delete_form=None, status: int = 200):
    context = {
        "form": form,
        "records": records,
        "attendees": [(a, privacy.attendee_data(a)) for a in records.attendees] if records else [],
        "volunteers": [(v, privacy.volunteer_data(v)) for v in records.volunteers] if records else [],
        "delete_form": delete_form
        or (DeleteForm(initial={"phone": records.phone}, label_suffix="") if records else None),
        "retention_days": privacy.retention_days(),
        "masked": phones.mask_phone(records.phone) if records else "",
    }
    return render(request, "desk/privacy.html", context, status=status)


@association_organizer_required
def privacy_page(request):
    """GET: the search form and what Kepu keeps; POST: the person found under a phone number."""
    if request.method != "POST":
        return _page(request, PhoneForm())
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    records = _records(request, form)
    if not records:
        messages.info(request, _("Nobody with this phone number in your association's records."))
    return _page(request, form, records)


@association_organizer_required
@require_POST
def privacy_export(request):
    """The person's data as a JSON file, for the organizer to hand over."""
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    records = _records(request, form)
    if not records:
        raise Http404
    body = json.dumps(privacy.person_export(records), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"personal-data-{timezone.localdate():%Y%m%d}-{records.attendees[0].id if records.attendees else 'v'}"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    response["Cache-Control"] = "no-store"
    return response


@association_organizer_required
@require_POST
def privacy_delete(request):
    """Remove the person's data once the organizer confirms: names and phones go, the figures stay."""
    form = DeleteForm(request.POST, label_suffix="")
    phone_form = PhoneForm(request.POST)
    if not form.is_valid():
        records = _records(request, phone_form) if phone_form.is_valid() else None
        return _page(request, phone_form, records, delete_form=form, status=400)
    records = _records(request, form)
    if not records:
        raise Http404
    count = privacy.person_delete(records)
    messages.success(
        request,
        _("The personal data of %(phone)s was deleted from %(count)d records; the figures are unchanged.")
        % {"phone": phones.mask_phone(records.phone), "count": count},
    )
    return redirect("desk-privacy")


urlpatterns: list = [
    path("privacy/", privacy_page, name="desk-privacy"),
    path("privacy/export/", privacy_export, name="desk-privacy-export"),
    path("privacy/delete/", privacy_delete, name="desk-privacy-delete"),
]
