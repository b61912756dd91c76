"""Every cell of the national form equals a plain recount of random records, for two years in a row.

The recount reads the records one by one in Python and applies docs/national-form.md literally (with the
default mapping of the migration), never through stats.figures or survey.national_form."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin.models import CheckIn, Headcount
from events.models import Event, Region
from outreach.models import FundingRecord, MediaEpisode, Site
from survey.national_form import UNMAPPED_LABEL, national_form
from tests.factories import (
    AssociationFactory,
    AttendeeFactory,
    CampaignFactory,
    CheckInFactory,
    EventFactory,
    FundingRecordFactory,
    HeadcountFactory,
    MediaColumnFactory,
    MediaEpisodeFactory,
    RegionFactory,
    ShiftFactory,
    SignUpFactory,
    SiteFactory,
    VenueFactory,
    VolunteerFactory,
)
from volunteers.models import SignUp, Volunteer

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
YEARS = (2024, 2025)
NOW = datetime(2025, 11, 1, 12, tzinfo=SHANGHAI)

# Around the edges: New Year in Shanghai and in UTC, and "now" (an event not started yet is not held).
STARTS = [
    datetime(2023, 12, 31, 23, 30, tzinfo=SHANGHAI),
    datetime(2024, 1, 1, 0, 0, tzinfo=SHANGHAI),
    datetime(2024, 6, 1, 9, 0, tzinfo=SHANGHAI),
    datetime(2024, 12, 31, 23, 30, tzinfo=SHANGHAI),
    datetime(2025, 1, 1, 7, 0, tzinfo=SHANGHAI),  # 2024-12-31 23:00 UTC
    datetime(2025, 5, 20, 9, 0, tzinfo=SHANGHAI),
    datetime(2025, 11, 1, 12, 1, tzinfo=SHANGHAI),  # not started yet
]
DAYS = [None, date(2023, 5, 1), date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), date(2025, 12, 31)]
CAMPAIGN_KINDS = ["science_week", "countryside", "themed", "science_drive", "youth", "training_series"]


def _build(data):
    county = RegionFactory(level=Region.Level.COUNTY, name="乙县")
    town = RegionFactory(level=Region.Level.TOWN, parent=county, name="乙镇")
    village = RegionFactory(level=Region.Level.VILLAGE, parent=town, name="乙村")
    community = RegionFactory(level=Region.Level.COMMUNITY, parent=town, name="乙社区")
    prefecture = AssociationFactory()
    association = AssociationFactory(region=county, parent=prefecture)
    neighbour = AssociationFactory(parent=prefecture)  # its records never count in the county's form
    venues = [VenueFactory(association=association, region=village, kind=kind) for kind in ("science_center", "square")]
    campaigns = [
        CampaignFactory(association=association, kind=kind, starts_on=date(2023, 1, 1), ends_on=date(2026, 12, 31))
        for kind in data.draw(st.lists(st.sampled_from(CAMPAIGN_KINDS), min_size=1, max_size=4))
    ]
    events = []
    for _ in range(data.draw(st.integers(1, 8))):
        start = data.draw(st.sampled_from(STARTS))
        events.append(
            EventFactory(
                association=association,
                kind=data.draw(st.sampled_from(Event.Kind.values)),
                campaign=data.draw(st.sampled_from([None, *campaigns])),
                venue=data.draw(st.sampled_from(venues)),
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                status=data.draw(st.sampled_from(["published", "done", "done", "cancelled", "draft"])),
                is_countryside_trip=data.draw(st.booleans()),
            )
        )
    foreign = EventFactory(association=neighbour, kind="lecture", starts_at=STARTS[2], ends_at=STARTS[2] + timedelta(1))
    CheckInFactory(event=foreign)
    HeadcountFactory(event=foreign, count=40)
    attendees = [AttendeeFactory(association=association) for _ in range(data.draw(st.integers(1, 5)))]
    for event in events:
        for attendee in data.draw(st.lists(st.sampled_from(attendees), max_size=4, unique_by=lambda a: a.id)):
            state = data.draw(st.sampled_from(["live", "live", "annulled", "awaiting"]))
            CheckInFactory(
                event=event,
                attendee=attendee,
                method=data.draw(st.sampled_from(["staff_scan", "self", "paper", "manual"])),
                annulled_at=NOW if state == "annulled" else None,
                flagged=state == "awaiting",
                awaiting_review=state == "awaiting",
            )
        for _ in range(data.draw(st.integers(0, 2))):
            HeadcountFactory(event=event, count=data.draw(st.integers(0, 500)))
    volunteers = [
        VolunteerFactory(association=data.draw(st.sampled_from([association, association, neighbour])))
        for _ in range(data.draw(st.integers(0, 4)))
    ]
    for volunteer in volunteers:
        joined = data.draw(st.sampled_from(STARTS[:6]))
        Volunteer.objects.filter(pk=volunteer.pk).update(created_at=joined)
        for event in data.draw(st.lists(st.sampled_from(events), max_size=3, unique_by=lambda e: e.id)):
            SignUpFactory(
                shift=ShiftFactory(event=event),
                volunteer=volunteer,
                status=data.draw(st.sampled_from(["attended", "attended", "confirmed", "no_show"])),
            )
    for owner in (association, neighbour):
        for _ in range(data.draw(st.integers(0, 5))):
            built = data.draw(st.sampled_from(DAYS))
            retired = data.draw(st.sampled_from([d for d in DAYS if d is None or built is None or d > built]))
            SiteFactory(
                association=owner,
                kind=data.draw(st.sampled_from(Site.Kind.values)),
                region=data.draw(st.sampled_from([village, community, town, county])),
                built_on=built,
                retired_on=retired,
            )
        for _ in range(data.draw(st.integers(0, 5))):
            income = data.draw(st.booleans())
            FundingRecordFactory(
                association=owner,
                date=data.draw(st.sampled_from([d for d in DAYS if d])),
                direction="income" if income else "spending",
                source=data.draw(st.sampled_from(FundingRecord.Source.values)) if income else "",
                use="" if income else data.draw(st.sampled_from(FundingRecord.Use.values)),
                amount=data.draw(
                    st.sampled_from([Decimal("0.50"), Decimal("1200.49"), Decimal("3000"), Decimal("7.5")])
                ),
            )
        for kind in data.draw(st.lists(st.sampled_from(["tv", "radio", "newspaper", "online"]), max_size=4)):
            column = MediaColumnFactory(association=owner, kind=kind)
            for _ in range(data.draw(st.integers(0, 3))):
                MediaEpisodeFactory(
                    column=column,
                    aired_on=data.draw(st.sampled_from([d for d in DAYS if d])),
                    minutes=data.draw(st.sampled_from([0, 15, 29, 30, 45])),
                )
    return association


# --- the plain recount --------------------------------------------------------------------------------


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _recount(association, year: int) -> dict:
    held = [
        e
        for e in Event.objects.filter(association=association).select_related("campaign", "venue")
        if e.status not in ("draft", "cancelled")
        and e.starts_at <= NOW
        and e.starts_at.astimezone(SHANGHAI).year == year
    ]

    def person_times(event) -> int:
        live = [c for c in CheckIn.objects.filter(event=event) if c.annulled_at is None and not c.awaiting_review]
        return len(live) + sum(h.count for h in Headcount.objects.filter(event=event))

    def campaign_kind(event):
        return event.campaign.kind if event.campaign else None

    rows = {
        "科普(技)讲座": [e for e in held if e.kind == "lecture"],
        "科普(技)专题展览": [e for e in held if e.kind == "exhibition"],
        "科普(技)竞赛": [e for e in held if e.kind == "competition"],
        "科技活动周科普专题活动": [e for e in held if campaign_kind(e) == "science_week"],
        "实用技术培训": [e for e in held if e.kind == "training"],
        "三下乡科普活动": [e for e in held if e.is_countryside_trip or campaign_kind(e) == "countryside"],
    }
    major = [e for e in held if campaign_kind(e) in ("science_drive", "themed")]
    in_a_row = {e.id for events in [*rows.values(), major] for e in events}
    unmapped = [e for e in held if e.id not in in_a_row]
    expected = {("activities", label): [len(events), sum(map(person_times, events))] for label, events in rows.items()}
    expected[("activities", "重大科普活动")] = [len({e.campaign_id for e in major})]
    expected[("activities", UNMAPPED_LABEL)] = [len(unmapped), sum(map(person_times, unmapped))]

    attended = [s for s in SignUp.objects.select_related("shift") if s.status == "attended"]
    held_ids = {e.id for e in held}
    expected[("personnel", "科普兼职人员")] = [len({s.volunteer_id for s in attended if s.shift.event_id in held_ids})]
    expected[("personnel", "注册科普志愿者")] = [
        sum(
            1
            for v in Volunteer.objects.filter(association=association)
            if v.created_at.astimezone(SHANGHAI).year <= year
        )
    ]

    year_end = date(year, 12, 31)
    standing = [
        s
        for s in Site.objects.filter(association=association).select_related("region")
        if (s.built_on is None or s.built_on <= year_end) and (s.retired_on is None or s.retired_on > year_end)
    ]
    rooms = ("activity_centre", "reading_room", "e_station", "farmers_school")
    expected[("sites", "城市社区科普(技)专用活动室")] = [
        sum(1 for s in standing if s.kind in rooms and s.region.level == "community")
    ]
    expected[("sites", "农村科普(技)活动场地")] = [
        sum(1 for s in standing if s.kind in rooms and s.region.level != "community")
    ]
    expected[("sites", "科普宣传专栏（画廊、橱窗、宣传栏）")] = [
        sum(1 for s in standing if s.kind in ("window", "gallery", "board"))
    ]

    money = [r for r in FundingRecord.objects.filter(association=association) if r.date.year == year]

    def total(direction: str, keys) -> int:
        key = "source" if direction == "income" else "use"
        return _half_up(
            sum((r.amount for r in money if r.direction == direction and getattr(r, key) in keys), Decimal(0))
        )

    expected[("funding", "年度科普经费筹集额")] = [total("income", FundingRecord.Source.values)]
    expected[("funding", "其中：政府拨款")] = [total("income", ["government"])]
    expected[("funding", "其中：捐赠")] = [total("income", ["donation"])]
    expected[("funding", "其中：自筹资金")] = [total("income", ["own"])]
    expected[("funding", "其中：其他收入")] = [total("income", ["other"])]
    expected[("funding", "年度科普经费使用额")] = [total("spending", FundingRecord.Use.values)]
    expected[("funding", "其中：科普活动支出")] = [total("spending", ["activities", "training"])]
    expected[("funding", "其中：科普场馆基建支出")] = [total("spending", ["sites"])]
    expected[("funding", "其中：其他支出")] = [total("spending", ["other"])]

    episodes = [
        e
        for e in MediaEpisode.objects.filter(column__association=association).select_related("column")
        if e.aired_on.year == year
    ]
    minutes, columns = defaultdict(int), defaultdict(set)
    for episode in episodes:
        minutes[episode.column.kind] += episode.minutes
        columns[episode.column.kind].add(episode.column_id)
    expected[("media", "电视台播出科普(技)节目时间")] = [_half_up(Decimal(minutes["tv"]) / 60)]
    expected[("media", "电台播出科普(技)节目时间")] = [_half_up(Decimal(minutes["radio"]) / 60)]
    expected[("media", "报纸科普(技)专栏、专版")] = [len(columns["newspaper"])]
    expected[("media", "科普类新媒体账号")] = [len(columns["online"])]
    expected[("media", "发表科普(技)文章")] = [sum(1 for e in episodes if e.column.kind in ("newspaper", "online"))]
    return expected


def _values(form) -> dict:
    """(table, label) → the values of the line's cells that answer something (first line of a repeated label)."""
    found: dict = {}
    for table in form.tables:
        for line in table.lines:
            found.setdefault((table.key, line.label), [cell.value for _unit, cell in line.cells if cell is not None])
    return found


