"""Every figure equals a plain Python recount of random records (docs/figures.md's definitions, read literally)."""

import math
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin.models import CheckIn, Headcount
from events.models import Campaign, CountyEnrolment, Event, EventOutput, Organization, OrganizationSupport, Region
from outreach.models import Contest, DemonstrationBase, FundingRecord, MediaEpisode, NewsReport, Site
from stats import figures
from tests.factories import (
    AssociationFactory,
    AttendeeFactory,
    BaseYearFactory,
    CampaignFactory,
    CheckInFactory,
    ContestEntryFactory,
    ContestFactory,
    DemonstrationBaseFactory,
    EventFactory,
    EventOutputFactory,
    FundingRecordFactory,
    HeadcountFactory,
    MediaColumnFactory,
    MediaEpisodeFactory,
    MembershipFactory,
    NewsReportFactory,
    OrganizationFactory,
    RegionFactory,
    ShiftFactory,
    SignUpFactory,
    SiteBooksFactory,
    SiteFactory,
    SiteRepairFactory,
    SupportFactory,
    VenueFactory,
    VolunteerFactory,
)
from tests.stats.rows import recount_listed_rows, without_zeros
from volunteers.models import SignUp, Volunteer

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2025
NOW = datetime(2025, 9, 1, 12, tzinfo=SHANGHAI)
SCANNED = {"staff_scan", "self", "offline"}

# Starts around the edges that matter: New Year in Shanghai vs UTC, and "now".
START_CHOICES = [
    datetime(2024, 12, 31, 23, 30, tzinfo=SHANGHAI),
    datetime(2025, 1, 1, 0, 0, tzinfo=SHANGHAI),
    datetime(2025, 1, 1, 7, 0, tzinfo=SHANGHAI),  # 2024-12-31 23:00 UTC
    datetime(2025, 3, 15, 9, 0, tzinfo=SHANGHAI),
    datetime(2025, 8, 31, 19, 0, tzinfo=SHANGHAI),
    datetime(2025, 9, 1, 11, 59, tzinfo=SHANGHAI),
    datetime(2025, 9, 1, 12, 1, tzinfo=SHANGHAI),  # not started yet
    datetime(2025, 12, 31, 23, 0, tzinfo=SHANGHAI),
    datetime(2026, 1, 1, 0, 0, tzinfo=SHANGHAI),
]


def _county():
    county = RegionFactory(level=Region.Level.COUNTY, name="甲县")
    towns = [RegionFactory(level=Region.Level.TOWN, parent=county, name=f"镇{i}") for i in range(2)]
    villages = [
        RegionFactory(
            level=Region.Level.VILLAGE if i % 3 else Region.Level.COMMUNITY, parent=towns[i % 2], name=f"村{i}"
        )
        for i in range(5)
    ]
    return county, towns, villages


