"""Reads of the reporting app: what a submission freezes, how it differs from the records now, and a
parent association's roll-up of its children's accepted submissions.

Everything is level-agnostic: a county submits to its prefecture, a prefecture to its province. What an
association hands up is its own figures when it has no children, and its roll-up when it has: the roll-up
of a prefecture is what the province receives.

How each figure goes up a level is its `across` (stats.figures.Across, docs/figures.md):

- ADD: the children's accepted figures added up (keyed ones key by key), plus the parent's own records
  (its live figures less its children's live figures: its own events, its own registers);
- RECOUNT: distinct people or units, which no sum of snapshots gives (a pupil who came in two counties
  is one pupil of the prefecture): recounted from the records, and shown per child beside it;
- RATIO: recomputed from its two parts when both are rolled up, else recounted as RECOUNT.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from events.models import Association, Campaign
from stats import figures as F_
from stats import selectors as stats_selectors
from stats.models import Tally

from .models import Submission

SUMMARY_LANGUAGE = "zh-hans"  # the language of the summary files frozen with a submission
YEAR_MIN, YEAR_MAX = 2000, 2100


def _scope(association: Association, year: int, campaign: Campaign | None) -> F_.Scope:
    if campaign is not None:
        return F_.campaign_scope(campaign)
    return F_.year_scope(association.id, year)


def live_computed(*, association: Association, year: int, campaign: Campaign | None = None) -> F_.Computed:
    """The figures as the records give them now (computed on the spot, not the stored tally, which a
    queued recomputation may not have reached yet)."""
    return F_.compute(_scope(association, year, campaign))


def _plain_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def typed_figures(*, association: Association, year: int) -> dict[str, dict]:
    """The association's own hand-entered figures of the year (stats.AnnualFigure), by name."""
    rows = stats_selectors.manual_figure_rows(association_ids=[association.id], year=year)
    return {name: {"label": row["label"], "value": _plain_number(row["value"])} for name, row in rows.items()}


# --- adding up --------------------------------------------------------------------------------------


def _add(total: Any, value: Any, sign: int = 1) -> Any:
    """total + sign × value for a figure: a number, or {key: number} for a keyed one."""
    if isinstance(value, dict) or isinstance(total, dict):
        merged = dict(total or {})
        for key, n in (value or {}).items():
            merged[key] = (merged.get(key) or 0) + sign * (n or 0)
        return {key: n for key, n in merged.items() if n}
    return (total or 0) + sign * (value or 0)


def _rounded(value: Any) -> Any:
    """Sums of decimals (hours, yuan) read as people write them, not 12.300000000000001."""
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: _rounded(n) for key, n in value.items()}
    return value


def added_up(figure_sets: list[dict[str, Any]]) -> dict[str, Any]:
    """The additive figures (Across.ADD) of several scopes added up, and the ratios recomputed from them
    when both parts are there. Distinct figures are left out: no sum of them is true."""
    totals: dict[str, Any] = {}
    for figure in F_.FIGURES:
        if not figure.adds_up:
            continue
        present = [figures[figure.name] for figures in figure_sets if figures.get(figure.name) is not None]
        if present:
            total: Any = figure.zero()
            for value in present:
                total = _add(total, value)
            totals[figure.name] = _rounded(total)
    for figure in F_.FIGURES:
        if figure.across == F_.Across.RATIO and figure.ratio_of is not None:
            part, whole = figure.ratio_of
            if part in totals and whole in totals:
                totals[figure.name] = F_._pct(totals[part], totals[whole])
    return totals


def _typed_added_up(typed_sets: list[dict[str, dict]]) -> dict[str, dict]:
    """Hand-entered figures add up by name, as stats.selectors.manual_figure_rows adds a prefecture's counties'."""
    totals: dict[str, dict] = {}
    for typed in typed_sets:
        for name, row in typed.items():
            total = totals.setdefault(name, {"label": row.get("label") or "", "value": 0})
            total["value"] = _rounded(total["value"] + (row.get("value") or 0))
            total["label"] = total["label"] or row.get("label") or ""
    return totals


# --- a parent's roll-up -----------------------------------------------------------------------------


@dataclass
class ChildRow:
    """One child association in its parent's table: its versions' states and figures."""

    association: Association
    latest: Submission | None  # its latest version of the year, whatever its state
    accepted: Submission | None  # its latest accepted version, the one in the roll-up
    live: dict[str, Any]  # its figures from the records now (its own and its children's)


