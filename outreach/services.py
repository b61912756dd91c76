"""Writes to the register of science-popularization sites: each one checks the rules, then asks for the
year tallies its dates touch (stats.services.registry_request)."""

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Association, Region
from kepu import spreadsheets
from stats.services import registry_request

from .models import (
    PRIZE_LEVELS,
    BaseYear,
    Contest,
    ContestEntry,
    DemonstrationBase,
    FundingRecord,
    MediaColumn,
    MediaEpisode,
    NewsReport,
    Site,
    SiteBooks,
    SiteRepair,
)


def _regions_of(association: Association) -> set[int]:
    """The regions an association's sites may stand in: its own region and every one below it."""
    ids, frontier = set(), [association.region_id]
    while frontier:
        ids.update(frontier)
        frontier = list(Region.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
    return ids


def site_validate(site: Site) -> None:
    """Raise ValidationError (per field): a name the association already uses, a town or village outside
    its county, a retirement before the site was built."""
    errors: dict[str, str] = {}
    if site.association_id and site.name:
        taken = Site.objects.filter(association_id=site.association_id, name=site.name).exclude(pk=site.pk)
        if taken.exists():
            errors["name"] = _("Your association already has a site named “%(name)s”.") % {"name": site.name}
    if site.association_id and site.region_id and site.region_id not in _regions_of(site.association):
        errors["region"] = _("Choose a town or village of your county.")
    if site.built_on and site.retired_on and site.retired_on <= site.built_on:
        errors["retired_on"] = _("A site is retired after it was built.")
    if errors:
        raise ValidationError(errors)


def _changed(site: Site, *dates: date | None) -> None:
    known = [d for d in (site.built_on, site.retired_on, *dates) if d is not None]
    registry_request(association_id=site.association_id, since=min(known) if known else None)


def site_touched(site: Site) -> None:
    """A site and its repairs or books were changed together (the admin's form): every date they hold."""
    dates = list(site.repairs.values_list("repaired_on", flat=True))
    dates += [date(year, 1, 1) for year in site.book_counts.values_list("year", flat=True)]
    _changed(site, *dates)


@transaction.atomic
def site_save(site: Site) -> Site:
    """Create or change a site (its association already set)."""
    site_validate(site)
    site.full_clean(validate_constraints=False, validate_unique=False)
    site.save()
    _changed(site)
    return site


@transaction.atomic
def site_delete(*, site: Site) -> None:
    """Delete a site entered by mistake (one that was taken down is retired instead: its years still count)."""
    _changed(site)
    site.delete()


@transaction.atomic
def site_repair_add(*, site: Site, repaired_on: date, note: str = "") -> SiteRepair:
    repair = SiteRepair(site=site, repaired_on=repaired_on, note=note)
    repair.full_clean()
    if site.built_on and repaired_on < site.built_on:
        raise ValidationError({"repaired_on": _("The site was built on %(date)s.") % {"date": site.built_on}})
    repair.save()
    _changed(site, repaired_on)
    return repair


@transaction.atomic
def site_books_set(*, site: Site, year: int, books: int) -> SiteBooks:
    """The books a site holds in a year: that year's entry is written (or corrected), the others stay."""
    entry, _created = SiteBooks.objects.update_or_create(site=site, year=year, defaults={"books": books})
    _changed(site, date(year, 1, 1))
    return entry


# --- the import --------------------------------------------------------------------------------

IMPORT_COLUMNS = {
    "name": ("名称", "阵地名称", "名稱", "name"),
    "kind": ("类别", "类型", "類別", "kind"),
    "town": ("乡镇", "鄉鎮", "town"),
    "village": ("村", "村（社区）", "村(社区)", "社区", "村（社區）", "village"),
    "built_on": ("建成日期", "建成时间", "建成", "built"),
    "retired_on": ("撤除日期", "撤除", "retired"),
    "books": ("藏书", "藏书（册）", "藏书(册)", "藏書", "books"),
    "note": ("备注", "備註", "note"),
}
KIND_WORDS = {
    "科普橱窗": Site.Kind.WINDOW,
    "橱窗": Site.Kind.WINDOW,
    "櫥窗": Site.Kind.WINDOW,
    "科普画廊": Site.Kind.GALLERY,
    "画廊": Site.Kind.GALLERY,
    "畫廊": Site.Kind.GALLERY,
    "科普宣传栏": Site.Kind.BOARD,
    "宣传栏": Site.Kind.BOARD,
    "宣傳欄": Site.Kind.BOARD,
    "科普图书室": Site.Kind.READING_ROOM,
    "图书室": Site.Kind.READING_ROOM,
    "圖書室": Site.Kind.READING_ROOM,
    "农民技术学校": Site.Kind.FARMERS_SCHOOL,
    "农民科技文化技术学校": Site.Kind.FARMERS_SCHOOL,
    "農民技術學校": Site.Kind.FARMERS_SCHOOL,
    "科普活动中心": Site.Kind.ACTIVITY_CENTRE,
    "活动中心": Site.Kind.ACTIVITY_CENTRE,
    "科普活動中心": Site.Kind.ACTIVITY_CENTRE,
    "科普e站": Site.Kind.E_STATION,
    "e站": Site.Kind.E_STATION,
    "其他": Site.Kind.OTHER,
}


def _kind(word: str) -> str | None:
    word = word.strip()
    return (
        KIND_WORDS.get(word)
        or KIND_WORDS.get(word.replace("Ｅ", "e").replace("E", "e"))
        or (word if word in Site.Kind.values else None)
    )


def _date(text: str) -> date:
    """2024-05-01, 2024/5/1, 2024.5.1 or 2024年5月1日; a year alone (2015) is its 1 January."""
    cleaned = text.strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    parts = [p for p in cleaned.split()[0].split("-") if p] if cleaned else []
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) == 4:
        return date(int(parts[0]), 1, 1)
    year, month, day = (int(p) for p in parts)
    return date(year, month, day)


