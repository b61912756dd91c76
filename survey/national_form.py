"""The national science-popularization statistics form (全国科普统计调查) of one association and year, filled
from the records (docs/national-form.md says where every cell comes from).

Five tables in the survey's order and units: 科普人员, 科普场地, 科普经费, 科普传媒, 科普活动. Every cell
carries its value and its source; a cell that no record answers has no value and says why, and the
workbook marks it for the clerk (survey.workbook). Nothing here is stored: the form is read from the
records each time, so it says what they say on the day it is downloaded.

The form of an association counts that association's own records only. The survey has each reporting
unit fill its own form, and the counties below a prefecture fill theirs: counting their work again in
the prefecture's form would count it twice in the national totals.

Events count as the figures count them (stats.figures): held in the year by the county's clock; the
person-times of an event are its counted check-ins and its headcounts' people, computed by the same
code as the event's tally. Which events fill which activity row is ActivityRule's (survey.models).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone, translation

from events.models import Association, Organizer, Region, Venue
from outreach.models import Contest, FundingRecord, MediaColumn, MediaEpisode, NewsReport, Site
from stats import figures
from volunteers.models import SignUp, Volunteer

from .models import ActivityRow, ActivityRule

BY_HAND = "需手工填写"  # what a cell no record answers says to the clerk


@dataclass(frozen=True)
class Cell:
    """One answer of the form: its value, where it came from, and what may help the clerk check it.

    `value` None: no record answers it, and `source` says why; the clerk fills it by hand."""

    value: int | None
    source: str
    hint: str = ""

    @property
    def manual(self) -> bool:
        return self.value is None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "manual": self.manual, "source": self.source, "hint": self.hint}


def _by_hand(reason: str, hint: str = "") -> Cell:
    return Cell(None, reason, hint)


@dataclass(frozen=True)
class Line:
    """One indicator of a table: its label and its values, each with its unit (None: the survey asks none)."""

    label: str
    cells: tuple[tuple[str, Cell | None], ...]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headings: tuple[str, ...]  # of the value columns
    lines: tuple[Line, ...]

    def line(self, label: str) -> Line:
        return next(line for line in self.lines if line.label == label)


@dataclass(frozen=True)
class NationalForm:
    association: Association
    year: int
    tables: tuple[Table, ...]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "association": {"id": self.association.id, "name": self.association.name},
            "year": self.year,
            "tables": [
                {
                    "key": table.key,
                    "title": table.title,
                    "headings": list(table.headings),
                    "lines": [
                        {
                            "label": line.label,
                            "cells": [
                                {"unit": unit, **cell.as_dict()} for unit, cell in line.cells if cell is not None
                            ],
                        }
                        for line in table.lines
                    ],
                }
                for table in self.tables
            ],
        }


def _one(label: str, unit: str, cell: Cell) -> Line:
    return Line(label, ((unit, cell),))


# --- the events of the year -------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldEvent:
    id: int
    kind: str
    is_countryside_trip: bool
    campaign_id: int | None
    campaign_kind: str | None
    venue_kind: str
    person_times: int


def held_events_of(association: Association, year: int, *, now: datetime | None = None) -> list[HeldEvent]:
    """The association's own events held in the year, each with its person-times as its tally counts them."""
    held = figures.held_events(figures.year_scope(association.id, year), now=now).filter(association_id=association.id)
    computed = figures.compute_events_of(held)
    return [
        HeldEvent(
            id=row["id"],
            kind=row["kind"],
            is_countryside_trip=row["is_countryside_trip"],
            campaign_id=row["campaign_id"],
            campaign_kind=row["campaign__kind"],
            venue_kind=row["venue__kind"],
            person_times=computed[row["id"]].figures["beneficiaries_person_times"],
        )
        for row in held.values("id", "kind", "is_countryside_trip", "campaign_id", "campaign__kind", "venue__kind")
    ]


def _matches(rule: ActivityRule, event: HeldEvent) -> bool:
    if rule.match == ActivityRule.Match.EVENT_KIND:
        return event.kind == rule.value
    if rule.match == ActivityRule.Match.CAMPAIGN_KIND:
        return event.campaign_kind == rule.value
    return event.is_countryside_trip


# --- 科普人员 ----------------------------------------------------------------------------------------