@dataclass
class Rollup:
    association: Association
    year: int
    children: list[ChildRow]
    figures: dict[str, Any]  # what the parent hands up: accepted figures added up, recounted where they cannot be
    typed: dict[str, dict]
    live: dict[str, Any]  # the parent's figures from the records now (its own and every child's)
    computed: F_.Computed  # the parent's live computation (breakdowns, evidence for its summary)
    missing: list[Association] = field(default_factory=list)  # children with no accepted submission yet


def latest_submissions(*, association_ids: list[int], year: int) -> dict[int, Submission]:
    """Each association's latest version of its year submission (not a campaign's)."""
    found: dict[int, Submission] = {}
    rows = Submission.objects.filter(association_id__in=association_ids, year=year, campaign__isnull=True)
    for submission in rows.order_by("association_id", "-version"):
        found.setdefault(submission.association_id, submission)
    return found


def accepted_submissions(*, association_ids: list[int], year: int) -> dict[int, Submission]:
    """Each association's latest accepted version of its year: what its parent rolls up."""
    found: dict[int, Submission] = {}
    rows = Submission.objects.filter(
        association_id__in=association_ids, year=year, campaign__isnull=True, state=Submission.State.ACCEPTED
    )
    for submission in rows.order_by("association_id", "-version"):
        found.setdefault(submission.association_id, submission)
    return found


def has_children(association: Association) -> bool:
    return Association.objects.filter(parent_id=association.id).exists()


def rollup_of(*, association: Association, year: int) -> Rollup:
    """The parent's year from its children's accepted submissions (see the module's note), beside its live figures."""
    children = list(Association.objects.filter(parent_id=association.id).order_by("name"))
    child_ids = [c.id for c in children]
    latest = latest_submissions(association_ids=child_ids, year=year)
    accepted = accepted_submissions(association_ids=child_ids, year=year)
    computed = live_computed(association=association, year=year)
    rows = [
        ChildRow(
            association=child,
            latest=latest.get(child.id),
            accepted=accepted.get(child.id),
            live=live_computed(association=child, year=year).figures,
        )
        for child in children
    ]
    # The parent's own records: its live figures less its children's (additive figures only).
    children_live = added_up([row.live for row in rows])
    own = {}
    for figure in F_.FIGURES:
        if figure.adds_up and figure.name in computed.figures:
            own[figure.name] = _add(computed.figures[figure.name], children_live.get(figure.name), sign=-1)
    figures = added_up([own, *(s.snapshot["figures"] for s in accepted.values())])
    for figure in F_.FIGURES:  # what no sum gives, recounted from the records
        if figure.name in computed.figures and figure.name not in figures:
            figures[figure.name] = computed.figures[figure.name]
    typed = _typed_added_up(
        [typed_figures(association=association, year=year), *(s.snapshot.get("typed", {}) for s in accepted.values())]
    )
    return Rollup(
        association=association,
        year=year,
        children=rows,
        figures=figures,
        typed=typed,
        live=computed.figures,
        computed=computed,
        missing=[c for c in children if c.id not in accepted],
    )


# --- the snapshot and its differences ---------------------------------------------------------------


def snapshot_of(*, association: Association, year: int, campaign: Campaign | None = None) -> dict[str, Any]:
    """What a submission freezes: the figures handed up, the hand-entered figures, the by-town table,
    and for a parent which version of each child's it rolled up."""
    return snapshot_and_computed(association=association, year=year, campaign=campaign)[0]


def snapshot_and_computed(
    *, association: Association, year: int, campaign: Campaign | None = None
) -> tuple[dict[str, Any], F_.Computed]:
    """The snapshot, and the live computation behind it (its breakdowns and evidence write the summary)."""
    snapshot: dict[str, Any] = {
        "association": {"id": association.id, "name": association.name},
        "year": year,
        "campaign": {"id": campaign.id, "name": campaign.name} if campaign else None,
    }
    if campaign is None and has_children(association):
        rolled = rollup_of(association=association, year=year)
        snapshot["figures"], computed, typed = rolled.figures, rolled.computed, rolled.typed
        snapshot["children"] = [
            {
                "id": row.association.id,
                "name": row.association.name,
                "version": row.accepted.version if row.accepted else None,
                "content_hash": row.accepted.content_hash if row.accepted else None,
            }
            for row in rolled.children
        ]
    else:
        computed = live_computed(association=association, year=year, campaign=campaign)
        snapshot["figures"] = computed.figures
        typed = typed_figures(association=association, year=year) if campaign is None else {}
    snapshot["typed"] = typed
    snapshot["by_town"] = computed.breakdowns.get("by_town", [])
    snapshot["record_counts"] = computed.record_counts
    return snapshot, computed


