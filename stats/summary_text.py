"""The paragraphs of the annual summary composed from what the year's records hold.

Each block of the narrative (`{block:NAME}` on a line of its own in the
template) becomes the sentences its records support, and nothing else: a
sentence whose records are absent is left out, never filled with 0 or "—",
and what was left out goes to the clerk's check list (Facts.checklist), as
does every hand-entered figure the text uses. Campaigns are named as they
were recorded, the largest (by person-times) first; partner departments,
training subjects, demonstration sites and new associations come from the
registries. Comparisons with the previous year ("同比增长15%") appear where
that year has records.

Sentences are composed in Simplified Chinese or English; the zh-hant
version is the Simplified one converted by stats.hant (OpenCC s2t), so data
names and sentences use the same characters and vocabulary.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import wording

# Half-width punctuation next to Chinese text becomes full-width (，：；（）); numbers (1,200; 14:00) keep theirs.
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’《》"
_HALF = {",": "，", ":": "：", ";": "；"}
_HALF_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s*([,:;])\s*|\s*([,:;])\s*(?=[{_CJK}])")
_PARENS_WITH_CJK = re.compile(rf"\(([^()]*[{_CJK}][^()]*)\)|(?<=[{_CJK}])\(([^()]*)\)")


def fullwidth(text: str) -> str:
    """Chinese text with full-width punctuation, whatever a template or a recorded name typed."""
    text = _PARENS_WITH_CJK.sub(lambda m: f"（{m.group(1) if m.group(1) is not None else m.group(2)}）", text)
    return _HALF_NEAR_CJK.sub(lambda m: _HALF[m.group(1) or m.group(2)], text)


BLOCKS = (
    "organizations",
    "activities",
    "campaigns",
    "consultations",
    "youth",
    "training",
    "publicity",
    "rural",
    "societies",  # the societies' lectures and the paper reviews (the seed's 发挥群团优势)
    "towns",
    "funding",  # issue 14 item 6: the difficulties' funding item, with the year's income and spending
)
NAMES_CITED = 5  # at most this many names in one list, then 等


@dataclass
class Table:
    """A table of the narrative (the towns): the Markdown, Word and Excel versions each draw it their way."""

    caption: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Facts:
    """What a block is composed from, and the check list it adds to."""

    lang: str  # "zh-hans" or "en"; zh-hant is converted afterwards
    year: int
    figures: dict
    breakdowns: dict
    records: dict
    previous: dict | None = None  # the previous year's figures, when that year has records
    prefecture: bool = False
    checklist: list[str] = field(default_factory=list)

    @property
    def zh(self) -> bool:
        return self.lang != "en"

    def t(self, zh: str, en: str, **values) -> str:
        return (zh if self.zh else en).format(**values)

    def w(self, value, form: str = "approx") -> str:
        return wording.FORMATS[form](value, self.lang)

    def has(self, name: str) -> bool:
        value = self.figures.get(name)
        return value is not None and value != 0

    def omit(self, zh: str, en: str) -> None:
        self.checklist.append(
            self.t("未写入：{what}（记录中没有）", "Left out: {what} (no records)", what=self.t(zh, en))
        )

    def names(self, names: list[str], limit: int = NAMES_CITED, *, etc: bool = True) -> str:
        """Up to `limit` names, then 等 (unless the sentence says 等 itself: etc=False)."""
        shown = [fullwidth(name) for name in names[:limit]]  # a recorded name is Chinese text, in English too
        if self.zh:
            return "、".join(shown) + ("等" if etc and len(names) > limit else "")
        text = ", ".join(shown)
        return text + (" and others" if len(names) > limit else "")

    def change(self, name: str) -> str:
        """ "，同比增长15%" when the previous year has the figure; "" otherwise."""
        if not self.previous or not self.figures.get(name):
            return ""
        delta = wording.change(self.figures.get(name), self.previous.get(name))
        if delta is None:
            return ""
        if delta == 0:
            return self.t("，与上年持平", ", the same as the year before")
        if delta > 0:
            return self.t("，同比增长{n}%", ", up {n}% on the year before", n=int(delta))
        return self.t("，同比下降{n}%", ", down {n}% on the year before", n=int(-delta))

    @property
    def area(self) -> str:
        return self.t("全州" if self.prefecture else "全县", "the prefecture" if self.prefecture else "the county")


def _sentence(f: Facts, clauses: list[str]) -> str | None:
    clauses = [c for c in clauses if c]
    if not clauses:
        return None
    if f.zh:
        return "，".join(clauses) + "。"
    text = ", ".join(clauses)
    return text[0].upper() + text[1:] + "."


def _paragraph(f: Facts, sentences: list[str | None]) -> list[str]:
    text = ("" if f.zh else " ").join(s for s in sentences if s)
    return [text] if text else []


def quoted(name: str, zh: bool = True) -> str:
    """A recorded name in quotation marks; quotes inside it become single ones (“2026年‘三下乡’活动”)."""
    return "“" + fullwidth(name).replace("“", "‘").replace("”", "’") + "”"


def date_range(starts_on: date, ends_on: date, zh: bool = True) -> str:
    if not zh:
        if starts_on == ends_on:
            return f"{starts_on.day} {starts_on:%B}"
        if starts_on.month == ends_on.month:
            return f"{starts_on.day}–{ends_on.day} {ends_on:%B}"
        return f"{starts_on.day} {starts_on:%B} – {ends_on.day} {ends_on:%B}"
    start = f"{starts_on.month}月{starts_on.day}日"
    if starts_on == ends_on:
        return start
    end = f"{ends_on.day}日" if starts_on.month == ends_on.month else f"{ends_on.month}月{ends_on.day}日"
    return f"{start}至{end}"


# --- the blocks ---------------------------------------------------------------------------------


def organizations(f: Facts) -> list[str]:
    orgs, members = f.figures.get("organizations", {}), f.figures.get("members", {})
    societies = orgs.get("society", 0) + orgs.get("enterprise_assoc", 0)
    clauses = []
    if societies:
        clauses.append(
            f.t(
                "{area}有学会、协会和研究会{n}个{of}，会员{m}名",
                "the {area_en} has {n} societies and associations{of}, with {m} members",
                area=f.area,
                area_en="prefecture" if f.prefecture else "county",
                n=societies,
                m=f.w(members.get("society", 0) + members.get("enterprise_assoc", 0), "exact"),
                of=f.t("（其中厂矿科协{k}个）", " ({k} of them enterprise associations)", k=orgs["enterprise_assoc"])
                if orgs.get("enterprise_assoc")
                else "",
            )
        )
    else:
        f.omit("学会、协会的数目", "the number of societies")
    if orgs.get("rural_tech"):
        clauses.append(
            f.t(
                "农村专业技术协会{n}个，会员{m}人",
                "{n} rural professional technical associations with {m} members",
                n=orgs["rural_tech"],
                m=f.w(members.get("rural_tech", 0)),
            )
        )
    else:
        f.omit("农村专业技术协会的数目", "the rural technical associations")
    first = _sentence(f, clauses)
    volunteers = []
    if f.has("expert_volunteers"):
        volunteers.append(
            f.t(
                "科普志愿者队伍中有科技专家{n}名",
                "the volunteer corps counts {n} experts",
                n=f.w(f.figures["expert_volunteers"], "exact"),
            )
        )
    if f.has("volunteers_active"):
        volunteers.append(
            f.t(
                "全年{n}名志愿者参加活动服务，服务时长{h}小时",
                "{n} volunteers served at events for {h} hours over the year",
                n=f.w(f.figures["volunteers_active"], "exact"),
                h=f.w(f.figures.get("volunteer_hours"), "exact"),
            )
        )
    else:
        f.omit("志愿者服务", "volunteer service")
    return _paragraph(f, [first, _sentence(f, volunteers), *sites_sentences(f)])


# The register's kinds of site as the text counts them: (Chinese name, measure word, English one, English many).
SITE_WORDS = {
    "window": ("科普橱窗", "处", "science window", "science windows"),
    "gallery": ("科普画廊", "处", "science gallery", "science galleries"),
    "board": ("科普宣传栏", "个", "bulletin board", "bulletin boards"),
    "reading_room": ("科普图书室", "个", "reading room", "reading rooms"),
    "farmers_school": ("农民技术学校", "所", "farmers' technical school", "farmers' technical schools"),
    "activity_centre": ("科普活动中心", "个", "science activity centre", "science activity centres"),
    "e_station": ("科普e站", "个", "science e-station", "science e-stations"),
    "other": ("其他科普阵地", "处", "other site", "other sites"),
}


def _site_counts(f: Facts, counts: dict, county_galleries: int = 0) -> str:
    """ "科普橱窗86处、县级科普画廊4处" in the register's order of kinds; `county_galleries` of the galleries
    stand at the county level (县级), as the seed counts them."""
    parts = []
    for kind, (zh, measure, one, many) in SITE_WORDS.items():
        if n := counts.get(kind):
            part = f"{zh}{n}{measure}" if f.zh else f"{n} {one if n == 1 else many}"
            if kind == "gallery" and county_galleries:
                if county_galleries == n:
                    part = f"县级{part}" if f.zh else f"{n} county {one if n == 1 else many}"
                else:
                    part += f.t("（其中县级{k}处）", " ({k} at the county level)", k=county_galleries)
            parts.append(part)
    return ("、" if f.zh else ", ").join(parts)


def sites_sentences(f: Facts) -> list[str | None]:
    """The science-popularization sites from their register (outreach.models.Site): what stood at the
    year's end, the reading rooms' books, the villages they cover, what was built and repaired."""
    sites = f.figures.get("sites") or {}
    if not sites:
        f.omit("科普阵地（橱窗、画廊、宣传栏、图书室等）", "the science sites (windows, galleries, reading rooms…)")
        return []
    clauses = [
        f.t(
            "{area}有{list}",
            "the {area_en} has {list}",
            area=f.area,
            area_en="prefecture" if f.prefecture else "county",
            list=_site_counts(f, sites, f.records.get("county_galleries") or 0),
        )
    ]
    if f.has("site_books"):
        clauses.append(f.t("图书室藏书{n}册", "the reading rooms hold {n} books", n=f.w(f.figures["site_books"])))
    if f.has("site_villages") and f.figures.get("villages_total"):
        clauses.append(
            f.t(
                "科普阵地覆盖{v}个村（社区），占{p}",
                "sites stand in {v} of the {t} villages and communities ({p})",
                v=f.figures["site_villages"],
                t=f.figures["villages_total"],
                p=f.w(f.figures.get("site_coverage_pct"), "pct"),
            )
        )
    changes = []
    if new := f.figures.get("new_sites"):
        changes.append(f.t("新建{list}", "{list} were built", list=_site_counts(f, new)))
    if repaired := f.figures.get("repaired_sites"):
        named = f.records.get("repaired_sites_named") or []
        changes.append(
            f.t(
                "维修{list}{names}",
                "{list} were repaired{names}",
                list=_site_counts(f, repaired),
                names=f.t("（{n}）", " ({n})", n=f.names(named, 3)) if named else "",
            )
        )
    built = (
        _sentence(f, [f.t("全年{c}", "over the year {c}", c=("，" if f.zh else ", ").join(changes))])
        if changes
        else None
    )
    return [_sentence(f, clauses), built]


SUPPORT_WORDS = {
    "charter": ("帮助{who}制定章程", "charters drawn up: {n}"),
    "leader_training": ("培训{whose}骨干{n}期", "trainings of leaders: {n}"),
    "info_network": ("帮助{who}加入科普信息网络", "associations brought into an information network: {n}"),
    "funding": ("为{who}提供资金或设备", "associations given funds or equipment: {n}"),
}


def support_sentence(f: Facts) -> str | None:
    """The year's dated support records (events.models.OrganizationSupport), by kind, naming whom it went to:
    帮助县养猪协会等3个协会加入科普信息网络."""
    support = f.figures.get("support_given") or {}
    named = f.records.get("support_names") or {}
    clauses = []
    for kind, (zh, en) in SUPPORT_WORDS.items():
        if not (n := support.get(kind)):
            continue
        shown = named.get(kind) or []
        if not f.zh:
            clauses.append(en.format(n=n) + (f" ({f.names(shown, 2)})" if shown else ""))
            continue
        names = f.names(shown, 2, etc=False)
        # One association named once: its name alone; else the names and how many (n counts the records).
        who = names if len(shown) == 1 and n == 1 else (f"{names}等" if shown else "") + f"{len(shown) or n}个协会"
        whose = names + ("等协会" if len(shown) > 1 else "") if shown else "协会"
        clauses.append(zh.format(who=who, whose=whose, n=n))
    if not clauses:
        return None
    return _sentence(f, [f.t("全年", "over the year: ") + ("、" if f.zh else ", ").join(clauses)])


def activities(f: Facts) -> list[str]:
    if not f.has("events_held"):
        f.omit("全年活动的总体情况", "the year's activities")
        return []
    counties = f.records.get("counties") or []
    lead = (
        f.t(
            "一年来，全州{n}个县（{names}）",
            "the prefecture's {n} counties ({names})",
            n=len(counties),
            names=f.names(counties, 20),
        )
        if f.prefecture and counties
        else f.t("一年来，{area}", "over the year the {area_en}", area=f.area, area_en="county")
    )
    clauses = [
        f.t(
            "{lead}共举办各类科普活动{n}场{cmp}",
            "{lead} held {n} science events{cmp}",
            lead=lead,
            n=f.w(f.figures["events_held"], "exact"),
            cmp=f.change("events_held"),
        )
    ]
    if f.has("units_participating"):
        clauses.append(
            f.t(
                "参加活动的部门和单位{n}个",
                "{n} departments and units took part",
                n=f.w(f.figures["units_participating"]),
            )
        )
    if f.has("expert_person_times"):
        clauses.append(
            f.t(
                "参加活动的专家和科普工作者{n}人次",
                "experts and science workers served {n} person-times",
                n=f.w(f.figures["expert_person_times"]),
            )
        )
    if f.has("villages_reached") and f.figures.get("villages_total"):
        clauses.append(
            f.t(
                "活动覆盖{r}个村（社区），覆盖面{p}",
                "the activities reached {r} of the {t} villages and communities ({p})",
                r=f.figures["villages_reached"],
                t=f.figures["villages_total"],
                p=f.w(f.figures.get("coverage_pct"), "pct"),
            )
        )
    else:
        f.omit("活动覆盖面", "coverage of the villages")
    if f.has("beneficiaries_person_times"):
        clauses.append(
            f.t(
                "直接受益群众{n}人次{cmp}",
                "{n} person-times of the public benefited directly{cmp}",
                n=f.w(f.figures["beneficiaries_person_times"]),
                cmp=f.change("beneficiaries_person_times"),
            )
        )
    else:
        f.omit("受益群众人次（签到和人数统计）", "beneficiaries (check-ins and headcounts)")
    return _paragraph(f, [_sentence(f, clauses)])


def campaigns(f: Facts) -> list[str]:
    by_campaign = f.breakdowns.get("by_campaign", {})
    held = [
        (info, by_campaign.get(str(cid), {}))
        for cid, info in f.records.get("campaigns", {}).items()
        if by_campaign.get(str(cid), {}).get("events")
    ]
    held.sort(key=lambda pair: (-pair[1].get("person_times", 0), pair[0]["starts_on"], pair[0]["name"]))
    paragraphs = []
    if held:
        paragraphs.append(
            f.t(
                "全年组织开展{n}项专项科普活动：",
                "{n} campaigns were held over the year:",
                n=len(held),
            )
        )
    for info, numbers in held:
        clauses = [
            f.t(
                "{name}（{when}）举办活动{n}场",
                "{name} ({when}): {n} event" + ("" if numbers["events"] == 1 else "s"),
                name=quoted(info["name"], f.zh),
                when=date_range(info["starts_on"], info["ends_on"], f.zh),
                n=numbers["events"],
            )
        ]
        if info["partners"]:
            clauses.append(
                f.t(
                    "{names}{n}个部门和单位参加",
                    "{n} departments and units took part ({names})",
                    names=f.names(info["partners"], 3),
                    n=numbers.get("units") or len(info["partners"]),
                )
            )
        if info.get("experts"):
            clauses.append(f.t("专家和科普工作者{n}人次", "experts {n} person-times", n=f.w(info["experts"], "exact")))
        if info.get("villages_reached"):
            clauses.append(
                f.t("覆盖{n}个村（社区）", "reaching {n} villages and communities", n=info["villages_reached"])
            )
        if numbers.get("person_times"):
            clauses.append(f.t("受益群众{n}人次", "{n} person-times", n=f.w(numbers["person_times"])))
        if sentence := _sentence(f, clauses):
            paragraphs.append(sentence)
    loose = by_campaign.get("none", {})
    if loose.get("events"):
        paragraphs.append(
            f.t(
                "此外，举办日常科普活动{n}场，受益群众{p}人次。",
                "Besides these, {n} other events reached {p} person-times.",
                n=loose["events"],
                p=f.w(loose.get("person_times", 0)),
            )
        )
    if not held:
        f.omit("专项科普活动（活动周、大行动等）", "campaigns")
    return paragraphs


def consultations(f: Facts) -> list[str]:
    clauses = []
    if f.has("consultation_sessions"):
        clauses.append(
            f.t(
                "全年共开展科技咨询活动{n}期，接待咨询群众{p}人次",
                "{n} consultation sessions received {p} person-times",
                n=f.w(f.figures["consultation_sessions"], "exact"),
                p=f.w(f.figures.get("consultation_person_times")),
            )
        )
    else:
        f.omit("科技咨询活动", "consultations")
    if f.has("countryside_trips"):
        trip = [
            f.t(
                "组织“三下乡”活动{n}次",
                "{n} “three to the countryside” trips were made",
                n=f.w(f.figures["countryside_trips"], "exact"),
            )
        ]
        if f.has("countryside_expert_person_times"):
            trip.append(
                f.t(
                    "参加活动的专家{n}人次",
                    "experts {n} person-times",
                    n=f.w(f.figures["countryside_expert_person_times"], "exact"),
                )
            )
        if f.has("countryside_person_times"):
            trip.append(
                f.t(
                    "受益群众{n}人次",
                    "reaching {n} person-times of villagers",
                    n=f.w(f.figures["countryside_person_times"]),
                )
            )
        clauses.append(("，" if f.zh else ", ").join(trip))
    else:
        f.omit("“三下乡”活动", "countryside trips")
    if not clauses:
        return []
    text = ("；" if f.zh else "; ").join(clauses) + ("。" if f.zh else ".")
    return [text if f.zh else text[0].upper() + text[1:]]


def youth(f: Facts) -> list[str]:
    if not f.has("students_participating"):
        f.omit("中小学生参加活动的人数", "pupils taking part")
        return _paragraph(f, [contest_sentence(f)])
    activities_held = f.records.get("youth_activities") or []
    clauses = []
    if activities_held:
        clauses.append(
            f.t(
                "组织开展了{names}等青少年科普活动",
                "the youth programme held {names}",
                names=f.names(activities_held, etc=False),
            )
        )
    students = f.t(
        "{area}中小学生{n}人参加活动",
        "{n} primary and secondary pupils took part",
        area=f.area,
        n=f.w(f.figures["students_participating"], "exact"),
    )
    if f.figures.get("student_participation_pct") is not None:
        students += f.t("，参与率{p}", ", {p} of those enrolled", p=f.w(f.figures["student_participation_pct"], "pct"))
    else:
        f.omit("学生参与率（未填报在校生人数）", "the pupils' participation rate (no enrolment entered)")
    clauses.append(students)
    return _paragraph(f, [_sentence(f, clauses), contest_sentence(f)])


def training(f: Facts) -> list[str]:
    sentences = []
    if f.has("trainings_held"):
        clauses = [
            f.t(
                "全年共举办各类培训班{n}期{cmp}",
                "{n} training classes were held{cmp}",
                n=f.w(f.figures["trainings_held"], "exact"),
                cmp=f.change("trainings_held"),
            )
        ]
        if f.has("trainees_person_times"):
            clauses.append(
                f.t(
                    "培训{p}人次",
                    "with {p} person-times of trainees",
                    p=f.w(f.figures["trainees_person_times"], "about"),
                )
            )
        if topics := f.records.get("training_topics"):
            clauses.append(f.t("培训内容有{t}", "on {t}", t=f.names(topics)))
        if partners := f.records.get("training_partners"):
            clauses.append(f.t("{p}联合举办", "together with {p}", p=f.names(partners)))
        sentences.append(_sentence(f, clauses))
    else:
        f.omit("科技培训", "training classes")
    if f.has("science_center_person_times"):
        centers = f.records.get("science_centers") or [f.t("县科普活动中心", "the science centre")]
        sentences.append(
            _sentence(
                f,
                [
                    f.t(
                        "到{c}参加活动的群众{n}人次",
                        "{n} person-times came to {c}",
                        c=f.names(centers),
                        n=f.w(f.figures["science_center_person_times"]),
                    )
                ],
            )
        )
    return _paragraph(f, sentences)


def publicity(f: Facts) -> list[str]:
    outputs = f.figures.get("outputs", {})
    clauses = []
    if outputs.get("materials"):
        clauses.append(
            f.t("发放科普资料{n}份", "{n} copies of science materials were handed out", n=f.w(outputs["materials"]))
        )
    if outputs.get("display_boards"):
        # Boards are counted per event where they were shown: the same board shown twice counts twice.
        clauses.append(
            f.t(
                "在活动中展出科普展板{n}块次",
                "display boards were shown {n} times at events",
                n=f.w(outputs["display_boards"]),
            )
        )
    if outputs.get("exhibitions"):
        clauses.append(f.t("举办展览{n}次", "{n} exhibitions were held", n=f.w(outputs["exhibitions"], "exact")))
    from_records = media_clauses(f)
    media = from_records or []
    if from_records is None and outputs.get("broadcasts"):  # a year without media records: the events' outputs
        programmes = f.records.get("programmes") or []
        media.append(
            f.t(
                "{where}播出科普节目{n}次",
                "{n} science broadcasts{where}",
                where=f.t("通过{p}等栏目", " in {p}", p=f.names(programmes)) if programmes else "",
                n=f.w(outputs["broadcasts"], "exact"),
            )
        )
        if outputs.get("broadcast_hours"):
            media.append(f.t("播出时长{h}小时", "lasting {h} hours", h=f.w(outputs["broadcast_hours"], "near")))
    if from_records is None and outputs.get("news_reports"):
        media.append(f.t("刊发科普新闻报道{n}篇", "{n} news reports", n=f.w(outputs["news_reports"], "exact")))
    if not clauses and not media:
        f.omit("科普宣传的成果（资料、展板、播出、报道）", "science communication outputs")
        return []
    return _paragraph(f, [_sentence(f, clauses), _sentence(f, media)])


# --- media and contests (outreach records) ---------------------------------------------------------


# How a column's episodes go out: a TV or radio column airs them, a paper prints them, an account posts them.
COLUMN_VERBS = {"tv": "播出", "radio": "播出", "newspaper": "刊发", "online": "推送"}


def media_clauses(f: Facts) -> list[str] | None:
    """The media work from its records (outreach: the columns' episodes, the news reports): episodes,
    hours on air, reports. None when the year has no such records: then the events' outputs speak, as
    they did before the register (older years)."""
    episodes, minutes, reports = (f.figures.get(n) or 0 for n in ("media_episodes", "media_minutes", "news_reports"))
    if not episodes and not reports:
        return None
    clauses = []
    if episodes:
        columns = f.records.get("media_columns") or []
        named = [f"《{fullwidth(c['name'])}》" for c in columns]
        if not f.zh:
            where = f" in {f.names(named)}" if named else ""
        else:  # each column with its outlet and its episodes: 在县电视台开办《科普园地》栏目，播出24期
            where = "".join(
                ("在" + fullwidth(column["outlet"]) if column["outlet"] else "")
                + f"开办{name}栏目"
                + (
                    f"，{COLUMN_VERBS.get(column.get('kind', ''), '刊发')}{column['episodes']}期"
                    if "episodes" in column
                    else ""
                )
                + "；"
                for column, name in zip(columns[:NAMES_CITED], named, strict=False)
            )
        clauses.append(
            f.t(
                "{where}全年共播出（刊发）{n}期", "{n} episodes and posts{where}", where=where, n=f.w(episodes, "exact")
            )
        )
        if minutes:
            hours = round(minutes / 60, 1)
            clauses.append(f.t("播出时长{h}小时", "{h} hours on air", h=f.w(hours, "near")))
    if reports:
        clauses.append(f.t("刊发科普新闻报道{n}篇", "{n} news reports", n=f.w(reports, "exact")))
    return clauses


CONTEST_PRIZE_LEVELS = {
    "national": ("国家级", "national"),
    "province": ("省级", "provincial"),
    "prefecture": ("州（市）级", "prefecture"),
    "county": ("县级", "county"),
}


def contest_sentence(f: Facts) -> str | None:
    """The contests and reviews from their records (outreach: Contest and its entries): which, how many
    entries and pupils, the prizes by level."""
    if not f.has("contests_held"):
        f.omit("青少年科技竞赛和评比（参赛作品、获奖）", "youth contests and reviews (entries, prizes)")
        return None
    contests = [c["name"] for c in f.records.get("contests") or []]
    clauses = [
        f.t(
            "组织开展{names}等竞赛评比活动{n}项",
            "contests and reviews held or entered: {n}, among them {names}",
            names=f.names(contests, etc=False) if f.zh else f.names(contests),
            n=f.w(f.figures["contests_held"], "exact"),
        )
    ]
    if f.has("contest_entries"):
        entries = f.t("征集参赛作品{n}件", "with {n} entries", n=f.w(f.figures["contest_entries"], "exact"))
        if f.has("contest_pupils"):
            entries += f.t("，参赛学生{p}人次", " by {p} pupil-entries", p=f.w(f.figures["contest_pupils"], "exact"))
        clauses.append(entries)
    prizes = f.figures.get("contest_prizes") or {}
    won = [
        f.t("{level}奖{n}项", "{n} {level}", level=CONTEST_PRIZE_LEVELS[k][0 if f.zh else 1], n=prizes[k])
        for k in CONTEST_PRIZE_LEVELS
        if prizes.get(k)
    ]
    if won:
        clauses.append(f.t("获{list}", "prizes won: {list}", list=("、" if f.zh else ", ").join(won)))
    return _sentence(f, clauses)


def rural(f: Facts) -> list[str]:
    sentences = []
    new_names = f.records.get("new_rural_tech") or []
    if new_names:
        sentences.append(
            _sentence(
                f,
                [
                    f.t(
                        "新成立农技协{n}个（{names}）",
                        "{n} new rural technical association(s) founded ({names})",
                        names=f.names(new_names),
                        n=len(new_names),
                    )
                ],
            )
        )
    sentences.append(support_sentence(f))
    registered = bases_sentence(f)
    sites = [] if registered else (f.records.get("demo_sites") or [])
    sentences.append(registered)
    sentences.extend(rural_results_sentence(f, result) for result in (f.records.get("rural_tech_results") or []))
    if sites:
        sentences.append(
            _sentence(
                f,
                [
                    f.t(
                        "依托{names}等{n}个科普示范基地开展活动{e}场",
                        "{e} events were held at {n} demonstration sites ({names})",
                        names=f.names([s["name"] for s in sites], 3, etc=False),
                        n=len(sites),
                        e=sum(s["events"] for s in sites),
                    )
                ],
            )
        )
    outputs = dict(f.figures.get("outputs", {}))
    # The bases' results of the year, when entered, are the varieties and techniques introduced
    # (the events' outputs otherwise): never both added, the same variety would count twice.
    if f.has("varieties_introduced") or f.has("techniques_introduced"):
        outputs["new_varieties"] = f.figures.get("varieties_introduced") or 0
        outputs["new_techniques"] = f.figures.get("techniques_introduced") or 0
    introduced = []
    if outputs.get("new_varieties"):
        introduced.append(f.t("新品种{n}个", "{n} new varieties", n=f.w(outputs["new_varieties"], "exact")))
    if outputs.get("new_techniques"):
        introduced.append(f.t("新技术{n}项", "{n} new techniques", n=f.w(outputs["new_techniques"], "exact")))
    if introduced:
        sentences.append(
            f.t(
                "全年共引进推广{x}。",
                "Over the year {x} were introduced.",
                x=("、" if f.zh else " and ").join(introduced),
            )
        )
    sentences = [s for s in sentences if s]
    if not sentences:
        f.omit("农技协和科普示范", "rural associations and demonstration sites")
    return _paragraph(f, sentences)


# --- issue 14 items 3 and 6: the register of demonstration bases and the funding records ---------------


def rural_results_sentence(f: Facts, result: dict) -> str | None:
    """A rural technical association's results at the bases it runs with the association (the bases' yearly
    results, outreach.models.BaseYear): 县农业新技术协会依托…示范基地引进新品种2个、新技术3项."""
    introduced = []
    if result["varieties"]:
        introduced.append(f.t("新品种{n}个", "{n} new varieties", n=result["varieties"]))
    if result["techniques"]:
        introduced.append(f.t("新技术{n}项", "{n} new techniques", n=result["techniques"]))
    return _sentence(
        f,
        [
            f.t(
                "{name}依托{bases}引进推广{x}",
                "{name} introduced {x} at {bases}",
                name=fullwidth(result["name"]),
                bases=f.names(result["bases"], 2),
                x=("、" if f.zh else " and ").join(introduced),
            )
        ],
    )


# (Chinese name, measure word, English one, English many) of a kind of demonstration base.
BASE_WORDS = {
    "base": ("科普示范基地", "个", "demonstration base", "demonstration bases"),
    "park": ("示范园", "个", "demonstration park", "demonstration parks"),
    "project": ("示范项目", "个", "demonstration project", "demonstration projects"),
}


def bases_sentence(f: Facts) -> str | None:
    """The demonstration bases running at the year's end (outreach.models.DemonstrationBase), named, with
    the trainings held there and the households they reached; None when the register is empty."""
    bases = f.figures.get("demonstration_bases") or {}
    if not bases:
        return None
    counts = []
    for kind, (zh, measure, one, many) in BASE_WORDS.items():
        if n := bases.get(kind):
            counts.append(f"{zh}{n}{measure}" if f.zh else f"{n} {one if n == 1 else many}")
    names = f.records.get("demo_bases_registered") or []
    clauses = [
        f.t(
            "{area}有{list}{names}",
            "the {area_en} has {list}{names}",
            area=f.area,
            area_en="prefecture" if f.prefecture else "county",
            list=("、" if f.zh else ", ").join(counts),
            names=(f.t("（{n}）", " ({n})", n=f.names(names, 3)) if names else ""),
        )
    ]
    if (partners := f.records.get("base_partners") or []) and len(partners) == 1:
        clauses.append(f.t("依托{name}建设", "run with {name}", name=fullwidth(partners[0])))
    elif partners:
        clauses.append(
            f.t(
                "依托{names}{n}个科研院所、部门和企业建设",
                "run with {n} institutes, departments and companies ({names})",
                names=f.names(partners, 3, etc=False) + ("等" if f.zh else ""),
                n=len(partners),
            )
        )
    if f.has("base_trainings"):
        clauses.append(
            f.t("全年在基地举办培训{n}期", "{n} trainings were held there over the year", n=f.figures["base_trainings"])
        )
    if f.has("households_reached"):
        clauses.append(f.t("带动农户{n}户", "reaching {n} households", n=f.w(f.figures["households_reached"], "exact")))
    return _sentence(f, clauses)


# (Chinese, English) of a source of income and of a use of the money.
INCOME_WORDS = {
    "government": ("财政拨款", "government allocation"),
    "donation": ("社会捐赠", "donations"),
    "own": ("自筹", "own funds"),
    "other": ("其他收入", "other income"),
}
SPENDING_WORDS = {
    "activities": ("科普活动", "activities"),
    "sites": ("阵地和基地建设", "sites and bases"),
    "training": ("培训", "training"),
    "other": ("其他支出", "other spending"),
}


def _money(f: Facts, by_key: dict, words: dict) -> str:
    total = sum(by_key.values())
    parts = [
        f.t("{what}{n}元", "{what} {n} yuan", what=words[k][0 if f.zh else 1], n=f.w(by_key[k], "exact"))
        for k in words
        if by_key.get(k)
    ]
    return f.t("{t}元（其中{p}）", "{t} yuan ({p})", t=f.w(total, "exact"), p=("、" if f.zh else ", ").join(parts))


def funding(f: Facts) -> list[str]:
    """The difficulties' funding item: the template's fixed judgement, after the year's income by source
    and spending by use from the funding records (outreach.models.FundingRecord) when there are some."""
    income, spent = f.figures.get("funding_income") or {}, f.figures.get("funding_spent") or {}
    judgement = f.t(
        "由于科普经费保证机制尚未完善，科普经费仍显不足，广泛开展科普宣传、科技培训及各种形式的学会活动、"
        "青少年科技活动等受到严重制约。",
        "Funding for science popularisation is not yet secured and remains short, which seriously limits "
        "communication, training, society activities and youth activities.",
    )
    if not income and not spent:
        f.omit("全年科普经费的收支（经费登记）", "the year's funding (the funding records)")
        return [f.t("2、", "2. ") + judgement]
    clauses = []
    if income:
        clauses.append(f.t("全年科普经费收入{m}", "the year's income was {m}", m=_money(f, income, INCOME_WORDS)))
    if spent:
        clauses.append(f.t("支出{m}", "its spending {m}", m=_money(f, spent, SPENDING_WORDS)))
    return [f.t("2、", "2. ") + (_sentence(f, clauses) or "") + ("" if f.zh else " ") + judgement]


def societies(f: Facts) -> list[str]:
    """The societies' academic work (the seed's 发挥群团优势): the lectures held with a society as a partner,
    their subjects and societies, and the paper reviews with their entries and prizes (outreach.Contest)."""
    lectures = f.records.get("society_lectures") or {}
    sentences = []
    if lectures.get("events"):
        clauses = [
            f.t(
                "组织{names}等学会、协会开展学术交流和科普讲座{n}场",
                "the societies ({names}) gave {n} lectures and exchanges",
                names=f.names(lectures.get("societies") or [], 3, etc=False),
                n=lectures["events"],
            )
        ]
        if topics := lectures.get("topics"):
            clauses.append(f.t("内容有{t}", "on {t}", t=f.names(topics, 3)))
        sentences.append(_sentence(f, clauses))
    else:
        f.omit("学会、协会的学术交流和讲座", "the societies' lectures")
    for review in f.records.get("paper_reviews") or []:
        clauses = [f.t("组织开展{name}", "{name} was held", name=quoted(review["name"]))]
        if review["entries"]:
            clauses.append(f.t("征集论文{n}篇", "with {n} papers", n=review["entries"]))
        if review["prizes"]:
            clauses.append(f.t("评出获奖论文{n}篇", "{n} of them awarded", n=review["prizes"]))
        sentences.append(_sentence(f, clauses))
    return _paragraph(f, sentences)


def towns(f: Facts) -> list[str | Table]:
    rows = [t for t in f.breakdowns.get("by_town", []) if t.get("villages_total") or t.get("events")]
    if not rows or not any(t.get("events") for t in rows):
        f.omit("各乡镇的活动情况", "the towns' activities")
        return []
    rows.sort(key=lambda t: (-t.get("person_times", 0), t["name"]))
    # Who did what: of a town's events, those its own township organizers planned (the rest are the county's).
    # The column and the sentence appear once a township planned any; a county alone keeps the plain table.
    by_townships = sum(t.get("township_events", 0) for t in rows)
    columns = [f.t("乡镇", "Town"), f.t("活动场次", "Events")]
    if by_townships:
        columns.append(f.t("其中乡镇自办", "Of which by the township"))
    columns += [f.t("参加人次", "Person-times"), f.t("覆盖村（社区）/总数", "Villages reached / all")]
    table = Table(
        caption=f.t("各乡镇活动情况", "Activities by town"),
        columns=columns,
        rows=[
            [t["name"], t["events"]]
            + ([t.get("township_events", 0)] if by_townships else [])
            + [t["person_times"], f"{t['villages_reached']}/{t['villages_total']}"]
            for t in rows
        ],
    )
    intro = f.t(
        "各乡镇举办活动场次、参加人次和覆盖村（社区）情况见下表。",
        "The events, person-times and villages reached of each town:",
    )
    if by_townships:  # the county association's system: the county's own work and the townships'
        held = sum(t["events"] for t in rows)
        intro = f.t(
            "全县科协系统在各乡镇共举办活动{n}场，其中县科协组织{county}场、各乡镇科协自行组织{towns}场；"
            "各乡镇举办活动场次、参加人次和覆盖村（社区）情况见下表。",
            "The county's association and its townships held {n} events in the towns: {county} organized by the "
            "county, {towns} by the townships themselves. The events, person-times and villages reached of each town:",
            n=held,
            county=held - by_townships,
            towns=by_townships,
        )
    return [intro, table]


COMPOSERS: dict[str, Callable[[Facts], Sequence[str | Table]]] = {
    "organizations": organizations,
    "activities": activities,
    "campaigns": campaigns,
    "consultations": consultations,
    "youth": youth,
    "training": training,
    "publicity": publicity,
    "rural": rural,
    "societies": societies,
    "towns": towns,
    "funding": funding,
}


def compose(name: str, facts: Facts) -> list[str | Table]:
    return [p for p in COMPOSERS[name](facts) if p]


def missing_records(f: Facts, record_counts: dict) -> list[str]:
    """What a year without events lacks, for the short document that says so."""
    missing = [f.t("已举办的活动（活动场次）", "events held")]
    if not record_counts.get("checkins") and not record_counts.get("headcounts"):
        missing.append(f.t("签到和人数统计", "check-ins and headcounts"))
    if not record_counts.get("signups"):
        missing.append(f.t("志愿者服务记录", "volunteer service"))
    if not f.figures.get("organizations"):
        missing.append(f.t("学会、协会等组织登记", "the registry of societies and associations"))
    if f.figures.get("students_enrolled") is None:
        missing.append(f.t("在校中小学生人数", "the county's pupil enrolment"))
    if not f.figures.get("sites"):
        missing.append(
            f.t(
                "科普阵地登记（橱窗、画廊、图书室等）",
                "the register of science sites (windows, galleries, reading rooms…)",
            )
        )
    return missing