def _personnel(association: Association, year: int, events: list[HeldEvent]) -> Table:
    attended = SignUp.objects.filter(
        shift__event_id__in=[e.id for e in events], status=SignUp.Status.ATTENDED
    ).order_by()
    part_time = attended.aggregate(n=Count("volunteer_id", distinct=True))["n"]
    experts = attended.filter(volunteer__is_expert=True).aggregate(n=Count("volunteer_id", distinct=True))["n"]
    hours = attended.aggregate(h=Sum("hours"))["h"] or Decimal(0)
    year_end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min))  # by the county's clock
    registered = Volunteer.objects.filter(association=association, created_at__lt=year_end).count()
    organizers = Organizer.objects.filter(association=association).count()
    no_titles = "Kepu 不记录志愿者和工作人员的职称、学历"
    return Table(
        "personnel",
        "科普人员",
        ("数值",),
        (
            _one(
                "科普专职人员",
                "人",
                _by_hand(
                    "Kepu 不记录专职科普岗位",
                    f"本会在 Kepu 有 {organizers} 个组织者账号（账号不等于专职人员）",
                ),
            ),
            _one("其中：中级职称及以上或本科及以上学历人员", "人", _by_hand(no_titles)),
            _one("其中：女性", "人", _by_hand("Kepu 不记录性别")),
            _one("其中：农村科普人员", "人", _by_hand("Kepu 不记录专职人员的工作地")),
            _one("其中：科普管理人员", "人", _by_hand("Kepu 不记录岗位")),
            _one("其中：科普创作人员", "人", _by_hand("Kepu 不记录岗位")),
            _one(
                "科普兼职人员",
                "人",
                Cell(
                    part_time,
                    f"志愿者到岗记录：在本会{year}年举办的活动中有“已到岗”报名的志愿者，每人计一次",
                ),
            ),
            _one(
                "其中：中级职称及以上或本科及以上学历人员",
                "人",
                _by_hand(no_titles, f"其中 {experts} 人在 Kepu 中标为“专家或科技工作者”，可作核对起点"),
            ),
            _one("其中：女性", "人", _by_hand("Kepu 不记录性别")),
            _one("其中：农村科普人员", "人", _by_hand("Kepu 不记录志愿者是否为农村科普人员")),
            _one(
                "年度实际投入工作量",
                "人月",
                _by_hand(
                    "人月需按单位的折算办法计算",
                    f"兼职人员的到岗服务时长合计 {hours.normalize():f} 小时",
                ),
            ),
            _one(
                "注册科普志愿者",
                "人",
                Cell(registered, f"志愿者名册：本会截至{year}年12月31日已注册的志愿者"),
            ),
        ),
    )


# --- 科普场地 ----------------------------------------------------------------------------------------

# The register's kinds (outreach.models.Site) in the survey's rows; a room in an urban community is
# the community's (城市社区科普专用活动室), any other the countryside's (农村科普活动场地).
ROOM_KINDS = (Site.Kind.ACTIVITY_CENTRE, Site.Kind.READING_ROOM, Site.Kind.E_STATION, Site.Kind.FARMERS_SCHOOL)
BOARD_KINDS = (Site.Kind.WINDOW, Site.Kind.GALLERY, Site.Kind.BOARD)


def _kinds_text(kinds) -> str:
    return "、".join(str(Site.Kind(kind).label) for kind in kinds)


