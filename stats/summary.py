"""The annual work summary (工作总结): the organizer's narrative with the figures filled from the tallies.

The narrative is a SummaryTemplate per association and language, created
from the default text (stats/summary_defaults) the first time it is used and
editable in the admin. A line `{block:NAME}` becomes the paragraphs composed
from the year's records (stats.summary_text); a sentence citing a figure the
records do not hold is left out and listed on the clerk's check list.
docs/summary.md describes the whole. Placeholders:

    {figure}          rounded the way reports write it: 1200多, 2万多
    {figure:exact}    the exact figure
    {figure:pct}      a percentage rounded down with 以上
    {figure:near}     近30 (the round number just above)
    {figure:about}    约1.2万 (the nearest round number)
    {outputs.materials}, {members.rural_tech}, {by_campaign_kind.themed.units}: nested figures
    {manual.NAME}     a hand-entered figure of the year (AnnualFigure)
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Association
from kepu import spreadsheets

from . import figures as F_
from . import selectors, wording
from .hant import to_hant
from .models import SummaryTemplate, Tally
from .summary_text import fullwidth

LANGUAGES = ("zh-hans", "zh-hant", "en")
FORMATS = ("md", "json", "docx", "xlsx")
DEFAULTS_DIR = Path(__file__).resolve().parent / "summary_defaults"
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)(?::([a-z]+))?\}")
HEADING = re.compile(r"^[一二三四五六七八九十]+、|^[IVX]+\. ")
SUBHEADING = re.compile(r"^[(（][一二三四五六七八九十0-9]+[)）]")

# The appendix: every figure named by a label of its own (stats.figures.FIGURES), in the order of the summary.
FIGURE_LABELS = {figure.name: figure.label for figure in F_.LABELLED}
OUTPUT_LABELS = {
    "materials": gettext_lazy("Science materials handed out (copies)"),
    "display_boards": gettext_lazy("Display boards shown (board-times)"),
    "exhibitions": gettext_lazy("Exhibitions (times)"),
    "broadcasts": gettext_lazy("Broadcasts (times)"),
    "broadcast_hours": gettext_lazy("Broadcast hours"),
    "news_reports": gettext_lazy("News reports"),
    "new_varieties": gettext_lazy("New varieties introduced"),
    "new_techniques": gettext_lazy("New techniques introduced"),
    "other": gettext_lazy("Other outputs"),
}
REGISTRY_LABELS = {f.name: f.label for f in F_.FIGURES if f.rollup == F_.Rollup.REGISTRY and f.keyed}
# Keys nested under these (a figure per kind or venue) default to 0 when nothing of that kind was recorded.
COUNTED_DICTS = tuple(f.name for f in F_.FIGURES if f.keyed)


def default_template(language: str) -> tuple[str, str]:
    """(title, body) of the default narrative; the zh-hant one is the Simplified one converted (stats.hant)."""
    source = "zh-hans" if language == "zh-hant" else language
    text = (DEFAULTS_DIR / f"{source}.txt").read_text(encoding="utf-8")
    if language == "zh-hant":
        text = to_hant(text)
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
    return [(name, form) for name, form in PLACEHOLDER.findall(text) if name != "block"]


def known_placeholder(name: str) -> bool:
    head = name.split(".", 1)[0]
    return (
        head in FIGURE_LABELS
        or head in COUNTED_DICTS
        or head in ("manual", "by_campaign_kind", "by_event_kind", "year", "speaker")
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


def is_prefecture(association: Association) -> bool:
    """A prefecture association speaks for the counties below it."""
    return Association.objects.filter(parent_id=association.id).exists()


def speaker(*, prefecture: bool, language: str) -> dict[str, str]:
    """Who the text speaks as: 我县 or 我州, and whom it reports to."""
    if language == "en":
        return {
            "we": "the prefecture's" if prefecture else "the county's",
            "leaders": "the prefecture's Party committee and government"
            if prefecture
            else "the county Party committee and government",
            "guide": "the provincial association" if prefecture else "the prefecture association",
        }
    return {
        "we": "我州" if prefecture else "我县",
        "leaders": "州委、州政府" if prefecture else "县委、县政府",
        "guide": "省科协" if prefecture else "州科协",
    }


def summary_context(*, association: Association, year: int, tally: Tally | None = None) -> dict[str, Any]:
    """Everything a placeholder can name: the year's figures, the derived ones, the hand-entered ones.

    `tally`, when given, stands for the year's stored one: a submission's frozen figures, a roll-up.
    """
    tally = tally or selectors.year_tally(association_id=association.id, year=year)
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


def _fill(match: re.Match, values: dict, language: str) -> str:
    name, form = match.group(1), match.group(2) or "approx"
    value = _lookup(values, name)
    if value is None or isinstance(value, dict):
        return f"【？{name}】"
    if isinstance(value, str):
        return value
    if name == "year":
        return str(value)
    return wording.FORMATS.get(form, wording.approx)(value, language)


def render(text: str, values: dict, language: str) -> str:
    """Fill the placeholders of a narrative; an unknown or unfilled one shows plainly as 【？name】."""
    return PLACEHOLDER.sub(lambda m: _fill(m, values, language), text)


SENTENCE_END = re.compile(r"(?<=[。；！？])|(?<=[.;!?])\s+")


def render_paragraph(text: str, values: dict, language: str) -> tuple[str, list[str]]:
    """Fill a paragraph, leaving out each sentence that cites a known figure the records do not hold.

    Returns the text and the sentences left out (for the clerk's check list). A placeholder that names
    no figure at all (a typo) still shows as 【？name】: the clerk must see it.
    """
    kept, left_out = [], []
    for sentence in SENTENCE_END.split(text):
        if not sentence:
            continue
        absent = [
            m.group(1)
            for m in PLACEHOLDER.finditer(sentence)
            if m.group(1) != "block" and known_placeholder(m.group(1)) and _lookup(values, m.group(1)) is None
        ]
        if absent:
            left_out.append(sentence.strip())
            continue
        kept.append(render(sentence, values, language))
    joined = ("" if language != "en" else " ").join(s.strip() for s in kept).strip()
    if language != "en" and joined and joined[-1] in "，；":
        joined = joined[:-1] + "。"
    return joined, left_out


@dataclass
class Summary:
    association: Association
    year: int
    language: str
    title: str
    paragraphs: list  # str, or a summary_text.Table
    tally: Tally
    appendix: list[dict]
    checklist: list[str] = field(default_factory=list)
    previous: dict | None = None
    empty: bool = False

    @property
    def figures(self) -> dict:
        return self.tally.figures

    @property
    def text(self) -> list[str]:
        """The paragraphs as text (a table as its caption)."""
        return [p if isinstance(p, str) else p.caption for p in self.paragraphs]


def _kind_label(kind: str, group: str = "organizations") -> str:
    """The name of a keyed registry figure's key: a kind of organization, of support or of site."""
    from events.models import Organization, OrganizationSupport
    from outreach.models import Site

    choices = {"support_given": OrganizationSupport.Kind, "sites": Site.Kind, "new_sites": Site.Kind}
    choices["repaired_sites"] = Site.Kind
    if group == "contest_prizes":  # keyed by the level of the prize
        from outreach.models import PRIZE_LEVELS

        return str(dict(PRIZE_LEVELS).get(kind, kind))
    # issue 14 items 3 and 6
    from outreach.models import DemonstrationBase, FundingRecord

    choices["demonstration_bases"] = DemonstrationBase.Kind
    choices["funding_income"] = FundingRecord.Source
    choices["funding_spent"] = FundingRecord.Use
    return str(dict(choices.get(group, Organization.Kind).choices).get(kind, kind))


# Where a keyed registry figure comes from, in the appendix.
REGISTRY_SOURCES = {
    "support_given": ("组织登记：当年的扶持记录", "the registry of organizations: the year's support records"),
    "sites": ("科普阵地登记（截至年底）", "the register of sites, at the end of the year"),
    "contest_prizes": ("竞赛评比登记：当年竞赛的获奖作品", "the entries of that year's contests that won a prize"),
    "new_sites": ("科普阵地登记：当年建成", "the register of sites: built that year"),
    "repaired_sites": ("科普阵地登记：当年维修", "the register of sites: repaired that year"),
    # issue 14 items 3 and 6
    "demonstration_bases": ("示范基地登记（截至年底）", "the register of demonstration bases, at the end of the year"),
    "funding_income": ("经费登记：当年收入及凭证", "the funding records: the year's income and its documents"),
    "funding_spent": ("经费登记：当年支出及凭证", "the funding records: the year's spending and its documents"),
}


def _source(row_evidence: dict, language: str) -> str:
    parts = [(key, n) for key, n in ((k, row_evidence.get(k, 0)) for k in EVIDENCE_KEYS) if n]
    zh = language != "en"
    names = {
        "scanned": ("扫码签到", "scanned check-ins"),
        "manual": ("纸质或手工登记", "paper or typed check-ins"),
        "estimated": ("人数统计（估算）", "headcounts (estimated)"),
    }
    return ("；" if zh else "; ").join(
        f"{names[k][0 if zh else 1]}{' ' if not zh else ''}{wording.exact(n, language)}" for k, n in parts
    )


def appendix_rows(tally: Tally, *, language: str = "zh-hans", records: dict | None = None) -> list[dict]:
    """Every figure the records give, with its exact value and where it came from; rows that are zero
    (nothing of that kind was recorded) are left out, the check list says what is missing."""
    zh = language != "en"
    figures, evidence = tally.figures, tally.evidence
    records = records or {}

    def source(name: str) -> str:
        figure = F_.BY_NAME[name]
        if name in evidence:
            return _source(evidence[name], language)
        if figure.ratio_of:
            part, whole = figure.ratio_of
            return (
                f"{FIGURE_LABELS[part]} ÷ {FIGURE_LABELS[whole]}（向下取整）"
                if zh
                else f"{FIGURE_LABELS[part]} ÷ {FIGURE_LABELS[whole]} (rounded down)"
            )
        return figure.source[0 if zh else 1] if figure.source else ""

    rows = []
    for name, label in FIGURE_LABELS.items():
        value = figures.get(name)
        if not value:
            continue
        row = {"name": name, "label": str(label), "value": value, "source": source(name), **evidence.get(name, {})}
        if name == "countryside_trips" and records.get("countryside_consultations"):
            n = records["countryside_consultations"]
            row["source"] += (
                f"；其中{n}次同时是科技咨询活动，两项都计入"
                if zh
                else f"; {n} of them were also consultations and count in both"
            )
        rows.append(row)
    # The text's 学会、协会和研究会: societies and enterprise science associations together.
    organizations, members = figures.get("organizations", {}), figures.get("members", {})
    for name, group, labels in (
        ("learned_societies", organizations, ("学会、协会和研究会（个）", "Societies and associations")),
        ("learned_society_members", members, ("学会、协会和研究会会员（名）", "Members of societies and associations")),
    ):
        if total := group.get("society", 0) + group.get("enterprise_assoc", 0):
            registry = REGISTRY_LABELS["organizations" if group is organizations else "members"]
            parts = " + ".join(str(registry) % {"kind": _kind_label(kind)} for kind in ("society", "enterprise_assoc"))
            rows.append({"name": name, "label": labels[0 if zh else 1], "value": total, "source": parts})
    for kind, value in figures.get("outputs", {}).items():
        if value:
            note = ("各活动登记的成果之和", "sum of the outputs recorded at the events")[0 if zh else 1]
            if kind == "display_boards":
                note = (
                    "各活动展出的展板之和（块次，不是制作数）",
                    "boards shown, summed over the events (not boards made)",
                )[0 if zh else 1]
            rows.append(
                {"name": f"outputs.{kind}", "label": str(OUTPUT_LABELS.get(kind, kind)), "value": value, "source": note}
            )
    venues = tally.breakdowns.get("venues", {})
    for venue_id, value in figures.get("venue_person_times", {}).items():
        if value:
            rows.append(
                {
                    "name": f"venue_person_times.{venue_id}",
                    "label": str(F_.BY_NAME["venue_person_times"].label)
                    % {"venue": venues.get(venue_id, {}).get("name", venue_id)},
                    "value": value,
                    "source": ("该场地活动的签到和人数统计", "check-ins and headcounts at this venue")[0 if zh else 1],
                }
            )
    for group, label in REGISTRY_LABELS.items():
        for kind, value in figures.get(group, {}).items():
            if value:
                rows.append(
                    {
                        "name": f"{group}.{kind}",
                        "label": str(label) % {"kind": _kind_label(kind, group)},
                        "value": value,
                        "source": REGISTRY_SOURCES.get(
                            group, ("组织登记（截至年底）", "the registry of organizations, at the end of the year")
                        )[0 if zh else 1],
                    }
                )
    for name, typed in (records.get("manual") or {}).items():
        rows.append(
            {
                "name": f"manual.{name}",
                "label": typed["label"] or name,
                "value": typed["value"],
                "source": (
                    f"人工填报（{'、'.join(typed['sources'])}）"
                    if zh
                    else f"entered by hand ({', '.join(typed['sources'])})"
                ),
            }
        )
    for row in rows:
        row["text"] = wording.exact(row["value"], language)
    return rows


def _previous_figures(association: Association, year: int) -> dict | None:
    """The previous year's figures, when that year has records to compare with."""
    scope = F_.year_scope(association.id, year - 1)
    if not F_.held_events(scope).exists():
        return None
    return selectors.year_tally(association_id=association.id, year=year - 1).figures


def _tidy_headings(items: list) -> list:
    """Drop headings left without content, and number the remaining second-level ones again: （一）（二）…"""
    kept: list = []
    for item in items:
        level = _heading_level(item) if isinstance(item, str) else 0
        while (
            kept
            and isinstance(kept[-1], str)
            and _heading_level(kept[-1])
            and level
            and (_heading_level(kept[-1]) >= level)
        ):
            kept.pop()
        kept.append(item)
    while kept and isinstance(kept[-1], str) and _heading_level(kept[-1]):
        kept.pop()
    numbered, counter = [], 0
    for item in kept:
        if isinstance(item, str) and _heading_level(item) == 2:
            counter = 0
        elif isinstance(item, str) and _heading_level(item) == 3:
            counter += 1
            found = SUBHEADING.match(item)
            assert found is not None  # level 3 is a paragraph that starts with one
            marker = found.group(0)
            item = _ordinal(marker, counter) + item[len(marker) :]
        numbered.append(item)
    return numbered


CHINESE_NUMERALS = "一二三四五六七八九十"


def _ordinal(marker: str, n: int) -> str:
    if marker[1:-1].isdigit():  # (1) in English
        return f"({n})"
    return f"（{CHINESE_NUMERALS[n - 1] if n <= 10 else n}）"


def summary_build(*, association: Association, year: int, language: str, tally: Tally | None = None) -> Summary:
    """The year's summary in a language: the template's prose around the paragraphs composed from records.

    `tally`, when given, gives the figures instead of the year's stored tally (reporting: a submission's
    snapshot, a prefecture's roll-up of its counties' accepted submissions).
    """
    from . import summary_text as T_

    base = "en" if language == "en" else "zh-hans"
    convert = to_hant if language == "zh-hant" else (lambda text: text)
    with translation.override(language):
        template = summary_template_for(association=association, language=language)
        context = summary_context(association=association, year=year, tally=tally)
        tally = context["tally"]
        prefecture = is_prefecture(association)
        values = {**context["values"], "speaker": speaker(prefecture=prefecture, language=base)}
        records = selectors.summary_records(association_id=association.id, year=year)
        previous = _previous_figures(association, year)
        facts = T_.Facts(
            lang=base,
            year=year,
            figures=tally.figures,
            breakdowns=tally.breakdowns,
            records=records,
            previous=previous,
            prefecture=prefecture,
        )
        empty = not tally.record_counts.get("events")
        checklist: list[str] = []
        if empty:
            items = _missing_records_document(facts, tally)
        else:
            items = []
            for line in template.body.split("\n"):
                line = line.strip()
                if not line:
                    continue
                if block := BLOCK_LINE.match(line):
                    composed = T_.compose(block.group(1), facts) if block.group(1) in T_.COMPOSERS else []
                    items += [_convert_item(item, convert) for item in composed]
                    continue
                text, left_out = render_paragraph(line, values, language)
                checklist += [
                    ("未写入（记录中没有）：" if base != "en" else "Left out (no records): ") + s for s in left_out
                ]
                checklist += _typed_in(line, values, base, records)
                if text:
                    items.append(convert(text))
            items = _tidy_headings(items)
        checklist = [convert(c) for c in facts.checklist] + checklist
        if language != "en":
            items = [fullwidth(i) if isinstance(i, str) else i for i in items]
            checklist = [fullwidth(c) for c in checklist]
        title = render(template.title, values, language)
        return Summary(
            association=association,
            year=year,
            language=language,
            title=fullwidth(convert(title)) if language != "en" else title,
            paragraphs=items,
            tally=tally,
            appendix=[]
            if empty
            else appendix_rows(tally, language=language, records=_converted_records(records, convert)),
            checklist=list(dict.fromkeys(checklist)),
            previous=previous,
            empty=empty,
        )


BLOCK_LINE = re.compile(r"^\{block:([a-z_]+)\}$")


def _convert_item(item, convert):
    from .summary_text import Table

    if isinstance(item, Table):
        return Table(
            caption=convert(item.caption),
            columns=[convert(c) for c in item.columns],
            rows=[[convert(c) if isinstance(c, str) else c for c in row] for row in item.rows],
        )
    return convert(item)


def _converted_records(records: dict, convert) -> dict:
    manual = {
        name: {**row, "label": convert(row["label"]), "sources": [convert(s) for s in row["sources"]]}
        for name, row in records.get("manual", {}).items()
    }
    return {**records, "manual": manual}


def _typed_in(line: str, values: dict, base: str, records: dict) -> list[str]:
    """The hand-entered figures a template line cites, for the check list."""
    found = []
    for name, _form in placeholders_of(line):
        if name.startswith("manual.") and (row := records.get("manual", {}).get(name.split(".", 1)[1])):
            found.append(
                (
                    "人工填报：{label} = {value}（请核对）" if base != "en" else "Entered by hand: {label} = {value}"
                ).format(label=row["label"] or name, value=wording.exact(row["value"], base))
            )
    return found


def _missing_records_document(facts, tally: Tally) -> list[str]:
    from . import summary_text as T_

    missing = T_.missing_records(facts, tally.record_counts)
    intro = facts.t(
        "{year}年尚无可据以撰写工作总结的记录。请先录入以下记录，再生成总结：",
        "The records of {year} cannot support a work summary yet. Record these first, then generate it again:",
        year=facts.year,
    )
    items = [intro] + [f"{i}. {m}" if facts.lang == "en" else f"{i}、{m}" for i, m in enumerate(missing, 1)]
    facts.checklist.extend(missing)
    return items


# --- the formats ----------------------------------------------------------------------------------


def _heading_level(paragraph) -> int:
    if not isinstance(paragraph, str):
        return 0
    if HEADING.match(paragraph):
        return 2
    if SUBHEADING.match(paragraph) and len(paragraph) < 60:
        return 3
    return 0


def _appendix_title() -> str:
    return _("Appendix: the exact figures")


def _computed_note(summary: Summary) -> str:
    """When and from how many records, in the county's time zone (Asia/Shanghai)."""
    tally = summary.tally
    when = timezone.localtime(tally.computed_at).strftime("%Y-%m-%d %H:%M")
    counts = tally.record_counts
    if summary.language == "en":
        return (
            f"Computed {when} (China Standard Time) from {counts.get('checkins', 0):,} check-ins, "
            f"{counts.get('headcounts', 0):,} headcounts and {counts.get('events', 0):,} events."
        )
    note = (
        f"数字于{when}（北京时间）依据{tally.record_counts.get('checkins', 0)}条签到、"
        f"{tally.record_counts.get('headcounts', 0)}次人数统计和{tally.record_counts.get('events', 0)}场活动计算。"
    )
    return to_hant(note) if summary.language == "zh-hant" else note


def _columns(language: str) -> list[str]:
    columns = {"zh-hans": ["项目", "数值", "来源"], "en": ["Figure", "Value", "Source"]}
    return (
        columns["en"] if language == "en" else [to_hant(c) if language == "zh-hant" else c for c in columns["zh-hans"]]
    )


def _row_cells(row: dict) -> list:
    return [row["label"], row["text"], row.get("source", "")]


def _appendix(summary: Summary) -> list[dict]:
    if summary.language == "zh-hant":
        return [{**row, "label": to_hant(row["label"]), "source": to_hant(row["source"])} for row in summary.appendix]
    if summary.language != "en":
        return [
            {**row, "label": fullwidth(row["label"]), "source": fullwidth(row["source"])} for row in summary.appendix
        ]
    return summary.appendix


EVIDENCE_KEYS = ("scanned", "manual", "estimated")


def _md_table(columns: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def to_markdown(summary: Summary) -> str:
    from .summary_text import Table

    with translation.override(summary.language):
        lines = [f"# {summary.title}", "", f"**{_association_name(summary)}**", ""]
        for paragraph in summary.paragraphs:
            if isinstance(paragraph, Table):
                lines += [*_md_table(paragraph.columns, paragraph.rows), ""]
                continue
            level = _heading_level(paragraph)
            lines += [("#" * level + " " if level else "") + paragraph, ""]
        if summary.appendix:
            lines += [f"## {_appendix_heading(summary)}", "", _computed_note(summary), ""]
            lines += _md_table(_columns(summary.language), [_row_cells(r) for r in _appendix(summary)])
        return "\n".join(lines) + "\n"


def _association_name(summary: Summary) -> str:
    name = summary.association.name
    return to_hant(name) if summary.language == "zh-hant" else name


def _appendix_heading(summary: Summary) -> str:
    return {"zh-hans": "附表：数字及其来源", "zh-hant": "附表：數字及其來源"}.get(
        summary.language, "Appendix: the figures and their sources"
    )


def _checklist_heading(language: str) -> str:
    return {"zh-hans": "请核对（不属于总结正文）", "zh-hant": "請核對（不屬於總結正文）"}.get(
        language, "To check (not part of the summary)"
    )


def to_json(summary: Summary) -> str:
    tally = summary.tally
    from .summary_text import Table

    return json.dumps(
        {
            "association": _association_name(summary),
            "year": summary.year,
            "language": summary.language,
            "title": summary.title,
            "figures": tally.figures,
            "evidence": tally.evidence,
            "breakdowns": tally.breakdowns,
            "previous_year": summary.previous,
            "computed_at": timezone.localtime(tally.computed_at).isoformat(),
            "record_counts": tally.record_counts,
            "text": [p for p in summary.paragraphs if isinstance(p, str)],
            "tables": [
                {"caption": p.caption, "columns": p.columns, "rows": p.rows}
                for p in summary.paragraphs
                if isinstance(p, Table)
            ],
            "appendix": [
                {"name": r["name"], "label": r["label"], "value": r["value"], "text": r["text"], "source": r["source"]}
                for r in _appendix(summary)
            ],
            "checklist": summary.checklist,
        },
        ensure_ascii=False,
        indent=2,
        cls=DjangoJSONEncoder,
    )


def to_docx(summary: Summary) -> bytes:
    from .summary_docx import document_bytes

    with translation.override(summary.language):
        return document_bytes(summary)


def to_xlsx(summary: Summary) -> bytes:
    """The figures, the towns and the text as sheets of one workbook, written by `kepu.spreadsheets` (which
    neutralises formulas in every cell)."""
    from .summary_text import Table

    with translation.override(summary.language):
        zh = summary.language != "en"
        convert = to_hant if summary.language == "zh-hant" else (lambda t: t)
        sheets = [
            spreadsheets.Sheet(
                title=convert("数字" if zh else "Figures"),
                rows=[
                    [f"{_association_name(summary)} {summary.title}"],
                    [_computed_note(summary)],
                    _columns(summary.language),
                    *([row["label"], row["value"], row.get("source", "")] for row in _appendix(summary)),
                ],
                widths={1: 40, 3: 60},
            ),
            *(
                spreadsheets.Sheet(title=table.caption, rows=[table.columns, *table.rows])
                for table in summary.paragraphs
                if isinstance(table, Table)
            ),
            spreadsheets.Sheet(
                title=convert("正文" if zh else "Text"), rows=[[p] for p in summary.text], widths={1: 120}
            ),
        ]
        if summary.checklist:
            sheets.append(
                spreadsheets.Sheet(
                    title=_checklist_heading(summary.language),
                    rows=[[item] for item in summary.checklist],
                    widths={1: 120},
                )
            )
        return spreadsheets.xlsx_bytes(*sheets)


WRITERS: dict[str, Callable[[Summary], str | bytes]] = {
    "md": to_markdown,
    "json": to_json,
    "docx": to_docx,
    "xlsx": to_xlsx,
}
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def summary_export(*, association: Association, year: int, language: str, fmt: str) -> str | bytes:
    summary = summary_build(association=association, year=year, language=language)
    return WRITERS[fmt](summary)


def checklist_text(summary: Summary) -> str:
    """The clerk's check list as plain text: what was left out, and the hand-entered figures used."""
    lines = [_checklist_heading(summary.language)]
    lines += [f"- {item}" for item in summary.checklist]
    return "\n".join(lines) + "\n"