@transaction.atomic
def sites_import(*, association: Association, file: IO[bytes], year: int | None = None) -> dict[str, Any]:
    """The association's list of sites from an Excel sheet or a CSV file (名称, 类别, 乡镇, 村, 建成日期,
    撤除日期, 藏书, 备注), read by `kepu.spreadsheets` within its limits.

    All or nothing: if a row is wrong nothing is imported and every wrong row is named. A row names a
    site by its name: a site of that name is updated, else created, so importing the list again adds
    nothing. The books are the site's entry for `year` (this year unless told)."""
    year = year or timezone.localdate().year
    table = spreadsheets.read_table(file, headings=IMPORT_COLUMNS, required=("name", "kind"))
    regions = _regions_by_name(association)
    existing = {s.name: s for s in Site.objects.filter(association=association)}
    created, updated, wrong = 0, 0, []
    seen: set[str] = set()
    for row in table.rows:
        cell = lambda column, row=row: table.cell(row, column).strip()  # noqa: E731
        name, problems = cell("name"), []
        kind = _kind(cell("kind"))
        if not name:
            problems.append(_("the name is missing"))
        elif name in seen:
            problems.append(_("the same name as an earlier row"))
        seen.add(name)
        if kind is None:
            problems.append(_("unknown kind “%(kind)s”") % {"kind": cell("kind")})
        region = _region(regions, cell("town"), cell("village"), association, problems)
        dates = {}
        for column in ("built_on", "retired_on"):
            if cell(column):
                try:
                    dates[column] = _date(cell(column))
                except (ValueError, TypeError, OverflowError):  # OverflowError: a year of twenty digits
                    problems.append(_("“%(value)s” is not a date") % {"value": cell(column)})
        books = None
        if cell("books"):
            if cell("books").isdigit():
                books = int(cell("books"))
            else:
                problems.append(_("the books must be a whole number"))
        if not problems:
            # An unknown kind or place is a problem above: here both are known.
            assert kind is not None and region is not None
            site = existing.get(name) or Site(association=association, name=name)
            is_new = site.pk is None
            site.kind, site.region = kind, region
            site.built_on, site.retired_on = dates.get("built_on"), dates.get("retired_on")
            site.note = cell("note") or site.note
            try:
                with transaction.atomic():
                    site_save(site)
                    if books is not None:
                        site_books_set(site=site, year=year, books=books)
            except ValidationError as invalid:
                problems.extend(m for messages in invalid.message_dict.values() for m in messages)
            else:
                created, updated = created + is_new, updated + (not is_new)
        if problems:
            wrong.append(spreadsheets.RowProblem(row=row.number, name=name, message="; ".join(problems)))
    if wrong:
        raise spreadsheets.ImportRefused(wrong, rows=len(table.rows))
    return {"created": created, "updated": updated}


