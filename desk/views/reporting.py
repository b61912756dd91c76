"""Reporting up (reporting): an association submits its year to its parent and sees what changed since;
the parent reviews its children's submissions and reads their roll-up beside the live figures.

One page serves every level: a county sees its own submissions; a prefecture (or a province) also sees
the inbox of its children's and the roll-up, and submits its own roll-up further up. The rules are
reporting.services and reporting.selectors; every record comes through kepu.access.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kepu import access
from reporting import selectors, services
from reporting.models import Submission
from stats import figures as F_

from .common import association_organizer_required

# The figures the roll-up table shows: those with a label of their own, keyed ones left to the snapshot.
TABLE_FIGURES = tuple(f for f in F_.FIGURES if f.label is not None and not f.keyed)


class SubmitForm(forms.Form):
    association = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=selectors.YEAR_MIN, max_value=selectors.YEAR_MAX)


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", gettext_lazy("Accept")), ("return", gettext_lazy("Return"))])
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _year(request) -> int:
    value = request.GET.get("year", "")
    if value.isdigit() and selectors.YEAR_MIN <= int(value) <= selectors.YEAR_MAX:
        return int(value)
    return timezone.localdate().year


def _rollup_rows(rolled: selectors.Rollup) -> list[dict]:
    """The roll-up table: per figure, each child's accepted value, the roll-up and the live figure."""
    rows = []
    for figure in TABLE_FIGURES:
        if figure.name not in rolled.live:
            continue
        rows.append(
            {
                "label": figure.label,
                "adds_up": figure.adds_up,
                "across": figure.across,
                "children": [
                    (row.accepted.snapshot["figures"].get(figure.name) if row.accepted else None)
                    for row in rolled.children
                ],
                "rollup": rolled.figures.get(figure.name),
                "live": rolled.live.get(figure.name),
            }
        )
    return rows


@association_organizer_required
@require_GET
def reporting_home(request):
    """The association's submissions of the year, and for a parent its children's and their roll-up."""
    association = access.association_of(request.user)
    assert association is not None  # association_organizer_required
    year = _year(request)
    own = list(access.submissions_for_read(request.user).filter(association=association, year=year, campaign=None))
    latest = own[0] if own else None
    context = {
        "association": association,
        "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 4, -1),
        "own": own,
        "latest": latest,
        "changes": selectors.changes_since_submission(latest) if latest else [],
        "submit_form": SubmitForm(initial={"association": association.id, "year": year}),
        "may_submit": association.parent_id is not None,
    }
    if selectors.has_children(association):
        rolled = selectors.rollup_of(association=association, year=year)
        context.update(
            rollup=rolled,
            rollup_rows=_rollup_rows(rolled),
            inbox=access.submissions_for_review(request.user).filter(state=Submission.State.SUBMITTED),
        )
    return render(request, "desk/reporting.html", context)


@association_organizer_required
@require_POST
def submission_submit(request):
    """Submit (or submit again) a year of an association to its parent: its own organizers only."""
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose the year to submit."))
    association = access.access_association_for_submit(request.user, form.cleaned_data["association"])
    year = form.cleaned_data["year"]
    try:
        submission = services.submission_submit(association=association, year=year, submitted_by=request.user)
    except services.SubmissionRefused as refused:
        return HttpResponseBadRequest(refused.message)
    messages.success(
        request, _("Submitted %(year)s, version %(version)s.") % {"year": year, "version": submission.version}
    )
    return redirect(reverse("desk-submission", args=[submission.id]))


@association_organizer_required
@require_GET
def submission_detail(request, pk: int):
    """One version: its frozen figures, what changed since, its other versions; the parent's review form."""
    submission = access.access_submission_for_read(request.user, pk)
    reviewer = submission.to_association_id in access.associations_for_write(request.user)
    frozen = submission.snapshot.get("figures", {})
    snapshot_rows = [  # in the appendix's order (FIGURES), not the stored JSON's
        {"label": figure.label, "value": frozen[figure.name]} for figure in TABLE_FIGURES if figure.name in frozen
    ]
    return render(
        request,
        "desk/submission.html",
        {
            "submission": submission,
            "changes": selectors.changes_since_submission(submission),
            "versions": selectors.versions_of(submission),
            "snapshot_rows": snapshot_rows,
            "typed": submission.snapshot.get("typed", {}),
            "review_form": ReviewForm() if reviewer and submission.state == Submission.State.SUBMITTED else None,
        },
    )


@association_organizer_required
@require_POST
def submission_review(request, pk: int):
    """Accept or return a submission: the organizers of the association it was submitted to only."""
    submission = access.access_submission_for_review(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose to accept or to return the submission."))
    try:
        services.submission_review(
            submission=submission,
            action=form.cleaned_data["action"],
            reviewed_by=request.user,
            comment=form.cleaned_data["comment"],
        )
    except services.SubmissionRefused as refused:
        status = 409 if refused.code == "not_pending" else 400
        return HttpResponse(refused.message, status=status, content_type="text/plain; charset=utf-8")
    messages.success(
        request,
        _("The submission was accepted.")
        if form.cleaned_data["action"] == "accept"
        else _("The submission was returned."),
    )
    return redirect(reverse("desk-submission", args=[submission.id]))


@association_organizer_required
@require_GET
def submission_file(request, pk: int):
    """A summary file frozen with the submission (`?format=docx`, else Markdown)."""
    submission = access.access_submission_for_read(request.user, pk)
    fmt = "docx" if request.GET.get("format") == "docx" else "md"
    stored = submission.docx_file if fmt == "docx" else submission.markdown_file
    if not stored:
        raise Http404
    name = f"submission-{submission.association_id}-{submission.year}-v{submission.version}.{fmt}"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)


@association_organizer_required
@require_GET
def rollup_summary(request):
    """The parent's own summary of the year, written from the roll-up of its children's accepted submissions."""
    association = access.association_of(request.user)
    assert association is not None
    year = _year(request)
    if not selectors.has_children(association):
        raise PermissionDenied(_("Only an association with associations below it has a roll-up."))
    rolled = selectors.rollup_of(association=association, year=year)
    files = selectors.summary_files_of(
        association=association, year=year, figures=rolled.figures, computed=rolled.computed
    )
    fmt = "docx" if request.GET.get("format") == "docx" else "md"
    response = HttpResponse(
        files[fmt],
        content_type="text/markdown; charset=utf-8"
        if fmt == "md"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="rollup-{year}.{fmt}"'
    return response


urlpatterns = [
    path("reporting/", reporting_home, name="desk-reporting"),
    path("reporting/submit/", submission_submit, name="desk-reporting-submit"),
    path("reporting/summary/", rollup_summary, name="desk-reporting-summary"),
    path("reporting/<int:pk>/", submission_detail, name="desk-submission"),
    path("reporting/<int:pk>/review/", submission_review, name="desk-submission-review"),
    path("reporting/<int:pk>/file/", submission_file, name="desk-submission-file"),
]