def tally_of(*, association: Association, year: int, figures: dict, computed: F_.Computed) -> Tally:
    """An unsaved tally holding these figures (a snapshot's, a roll-up's): what a summary is written from."""
    return Tally(
        key=F_.year_scope(association.id, year).key,
        scope=Tally.Scope.PERIOD,
        association=association,
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
        figures=figures,
        breakdowns=computed.breakdowns,
        evidence=computed.evidence,
        record_counts=computed.record_counts,
        computed_at=timezone.now(),
    )


def summary_files_of(*, association: Association, year: int, figures: dict, computed: F_.Computed) -> dict[str, bytes]:
    """The year's summary written from these figures (a snapshot's, a roll-up's), in Markdown and Word."""
    from stats import summary

    tally = tally_of(association=association, year=year, figures=figures, computed=computed)
    built = summary.summary_build(association=association, year=year, language=SUMMARY_LANGUAGE, tally=tally)
    markdown = summary.to_markdown(built)
    return {"md": markdown.encode("utf-8"), "docx": summary.to_docx(built)}


@dataclass(frozen=True)
class Difference:
    """One figure (or one kind of a keyed figure, or one hand-entered figure) that moved since submission."""

    name: str
    key: str | None
    label: str
    submitted: Any
    now: Any

    @property
    def change(self) -> Any:
        if isinstance(self.submitted, int | float) and isinstance(self.now, int | float):
            return _rounded(self.now - self.submitted)
        return None


# The figures the appendix never names on their own (they complete another), as a difference names them.
UNLABELLED = {
    "checkins": gettext_lazy("Check-ins (scanned and on paper)"),
    "headcount_people": gettext_lazy("People of headcounts"),
}


def figure_label(name: str, key: str | None = None) -> str:
    """A figure's name for people (a keyed one's key named too: the kind of output, the venue, the kind)."""
    from events.models import Venue
    from stats import summary

    figure = F_.BY_NAME.get(name)
    if name == "outputs" and key is not None:
        return f"{summary.OUTPUT_LABELS.get(key, key)}"
    if figure is None or figure.label is None:
        label = str(UNLABELLED.get(name, name))
        return f"{label} · {key}" if key else label
    if name == "venue_person_times" and key is not None:
        venue = Venue.objects.filter(id=int(key)).values_list("name", flat=True).first() if key.isdigit() else None
        return str(figure.label) % {"venue": venue or key}
    if figure.keyed:
        return str(figure.label) % {"kind": summary._kind_label(key or "", name)}
    return str(figure.label)


def differences(before: dict, after: dict) -> list[Difference]:
    """Figure by figure (and key by key), what differs between a snapshot and another (or the records now)."""
    found = []
    before_figures, after_figures = before.get("figures", {}), after.get("figures", {})
    for name in [f.name for f in F_.FIGURES if f.name in before_figures or f.name in after_figures]:
        old, new = before_figures.get(name), after_figures.get(name)
        if isinstance(old, dict) or isinstance(new, dict):
            for key in sorted(set(old or {}) | set(new or {})):
                if (old or {}).get(key, 0) != (new or {}).get(key, 0):
                    found.append(
                        Difference(name, key, figure_label(name, key), (old or {}).get(key, 0), (new or {}).get(key, 0))
                    )
        elif old != new:
            found.append(Difference(name, None, figure_label(name), old, new))
    before_typed, after_typed = before.get("typed", {}), after.get("typed", {})
    for name in sorted(set(before_typed) | set(after_typed)):
        old_row, new_row = before_typed.get(name) or {}, after_typed.get(name) or {}
        if old_row.get("value") != new_row.get("value"):
            label = new_row.get("label") or old_row.get("label") or name
            found.append(Difference(f"manual.{name}", None, label, old_row.get("value"), new_row.get("value")))
    return found


def changes_since_submission(submission: Submission) -> list[Difference]:
    """How the records now differ from what the submission froze ("changed since submission")."""
    campaign = submission.campaign
    now = snapshot_of(association=submission.association, year=submission.year, campaign=campaign)
    return differences(submission.snapshot, now)


def versions_of(submission: Submission) -> list[Submission]:
    """Every version of the same year (or campaign) of the same association, newest first."""
    return list(
        Submission.objects.filter(
            association_id=submission.association_id, year=submission.year, campaign=submission.campaign
        ).order_by("-version")
    )
