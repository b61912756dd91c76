"""The annual work summary (工作总结): the organizer's narrative with the figures filled from the tallies.

The narrative is a SummaryTemplate per association and language, created
from the default text (built from ../shared/seed) the first time it is used
and editable in the admin. Placeholders:

    {figure}          rounded the way reports write it: 1200多, 2万多
    {figure:exact}    the exact figure
    {figure:pct}      a percentage rounded down with 以上
    {figure:near}     近30 (the round number just above)
    {figure:about}    约1.2万 (the nearest round number)
    {outputs.materials}, {members.rural_tech}, {by_campaign_kind.themed.units}: nested figures
    {manual.NAME}     a hand-entered figure of the year (AnnualFigure)
"""

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from events.models import Association
from kepu import spreadsheets

from . import selectors, wording
from .models import SummaryTemplate, Tally

LANGUAGES = ("zh-hans", "zh-hant", "en")
FORMATS = ("md", "json", "docx", "xlsx")
DEFAULTS_DIR = Path(__file__).resolve().parent / "summary_defaults"
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)(?::([a-z]+))?\}")
HEADING = re.compile(r"^[一二三四五六七八九十]+、|^[IVX]+\. ")
SUBHEADING = re.compile(r"^[(（][一二三四五六七八九十0-9]+[)）]")

# The appendix: every figure of DESIGN.md with its label, in the order of the summary.
FIGURE_LABELS = {
    "units_participating": gettext_lazy("Departments and units taking part"),
    "expert_person_times": gettext_lazy("Experts and science workers (person-times)"),
    "coverage_pct": gettext_lazy("Coverage of villages and communities (%)"),
    "villages_reached": gettext_lazy("Villages and communities reached"),
    "villages_total": gettext_lazy("Villages and communities of the county"),
    "beneficiaries_person_times": gettext_lazy("Direct beneficiaries (person-times)"),
    "events_held": gettext_lazy("Events held"),
    "consultation_sessions": gettext_lazy("Consultation sessions"),
    "consultation_person_times": gettext_lazy("People consulted (person-times)"),
    "countryside_trips": gettext_lazy("Three-to-the-countryside trips"),
    "countryside_expert_person_times": gettext_lazy("Experts on countryside trips (person-times)"),
    "countryside_person_times": gettext_lazy("Villagers reached by countryside trips (person-times)"),
    "students_participating": gettext_lazy("Primary and secondary pupils taking part"),
    "students_enrolled": gettext_lazy("Pupils enrolled in the county"),
    "student_participation_pct": gettext_lazy("Pupil participation rate (%)"),
    "trainings_held": gettext_lazy("Training classes held"),
    "trainees_person_times": gettext_lazy("Trainees (person-times)"),
    "science_center_person_times": gettext_lazy("Visitors to the science centre (person-times)"),
    "volunteers_active": gettext_lazy("Volunteers who served"),
    "volunteer_hours": gettext_lazy("Volunteer hours"),
    "expert_volunteers": gettext_lazy("Expert volunteers registered"),
}
OUTPUT_LABELS = {
    "materials": gettext_lazy("Science materials handed out (copies)"),
    "display_boards": gettext_lazy("Display boards"),
    "exhibitions": gettext_lazy("Exhibitions (times)"),
    "broadcasts": gettext_lazy("Broadcasts (times)"),
    "broadcast_hours": gettext_lazy("Broadcast hours"),
    "news_reports": gettext_lazy("News reports"),
    "new_varieties": gettext_lazy("New varieties introduced"),
    "new_techniques": gettext_lazy("New techniques introduced"),
    "other": gettext_lazy("Other outputs"),
}
REGISTRY_LABELS = {
    "organizations": gettext_lazy("Organizations: %(kind)s"),
    "members": gettext_lazy("Members: %(kind)s"),
    "new_organizations": gettext_lazy("Founded this year: %(kind)s"),
}
# Keys nested under these default to 0 when nothing of that kind was recorded.
COUNTED_DICTS = ("outputs", "organizations", "members", "new_organizations", "venue_person_times")


def default_template(language: str) -> tuple[str, str]:
    """(title, body) of the default narrative, built from the seed summary."""
    text = (DEFAULTS_DIR / f"{language}.txt").read_text(encoding="utf-8")
    title, _sep, body = text.partition("\n\n")
    return title.strip(), body.strip() + "\n"


def summary_template_for(*, association: Association, language: str) -> SummaryTemplate:
    """The association's narrative in a language, created from the default on first use."""
    if language not in LANGUAGES:
        raise ValueError(language)
    title, body = default_template(language)
    template, _created = SummaryTemplate.objects.get_or_create(
        association=association, language=language, defaults={"title": title, "body": body}
    )
    return template


