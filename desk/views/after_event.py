"""After an event: the paper sign-in sheet, headcounts, outputs and evidence (photos, scanned sheets).

Every write goes through a service (checkin.services for the sheet and the headcounts, events.services
for outputs and evidence) on an event fetched with kepu.access's write fetcher; the page itself reads.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from checkin import services as checkin_services
from checkin.models import Attendee, CheckIn, Headcount, counted_checkins
from events import services as event_services
from events.models import Event, EventEvidence, EventOutput, Region
from events.selectors import PlaceNames
from kepu import access
from kepu.text import NameFormField

from ..templatetags.desk import plain
from .common import organizer_required

PAPER_ROWS = 10  # blank rows of a new sheet; "more rows" (or the keyboard, with JavaScript) adds more
PAPER_MAX_ROWS = 500


# --- the paper sign-in sheet ----------------------------------------------------------------------


def villages_of(event: Event) -> PlaceNames:
    """The county's villages and communities as a paper sheet names them (events.selectors.PlaceNames)."""
    return PlaceNames(event.association.region, levels=Region.GRASSROOTS_LEVELS)


class PaperRowForm(forms.Form):
    """One line of the sheet. A line left blank is skipped; a line with anything on it needs a name and
    a category (no category is preset: the sheet says it, or the organizer asks)."""

    name = NameFormField(label=pgettext_lazy("person", "Name"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("Mobile phone (optional)"), max_length=30, required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", "—"), *Attendee.Category.choices], required=False
    )
    village = forms.CharField(label=gettext_lazy("Village or community"), max_length=120, required=False)

    def __init__(self, *args, villages: PlaceNames, **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = villages
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "data-paper": "name"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off", "data-paper": "phone"})
        self.fields["category"].widget.attrs.update({"data-paper": "category"})
        self.fields["village"].widget.attrs.update(
            {"list": "paper-villages", "autocomplete": "off", "data-paper": "village"}
        )

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("name", "phone", "category", "village")):
            return data  # a blank line
        if not data.get("name"):
            self.add_error("name", _("Enter the person's name."))
        if not data.get("category"):
            self.add_error("category", _("Choose the person's category."))
        if data.get("village"):
            try:
                data["region"] = self.villages.find(data["village"])
            except ValidationError as error:
                self.add_error("village", error)
        return data

    def entry(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return {
            "name": data["name"],
            "phone": data.get("phone", ""),
            "category": data["category"],
            "region": data.get("region"),
        }


PaperFormSet = formset_factory(
    PaperRowForm, extra=PAPER_ROWS, max_num=PAPER_MAX_ROWS, absolute_max=PAPER_MAX_ROWS, validate_max=True
)


def _paper_formset(event: Event, data=None, villages: PlaceNames | None = None):
    return PaperFormSet(data, prefix="paper", form_kwargs={"villages": villages or villages_of(event)})


# --- outputs and evidence -----------------------------------------------------------------------


class OutputForm(forms.ModelForm):
    class Meta:
        model = EventOutput
        fields = ["kind", "quantity", "note"]
        widgets = {"quantity": forms.NumberInput(attrs={"min": 0, "step": "0.1"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("What the event produced")), *EventOutput.Kind.choices]
        self.fields["quantity"].widget.attrs["placeholder"] = _("Quantity")
        self.fields["note"].widget.attrs["placeholder"] = _("Note (optional)")
        if self.instance.pk and self.instance.quantity is not None:
            # 300, not "300.0": the field keeps one decimal place, people count whole copies and boards.
            self.initial["quantity"] = plain(self.instance.quantity)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Photo or scanned sheet (JPEG, PNG, WebP or PDF)"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=EventEvidence.Kind.choices)
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,application/pdf"


# --- the page ---------------------------------------------------------------------------------------


def _render(request, event: Event, *, paper=None, output_form=None, evidence_form=None, paper_errors=(), status=200):
    # A refused form is further down a long page: the browser scrolls to its autofocused field.
    if evidence_form is not None and evidence_form.errors:
        evidence_form.fields["file"].widget.attrs["autofocus"] = True
    if output_form is not None and output_form.errors:
        output_form.fields["kind"].widget.attrs["autofocus"] = True
    # Outputs, evidence and paper sheets: those who record the event's work (a partner account too); the
    # headcounts' review: those who run its door.
    can_write = access.may_record(request.user, event)
    can_review = access.may_write(request.user, event)
    villages = paper.form_kwargs["villages"] if paper is not None else villages_of(event)
    paper = paper if paper is not None else _paper_formset(event, villages=villages)
    checkins = CheckIn.objects.filter(event=event).filter(counted_checkins())
    headcounts = list(
        access.headcounts_for_read(request.user).filter(event=event).select_related("recorded_by", "reviewed_by")
    )
    headcounts.sort(key=lambda h: (h.counted_at, h.id))
    outputs = EventOutput.objects.filter(event=event).order_by("kind", "id")
    context = {
        "event": event,
        "can_write": can_write,
        "can_review": can_review,
        "paper": paper,
        "paper_errors": paper_errors,
        # The running total before JavaScript keeps it: the lines with a name on them.
        "paper_filled": sum(bool((f.data.get(f.add_prefix("name")) or "").strip()) for f in paper.forms)
        if paper.is_bound
        else 0,
        "village_labels": sorted(villages.by_label),
        "categories": Attendee.Category.choices,
        "paper_count": checkins.filter(method=CheckIn.Method.PAPER).count(),
        "checkin_count": checkins.count(),
        "headcounts": headcounts,
        "headcount_total": sum(h.count for h in headcounts),
        "outputs": [(o, OutputForm(instance=o, prefix=f"output-{o.id}")) for o in outputs],
        "output_form": output_form or OutputForm(prefix="output"),
        "evidence": access.evidence_for_read(request.user).filter(event=event).select_related("uploaded_by"),
        "evidence_form": evidence_form or EvidenceForm(),
        "evidence_max_mb": event_services._megabytes(settings.EVIDENCE_MAX_BYTES),
    }
    return render(request, "desk/after_event.html", context, status=status)


def _back(event: Event, section: str):
    return redirect(reverse("desk-event-after", args=[event.id]) + f"#{section}")


@organizer_required
@require_GET
def after(request, event_id: int):
    event = access.access_event_for_read(request.user, event_id)
    return _render(request, event)


@organizer_required
@require_POST
def paper_sheet(request, event_id: int):
    """The sheet's lines, all or nothing: one wrong line and nothing is saved, every line kept on screen."""
    event = access.access_event_for_records(request.user, event_id)
    villages = villages_of(event)
    if "more_rows" in request.POST:
        data = request.POST.copy()
        try:
            rows = int(data.get("paper-TOTAL_FORMS", PAPER_ROWS))
        except ValueError:
            rows = PAPER_ROWS
        data["paper-TOTAL_FORMS"] = str(min(rows + PAPER_ROWS, PAPER_MAX_ROWS))
        return _render(request, event, paper=_paper_formset(event, data, villages))
    paper = _paper_formset(event, request.POST, villages)
    if not paper.is_valid():
        return _render(request, event, paper=paper, status=400)
    entries = [entry for form in paper.forms if (entry := form.entry())]
    if not entries:
        return _render(request, event, paper=paper, paper_errors=[_("The sheet has no names on it.")], status=400)
    try:
        results = checkin_services.checkins_enter_from_list(event=event, entries=entries, entered_by=request.user)
    except ValidationError as error:
        problems = [m for ms in error.message_dict.values() for m in ms]
        return _render(request, event, paper=paper, paper_errors=problems, status=400)
    new = sum(r.status == "ok" for r in results)
    already = len(results) - new
    message = _("%(count)d people from the sheet are checked in.") % {"count": new}
    if already:
        message += " " + _("%(count)d were already checked in and are not counted twice.") % {"count": already}
    messages.success(request, message)
    return _back(event, "paper")


@organizer_required
@require_POST
def headcount_review(request, event_id: int, headcount_id: int):
    """Accept a headcount as reported, or correct its figure."""
    event = access.access_event_for_write(request.user, event_id)
    headcount = get_object_or_404(Headcount.objects.select_related("event"), pk=headcount_id, event=event)
    action = request.POST.get("action")
    if action == "accept":
        checkin_services.headcount_accept(headcount=headcount, user=request.user)
        messages.success(request, _("The headcount of %(count)s people is accepted.") % {"count": headcount.count})
    elif action == "correct":
        try:
            count = int(request.POST.get("count", ""))
        except ValueError:
            messages.error(request, _("Enter the corrected number of people."))
            return _back(event, "headcounts")
        try:
            checkin_services.headcount_correct(headcount=headcount, count=count, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
            return _back(event, "headcounts")
        messages.success(request, _("The headcount is corrected to %(count)s people.") % {"count": count})
    else:
        return HttpResponseBadRequest(_("Accept or correct the headcount."))
    return _back(event, "headcounts")


@organizer_required
@require_POST
def output_add(request, event_id: int):
    event = access.access_event_for_records(request.user, event_id)
    form = OutputForm(request.POST, prefix="output")
    if not form.is_valid():
        return _render(request, event, output_form=form, status=400)
    try:
        event_services.event_output_add(event=event, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _render(request, event, output_form=form, status=400)
    messages.success(request, _("The output is recorded."))
    return _back(event, "outputs")


@organizer_required
@require_POST
def output_change(request, event_id: int, output_id: int):
    """Save an output's changes, or delete it (action=delete)."""
    event = access.access_event_for_records(request.user, event_id)
    output = get_object_or_404(EventOutput, pk=output_id, event=event)
    if request.POST.get("action") == "delete":
        event_services.event_output_delete(output=output)
        messages.success(request, _("The output is deleted."))
        return _back(event, "outputs")
    form = OutputForm(request.POST, instance=EventOutput.objects.get(pk=output.pk), prefix=f"output-{output.id}")
    if not form.is_valid():
        # An ErrorList gives its messages as text (ValidationError's own iteration); its stubs type what it stores.
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return _back(event, "outputs") if request.POST else HttpResponseBadRequest()
    try:
        event_services.event_output_update(output=output, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
        return _back(event, "outputs")
    messages.success(request, _("The output is saved."))
    return _back(event, "outputs")


@organizer_required
@require_POST
def evidence_upload(request, event_id: int):
    event = access.access_event_for_records(request.user, event_id)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, event, evidence_form=form, status=400)
    try:
        event_services.evidence_add(
            event=event,
            file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            caption=form.cleaned_data["caption"],
            uploaded_by=request.user,
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return _render(request, event, evidence_form=form, status=400)
    messages.success(request, _("The file is kept with the event."))
    return _back(event, "evidence")


@organizer_required
@require_POST
def evidence_remove(request, evidence_id: int):
    evidence = get_object_or_404(access.evidence_for_read(request.user), pk=evidence_id)
    event = access.access_event_for_records(request.user, evidence.event_id)  # 403 for a reader
    event_services.evidence_delete(evidence=evidence)
    messages.success(request, _("The file is deleted."))
    return _back(event, "evidence")


@require_GET
def evidence_file(request, evidence_id: int, thumbnail: bool = False):
    """The stored file, to those who read its event only: files under MEDIA_ROOT are never served
    directly. Anyone else gets a 404, as if it did not exist; PDFs download, images show."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    evidence = get_object_or_404(access.evidence_for_read(request.user), pk=evidence_id)
    stored = evidence.thumbnail if thumbnail else evidence.file
    if not stored.name:  # no file (a FieldFile is false without a name)
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = stored.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        content_type="image/jpeg" if thumbnail else evidence.content_type,
        as_attachment=not thumbnail and not evidence.is_image,
        filename=f"evidence-{evidence.event_id}-{evidence.id}{'-thumb' if thumbnail else ''}.{extension}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def evidence_thumbnail(request, evidence_id: int):
    return evidence_file(request, evidence_id, thumbnail=True)


urlpatterns: list = [
    path("events/<int:event_id>/after/", after, name="desk-event-after"),
    path("events/<int:event_id>/after/paper/", paper_sheet, name="desk-event-paper"),
    path(
        "events/<int:event_id>/after/headcounts/<int:headcount_id>/",
        headcount_review,
        name="desk-event-headcount",
    ),
    path("events/<int:event_id>/after/outputs/", output_add, name="desk-event-outputs"),
    path("events/<int:event_id>/after/outputs/<int:output_id>/", output_change, name="desk-event-output"),
    path("events/<int:event_id>/after/evidence/", evidence_upload, name="desk-event-evidence"),
    path("evidence/<int:evidence_id>/", evidence_file, name="desk-evidence-file"),
    path("evidence/<int:evidence_id>/thumbnail/", evidence_thumbnail, name="desk-evidence-thumbnail"),
    path("evidence/<int:evidence_id>/delete/", evidence_remove, name="desk-evidence-delete"),
]