def _regions_by_name(association: Association) -> dict[tuple[str, str], Region]:
    """(town, village) → region for the association's county: ("城关镇", "") is the town itself."""
    found: dict[tuple[str, str], Region] = {}
    for town in Region.objects.filter(parent_id=association.region_id):
        found[(town.name, "")] = town
        for village in Region.objects.filter(parent=town):
            found[(town.name, village.name)] = village
    return found


def _region(regions, town: str, village: str, association: Association, problems: list) -> Region | None:
    if not town and not village:
        return association.region  # a county-level site (县级画廊)
    region = regions.get((town, village))
    if region is None and not town:  # a village named alone, when its name is the county's only one
        matches = [r for (t, v), r in regions.items() if v == village]
        region = matches[0] if len(matches) == 1 else None
    if region is None:
        problems.append(_("unknown town or village “%(name)s”") % {"name": " ".join(p for p in (town, village) if p)})
    return region


# --- media and contests (issue 14 items 4 and 5) ---------------------------------------------------


def _named_once(model, obj, errors: dict[str, str], **same) -> None:
    if model.objects.filter(association_id=obj.association_id, **same).exclude(pk=obj.pk).exists():
        errors["name"] = _("Your association already has one named “%(name)s”.") % {"name": obj.name}


def media_column_validate(column: MediaColumn) -> None:
    errors: dict[str, str] = {}
    if column.association_id and column.name:
        _named_once(MediaColumn, column, errors, name=column.name)
    if errors:
        raise ValidationError(errors)


def media_column_touched(column: MediaColumn) -> None:
    """A column and its episodes were changed together (the admin's form): every year they hold."""
    dates = list(column.episodes.values_list("aired_on", flat=True))
    registry_request(association_id=column.association_id, since=min(dates) if dates else None)


@transaction.atomic
def media_column_save(column: MediaColumn) -> MediaColumn:
    media_column_validate(column)
    column.full_clean(validate_constraints=False, validate_unique=False)
    column.save()
    return column


@transaction.atomic
def media_column_delete(*, column: MediaColumn) -> None:
    media_column_touched(column)
    column.delete()


@transaction.atomic
def media_episode_add(*, column: MediaColumn, aired_on: date, title: str, minutes: int = 0) -> MediaEpisode:
    """An episode aired (or a post, a page published): its date and minutes on air (0 for print)."""
    episode = MediaEpisode(column=column, aired_on=aired_on, title=title, minutes=minutes)
    episode.full_clean()
    episode.save()
    registry_request(association_id=column.association_id, since=aired_on)
    return episode


def news_report_validate(report: NewsReport) -> None:
    report.full_clean(exclude=["association"], validate_constraints=False, validate_unique=False)


@transaction.atomic
def news_report_save(report: NewsReport, *, was: date | None = None) -> NewsReport:
    """Create or change a report (its association already set); `was`: its date before the change."""
    news_report_validate(report)
    report.save()
    known = [d for d in (report.published_on, was) if d is not None]
    registry_request(association_id=report.association_id, since=min(known))
    return report


@transaction.atomic
def news_report_delete(*, report: NewsReport) -> None:
    registry_request(association_id=report.association_id, since=report.published_on)
    report.delete()


def contest_validate(contest: Contest) -> None:
    errors: dict[str, str] = {}
    if contest.association_id and contest.name and contest.held_on:
        _named_once(Contest, contest, errors, name=contest.name, held_on=contest.held_on)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contest_save(contest: Contest, *, was: date | None = None) -> Contest:
    """Create or change a contest (its association already set); `was`: its date before the change."""
    contest_validate(contest)
    contest.full_clean(validate_constraints=False, validate_unique=False)
    contest.save()
    known = [d for d in (contest.held_on, was) if d is not None]
    registry_request(association_id=contest.association_id, since=min(known))
    return contest


@transaction.atomic
def contest_delete(*, contest: Contest) -> None:
    registry_request(association_id=contest.association_id, since=contest.held_on)
    contest.delete()


def contest_entry_validate(entry: ContestEntry) -> None:
    """A prize is given at a level, and a level is the level of a prize: both or neither."""
    if bool(entry.award) != bool(entry.award_level):
        field = "award_level" if entry.award else "award"
        raise ValidationError({field: _("A prize and its level go together: give both or neither.")})