def _build(data):
    county, towns, villages = _county()
    association = AssociationFactory(region=county)
    other = AssociationFactory()  # a neighbour whose records never count
    CountyEnrolment.objects.create(county=county, year=YEAR, students=data.draw(st.integers(1, 500)))
    orgs = build_registers(data, association, county, towns, villages)
    venues = [
        VenueFactory(association=association, region=region, kind=kind)
        for region, kind in [(villages[0], "science_center"), (villages[1], "square"), (towns[1], "village_hall")]
    ]
    campaigns = [
        CampaignFactory(association=association, kind=kind, starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31))
        for kind in ("countryside", "themed")
    ]
    events = []
    for _ in range(data.draw(st.integers(1, 6))):
        start = data.draw(st.sampled_from(START_CHOICES))
        event = EventFactory(
            association=association,
            kind=data.draw(st.sampled_from(["lecture", "training", "consultation"])),
            campaign=data.draw(st.sampled_from([None, *campaigns])),
            venue=data.draw(st.sampled_from(venues)),
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status=data.draw(st.sampled_from(["published", "done", "cancelled", "draft"])),
            is_countryside_trip=data.draw(st.booleans()),
        )
        event.partners.set(data.draw(st.lists(st.sampled_from(orgs), max_size=3, unique_by=lambda o: o.id)))
        events.append(event)
    foreign = EventFactory(association=other, starts_at=START_CHOICES[3], ends_at=START_CHOICES[3] + timedelta(hours=1))
    CheckInFactory(event=foreign)
    attendees = [
        AttendeeFactory(
            association=association,
            category=data.draw(st.sampled_from(["farmer", "student", "resident"])),
            region=data.draw(st.sampled_from([None, *villages, towns[0]])),
        )
        for _ in range(data.draw(st.integers(1, 6)))
    ]
    pairs = data.draw(
        st.lists(
            st.tuples(st.sampled_from(events), st.sampled_from(attendees)),
            max_size=15,
            unique_by=lambda p: (p[0].id, p[1].id),
        )
    )
    for event, attendee in pairs:
        method = data.draw(st.sampled_from(["staff_scan", "self", "offline", "paper", "manual"]))
        if data.draw(st.booleans()) and data.draw(st.booleans()):  # an annulled scan, perhaps replaced by a live one
            CheckInFactory(event=event, attendee=attendee, method=method, annulled_at=NOW)
            if data.draw(st.booleans()):
                continue
        # A self check-in may be held for an organizer's review (left out until accepted), or accepted.
        review = data.draw(st.sampled_from(["", "awaiting", "accepted"])) if method == "self" else ""
        CheckInFactory(
            event=event,
            attendee=attendee,
            method=method,
            flagged=bool(review),
            awaiting_review=review == "awaiting",
            review="accepted" if review == "accepted" else "",
        )
    for _ in range(data.draw(st.integers(0, 3))):
        HeadcountFactory(event=data.draw(st.sampled_from(events)), count=data.draw(st.integers(0, 300)))
    volunteers = [
        VolunteerFactory(association=association, is_expert=data.draw(st.booleans()))
        for _ in range(data.draw(st.integers(0, 3)))
    ]
    for volunteer in volunteers:  # some joined during the year, the others only "now"
        if data.draw(st.booleans()):
            type(volunteer).objects.filter(pk=volunteer.pk).update(
                created_at=timezone.make_aware(datetime(YEAR, 12, 31, 23, 30))
            )
    for volunteer in volunteers:
        for event in data.draw(st.lists(st.sampled_from(events), max_size=3, unique_by=lambda e: e.id)):
            SignUpFactory(
                shift=ShiftFactory(event=event),
                volunteer=volunteer,
                status=data.draw(st.sampled_from(["attended", "attended", "confirmed", "no_show"])),
                hours=data.draw(st.sampled_from([None, Decimal("1.5"), Decimal("3")])),
            )
    for _ in range(data.draw(st.integers(0, 4))):
        EventOutputFactory(
            event=data.draw(st.sampled_from(events)),
            kind=data.draw(st.sampled_from(["materials", "display_boards", "broadcast_hours"])),
            quantity=data.draw(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(120)])),
        )
    return association, county


# The registers' dates, around the edges of the years 2024–2026: the first and last day of a year.
FOUNDED = [None, date(2020, 5, 1), date(2024, 12, 31), date(2025, 1, 1), date(2025, 3, 1), date(2026, 2, 1)]
GONE = [None, None, date(2025, 1, 1), date(2025, 6, 1), date(2025, 12, 31), date(2026, 1, 1)]
ENTRY_YEARS = [2023, 2024, 2025, 2026]
DAYS = [date(2024, 12, 31), date(2025, 1, 1), date(2025, 7, 1), date(2025, 12, 31), date(2026, 1, 1)]