def placeholders_of(text: str) -> list[tuple[str, str | None]]:
    return PLACEHOLDER.findall(text)


def known_placeholder(name: str) -> bool:
    head = name.split(".", 1)[0]
    return (
        head in FIGURE_LABELS
        or head in COUNTED_DICTS
        or head in ("manual", "by_campaign_kind", "by_event_kind", "year")
        or name in DERIVED
        or name in ("training_topics", "demo_bases", "new_rural_tech_names")
    )


DERIVED = (
    "learned_societies",
    "learned_society_members",
    "themed_units",
    "themed_events",
    "themed_person_times",
    "broadcast_events",
)


def summary_context(*, association: Association, year: int) -> dict[str, Any]:
    """Everything a placeholder can name: the year's figures, the derived ones, the hand-entered ones."""
    tally = selectors.year_tally(association_id=association.id, year=year)
    figures = dict(tally.figures)
    organizations, members = figures.get("organizations", {}), figures.get("members", {})
    themed = tally.breakdowns.get("by_campaign_kind", {}).get("themed", {})
    context = {
        **figures,
        "year": year,
        "by_campaign_kind": tally.breakdowns.get("by_campaign_kind", {}),
        "by_event_kind": tally.breakdowns.get("by_event_kind", {}),
        # The seed's 学协会: societies and enterprise science associations together.
        "learned_societies": organizations.get("society", 0) + organizations.get("enterprise_assoc", 0),
        "learned_society_members": members.get("society", 0) + members.get("enterprise_assoc", 0),
        "themed_units": themed.get("units", 0),
        "themed_events": themed.get("events", 0),
        "themed_person_times": themed.get("person_times", 0),
        "broadcast_events": tally.breakdowns.get("by_event_kind", {}).get("broadcast", {}).get("events", 0),
        "manual": selectors.manual_figures(association_id=association.id, year=year),
        **selectors.summary_extras(association_id=association.id, year=year),
    }
    return {"values": context, "tally": tally}


def _lookup(values: dict, name: str):
    parts = name.split(".")
    value: Any = values
    for depth, part in enumerate(parts):
        if not isinstance(value, dict) or part not in value:
            if depth >= 1 and parts[0] in (*COUNTED_DICTS, "by_campaign_kind", "by_event_kind"):
                return 0
            return None
        value = value[part]
    return value


def render(text: str, values: dict, language: str) -> str:
    """Fill the placeholders of a narrative; an unknown or unfilled one shows plainly as 【？name】."""

    def fill(match: re.Match) -> str:
        name, form = match.group(1), match.group(2) or "approx"
        value = _lookup(values, name)
        if value is None:
            return f"【？{name}】"
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            return f"【？{name}】"
        if name == "year":
            return str(value)
        return wording.FORMATS.get(form, wording.approx)(value, language)

    return PLACEHOLDER.sub(fill, text)


@dataclass
class Summary:
    association: Association
    year: int
    language: str
    title: str
    paragraphs: list[str]
    tally: Tally
    appendix: list[dict]

    @property
    def figures(self) -> dict:
        return self.tally.figures


def _kind_label(kind: str) -> str:
    from events.models import Organization

    return str(dict(Organization.Kind.choices).get(kind, kind))


def appendix_rows(tally: Tally) -> list[dict]:
    """Every figure with its exact value and the evidence it rests on."""
    figures, evidence = tally.figures, tally.evidence
    rows = []
    for name, label in FIGURE_LABELS.items():
        if name in figures:
            rows.append({"name": name, "label": str(label), "value": figures[name], **evidence.get(name, {})})
    for kind, value in figures.get("outputs", {}).items():
        rows.append({"name": f"outputs.{kind}", "label": str(OUTPUT_LABELS.get(kind, kind)), "value": value})
    venues = tally.breakdowns.get("venues", {})
    for venue_id, value in figures.get("venue_person_times", {}).items():
        rows.append(
            {
                "name": f"venue_person_times.{venue_id}",
                "label": _("Visitors at %(venue)s (person-times)")
                % {"venue": venues.get(venue_id, {}).get("name", venue_id)},
                "value": value,
            }
        )
    for group, label in REGISTRY_LABELS.items():
        for kind, value in figures.get(group, {}).items():
            rows.append({"name": f"{group}.{kind}", "label": str(label) % {"kind": _kind_label(kind)}, "value": value})
    return rows


def summary_build(*, association: Association, year: int, language: str) -> Summary:
    with translation.override(language):
        template = summary_template_for(association=association, language=language)
        context = summary_context(association=association, year=year)
        values = context["values"]
        body = render(template.body, values, language)
        paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
        return Summary(
            association=association,
            year=year,
            language=language,
            title=render(template.title, values, language),
            paragraphs=paragraphs,
            tally=context["tally"],
            appendix=appendix_rows(context["tally"]),
        )