@transaction.atomic
def contest_entry_save(entry: ContestEntry) -> ContestEntry:
    """Create or change an entry of a contest (its contest already set)."""
    contest_entry_validate(entry)
    entry.full_clean(validate_constraints=False)
    entry.save()
    registry_request(association_id=entry.contest.association_id, since=entry.contest.held_on)
    return entry


def contest_touched(contest: Contest) -> None:
    """A contest and its entries were changed together (the admin's form)."""
    registry_request(association_id=contest.association_id, since=contest.held_on)


ENTRY_COLUMNS = {
    "entrant": ("姓名", "参赛者", "作者", "个人或团队", "團隊", "姓名或团队", "entrant"),
    "school": ("学校", "學校", "school"),
    "title": ("作品名称", "作品", "题目", "論文題目", "作品名稱", "title"),
    "pupils": ("学生人数", "人数", "學生人數", "pupils"),
    "award": ("奖项", "獎項", "award"),
    "award_level": ("获奖级别", "级别", "獲獎級別", "level"),
}
AWARD_WORDS = {"一等奖": "first", "一等獎": "first", "二等奖": "second", "二等獎": "second"}
AWARD_WORDS |= {"三等奖": "third", "三等獎": "third", "优秀奖": "excellence", "優秀獎": "excellence"}
LEVEL_WORDS = {
    "县级": "county",
    "縣級": "county",
    "州级": "prefecture",
    "州（市）级": "prefecture",
    "市级": "prefecture",
}
LEVEL_WORDS |= {
    "州級": "prefecture",
    "省级": "province",
    "省級": "province",
    "国家级": "national",
    "國家級": "national",
}


@transaction.atomic
def contest_entries_import(*, contest: Contest, file: IO[bytes]) -> dict[str, Any]:
    """A contest's list of entries from an Excel sheet or a CSV file (姓名, 学校, 作品名称, 学生人数, 奖项,
    获奖级别), as the school or the jury keeps it. All or nothing: every wrong row is named. An entry is
    known by its person or team and its title: importing the list again (with the prizes) updates it."""
    table = spreadsheets.read_table(file, headings=ENTRY_COLUMNS, required=("entrant", "title"))
    existing = {(e.entrant, e.title): e for e in contest.entries.all()}
    created, updated, wrong = 0, 0, []
    for row in table.rows:
        cell = lambda column, row=row: table.cell(row, column).strip()  # noqa: E731
        entrant, title, problems = cell("entrant"), cell("title"), []
        if not entrant or not title:
            problems.append(_("the person or team and the title are needed"))
        pupils = 1
        if cell("pupils"):
            if cell("pupils").isdigit():
                pupils = int(cell("pupils"))
            else:
                problems.append(_("the pupils must be a whole number"))
        award = AWARD_WORDS.get(cell("award"), cell("award") if cell("award") in ContestEntry.Award.values else None)
        if cell("award") and award is None:
            problems.append(_("unknown prize “%(prize)s”") % {"prize": cell("award")})
        level = LEVEL_WORDS.get(cell("award_level"), cell("award_level"))
        if not problems:
            entry = existing.get((entrant, title)) or ContestEntry(contest=contest, entrant=entrant, title=title)
            is_new = entry.pk is None
            entry.school, entry.pupils = cell("school") or entry.school, pupils
            entry.award, entry.award_level = award or "", level or ""
            try:
                with transaction.atomic():
                    contest_entry_save(entry)
            except ValidationError as invalid:
                problems.extend(m for messages in invalid.message_dict.values() for m in messages)
            else:
                existing[(entrant, title)] = entry
                created, updated = created + is_new, updated + (not is_new)
        if problems:
            wrong.append(spreadsheets.RowProblem(row=row.number, name=entrant, message="; ".join(problems)))
    if wrong:
        raise spreadsheets.ImportRefused(wrong, rows=len(table.rows))
    return {"created": created, "updated": updated}


# --- issue 14 item 3: demonstration bases ----------------------------------------------------------


