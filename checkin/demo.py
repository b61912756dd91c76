"""The demo county's attendance: attendees, registrations, check-ins and headcounts.

Volumes like a real county year (a few tens of thousands of person-times,
most scanned, some from paper sheets, crowds counted at open-air events), so
the demo summary reads like ../shared/seed with real numbers. Deterministic:
the same year and scale give the same records.
"""

import random
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from events.models import Event, Organization, Region, Venue

from .models import Attendee, CheckIn, Headcount, Registration

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国秀英玉兰明华志强桂芳海燕春梅国平小红丽娟文杰家豪子涵雨桐浩然欣怡俊杰思远晓东"
PEOPLE_PER_VILLAGE = 60
STUDENTS = 4000
OPEN_VENUES = (Venue.Kind.SQUARE,)


FLUSH_EVERY = 20_000  # records held in memory before they are written


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _method(rng: random.Random, event: Event) -> str:
    paper_share = 0.2 if event.is_countryside_trip else 0.06  # village halls often still use sign-in sheets
    roll = rng.random()
    if roll < paper_share:
        return CheckIn.Method.PAPER
    if roll < paper_share + 0.02:
        return CheckIn.Method.MANUAL
    if roll < paper_share + 0.06:
        return CheckIn.Method.OFFLINE
    return CheckIn.Method.SELF if roll < paper_share + 0.3 else CheckIn.Method.STAFF_SCAN