def _sites(association: Association, year: int, events: list[HeldEvent]) -> Table:
    year_end = date(year, 12, 31)
    standing = Site.objects.filter(association=association).filter(
        figures.standing_at(year_end, born="built_on", gone="retired_on")
    )
    urban = rural = boards = other = 0
    for kind, level in standing.values_list("kind", "region__level"):
        if kind in ROOM_KINDS:
            if level == Region.Level.COMMUNITY:
                urban += 1
            else:
                rural += 1
        elif kind in BOARD_KINDS:
            boards += 1
        else:
            other += 1
    centres = Venue.objects.filter(association=association, kind=Venue.Kind.SCIENCE_CENTER).count()
    centre_people = sum(e.person_times for e in events if e.venue_kind == Venue.Kind.SCIENCE_CENTER)
    register = f"科普阵地登记：本会{year}年12月31日仍在用的阵地（建成于当日或以前、未撤除）"
    return Table(
        "sites",
        "科普场地",
        ("数值",),
        (
            _one(
                "科技馆",
                "个",
                _by_hand(
                    "阵地登记中没有科技馆一类；场馆的建筑面积、展厅面积也不在记录中",
                    f"本会场地名录中有 {centres} 处“科普活动中心（科技馆）”类场地",
                ),
            ),
            _one("科技馆建筑面积", "平方米", _by_hand("Kepu 不记录建筑面积")),
            _one("科技馆展厅面积", "平方米", _by_hand("Kepu 不记录展厅面积")),
            _one(
                "科技馆参观人次",
                "人次",
                _by_hand(
                    "参观人次包括活动以外的散客，Kepu 只记录活动",
                    f"本会{year}年在“科普活动中心”类场地举办的活动共 {centre_people} 人次",
                ),
            ),
            _one("青少年科技馆站", "个", _by_hand("阵地登记中没有这一类")),
            _one(
                "城市社区科普(技)专用活动室",
                "个",
                Cell(urban, f"{register}中，{_kinds_text(ROOM_KINDS)}位于社区（城市）的"),
            ),
            _one(
                "农村科普(技)活动场地",
                "个",
                Cell(rural, f"{register}中，{_kinds_text(ROOM_KINDS)}位于乡镇、村或县本级的"),
            ),
            _one(
                "科普宣传专栏（画廊、橱窗、宣传栏）",
                "个",
                Cell(
                    boards,
                    f"{register}中的{_kinds_text(BOARD_KINDS)}",
                    f"另有 {other} 处“其他阵地”未计入任何一行" if other else "",
                ),
            ),
            _one("科普宣传专用车", "辆", _by_hand("Kepu 不记录车辆")),
        ),
    )


# --- 科普经费 ----------------------------------------------------------------------------------------