def base_validate(base: DemonstrationBase) -> None:
    """Raise ValidationError (per field): a name the association already uses, a place outside its county,
    a closing before the base was established."""
    errors: dict[str, str] = {}
    if base.association_id and base.name:
        taken = DemonstrationBase.objects.filter(association_id=base.association_id, name=base.name)
        if taken.exclude(pk=base.pk).exists():
            errors["name"] = _("Your association already has a demonstration base named “%(name)s”.") % {
                "name": base.name
            }
    if base.association_id and base.region_id and base.region_id not in _regions_of(base.association):
        errors["region"] = _("Choose a town or village of your county.")
    if base.established_on and base.closed_on and base.closed_on <= base.established_on:
        errors["closed_on"] = _("A base is closed after it was established.")
    if errors:
        raise ValidationError(errors)


def base_links_validate(base: DemonstrationBase, *, partners=(), events=()) -> None:
    """The partners and events a base links to are the association's own (a prefecture's base may link its
    counties' records, as it reads them)."""
    allowed = _association_ids(base.association_id)
    errors = {}
    if any(p.association_id not in allowed for p in partners):
        errors["partners"] = _("Choose organizations of your association.")
    if any(e.association_id not in allowed for e in events):
        errors["events"] = _("Choose events of your association.")
    if errors:
        raise ValidationError(errors)


def _association_ids(association_id: int) -> set[int]:
    ids, frontier = set(), [association_id]
    while frontier:
        ids.update(frontier)
        frontier = list(Association.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
    return ids


def _base_changed(base: DemonstrationBase, *dates: date | None) -> None:
    known = [d for d in (base.established_on, base.closed_on, *dates) if d is not None]
    registry_request(association_id=base.association_id, since=min(known) if known else None)


def base_touched(base: DemonstrationBase) -> None:
    """A base with its yearly results and links changed together (the admin's form): every year they hold."""
    dates = [date(year, 1, 1) for year in base.years.values_list("year", flat=True)]
    dates += [timezone.localdate(start) for start in base.events.values_list("starts_at", flat=True)]
    _base_changed(base, *dates)


@transaction.atomic
def base_save(base: DemonstrationBase, *, partners=None, events=None) -> DemonstrationBase:
    """Create or change a base (its association already set); partners and events, if given, replace its links."""
    base_validate(base)
    base_links_validate(base, partners=partners or (), events=events or ())
    base.full_clean(validate_constraints=False, validate_unique=False)
    base.save()
    if partners is not None:
        base.partners.set(partners)
    if events is not None:
        base.events.set(events)
    base_touched(base)
    return base


@transaction.atomic
def base_delete(*, base: DemonstrationBase) -> None:
    """Delete a base entered by mistake (one that closed is given its closing date: its years still count)."""
    base_touched(base)
    base.delete()


@transaction.atomic
def base_year_set(*, base: DemonstrationBase, year: int, varieties: int, techniques: int, households: int) -> BaseYear:
    """A base's results of a year: that year's entry is written (or corrected), the others stay."""
    entry = BaseYear(base=base, year=year, varieties=varieties, techniques=techniques, households=households)
    entry.full_clean(validate_unique=False, validate_constraints=False)
    entry, _created = BaseYear.objects.update_or_create(
        base=base,
        year=year,
        defaults={"varieties": varieties, "techniques": techniques, "households": households},
    )
    _base_changed(base, date(year, 1, 1))
    return entry


# --- issue 14 item 6: funding ----------------------------------------------------------------------


def funding_validate(record: FundingRecord) -> None:
    """Raise ValidationError (per field): income names its source and no use, spending its use and no source."""
    errors: dict[str, str] = {}
    if record.direction == FundingRecord.Direction.INCOME:
        if not record.source:
            errors["source"] = _("Say where the income came from.")
        if record.use:
            errors["use"] = _("Income has a source, not a use.")
    elif record.direction == FundingRecord.Direction.SPENDING:
        if not record.use:
            errors["use"] = _("Say what the money was spent on.")
        if record.source:
            errors["source"] = _("Spending has a use, not a source.")
    if record.amount is not None and record.amount <= 0:
        errors["amount"] = _("The amount is more than zero.")
    if errors:
        raise ValidationError(errors)


def _funding_changed(record: FundingRecord, *dates: date | None) -> None:
    known = [d for d in (record.date, *dates) if d is not None]
    registry_request(association_id=record.association_id, since=min(known) if known else None)


def _document_read(file) -> tuple[bytes, str, str]:
    """(bytes, content type, extension) of an uploaded document: an image or a PDF within
    settings.EVIDENCE_MAX_BYTES, checked as the events' evidence is (events.services)."""
    from events.services import _evidence_kind_of, _megabytes

    limit = settings.EVIDENCE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:  # refused before it is read
        raise ValidationError(
            {"document": _("The file is too large; at most %(max)s MB.") % {"max": _megabytes(limit)}}
        )
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {"document": _("The file is too large; at most %(max)s MB.") % {"max": _megabytes(limit)}}
        )
    if not data:
        raise ValidationError({"document": _("The file is empty.")})
    try:
        content_type, extension, _thumbnail = _evidence_kind_of(data)
    except ValidationError as refused:
        raise ValidationError({"document": refused.message_dict.get("file", refused.messages)}) from None
    return data, content_type, extension


