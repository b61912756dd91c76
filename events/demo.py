"""The demo county's plan: regions, organizations, venues, the year's campaigns and events.

Shaped like ../shared/seed: the departments and societies it names, the
three big campaigns, the 「科学·人口」 theme, 三下乡 trips, training classes
and consultations. Deterministic: the same seed, year and scale give the same
records.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import services
from .models import (
    Association,
    Campaign,
    CountyEnrolment,
    Event,
    EventOutput,
    Organization,
    OrganizationMembership,
    OrganizationSupport,
    Organizer,
    Region,
    Venue,
)

PREFECTURE = "云岭州"
COUNTY = "清河县"
ASSOCIATION = "清河县科学技术协会"
PREFECTURE_ASSOCIATION = "云岭州科学技术协会"
DEMO_ORGANIZER = ("organizer", "kepu-demo-2026")
# Accounts limited to a part of the county (issue 15): a township organizer and a partner department's staff.
DEMO_TOWNSHIP_ORGANIZER = ("township", "kepu-town-2026")
DEMO_PARTNER = ("partner", "kepu-partner-2026")
DEMO_PARTNER_ORGANIZATION = "县教育局"

TOWNS = [
    "城关镇",
    "青石镇",
    "白马镇",
    "河口镇",
    "龙泉乡",
    "桃源乡",
    "石门乡",
    "柳林镇",
    "双河乡",
    "凤凰镇",
    "松岭乡",
    "新华镇",
]
VILLAGE_NAMES = [
    "东村",
    "西村",
    "南岗",
    "北坪",
    "上寨",
    "下寨",
    "黄泥",
    "石桥",
    "柳湾",
    "杨家",
    "李家",
    "高坡",
    "水井",
    "新田",
    "红星",
    "团结",
    "胜利",
    "和平",
    "长坪",
    "大坝",
    "小河",
    "茶园",
    "枫树",
    "竹林",
    "梨树",
    "马鞍",
]
COMMUNITIES = ["人民路社区", "解放街社区", "滨河社区", "文化路社区", "新城社区", "车站社区"]

DEPARTMENTS = [
    "县科协",
    "县计生局",
    "县教育局",
    "团县委",
    "县农业局",
    "县劳动和社会保障局",
    "县扶贫办",
    "县水产畜牧局",
    "县委组织部",
    "县卫生局",
    "县气象局",
    "县文化广电局",
    "县林业局",
    "县妇联",
    "县电视台",
    "县图书馆",
]
SOCIETIES = ["县老科技工作者协会", "县园艺学会", "县农学会", "县医学会", "县畜牧兽医学会", "县教育学会", "县林学会"]
RURAL_TECH = [
    "县养猪协会",
    "县农业新技术协会",
    "县水果协会",
    "县茶叶协会",
    "县蔬菜协会",
    "县养蜂协会",
    "县食用菌协会",
    "县中药材协会",
    "县养牛协会",
    "县水产养殖协会",
    "县烤烟协会",
    "县核桃协会",
]
ENTERPRISE_ASSOCIATIONS = ["县水泥厂科协", "县糖厂科协", "县电力公司科协"]
SCHOOLS = ["县第一中学", "县第二中学", "县实验小学", "县民族中学", "城关镇中心小学"]

LECTURE_TOPICS = [
    "科学养猪",
    "果树修剪",
    "测土配方施肥",
    "禽流感防控",
    "安全用药",
    "地震避险",
    "低碳生活",
    "食品安全",
    "优生优育",
]
TRAINING_TOPICS = [
    "科学养猪技术",
    "水稻高产栽培",
    "核桃嫁接",
    "农村电商",
    "家政服务",
    "电工技能",
    "茶叶加工",
    "食用菌栽培",
]


@dataclass
class DemoCounty:
    """What the later demo steps (volunteers, check-ins, tallies) build on."""

    association: Association
    county: Region
    year: int
    scale: int
    rng: random.Random
    towns: list[Region] = field(default_factory=list)
    villages: list[Region] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _day_in(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _regions() -> tuple[Region, list[Region], list[Region]]:
    prefecture, _ = Region.objects.get_or_create(
        name=PREFECTURE, parent=None, defaults={"level": Region.Level.PREFECTURE}
    )
    county, _ = Region.objects.get_or_create(name=COUNTY, parent=prefecture, defaults={"level": Region.Level.COUNTY})
    towns, grassroots = [], []
    for t, town_name in enumerate(TOWNS):
        town, _ = Region.objects.get_or_create(name=town_name, parent=county, defaults={"level": Region.Level.TOWN})
        towns.append(town)
        if t == 0:  # the county seat: urban communities besides its villages
            for name in COMMUNITIES:
                grassroots.append(
                    Region.objects.get_or_create(name=name, parent=town, defaults={"level": Region.Level.COMMUNITY})[0]
                )
        for name in VILLAGE_NAMES[t % 3 : t % 3 + 12]:  # 12 villages a town → ~150 in the county
            grassroots.append(
                Region.objects.get_or_create(name=name + "村", parent=town, defaults={"level": Region.Level.VILLAGE})[0]
            )
    return county, towns, grassroots


def _organizations(association: Association, rng: random.Random, year: int, towns: list[Region]) -> dict:
    def make(names, kind, members, founded_years):
        made = []
        for name in names:
            founded = date(rng.randrange(*founded_years), rng.randrange(1, 13), rng.randrange(1, 28))
            count = rng.randrange(*members)
            organization = Organization.objects.get_or_create(
                association=association,
                name=name,
                defaults={"kind": kind, "founded_on": founded, "region": rng.choice(towns)},
            )[0]
            # Members entered year by year: last year's count a little lower than this year's.
            for entry_year, entry in ((year - 1, count * 9 // 10), (year, count)):
                if organization.founded_on is None or organization.founded_on.year <= entry_year:
                    OrganizationMembership.objects.get_or_create(
                        organization=organization, year=entry_year, defaults={"members": entry}
                    )
            made.append(organization)
        return made

    made = {
        "departments": make(DEPARTMENTS, Organization.Kind.DEPARTMENT, (10, 80), (1980, 2000)),
        "societies": make(SOCIETIES, Organization.Kind.SOCIETY, (40, 300), (1985, year)),
        # Some rural technical associations were founded this year: the seed's "新成立xxx个".
        "rural_tech": make(RURAL_TECH, Organization.Kind.RURAL_TECH_ASSOCIATION, (30, 400), (2005, year + 1)),
        "enterprise": make(ENTERPRISE_ASSOCIATIONS, Organization.Kind.ENTERPRISE_ASSOCIATION, (20, 120), (1995, 2015)),
        "schools": make(SCHOOLS, Organization.Kind.SCHOOL, (60, 200), (1950, 2000)),
    }
    _support(made["rural_tech"], year)
    return made


def _support(rural_tech: list[Organization], year: int) -> None:
    """What the association did for the rural technical associations this year, and one that closed:
    a charter for each new one, its leaders trained, some brought into the information network."""
    for i, organization in enumerate(rural_tech):
        founded = organization.founded_on
        kinds = []
        if founded and founded.year == year:
            kinds.append((OrganizationSupport.Kind.CHARTER, founded))
        if i % 3 == 0:
            kinds.append((OrganizationSupport.Kind.LEADER_TRAINING, date(year, 3, 10 + i)))
        if i % 4 == 1:
            kinds.append((OrganizationSupport.Kind.INFO_NETWORK, date(year, 9, 1 + i)))
        for kind, day in kinds:
            if founded is None or day >= founded:
                OrganizationSupport.objects.get_or_create(organization=organization, kind=kind, date=day)
    # The tobacco growers' association merged into another in the summer: it counts up to last year.
    closed = next((o for o in rural_tech if o.name == "县烤烟协会"), None)
    if closed is not None and closed.founded_on and closed.founded_on.year < year and closed.dissolved_on is None:
        closed.dissolved_on = date(year, 7, 1)
        closed.save(update_fields=["dissolved_on"])


def _town_and(village: Region) -> str:
    """A village's name after its town's, as venues in a village are named."""
    return (village.parent.name if village.parent else "") + village.name


def _venues(association: Association, county_seat: Region, grassroots: list[Region], rng: random.Random) -> dict:
    def venue(name, kind, region, address=""):
        return Venue.objects.get_or_create(
            association=association, name=name, defaults={"kind": kind, "region": region, "address": address}
        )[0]

    seat_village = grassroots[0]
    return {
        "center": venue("县科普活动中心", Venue.Kind.SCIENCE_CENTER, seat_village, "城关镇文化路 18 号"),
        "square": venue("文化中心广场", Venue.Kind.SQUARE, seat_village, "城关镇人民路"),
        "weather": venue("县气象观测站", Venue.Kind.STATION, county_seat, "城关镇北郊"),
        "library": venue("县图书馆", Venue.Kind.LIBRARY, seat_village, "城关镇解放街 6 号"),
        "tv": venue("县电视台演播室", Venue.Kind.OTHER, seat_village, "城关镇滨河路"),
        "schools": [venue(name, Venue.Kind.SCHOOL, seat_village) for name in SCHOOLS],
        "farms": [venue(f"{_town_and(v)}示范基地", Venue.Kind.FARM, v) for v in rng.sample(grassroots[6:], 8)],
        "halls": [venue(f"{_town_and(v)}村委会", Venue.Kind.VILLAGE_HALL, v) for v in grassroots[6:]],
    }


def _campaign_plan(year: int) -> list[dict]:
    return [
        {
            "name": f"{year}年元月科技活动周",
            "kind": Campaign.Kind.SCIENCE_WEEK,
            "period": (date(year, 1, 8), date(year, 1, 14)),
            "events": 15,
        },
        {
            "name": f"{year}年“三下乡”活动",
            "kind": Campaign.Kind.COUNTRYSIDE,
            "period": (date(year, 1, 15), date(year, 2, 28)),
            "events": 20,
        },
        {
            "name": f"{year}年五月科技活动周",
            "kind": Campaign.Kind.SCIENCE_WEEK,
            "period": (date(year, 5, 17), date(year, 5, 23)),
            "events": 15,
        },
        {
            "name": "“科学·人口”主题科普活动",
            "kind": Campaign.Kind.THEMED,
            "period": (date(year, 6, 1), date(year, 7, 31)),
            "events": 12,
        },
        {
            "name": f"{year}年十月科普大行动",
            "kind": Campaign.Kind.SCIENCE_DRIVE,
            "period": (date(year, 10, 8), date(year, 10, 31)),
            "events": 30,
        },
        {
            "name": f"{year}年农村实用技术培训",
            "kind": Campaign.Kind.TRAINING_SERIES,
            "period": (date(year, 3, 1), date(year, 11, 30)),
            "events": 30,
        },
        {
            "name": f"{year}年科技咨询服务",
            "kind": Campaign.Kind.CONSULTATION_DRIVE,
            "period": (date(year, 2, 1), date(year, 12, 20)),
            "events": 25,
        },
        {
            "name": f"{year}年青少年爱科学实践活动",
            "kind": Campaign.Kind.YOUTH,
            "period": (date(year, 3, 1), date(year, 12, 15)),
            "events": 15,
        },
    ]


def _event_shape(kind: str, rng: random.Random, venues: dict) -> tuple[str, str, Venue, str]:
    """Title, event kind, venue and audience typical for a campaign kind."""
    topic = rng.choice(LECTURE_TOPICS)
    if kind == Campaign.Kind.COUNTRYSIDE:
        hall = rng.choice(venues["halls"])
        return f"科技下乡：{hall.region.name}{topic}", Event.Kind.CONSULTATION, hall, Event.Audience.FARMERS
    if kind == Campaign.Kind.TRAINING_SERIES:
        venue = rng.choice([venues["center"], *venues["farms"], rng.choice(venues["halls"])])
        return f"{rng.choice(TRAINING_TOPICS)}培训班", Event.Kind.TRAINING, venue, Event.Audience.FARMERS
    if kind == Campaign.Kind.CONSULTATION_DRIVE:
        venue = rng.choice([venues["square"], rng.choice(venues["halls"])])
        return f"科技咨询：{topic}", Event.Kind.CONSULTATION, venue, Event.Audience.PUBLIC
    if kind == Campaign.Kind.YOUTH:
        venue = rng.choice([*venues["schools"], venues["weather"], venues["library"], venues["center"]])
        event_kind = rng.choice(
            [Event.Kind.COMPETITION, Event.Kind.SITE_VISIT, Event.Kind.LECTURE, Event.Kind.EXHIBITION]
        )
        return (
            f"青少年{rng.choice(['科技创新大赛', '七巧板科技制作', '创造发明讲座', '科技作品展', '科普基地参观'])}",
            event_kind,
            venue,
            Event.Audience.STUDENTS,
        )
    if kind == Campaign.Kind.THEMED:
        venue = rng.choice([venues["square"], rng.choice(venues["halls"]), rng.choice(venues["schools"])])
        return (
            f"“科学·人口”{rng.choice(['宣传咨询', '知识讲座', '图片展览'])}",
            rng.choice([Event.Kind.CONSULTATION, Event.Kind.LECTURE, Event.Kind.EXHIBITION]),
            venue,
            Event.Audience.PUBLIC,
        )
    venue = rng.choice([venues["square"], venues["center"], rng.choice(venues["halls"]), venues["tv"]])
    if venue == venues["tv"]:
        return f"《科普园地》：{topic}", Event.Kind.BROADCAST, venue, Event.Audience.PUBLIC
    return (
        f"{topic}科普{rng.choice(['讲座', '展览', '宣传'])}",
        rng.choice([Event.Kind.LECTURE, Event.Kind.EXHIBITION, Event.Kind.CONSULTATION]),
        venue,
        Event.Audience.PUBLIC,
    )


def _outputs_for(event_kind: str, rng: random.Random) -> list[dict]:
    outputs = [{"kind": EventOutput.Kind.MATERIALS, "quantity": Decimal(rng.randrange(100, 2000, 50))}]
    if event_kind in (Event.Kind.EXHIBITION, Event.Kind.CONSULTATION):
        outputs += [
            {"kind": EventOutput.Kind.DISPLAY_BOARDS, "quantity": Decimal(rng.randrange(5, 40))},
            {"kind": EventOutput.Kind.EXHIBITIONS, "quantity": Decimal(1)},
        ]
    if event_kind == Event.Kind.BROADCAST:
        outputs += [
            {"kind": EventOutput.Kind.BROADCASTS, "quantity": Decimal(rng.randrange(1, 4))},
            {"kind": EventOutput.Kind.BROADCAST_HOURS, "quantity": Decimal(rng.randrange(5, 20)) / 10},
        ]
    if event_kind == Event.Kind.TRAINING and rng.random() < 0.3:
        outputs.append({"kind": EventOutput.Kind.NEW_TECHNIQUES, "quantity": Decimal(1)})
    if rng.random() < 0.3:
        outputs.append({"kind": EventOutput.Kind.NEWS_REPORTS, "quantity": Decimal(rng.randrange(1, 3))})
    return outputs


def _events(
    association: Association, campaign: Campaign, count: int, rng: random.Random, venues: dict, partners: list, now
) -> list[Event]:
    events = []
    start, end = campaign.starts_on, campaign.ends_on
    for _ in range(count):
        title, kind, venue, audience = _event_shape(campaign.kind, rng, venues)
        day = _day_in(rng, start, end)
        begins = _at(day, rng.choice([8, 9, 14, 19]), rng.choice([0, 30]))
        length = timedelta(hours=6) if kind == Event.Kind.TRAINING else timedelta(hours=rng.choice([1, 2, 3]))
        ends = begins + length
        if timezone.localtime(ends).date() > end:  # an evening event on the last day must not run past it
            begins, ends = _at(day, 9), _at(day, 9) + length
        event = services.event_create(
            association=association,
            campaign=campaign,
            title=title,
            kind=kind,
            venue=venue,
            audience=audience,
            starts_at=begins,
            ends_at=ends,
            capacity=rng.choice([None, 50, 100, 200, 500]),
            status=Event.Status.DONE if ends < now else Event.Status.PUBLISHED,
            partners=rng.sample(partners, rng.randrange(1, 4)),
            outputs=_outputs_for(kind, rng),
        )
        events.append(event)
    return events


@transaction.atomic
def seed_planning(*, year: int, scale: int, seed: int) -> DemoCounty:
    rng = random.Random(f"{seed}-{year}")
    county, towns, grassroots = _regions()
    assert county.parent is not None  # _regions puts the county in its prefecture
    prefecture_association, _ = Association.objects.get_or_create(
        name=PREFECTURE_ASSOCIATION, defaults={"region": county.parent}
    )
    association, _ = Association.objects.get_or_create(
        name=ASSOCIATION, defaults={"region": county, "parent": prefecture_association}
    )
    CountyEnrolment.objects.update_or_create(county=county, year=year, defaults={"students": 31800})
    demo = DemoCounty(
        association=association, county=county, year=year, scale=scale, rng=rng, towns=towns, villages=grassroots
    )
    if Campaign.objects.filter(association=association, starts_on__year=year).exists():
        demo.events = list(Event.objects.filter(association=association, starts_at__year=year))
        return demo  # this year is already planned: reuse it

    organizations = _organizations(association, rng, year, towns)
    venues = _venues(association, towns[0], grassroots, rng)
    partners = [org for orgs in organizations.values() for org in orgs]
    lead = {org.name: org for org in partners}
    now = timezone.now()
    for plan in _campaign_plan(year):
        lead_name = {Campaign.Kind.THEMED: "县计生局", Campaign.Kind.YOUTH: "县教育局"}.get(plan["kind"], "县科协")
        campaign = services.campaign_create(
            association=association,
            name=plan["name"],
            kind=plan["kind"],
            starts_on=plan["period"][0],
            ends_on=plan["period"][1],
            lead_organization=lead[lead_name],
            status=Campaign.Status.CLOSED if plan["period"][1] < now.date() else Campaign.Status.PUBLISHED,
        )
        demo.events += _events(association, campaign, plan["events"] * scale, rng, venues, partners, now)
    return demo


def demo_organizer(association: Association) -> tuple[str, str]:
    """The demo organizer's login, created once."""
    username, password = DEMO_ORGANIZER
    if not User.objects.filter(username=username).exists():
        services.organizer_create(association=association, username=username, password=password, first_name="演示")
    return username, password


def demo_scoped_accounts(association: Association) -> dict[str, tuple[str, str, str]]:
    """The demo's township organizer (of the town with the most events) and partner account (县教育局's
    staff), created once: {"township": (username, password, town), "partner": (username, password, name)}."""
    accounts = {}
    username, password = DEMO_TOWNSHIP_ORGANIZER
    existing = Organizer.objects.filter(user__username=username).select_related("town").first()
    if existing is None or existing.town is None:
        towns = Region.objects.filter(parent=association.region, level=Region.Level.TOWN)
        town = max(
            towns.order_by("name"),
            key=lambda t: Event.objects.filter(
                Q(venue__region=t) | Q(venue__region__parent=t), association=association
            ).count(),
        )
        if existing is None:
            services.organizer_create(association=association, username=username, password=password, town=town)
    else:
        town = existing.town
    accounts["township"] = (username, password, town.name)
    username, password = DEMO_PARTNER
    organization = Organization.objects.get(association=association, name=DEMO_PARTNER_ORGANIZATION)
    if not User.objects.filter(username=username).exists():
        services.organizer_create(
            association=association, username=username, password=password, organization=organization
        )
    accounts["partner"] = (username, password, organization.name)
    return accounts