def _funding(association: Association, year: int) -> Table:
    records = FundingRecord.objects.filter(association=association, date__year=year)
    income = {
        row["source"]: row["total"]
        for row in records.filter(direction=FundingRecord.Direction.INCOME)
        .values("source")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    spent = {
        row["use"]: row["total"]
        for row in records.filter(direction=FundingRecord.Direction.SPENDING)
        .values("use")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    n_income = records.filter(direction=FundingRecord.Direction.INCOME).count()
    n_spent = records.filter(direction=FundingRecord.Direction.SPENDING).count()
    ledger = f"经费记录：本会{year}年内日期的"

    def money(amounts: dict, keys, text: str) -> Cell:
        # Summed first, rounded once: whole yuan, half up, as the funding figures (stats.figures.yuan).
        return Cell(figures.yuan(sum((amounts.get(k) or Decimal(0) for k in keys), Decimal(0))), ledger + text)

    sources, uses = FundingRecord.Source, FundingRecord.Use
    return Table(
        "funding",
        "科普经费",
        ("数值",),
        (
            _one(
                "年度科普经费筹集额",
                "元",
                money(income, sources.values, f"收入记录，各来源合计（{n_income} 条）"),
            ),
            _one("其中：政府拨款", "元", money(income, [sources.GOVERNMENT], "收入记录，来源为“政府拨款”")),
            _one(
                "其中：科普专项经费",
                "元",
                _by_hand("经费记录不区分政府拨款中的科普专项经费", "可从拨款文件（经费记录的附件）核对"),
            ),
            _one("其中：捐赠", "元", money(income, [sources.DONATION], "收入记录，来源为“捐赠”")),
            _one("其中：自筹资金", "元", money(income, [sources.OWN], "收入记录，来源为“自有资金”")),
            _one("其中：其他收入", "元", money(income, [sources.OTHER], "收入记录，来源为“其他收入”")),
            _one(
                "年度科普经费使用额",
                "元",
                money(spent, uses.values, f"支出记录，各用途合计（{n_spent} 条）"),
            ),
            _one(
                "其中：科普活动支出",
                "元",
                money(spent, [uses.ACTIVITIES, uses.TRAINING], "支出记录，用途为“活动”或“培训”"),
            ),
            _one(
                "其中：科普场馆基建支出",
                "元",
                money(
                    spent,
                    [uses.SITES],
                    "支出记录，用途为“阵地和基地”",
                ),
            ),
            _one(
                "其中：展品、设施支出",
                "元",
                _by_hand("经费记录不区分基建中的展品、设施", "含在上一行“阵地和基地”支出中"),
            ),
            _one("其中：其他支出", "元", money(spent, [uses.OTHER], "支出记录，用途为“其他支出”")),
        ),
    )


# --- 科普传媒 ----------------------------------------------------------------------------------------


def _hours(minutes: int) -> int:
    """Minutes on air as whole hours, half up (the survey's figures are whole numbers)."""
    return int((Decimal(minutes) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _media(association: Association, year: int) -> Table:
    episodes = MediaEpisode.objects.filter(column__association=association, aired_on__year=year)
    by_kind: dict[str, dict[str, Any]] = {
        row["column__kind"]: dict(row)
        for row in episodes.values("column__kind")
        .annotate(n=Count("id"), minutes=Sum("minutes"), columns=Count("column_id", distinct=True))
        .order_by()
    }

    def of(kind: str, key: str) -> int:
        return int((by_kind.get(kind) or {}).get(key) or 0)

    kinds = MediaColumn.Kind
    reports = NewsReport.objects.filter(association=association, published_on__year=year).count()
    aired = f"媒体栏目登记：本会{year}年内播出或刊发的各期"
    not_kept = "Kepu 不记录出版物"
    return Table(
        "media",
        "科普传媒",
        ("数值",),
        (
            _one("科普图书出版种数", "种", _by_hand(not_kept)),
            _one("科普图书出版总册数", "册", _by_hand(not_kept)),
            _one("科普期刊出版种数", "种", _by_hand(not_kept)),
            _one("科普期刊出版总册数", "册", _by_hand(not_kept)),
            _one("科普(技)音像制品出版种数", "种", _by_hand(not_kept)),
            _one(
                "报纸科普(技)专栏、专版",
                "个",
                Cell(of(kinds.NEWSPAPER, "columns"), f"{aired}：{year}年刊发过的报纸专版栏目"),
            ),
            _one(
                "电视台播出科普(技)节目时间",
                "小时",
                Cell(
                    _hours(of(kinds.TV, "minutes")),
                    f"{aired}：电视栏目各期的播出分钟数合计，折为小时（四舍五入）",
                    f"{of(kinds.TV, 'n')} 期，{of(kinds.TV, 'minutes')} 分钟",
                ),
            ),
            _one(
                "电台播出科普(技)节目时间",
                "小时",
                Cell(
                    _hours(of(kinds.RADIO, "minutes")),
                    f"{aired}：广播节目各期的播出分钟数合计，折为小时（四舍五入）",
                    f"{of(kinds.RADIO, 'n')} 期，{of(kinds.RADIO, 'minutes')} 分钟",
                ),
            ),
            _one("科普网站", "个", _by_hand("Kepu 不记录网站")),
            _one(
                "科普类新媒体账号",
                "个",
                Cell(of(kinds.ONLINE, "columns"), f"{aired}：{year}年发布过内容的网络账号"),
            ),
            _one(
                "发表科普(技)文章",
                "篇",
                Cell(
                    of(kinds.NEWSPAPER, "n") + of(kinds.ONLINE, "n"),
                    f"{aired}：报纸专版和网络账号的各期（篇）",
                    f"另有 {reports} 篇关于本会工作的新闻报道（新闻报道登记），未计入" if reports else "",
                ),
            ),
        ),
    )


# --- 科普活动 ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivitySpec:
    """One row of the activity table as the survey writes it."""

    row: ActivityRow
    label: str
    count_unit: str
    people_unit: str | None  # None: the survey asks for no participants
    by_campaign: bool = False  # counts campaigns (one drive is one activity), not their events


ACTIVITY_SPECS = (
    ActivitySpec(ActivityRow.LECTURE, "科普(技)讲座", "次", "人次"),
    ActivitySpec(ActivityRow.EXHIBITION, "科普(技)专题展览", "次", "人次"),
    ActivitySpec(ActivityRow.CONTEST, "科普(技)竞赛", "次", "人次"),
    ActivitySpec(ActivityRow.INTERNATIONAL, "科普国际交流", "次", "人次"),
    ActivitySpec(ActivityRow.INTEREST_GROUP, "青少年科技兴趣小组", "个", "人次"),
    ActivitySpec(ActivityRow.CAMP, "科技夏(冬)令营", "次", "人次"),
    ActivitySpec(ActivityRow.SCIENCE_WEEK, "科技活动周科普专题活动", "次", "人次"),
    ActivitySpec(ActivityRow.OPEN_INSTITUTE, "高校和科研机构向社会开放", "个", "人次"),
    ActivitySpec(ActivityRow.TRAINING, "实用技术培训", "次", "人次"),
    ActivitySpec(ActivityRow.COUNTRYSIDE, "三下乡科普活动", "次", "人次"),
    ActivitySpec(ActivityRow.MAJOR, "重大科普活动", "次", None, by_campaign=True),
)
UNMAPPED_LABEL = "未归入以上各行的活动（核对用，非调查指标）"


def _rules_text(rules: list[ActivityRule]) -> str:
    return "或".join(f"「{rule.describe()}」" for rule in rules)


def _contest_hint(association: Association, year: int) -> str:
    contests = Contest.objects.filter(association=association, held_on__year=year)
    found = contests.aggregate(n=Count("id", distinct=True), entries=Count("entries"))
    if not found["n"]:
        return ""
    return (
        f"竞赛登记中本会{year}年另有 {found['n']} 项竞赛、评选（{found['entries']} 件参赛作品）；"
        "未作为活动记录的，需核对是否计入"
    )


def _activities(association: Association, year: int, events: list[HeldEvent], rules: list[ActivityRule]) -> Table:
    held = f"活动记录：本会{year}年举办的活动（已开始、非草稿、未取消）"
    person_times = "人次＝计入的签到（扫码、纸质签到、手工录入）＋人数清点"
    lines = []
    counted: set[int] = set()
    for spec in ACTIVITY_SPECS:
        row_rules = [rule for rule in rules if rule.row == spec.row]
        if not row_rules:
            reason = "没有一条映射规则把活动归入这一行（管理后台：活动映射规则）"
            no_people = _by_hand(reason) if spec.people_unit else None
            lines.append(Line(spec.label, ((spec.count_unit, _by_hand(reason)), (spec.people_unit or "", no_people))))
            continue
        matched = [e for e in events if any(_matches(rule, e) for rule in row_rules)]
        counted.update(e.id for e in matched)
        which = f"{held}中，{_rules_text(row_rules)}的"
        if spec.by_campaign:
            campaigns = {e.campaign_id for e in matched if e.campaign_id is not None}
            alone = sum(1 for e in matched if e.campaign_id is None)
            count = Cell(
                len(campaigns) + alone,
                f"{which}：每个活动项目计一次，不属任何计划的活动各计一次",
                f"共 {len(matched)} 场活动",
            )
        else:
            hint = _contest_hint(association, year) if spec.row == ActivityRow.CONTEST else ""
            count = Cell(len(matched), f"{which}场次", hint)
        people = Cell(sum(e.person_times for e in matched), f"{which}{person_times}") if spec.people_unit else None
        lines.append(Line(spec.label, ((spec.count_unit, count), (spec.people_unit or "", people))))
    rest = [e for e in events if e.id not in counted]
    lines.append(
        Line(
            UNMAPPED_LABEL,
            (
                ("次", Cell(len(rest), f"{held}中，没有任何一条映射规则匹配的")),
                ("人次", Cell(sum(e.person_times for e in rest), f"同上，{person_times}")),
            ),
        )
    )
    return Table("activities", "科普活动", ("数量", "参加人次"), tuple(lines))


# --- the form ------------------------------------------------------------------------------------


def national_form(*, association: Association, year: int, now: datetime | None = None) -> NationalForm:
    """The association's form for the year, filled from its records as they stand now."""
    # The survey is answered in Chinese whatever the reader's language: the kinds named in the sources too.
    with translation.override("zh-hans"):
        events = held_events_of(association, year, now=now)
        rules = list(ActivityRule.objects.all())
        return NationalForm(
            association=association,
            year=year,
            tables=(
                _personnel(association, year, events),
                _sites(association, year, events),
                _funding(association, year),
                _media(association, year),
                _activities(association, year, events, rules),
            ),
        )