def document_check(file) -> None:
    """Raise ValidationError({"document": …}) if the upload would be refused; the file is read again later."""
    _document_read(file)
    file.seek(0)


def _document_delete(name: str | None, storage) -> None:
    if name:
        storage.delete(name)


@transaction.atomic
def funding_save(record: FundingRecord, *, document=None, previous_date: date | None = None) -> FundingRecord:
    """Create or change a funding record (its association already set); `document`, if given, is an upload
    that replaces the record's document. The old file is deleted once the new one is kept."""
    funding_validate(record)
    record.full_clean(validate_constraints=False, validate_unique=False, exclude=["document"])
    old_name = record.document.name if document is not None and record.pk else ""
    if document is not None:
        data, content_type, extension = _document_read(document)
        record.document_type, record.document_size = content_type, len(data)
        record.document.save(f"{secrets.token_hex(8)}.{extension}", ContentFile(data), save=False)
    try:
        record.save()
    except Exception:
        if document is not None:
            _document_delete(record.document.name, record.document.storage)
        raise
    if old_name and old_name != record.document.name:
        storage = record.document.storage
        transaction.on_commit(lambda: _document_delete(old_name, storage))
    _funding_changed(record, previous_date)
    return record


@transaction.atomic
def funding_delete(*, record: FundingRecord) -> None:
    _funding_changed(record)
    name, storage = record.document.name, record.document.storage
    record.delete()
    transaction.on_commit(lambda: _document_delete(name, storage))


# --- the imports of a column's episodes and of the news reports -------------------------------------


@dataclass
class RegisterImport:
    """What an import did: how many records it created and updated, and each row's outcome (its number in
    the file, the record, whether the record is new) for a report that names every row."""

    created: int = 0
    updated: int = 0
    rows: list[tuple[int, Any, bool]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated}

    def add(self, number: int, record: Any, is_new: bool) -> None:
        self.rows.append((number, record, is_new))
        self.created, self.updated = self.created + is_new, self.updated + (not is_new)


# The title is the row's "name": an import's report names a wrong row by it (spreadsheets.import_rows).
EPISODE_COLUMNS = {
    "aired_on": ("日期", "播出日期", "刊发日期", "发布日期", "刊發日期", "發布日期", "date"),
    "name": ("标题", "题目", "节目名称", "标题（内容）", "標題", "題目", "節目名稱", "title"),
    "minutes": ("时长（分钟）", "时长(分钟)", "播出时长", "时长", "分钟", "時長（分鐘）", "時長", "minutes"),
}
NEWS_REPORT_COLUMNS = {
    "published_on": ("日期", "刊发日期", "发布日期", "刊發日期", "發布日期", "date"),
    "name": ("标题", "题目", "报道标题", "標題", "題目", "報導標題", "title"),
    "outlet": ("媒体", "刊发媒体", "媒体名称", "媒體", "刊發媒體", "outlet"),
    "level": ("级别", "媒体级别", "級別", "媒體級別", "level"),
}
# The level of a news report's outlet, as an association's list writes it.
LEVELS = {key for key, _label in PRIZE_LEVELS}
OUTLET_LEVEL_WORDS = LEVEL_WORDS | {"国家": "national", "省": "province", "州": "prefecture", "县": "county"}


def _row_date(text: str, problems: list[str]) -> date | None:
    if not text:
        problems.append(_("the date is missing"))
        return None
    try:
        return _date(text)
    except (ValueError, TypeError, OverflowError):  # OverflowError: a year of twenty digits
        problems.append(_("“%(value)s” is not a date") % {"value": text})
        return None


