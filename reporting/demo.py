"""The demo prefecture: the demo county's two neighbours under the same prefecture association, each with
its townships, villages, partner departments and a year of events; the demo county's year submitted and
accepted, one neighbour's submitted and waiting, the third not submitted yet (issue 15).

Small on purpose (a dozen events a county, headcounts only): `make run` seeds it every time. A no-op when
the demo county's submission of the year exists.
"""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from checkin.models import Headcount
from events import services as event_services
from events.demo import DEMO_ORGANIZER, demo_organizer
from events.models import Association, Event, EventOutput, Organization, Region, Venue

from . import services
from .models import Submission

NEIGHBOURS = {
    "松溪县": ["松溪镇", "溪口乡", "竹林镇", "高坪乡"],
    "石阡县": ["石阡镇", "龙塘镇", "坪山乡", "花桥镇"],
}
VILLAGES = ["东村", "西村", "新寨", "老街社区"]
PARTNERS = [
    ("县教育局", Organization.Kind.DEPARTMENT),
    ("县农业农村局", Organization.Kind.DEPARTMENT),
    ("县卫生健康局", Organization.Kind.DEPARTMENT),
    ("共青团县委", Organization.Kind.DEPARTMENT),
    ("县第一中学", Organization.Kind.SCHOOL),
]
EVENT_KINDS = [Event.Kind.LECTURE, Event.Kind.TRAINING, Event.Kind.CONSULTATION, Event.Kind.EXHIBITION]
PREFECTURE_ORGANIZER = "prefecture"


def _neighbour(prefecture: Association, name: str, towns: list[str], year: int, rng: random.Random) -> Association:
    region, _ = Region.objects.get_or_create(
        name=name, parent=prefecture.region, defaults={"level": Region.Level.COUNTY}
    )
    association, created = Association.objects.get_or_create(
        name=f"{name}科学技术协会", defaults={"region": region, "parent": prefecture}
    )
    if not created and Event.objects.filter(association=association, starts_at__year=year).exists():
        return association
    partners = [
        Organization.objects.get_or_create(
            association=association, name=partner.replace("县", name, 1), defaults={"kind": kind}
        )[0]
        for partner, kind in PARTNERS
    ]
    now = timezone.now()
    days = max((min(now.date(), date(year, 12, 31)) - date(year, 1, 1)).days, 1)
    for town_name in towns:
        town, _ = Region.objects.get_or_create(name=town_name, parent=region, defaults={"level": Region.Level.TOWN})
        villages = [
            Region.objects.get_or_create(
                name=village,
                parent=town,
                defaults={"level": Region.Level.COMMUNITY if "社区" in village else Region.Level.VILLAGE},
            )[0]
            for village in VILLAGES
        ]
        for village in villages[:3]:
            venue, _ = Venue.objects.get_or_create(
                association=association,
                name=f"{town_name}{village.name}村委会",
                defaults={"kind": Venue.Kind.VILLAGE_HALL, "region": village},
            )
            kind = rng.choice(EVENT_KINDS)
            day = date(year, 1, 1) + timedelta(days=rng.randrange(days))
            starts_at = timezone.make_aware(datetime.combine(day, time(9, 30)))
            if starts_at > now:
                continue
            event = Event.objects.create(
                association=association,
                title=f"{town_name}{Event.Kind(kind).label}",
                kind=kind,
                venue=venue,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                status=Event.Status.PUBLISHED,
                is_countryside_trip=kind == Event.Kind.CONSULTATION,
            )
            event.partners.set(rng.sample(partners, 2))
            Headcount.objects.create(
                event=event, count=rng.randrange(40, 260), counted_at=starts_at + timedelta(hours=1)
            )
            EventOutput.objects.create(event=event, kind=EventOutput.Kind.MATERIALS, quantity=rng.randrange(100, 600))
    return association


def _organizer(association: Association, username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = event_services.organizer_create(
            association=association, username=username, password=DEMO_ORGANIZER[1], first_name="演示"
        ).user
    return user


@transaction.atomic
def seed_prefecture(demo) -> None:
    county = demo.association
    prefecture = county.parent
    if prefecture is None or Submission.objects.filter(association=county, year=demo.year).exists():
        return
    rng = random.Random(f"prefecture-{demo.year}")
    neighbours = [_neighbour(prefecture, name, towns, demo.year, rng) for name, towns in NEIGHBOURS.items()]
    reviewer = _organizer(prefecture, PREFECTURE_ORGANIZER)
    username, _password = demo_organizer(county)
    ours = services.submission_submit(
        association=county, year=demo.year, submitted_by=User.objects.get(username=username)
    )
    services.submission_review(submission=ours, action="accept", reviewed_by=reviewer, comment="数据完整，同意。")
    waiting = neighbours[0]
    services.submission_submit(
        association=waiting, year=demo.year, submitted_by=_organizer(waiting, "organizer-songxi")
    )