def build_registers(data, association, county, towns, villages) -> list:
    """Organizations with their founding, dissolution, yearly members and support, and sites with their
    building, repairs, books and retirement, drawn at random; returns the organizations."""
    orgs = []
    for _ in range(data.draw(st.integers(1, 4))):
        founded = data.draw(st.sampled_from(FOUNDED))
        dissolved = data.draw(st.sampled_from([d for d in GONE if d is None or founded is None or d > founded]))
        org = OrganizationFactory(
            association=association,
            kind=data.draw(st.sampled_from(["department", "society", "rural_tech"])),
            founded_on=founded,
            dissolved_on=dissolved,
        )
        for year in data.draw(st.lists(st.sampled_from(ENTRY_YEARS), max_size=3, unique=True)):
            MembershipFactory(organization=org, year=year, members=data.draw(st.integers(0, 50)))
        for _ in range(data.draw(st.integers(0, 2))):
            SupportFactory(
                organization=org,
                kind=data.draw(st.sampled_from(["charter", "leader_training", "info_network"])),
                date=data.draw(st.sampled_from(DAYS)),
            )
        orgs.append(org)
    other_county = AssociationFactory()  # a neighbour's register never counts
    SiteFactory(association=other_county, region=villages[0])
    for _ in range(data.draw(st.integers(0, 5))):
        built = data.draw(st.sampled_from(FOUNDED))
        site = SiteFactory(
            association=association,
            kind=data.draw(st.sampled_from(["window", "board", "reading_room", "gallery"])),
            region=data.draw(st.sampled_from([county, towns[0], *villages])),
            built_on=built,
            retired_on=data.draw(st.sampled_from([d for d in GONE if d is None or built is None or d > built])),
        )
        for day in data.draw(st.lists(st.sampled_from(DAYS), max_size=2, unique=True)):
            if site.built_on is None or day >= site.built_on:
                SiteRepairFactory(site=site, repaired_on=day)
        for year in data.draw(st.lists(st.sampled_from(ENTRY_YEARS), max_size=2, unique=True)):
            SiteBooksFactory(site=site, year=year, books=data.draw(st.integers(0, 3000)))
    build_media_and_contests(data, association, other_county)
    build_bases_and_funding(data, association, county, villages)
    return orgs


def build_bases_and_funding(data, association, county, villages) -> None:
    """Issue 14 items 3 and 6: demonstration bases with their dates and yearly results, and funding
    records of income and spending on days around the year, drawn at random."""
    DemonstrationBaseFactory(association=AssociationFactory(), region=villages[0])  # a neighbour's
    FundingRecordFactory(association=AssociationFactory(), date=DAYS[0])  # a neighbour's
    for _ in range(data.draw(st.integers(0, 3))):
        established = data.draw(st.sampled_from(FOUNDED))
        base = DemonstrationBaseFactory(
            association=association,
            kind=data.draw(st.sampled_from(["base", "park", "project"])),
            region=data.draw(st.sampled_from([county, *villages])),
            established_on=established,
            closed_on=data.draw(
                st.sampled_from([d for d in GONE if d is None or established is None or d > established])
            ),
        )
        for year in data.draw(st.lists(st.sampled_from(ENTRY_YEARS), max_size=2, unique=True)):
            BaseYearFactory(
                base=base,
                year=year,
                varieties=data.draw(st.integers(0, 5)),
                techniques=data.draw(st.integers(0, 5)),
                households=data.draw(st.integers(0, 500)),
            )
    for _ in range(data.draw(st.integers(0, 4))):
        income = data.draw(st.booleans())
        FundingRecordFactory(
            association=association,
            date=data.draw(st.sampled_from(DAYS)),
            direction="income" if income else "spending",
            source=data.draw(st.sampled_from(["government", "donation", "own"])) if income else "",
            use="" if income else data.draw(st.sampled_from(["activities", "sites", "training"])),
            amount=Decimal(data.draw(st.integers(1, 10_000_000))) / 100,
        )


# --- media and contests --------------------------------------------------------------------------