# --- the formats ----------------------------------------------------------------------------------


def _heading_level(paragraph: str) -> int:
    if HEADING.match(paragraph):
        return 2
    if SUBHEADING.match(paragraph) and len(paragraph) < 60:
        return 3
    return 0


def _appendix_title() -> str:
    return _("Appendix: the exact figures")


def _computed_note(summary: Summary) -> str:
    tally = summary.tally
    return _("Computed %(when)s from %(checkins)s check-ins, %(headcounts)s headcounts and %(events)s events.") % {
        "when": tally.computed_at.strftime("%Y-%m-%d %H:%M"),
        "checkins": tally.record_counts.get("checkins", 0),
        "headcounts": tally.record_counts.get("headcounts", 0),
        "events": tally.record_counts.get("events", 0),
    }


def _columns() -> list[str]:
    return [
        _("Figure"),
        pgettext("summary appendix column", "Name"),
        _("Exact value"),
        _("Scanned"),
        _("Paper or by hand"),
        _("Estimated"),
    ]


def _row_cells(row: dict) -> list:
    value = row["value"]
    return [row["label"], row["name"], "—" if value is None else value, *(row.get(k, "") for k in EVIDENCE_KEYS)]


EVIDENCE_KEYS = ("scanned", "manual", "estimated")


def to_markdown(summary: Summary) -> str:
    with translation.override(summary.language):
        lines = [f"# {summary.association.name} · {summary.title}", ""]
        for paragraph in summary.paragraphs:
            level = _heading_level(paragraph)
            lines += [("#" * level + " " if level else "") + paragraph, ""]
        lines += [f"## {_appendix_title()}", "", _computed_note(summary), ""]
        columns = _columns()
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for row in summary.appendix:
            lines.append("| " + " | ".join(str(c) for c in _row_cells(row)) + " |")
        return "\n".join(lines) + "\n"


def to_json(summary: Summary) -> str:
    tally = summary.tally
    return json.dumps(
        {
            "association": summary.association.name,
            "year": summary.year,
            "language": summary.language,
            "title": summary.title,
            "figures": tally.figures,
            "evidence": tally.evidence,
            "breakdowns": tally.breakdowns,
            "computed_at": tally.computed_at.isoformat(),
            "record_counts": tally.record_counts,
            "text": summary.paragraphs,
        },
        ensure_ascii=False,
        indent=2,
    )


def to_docx(summary: Summary) -> bytes:
    from docx import Document

    with translation.override(summary.language):
        document = Document()
        document.add_heading(f"{summary.association.name} {summary.title}", level=0)
        for paragraph in summary.paragraphs:
            level = _heading_level(paragraph)
            if level:
                document.add_heading(paragraph, level=level - 1)
            else:
                document.add_paragraph(paragraph)
        document.add_heading(_appendix_title(), level=1)
        document.add_paragraph(_computed_note(summary))
        columns = _columns()
        table = document.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, columns, strict=True):
            cell.text = text
        for row in summary.appendix:
            cells = table.add_row().cells
            for cell, value in zip(cells, _row_cells(row), strict=True):
                cell.text = str(value)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def to_xlsx(summary: Summary) -> bytes:
    with translation.override(summary.language):
        figures = spreadsheets.Sheet(
            title=_("Figures"),
            rows=[
                [f"{summary.association.name} {summary.title}"],
                [_computed_note(summary)],
                _columns(),
                *(_row_cells(row) for row in summary.appendix),
            ],
            widths={1: 40, 2: 32},
        )
        towns = spreadsheets.Sheet(
            title=_("By town"),
            rows=[
                [_("Town"), _("Events held"), _("Person-times"), _("Villages reached"), _("Villages")],
                *(
                    [
                        town["name"],
                        town["events"],
                        town["person_times"],
                        town["villages_reached"],
                        town["villages_total"],
                    ]
                    for town in summary.tally.breakdowns.get("by_town", [])
                ),
            ],
        )
        text = spreadsheets.Sheet(title=_("Text"), rows=[[p] for p in summary.paragraphs], widths={1: 120})
        return spreadsheets.xlsx_bytes(figures, towns, text)


WRITERS = {"md": to_markdown, "json": to_json, "docx": to_docx, "xlsx": to_xlsx}
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def summary_export(*, association: Association, year: int, language: str, fmt: str) -> str | bytes:
    summary = summary_build(association=association, year=year, language=language)
    return WRITERS[fmt](summary)