@settings(
    # Each example builds two years of records and fills the whole form twice (about 12 s on the CI machine).
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_answered_cell_equals_a_plain_recount(data):
    with transaction.atomic():
        association = _build(data)
        for year in YEARS:
            got = _values(national_form(association=association, year=year, now=NOW))
            for key, value in _recount(association, year).items():
                assert got[key] == value, (year, key)
        transaction.set_rollback(True)


def test_the_recount_covers_every_answered_cell():
    """A cell the form answers from records and the recount does not check would go untested."""
    association = AssociationFactory()
    form = national_form(association=association, year=YEARS[0], now=NOW)
    answered = {
        (table.key, line.label)
        for table in form.tables
        for line in table.lines
        if any(cell is not None and not cell.manual for _unit, cell in line.cells)
    }
    assert answered == set(_recount(association, YEARS[0]))


def test_a_live_checkin_made_after_the_fact_moves_the_cell():
    """The recount is not vacuous: one more check-in at a lecture is one more person-time in its row."""
    start = timezone.make_aware(datetime(2024, 3, 1, 9))
    lecture = EventFactory(kind="lecture", starts_at=start, ends_at=start + timedelta(hours=1), status="done")
    before = _values(national_form(association=lecture.association, year=2024, now=NOW))[("activities", "科普(技)讲座")]
    CheckInFactory(event=lecture)
    after = _values(national_form(association=lecture.association, year=2024, now=NOW))[("activities", "科普(技)讲座")]
    assert before == [1, 0] and after == [1, 1]