def build_media_and_contests(data, association, other_county) -> None:
    """Columns with episodes, news reports and contests with entries and prizes, dated around the year."""
    MediaEpisodeFactory(column=MediaColumnFactory(association=other_county), aired_on=date(2025, 3, 1))
    NewsReportFactory(association=other_county, published_on=date(2025, 3, 1))
    ContestEntryFactory(contest=ContestFactory(association=other_county, held_on=date(2025, 3, 1)))
    for _ in range(data.draw(st.integers(0, 2))):
        column = MediaColumnFactory(association=association, kind=data.draw(st.sampled_from(["tv", "newspaper"])))
        for day in data.draw(st.lists(st.sampled_from(DAYS), max_size=4)):
            MediaEpisodeFactory(column=column, aired_on=day, minutes=data.draw(st.integers(0, 60)))
    for day in data.draw(st.lists(st.sampled_from(DAYS), max_size=3)):
        NewsReportFactory(association=association, published_on=day)
    for day in data.draw(st.lists(st.sampled_from(DAYS), max_size=2, unique=True)):
        contest = ContestFactory(association=association, held_on=day)
        for _ in range(data.draw(st.integers(0, 3))):
            level = data.draw(st.sampled_from(["", "county", "province"]))
            ContestEntryFactory(
                contest=contest,
                pupils=data.draw(st.integers(0, 3)),
                award="second" if level else "",
                award_level=level,
            )


def recount_media(association, year: int) -> dict:
    """docs/figures.md's media and contest figures of a year, the plain way: each record by its own date."""
    episodes = [e for e in MediaEpisode.objects.filter(column__association=association) if e.aired_on.year == year]
    contests = [c for c in Contest.objects.filter(association=association) if c.held_on.year == year]
    reports = [r for r in NewsReport.objects.filter(association=association) if r.published_on.year == year]
    entries = [e for c in contests for e in c.entries.all()]
    return {
        "media_episodes": len(episodes),
        "media_minutes": sum(e.minutes for e in episodes),
        "news_reports": len(reports),
        "contests_held": len(contests),
        "contest_entries": len(entries),
        "contest_pupils": sum(e.pupils for e in entries),
        "contest_prizes": dict(Counter(e.award_level for e in entries if e.award)),
    }


def _standing(born, gone, day: date) -> bool:
    return (born is None or born <= day) and (gone is None or gone > day)


def _entry(entries: dict[int, int], year: int) -> int:
    """The entry of the year, else the latest earlier one, else nothing."""
    earlier = [y for y in entries if y <= year]
    return entries[max(earlier)] if earlier else 0


def recount_registers(association, county, year: int) -> dict:
    """docs/figures.md's registry figures of a year, counted the plain way: load everything and loop."""
    end, start = date(year, 12, 31), date(year, 1, 1)
    orgs = [
        o for o in Organization.objects.filter(association=association) if _standing(o.founded_on, o.dissolved_on, end)
    ]
    kinds = {o.kind for o in orgs}
    members = {o.id: _entry({m.year: m.members for m in o.memberships.all()}, year) for o in orgs}
    support = Counter(
        s.kind
        for s in OrganizationSupport.objects.filter(organization__association=association)
        if start <= s.date <= end
    )
    sites = [s for s in Site.objects.filter(association=association) if _standing(s.built_on, s.retired_on, end)]
    grassroots = {r.id for r in Region.objects.filter(level__in=["village", "community"], parent__parent=county)}
    villages = {s.region_id for s in sites} & grassroots
    new_sites = Counter(s.kind for s in sites if s.built_on and s.built_on >= start)
    repaired = Counter(s.kind for s in sites if any(start <= r.repaired_on <= end for r in s.repairs.all()))
    return {
        "organizations": dict(Counter(o.kind for o in orgs)),
        "members": {k: sum(members[o.id] for o in orgs if o.kind == k) for k in kinds},
        "new_organizations": {
            k: sum(1 for o in orgs if o.kind == k and o.founded_on and o.founded_on >= start) for k in kinds
        },
        "support_given": dict(support),
        "sites": dict(Counter(s.kind for s in sites)),
        "new_sites": dict(new_sites),
        "repaired_sites": dict(repaired),
        "site_books": sum(_entry({b.year: b.books for b in s.book_counts.all()}, year) for s in sites),
        "site_villages": len(villages),
        "site_coverage_pct": math.floor(len(villages) * 1000 / len(grassroots)) / 10 if grassroots else None,
        **recount_media(association, year),
        **recount_bases_and_funding(association, year),
    }