def _minutes(text: str, problems: list[str]) -> int:
    """Minutes on air: 15, 15分钟 or 15 分; empty for print or a post (0)."""
    number = text.removesuffix("分钟").removesuffix("分鐘").removesuffix("分").strip()
    if not number:
        return 0
    if not number.isdigit():
        problems.append(_("the minutes must be a whole number"))
        return 0
    return int(number)


def _full_clean(record, problems: list[str], exclude: list[str] | None = None) -> None:
    try:
        record.full_clean(exclude=exclude, validate_constraints=False, validate_unique=False)
    except ValidationError as invalid:
        problems.extend(m for messages in invalid.message_dict.values() for m in messages)


@transaction.atomic
def import_episodes(column: MediaColumn, file: IO[bytes]) -> RegisterImport:
    """A column's episodes or posts from an Excel sheet or a CSV file (日期, 标题, 时长（分钟）), as the
    station or the editor keeps the list. All or nothing: if a row is wrong nothing is imported and every
    wrong row is named (spreadsheets.ImportRefused). An episode is known by its date and title: importing
    the list again adds nothing and corrects the minutes."""
    table = spreadsheets.read_table(file, headings=EPISODE_COLUMNS, required=("aired_on", "name"))
    existing = {(e.aired_on, e.title): e for e in column.episodes.all()}
    seen: set[tuple[date, str]] = set()
    result = RegisterImport()

    def episode(row: spreadsheets.Row) -> None:
        problems: list[str] = []
        title = table.cell(row, "name").strip()
        if not title:
            problems.append(_("the title is missing"))
        aired_on = _row_date(table.cell(row, "aired_on"), problems)
        minutes = _minutes(table.cell(row, "minutes"), problems)
        if problems:
            raise ValidationError(problems)
        assert aired_on is not None  # a missing or wrong date is a problem above
        if (aired_on, title) in seen:
            raise ValidationError(_("the same date and title as an earlier row"))
        seen.add((aired_on, title))
        record = existing.get((aired_on, title)) or MediaEpisode(column=column, aired_on=aired_on, title=title)
        is_new = record.pk is None
        record.minutes = minutes
        _full_clean(record, problems)
        if problems:
            raise ValidationError(problems)
        record.save()
        result.add(row.number, record, is_new)

    spreadsheets.import_rows(table, episode)
    if result.rows:  # the years the rows touch are counted again (one request for the whole list)
        registry_request(association_id=column.association_id, since=min(r.aired_on for _n, r, _new in result.rows))
    return result


@transaction.atomic
def import_news_reports(association: Association, file: IO[bytes]) -> RegisterImport:
    """The association's news reports from an Excel sheet or a CSV file (日期, 标题, 媒体, 级别: 县级,
    州（市）级, 省级, 国家级; county level when empty). All or nothing: every wrong row is named. A report
    is known by its date and title: importing the list again adds nothing and corrects outlet and level."""
    table = spreadsheets.read_table(file, headings=NEWS_REPORT_COLUMNS, required=("published_on", "name", "outlet"))
    existing = {(r.published_on, r.title): r for r in NewsReport.objects.filter(association=association)}
    seen: set[tuple[date, str]] = set()
    result = RegisterImport()

    def report(row: spreadsheets.Row) -> None:
        problems: list[str] = []
        title, outlet = table.cell(row, "name").strip(), table.cell(row, "outlet").strip()
        if not title:
            problems.append(_("the title is missing"))
        if not outlet:
            problems.append(_("the outlet is missing"))
        published_on = _row_date(table.cell(row, "published_on"), problems)
        level_word = table.cell(row, "level").strip()
        level = OUTLET_LEVEL_WORDS.get(level_word, level_word) if level_word else "county"
        if level not in LEVELS:
            problems.append(_("unknown level “%(level)s”") % {"level": level_word})
        if problems:
            raise ValidationError(problems)
        assert published_on is not None  # a missing or wrong date is a problem above
        if (published_on, title) in seen:
            raise ValidationError(_("the same date and title as an earlier row"))
        seen.add((published_on, title))
        record = existing.get((published_on, title)) or NewsReport(
            association=association, published_on=published_on, title=title
        )
        is_new = record.pk is None
        record.outlet, record.level = outlet, level
        _full_clean(record, problems)
        if problems:
            raise ValidationError(problems)
        record.save()
        result.add(row.number, record, is_new)

    spreadsheets.import_rows(table, report)
    if result.rows:
        registry_request(association_id=association.id, since=min(r.published_on for _n, r, _new in result.rows))
    return result
