"""The organizer's statistics desk: narrative templates, hand-entered figures, campaign targets; tallies read-only.

The beat schedule (the sweep, the nightly recompute) is edited under "Periodic tasks" (django-celery-beat).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kepu import access
from kepu.admin import AssociationScopedAdmin

from . import summary
from .models import AnnualFigure, CampaignTarget, SummaryTemplate, Tally, TallyMarker


class _OwnAssociation(AssociationScopedAdmin):
    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and self.association_path == "association":
            obj.association = access.association_of(request.user)
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        if self.association_path == "association" and not request.user.is_superuser:
            return ("association",)
        return ()


class SummaryTemplateForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("language"), choices=[(code, code) for code in summary.LANGUAGES])

    class Meta:
        model = SummaryTemplate
        fields = ["association", "language", "title", "body"]

    def clean(self):
        data = super().clean()
        text = (data.get("title") or "") + (data.get("body") or "")
        unknown = sorted({name for name, _form in summary.placeholders_of(text) if not summary.known_placeholder(name)})
        if unknown:
            raise ValidationError({"body": _("Unknown placeholders: %(names)s") % {"names": ", ".join(unknown)}})
        return data


@admin.register(SummaryTemplate)
class SummaryTemplateAdmin(_OwnAssociation):
    form = SummaryTemplateForm
    list_display = ["association", "language", "title", "updated_at"]


def _number(value) -> str:
    """86.0 → "86", 12.5 → "12.5": a figure as a report writes it, not as the database stores it."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = Decimal(str(value))
    elif not isinstance(value, Decimal):
        return str(value)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@admin.register(AnnualFigure)
class AnnualFigureAdmin(_OwnAssociation):
    # The label, not the placeholder's name ("display_windows": the summary template's, shown on the form).
    list_display = ["year", "label_display", "value_display", "association"]
    list_filter = ["year"]

    @admin.display(description=_("label"), ordering="label")
    def label_display(self, figure: AnnualFigure) -> str:
        return figure.label or figure.name

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, figure: AnnualFigure) -> str:
        return _number(figure.value)


@admin.register(CampaignTarget)
class CampaignTargetAdmin(_OwnAssociation):
    association_path = "campaign__association"
    list_display = ["campaign", "figure", "target"]
    list_filter = ["figure"]


class _ReadOnly(_OwnAssociation):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# A tally's page, every field read-only.
TALLY_PAGE_FIELDS = ("scope_display", "scope", "computed_at", "duration_ms", "records_display", "figures_display")


@admin.register(Tally)
class TallyAdmin(_ReadOnly):
    # What was tallied in words ("campaign:1" and the counts' JSON are the queue's bookkeeping).
    list_display = ["scope_display", "scope", "computed_at", "duration_ms", "records_display"]
    list_filter = ["scope"]
    search_fields = ["key"]
    list_select_related = ["event", "campaign", "association"]

    @admin.display(description=_("scope"), ordering="key")
    def scope_display(self, tally: Tally) -> str:
        if tally.event_id:
            return str(tally.event)
        if tally.campaign_id:
            return str(tally.campaign)
        period = f"{tally.starts_on:%Y-%m-%d}–{tally.ends_on:%Y-%m-%d}" if tally.starts_on and tally.ends_on else ""
        return " ".join(part for part in (str(tally.association or ""), period) if part)

    # The read-only page shows the figures as a labelled table, not the stored JSON.
    fields = TALLY_PAGE_FIELDS
    readonly_fields = TALLY_PAGE_FIELDS

    @admin.display(description=_("figures"))
    def figures_display(self, tally: Tally) -> str:
        figures = tally.figures or {}
        rows = [(summary.FIGURE_LABELS[k], _number(figures[k])) for k in summary.FIGURE_LABELS if k in figures]
        outputs = figures.get("outputs") or {}
        rows += [(summary.OUTPUT_LABELS.get(k, k), _number(v)) for k, v in sorted(outputs.items())]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description=_("records counted"))
    def records_display(self, tally: Tally) -> str:
        counts = tally.record_counts or {}
        return _("%(checkins)s check-ins · %(headcounts)s headcounts · %(events)s events") % {
            "checkins": counts.get("checkins", 0),
            "headcounts": counts.get("headcounts", 0),
            "events": counts.get("events", 0),
        }


@admin.register(TallyMarker)
class TallyMarkerAdmin(admin.ModelAdmin):
    """Superusers only: the queue's bookkeeping, to see what waits for a worker."""

    list_display = ["key", "version", "done_version", "requested_at", "enqueued_at", "lease_until", "runs"]
    search_fields = ["key"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