def recount_bases_and_funding(association, year: int) -> dict:
    """Issue 14 items 3 and 6, the plain way: the bases running at the year's end, the year's results
    entries, the held trainings linked to a base, the funding records dated in the year (whole yuan)."""
    end, start = date(year, 12, 31), date(year, 1, 1)
    bases = list(DemonstrationBase.objects.filter(association=association))
    running = [b for b in bases if _standing(b.established_on, b.closed_on, end)]
    entries = [e for b in bases for e in b.years.all() if e.year == year]
    trainings = {
        e.id
        for b in bases
        for e in b.events.all()
        if e.kind == "training"
        and e.status not in ("draft", "cancelled")
        and e.starts_at <= timezone.now()
        and e.starts_at.astimezone(SHANGHAI).year == year
    }
    records = [r for r in FundingRecord.objects.filter(association=association) if start <= r.date <= end]
    income: dict[str, Decimal] = {}
    spent: dict[str, Decimal] = {}
    for r in records:
        into = income if r.direction == "income" else spent
        key = r.source if r.direction == "income" else r.use
        into[key] = into.get(key, Decimal(0)) + r.amount
    return {
        "demonstration_bases": dict(Counter(b.kind for b in running)),
        "varieties_introduced": sum(e.varieties for e in entries),
        "techniques_introduced": sum(e.techniques for e in entries),
        "households_reached": sum(e.households for e in entries),
        "base_trainings": len(trainings),
        "funding_income": {k: figures.yuan(v) for k, v in income.items() if v},
        "funding_spent": {k: figures.yuan(v) for k, v in spent.items() if v},
    }