def _attendees(demo, rng: random.Random) -> dict[str, list]:
    association = demo.association
    schools = list(Organization.objects.filter(association=association, kind=Organization.Kind.SCHOOL))
    seat_villages = [v for v in demo.villages if v.parent_id == demo.towns[0].id]
    # A few remote villages whose people never make it to an event: coverage is not 100%.
    remote = {v.id for v in rng.sample(demo.villages[len(seat_villages) :], len(demo.villages) // 5)}
    reachable = [v for v in demo.villages if v.id not in remote]
    people = []
    for village in demo.villages:
        for _ in range(PEOPLE_PER_VILLAGE * demo.scale):
            category = (
                Attendee.Category.RESIDENT
                if village.level == Region.Level.COMMUNITY
                else rng.choice([Attendee.Category.FARMER] * 8 + [Attendee.Category.RESIDENT, Attendee.Category.CADRE])
            )
            people.append(Attendee(association=association, name=_name(rng), category=category, region=village))
    for _ in range(STUDENTS * demo.scale):
        people.append(
            Attendee(
                association=association,
                name=_name(rng),
                category=Attendee.Category.STUDENT,
                region=rng.choice(seat_villages + rng.sample(reachable, 3)),
                school=rng.choice(schools) if schools else None,
            )
        )
    for _ in range(150 * demo.scale):
        people.append(
            Attendee(
                association=association,
                name=_name(rng),
                category=Attendee.Category.TEACHER,
                region=rng.choice(seat_villages),
                school=rng.choice(schools) if schools else None,
            )
        )
    Attendee.objects.bulk_create(people, batch_size=2000)
    saved = list(Attendee.objects.filter(association=association).order_by("id"))
    by_town: dict[int | None, list] = {}  # None: adults without a village
    groups: dict[str, Any] = {"students": [], "adults": [], "teachers": []}  # and "by_town", a dict
    for person in saved:
        if person.category == Attendee.Category.STUDENT:
            groups["students"].append(person)
        elif person.category == Attendee.Category.TEACHER:
            groups["teachers"].append(person)
        else:
            groups["adults"].append(person)
            by_town.setdefault(person.region.parent_id if person.region else None, []).append(person)
    for town, residents in by_town.items():
        by_town[town] = [p for p in residents if p.region_id not in remote]
    groups["adults"] = [p for p in groups["adults"] if p.region_id not in remote]
    groups["by_town"] = by_town
    return groups


def _crowd(event: Event, rng: random.Random, groups: dict) -> tuple[list, bool]:
    """Who comes to an event, and whether they registered in advance.

    A crowd is as large at every --scale: the scale multiplies the events (and
    the county's people), so the check-ins grow linearly with it.
    """
    venue = event.venue
    if event.kind == Event.Kind.BROADCAST:
        return [], False
    if event.audience == Event.Audience.STUDENTS:
        size = rng.randrange(80, 400)
        return rng.sample(groups["students"], min(size, len(groups["students"]))) + rng.sample(
            groups["teachers"], min(8, len(groups["teachers"]))
        ), event.kind == Event.Kind.COMPETITION
    town = venue.region.parent_id if venue.region.level in Region.GRASSROOTS_LEVELS else venue.region_id
    locals_ = groups["by_town"].get(town) or groups["adults"]
    if event.kind == Event.Kind.TRAINING:
        size = rng.randrange(40, 120)
        return rng.sample(locals_, min(size, len(locals_))), True
    size = rng.randrange(60, 320)
    pool = locals_ if rng.random() < 0.7 else groups["adults"]
    crowd = rng.sample(pool, min(size, len(pool)))
    if event.audience == Event.Audience.PUBLIC and venue.kind == Venue.Kind.SCHOOL:
        crowd += rng.sample(groups["students"], min(60, len(groups["students"])))
    return crowd, False


@transaction.atomic
def seed_attendance(demo) -> None:
    """Registrations, check-ins and headcounts for the demo year's events."""
    event_ids = [e.id for e in demo.events]
    if (
        CheckIn.objects.filter(event_id__in=event_ids).exists()
        or Headcount.objects.filter(event_id__in=event_ids).exists()
    ):
        return  # this year's attendance is already there
    rng = random.Random(f"attendance-{demo.year}-{demo.scale}")
    groups = _attendees(demo, rng)
    now = timezone.now()
    registrations, checkins, headcounts = [], [], []
    code = 0
    events = Event.objects.filter(id__in=event_ids).select_related("venue", "venue__region").order_by("starts_at", "id")
    for event in events:
        crowd, registered = _crowd(event, rng, groups)
        held = event.starts_at <= now and event.status not in (Event.Status.CANCELLED, Event.Status.DRAFT)
        for person in crowd:
            registration = None
            if registered:
                code += 1
                registration = Registration(
                    attendee=person, event=event, code=f"DEMO{demo.year}{demo.scale:02d}{code:08d}"
                )
                registrations.append(registration)
                if rng.random() < 0.12:  # registered but did not come
                    continue
            if held:
                checkins.append(
                    CheckIn(
                        event=event,
                        attendee=person,
                        attendee_category=person.category,
                        attendee_region_id=person.region_id,
                        registration=registration,
                        method=_method(rng, event),
                        client_id=uuid.UUID(int=rng.getrandbits(128)),
                        scanned_at=event.starts_at + timedelta(minutes=rng.randrange(-40, 60)),
                    )
                )
        if len(checkins) + len(registrations) >= FLUSH_EVERY:  # memory stays flat as --scale grows
            _save(registrations, checkins)
            registrations, checkins = [], []
        if held and (event.venue.kind in OPEN_VENUES or event.kind == Event.Kind.EXHIBITION):
            headcounts.append(
                Headcount(
                    event=event,
                    count=rng.randrange(100, 700, 10),
                    counted_at=event.starts_at + timedelta(minutes=45),
                    note="现场人数统计",
                )
            )
    _save(registrations, checkins)
    Headcount.objects.bulk_create(headcounts, batch_size=2000)


def _save(registrations: list, checkins: list) -> None:
    Registration.objects.bulk_create(registrations, batch_size=2000)
    for checkin in checkins:  # bulk_create gave the registrations their ids
        checkin.registration_id = checkin.registration.id if checkin.registration else None
    CheckIn.objects.bulk_create(checkins, batch_size=2000)