def _recount(association, county) -> dict:
    """docs/figures.md's figures, counted the plain way: load everything and loop."""
    held = [
        e
        for e in Event.objects.filter(association=association)
        if e.status not in ("draft", "cancelled")
        and e.starts_at <= NOW
        and e.starts_at.astimezone(SHANGHAI).year == YEAR
    ]
    ids = {e.id for e in held}
    checkins = [
        c
        for c in CheckIn.objects.select_related("attendee")
        if c.event_id in ids and c.annulled_at is None and not c.awaiting_review
    ]
    heads = [h for h in Headcount.objects.all() if h.event_id in ids]
    signups = [
        s
        for s in SignUp.objects.select_related("shift", "volunteer")
        if s.shift.event_id in ids and s.status == "attended"
    ]

    def person_times(events):
        evs = {e.id for e in events}
        return sum(1 for c in checkins if c.event_id in evs) + sum(h.count for h in heads if h.event_id in evs)

    def experts(events):
        evs = {e.id for e in events}
        return sum(1 for s in signups if s.shift.event_id in evs and s.volunteer.is_expert)

    consult = [e for e in held if e.kind == "consultation"]
    trips = [e for e in held if e.is_countryside_trip]
    trainings = [e for e in held if e.kind == "training"]
    grassroots = {r.id for r in Region.objects.filter(level__in=["village", "community"], parent__parent=county)}
    reached = ({e.venue.region_id for e in held} | {c.attendee.region_id for c in checkins}) & grassroots
    students = {c.attendee_id for c in checkins if c.attendee.category == "student"}
    enrolled = CountyEnrolment.objects.get(county=county, year=YEAR).students
    outputs = Counter()
    for o in EventOutput.objects.filter(event_id__in=ids):
        outputs[o.kind] += o.quantity
    venue_pt = {str(v): person_times([e for e in held if e.venue_id == v]) for v in {e.venue_id for e in held}}
    return {
        "events_held": len(held),
        "beneficiaries_person_times": person_times(held),
        "expert_person_times": experts(held),
        "units_participating": len({o.id for e in held for o in e.partners.all()}),
        "villages_reached": len(reached),
        "villages_total": len(grassroots),
        "coverage_pct": math.floor(len(reached) * 1000 / len(grassroots)) / 10,
        "consultation_sessions": len(consult),
        "consultation_person_times": person_times(consult),
        "countryside_trips": len(trips),
        "countryside_expert_person_times": experts(trips),
        "countryside_person_times": person_times(trips),
        "students_participating": len(students),
        "student_participation_pct": math.floor(len(students) * 1000 / enrolled) / 10,
        "trainings_held": len(trainings),
        "trainees_person_times": person_times(trainings),
        "venue_person_times": venue_pt,
        "science_center_person_times": person_times([e for e in held if e.venue.kind == "science_center"]),
        "outputs": {k: float(v) if v != int(v) else int(v) for k, v in sorted(outputs.items())},
        "volunteers_active": len({s.volunteer_id for s in signups}),
        "volunteer_hours": float(sum((s.hours or 0) for s in signups)),
        **recount_registers(association, county, YEAR),
        "expert_volunteers": sum(
            1
            for v in Volunteer.objects.filter(association=association, is_expert=True)
            if timezone.localtime(v.created_at).year <= YEAR
        ),
        "_scanned": sum(1 for c in checkins if c.method in SCANNED),
        "_manual": sum(1 for c in checkins if c.method not in SCANNED),
        "_estimated": sum(h.count for h in heads),
        "_categories": dict(Counter(c.attendee.category for c in checkins)),
    }


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_figure_equals_a_plain_recount(data):
    with transaction.atomic():
        association, county = _build(data)
        expected = _recount(association, county)
        computed = figures.compute(figures.year_scope(association.id, YEAR), now=NOW)
        got = computed.figures
        for name, value in expected.items():
            if name.startswith("_"):
                continue
            if name == "volunteer_hours":
                assert float(got[name]) == pytest.approx(value), name
            else:
                assert got[name] == value, name
        assert computed.evidence["beneficiaries_person_times"] == {
            "scanned": expected["_scanned"],
            "manual": expected["_manual"],
            "estimated": expected["_estimated"],
        }
        # The registers read each year as it stood at its end: the years around YEAR too.
        for year in (YEAR - 1, YEAR + 1):
            registers = figures.compute(figures.year_scope(association.id, year), now=NOW).figures
            for name, value in recount_registers(association, county, year).items():
                assert registers[name] == value, (year, name)
        # The rows behind each registry figure (its records page) make the figure. base_trainings' rows are the
        # trainings held by now, and this test's NOW is not the clock's.
        for figure in figures.FIGURES:
            if figure.register is not None and figure.name != "base_trainings":
                listed = recount_listed_rows(association, YEAR, figure.name)
                assert listed == without_zeros(got[figure.name]), figure.name
        categories = {k: v for k, v in computed.breakdowns["by_category"].items() if k != "headcount"}
        assert categories == expected["_categories"]
        # The per-event tallies add up to the period's additive figures, by whichever path they are computed.
        per_event = figures.compute_events(figures.year_scope(association.id, YEAR), now=NOW)
        assert (
            sum(c.figures["beneficiaries_person_times"] for c in per_event.values())
            == expected["beneficiaries_person_times"]
        )
        for event_id, one in per_event.items():
            assert figures.compute_event(event_id, now=NOW).figures == one.figures
        # The full recompute reads the records once for many scopes (a Batch): the same tallies, to the last breakdown.
        year = figures.year_scope(association.id, YEAR)
        scopes = [year, *(figures.campaign_scope(c) for c in Campaign.objects.filter(association=association))]
        batch = figures.Batch(
            figures.held_events(year, now=NOW).values_list("id", flat=True),
            {s: list(figures.held_events(s, now=NOW).values_list("id", flat=True)) for s in scopes},
        )
        for scope in scopes:  # the campaigns' events of 2024 and 2026 are not in the batch: read on the side
            assert figures.compute(scope, now=NOW, batch=batch) == figures.compute(scope, now=NOW), scope.key
        assert figures.compute_events_of(figures.held_events(year, now=NOW), batch=batch) == per_event
        transaction.set_rollback(True)
