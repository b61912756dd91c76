"""The demo county's science-popularization sites: a register shaped like a real county's (the seed's
86 windows, 4 county galleries, village reading rooms with some 126,000 books, new windows and boards
this year), with the dates that make each year's figures: built, repaired, retired."""

import random
from datetime import date

from django.db import transaction

from events.models import Region

from .models import Contest, ContestEntry, MediaColumn, MediaEpisode, NewsReport, Site, SiteBooks, SiteRepair


def _day(rng: random.Random, year: int) -> date:
    return date(year, rng.randrange(1, 13), rng.randrange(1, 29))


@transaction.atomic
def seed_sites(demo) -> None:
    """The register, built once per association (it spans the years: a later year's seed reuses it)."""
    association, year = demo.association, demo.year
    if Site.objects.filter(association=association).exists():
        return
    rng = random.Random(f"sites-{year}")  # its own: the other demo steps draw the same numbers as before
    villages = [v for v in demo.villages if v.level == Region.Level.VILLAGE]
    seat = demo.towns[0]
    names: set[str] = set()

    def site(kind, region, name, built=None, retired=None, **extra):
        base, n = name, 2
        while name in names:
            name, n = f"{base}{n}号", n + 1
        names.add(name)
        return Site.objects.create(
            association=association, kind=kind, region=region, name=name, built_on=built, retired_on=retired, **extra
        )

    def place(region):
        return f"{region.parent.name}{region.name}" if region.level != Region.Level.COUNTY else "县城"

    # Windows: 84 standing from earlier years, two retired last year, two county windows new this year.
    for i in range(84):
        region = villages[i % len(villages)] if i % 4 else demo.towns[i % len(demo.towns)]
        window = site(Site.Kind.WINDOW, region, f"{place(region)}科普橱窗", _day(rng, rng.randrange(2006, year)))
        if i % 17 == 3:
            SiteRepair.objects.create(site=window, repaired_on=_day(rng, year), note="更换玻璃和展板")
    for i in range(2):
        region = villages[-1 - i]
        site(Site.Kind.WINDOW, region, f"{place(region)}旧橱窗", date(2008, 5, 1), retired=date(year - 1, 10, 1))
    for i in range(2):
        site(Site.Kind.WINDOW, seat, f"县级科普宣传橱窗（{['人民路', '文化路'][i]}）", date(year, 4 + i * 5, 20))
    # County galleries; one renovated this year (repaired, not built).
    for i, street in enumerate(["人民路", "解放街", "滨河路", "车站"]):
        gallery = site(Site.Kind.GALLERY, demo.county, f"县级科普画廊（{street}）", date(2010 + i * 3, 6, 1))
        if i == 1:
            SiteRepair.objects.create(site=gallery, repaired_on=date(year, 8, 15), note="画廊翻新")
    # Bulletin boards: 40 from earlier years, 14 new this year.
    for i in range(54):
        region = villages[(i * 7) % len(villages)]
        built = _day(rng, year) if i >= 40 else _day(rng, rng.randrange(2012, year))
        site(Site.Kind.BOARD, region, f"{place(region)}科普宣传栏", built)
    # Reading rooms in most villages, with their books last year and this year.
    for i, region in enumerate(villages[: len(villages) - 8]):
        built = _day(rng, year) if i % 40 == 7 else _day(rng, rng.randrange(2008, year))
        room = site(Site.Kind.READING_ROOM, region, f"{place(region)}科普图书室", built)
        books = rng.randrange(650, 1150)
        if built.year < year:
            SiteBooks.objects.create(site=room, year=year - 1, books=books)
        SiteBooks.objects.create(site=room, year=year, books=books + rng.randrange(0, 60))
    # A farmers' technical school in each town, the county's activity centre, and the 科普e站.
    for town in demo.towns:
        site(Site.Kind.FARMERS_SCHOOL, town, f"{town.name}农民科技文化技术学校", _day(rng, rng.randrange(2000, year)))
    centre = site(Site.Kind.ACTIVITY_CENTRE, seat, "县科普活动中心", date(2012, 9, 1))
    SiteRepair.objects.create(site=centre, repaired_on=date(year, 4, 8), note="展厅设施维修")
    for i in range(15):
        region = villages[(i * 11 + 3) % len(villages)]
        built = _day(rng, year) if i % 5 == 0 else _day(rng, rng.randrange(2019, year))
        site(Site.Kind.E_STATION, region, f"{place(region)}科普e站", built)


# --- media and contests (issue 14 items 4 and 5) ---------------------------------------------------

TOPICS = ["科学种植", "畜禽防疫", "防灾减灾", "食品安全", "健康生活", "节能环保", "反对邪教", "林果管理", "科学用药"]
OUTLETS = ["县电视台", "县报", "州日报", "州电视台", "省科技报", "县政府网"]


@transaction.atomic
def seed_media_contests(demo) -> None:
    """The year's media work and contests, shaped like the seed's county: a TV column on the county
    station twice a month, a monthly newspaper page, an account's posts, some thirty news reports, the
    county's youth innovation contest and works exhibition with their entries and prizes, the entries sent
    on to the prefecture's contest, and the teachers' paper review. Once per association and year."""
    from events.demo import SCHOOLS

    association, year = demo.association, demo.year
    if Contest.objects.filter(association=association, held_on__year=year).exists():
        return
    rng = random.Random(f"media-{year}")  # its own: the other demo steps draw the same numbers as before
    tv, _ = MediaColumn.objects.get_or_create(
        association=association, name="科普园地", defaults={"kind": MediaColumn.Kind.TV, "outlet": "县电视台"}
    )
    page, _ = MediaColumn.objects.get_or_create(
        association=association, name="科技之窗", defaults={"kind": MediaColumn.Kind.NEWSPAPER, "outlet": "县报"}
    )
    account, _ = MediaColumn.objects.get_or_create(
        association=association, name="清河科普", defaults={"kind": MediaColumn.Kind.ONLINE, "outlet": "微信公众号"}
    )
    episodes = []
    for month in range(1, 13):
        for day in (8, 22):
            topic = rng.choice(TOPICS)
            episodes.append(
                MediaEpisode(column=tv, aired_on=date(year, month, day), title=topic, minutes=rng.choice([20, 25, 30]))
            )
        episodes.append(MediaEpisode(column=page, aired_on=date(year, month, 15), title=f"{rng.choice(TOPICS)}专版"))
        for _post in range(rng.randrange(3, 6)):
            episodes.append(MediaEpisode(column=account, aired_on=_day(rng, year), title=f"{rng.choice(TOPICS)}知识"))
    MediaEpisode.objects.bulk_create(episodes)
    NewsReport.objects.bulk_create(
        NewsReport(
            association=association,
            published_on=_day(rng, year),
            title=f"县科协开展{rng.choice(TOPICS)}科普活动",
            outlet=(outlet := rng.choice(OUTLETS)),
            level="province" if outlet.startswith("省") else "prefecture" if outlet.startswith("州") else "county",
        )
        for _ in range(32)
    )

    def contest(name, kind, held_on, entries, *, prize_level, prizes, pupils=(1, 1, 1, 2, 3)):
        held = Contest.objects.create(association=association, name=name, kind=kind, held_on=held_on)
        awards = ["first"] * prizes[0] + ["second"] * prizes[1] + ["third"] * prizes[2]
        awards += [""] * (entries - len(awards))
        ContestEntry.objects.bulk_create(
            ContestEntry(
                contest=held,
                entrant=f"{rng.choice('李王张刘陈杨赵黄周吴')}{rng.choice('明华丽强芳军敏静磊洋')}"
                if (n := rng.choice(pupils)) <= 1
                else f"{rng.choice(TOPICS)}兴趣小组",
                school=rng.choice(SCHOOLS),
                title=f"{rng.choice(TOPICS)}{rng.choice(['小装置', '调查报告', '科幻画', '小论文', '模型'])}",
                pupils=n,
                award=award,
                award_level=prize_level if award else "",
            )
            for award in awards
        )

    contest(
        f"{year}年县青少年科技创新大赛",
        Contest.Kind.INNOVATION,
        date(year, 5, 20),
        64,
        prize_level="county",
        prizes=(3, 6, 10),
    )
    contest(
        f"{year}年州青少年科技创新大赛（我县参赛）",
        Contest.Kind.INNOVATION,
        date(year, 7, 10),
        12,
        prize_level="prefecture",
        prizes=(1, 2, 3),
    )
    contest(
        f"{year}年县青少年科技作品展",
        Contest.Kind.EXHIBITION,
        date(year, 10, 15),
        85,
        prize_level="county",
        prizes=(5, 10, 15),
    )
    contest(
        f"{year}年县科技教师论文评选",
        Contest.Kind.PAPERS,
        date(year, 11, 20),
        26,
        prize_level="county",
        prizes=(2, 4, 6),
        pupils=(0,),
    )
    # The societies' review of papers (the seed's 自然科学优秀学术论文评审): adults' papers, no pupils.
    contest(
        f"{year}年县自然科学优秀学术论文评审",
        Contest.Kind.PAPERS,
        date(year, 12, 5),
        18,
        prize_level="county",
        prizes=(1, 3, 5),
        pupils=(0,),
    )


# --- issue 14 items 3 and 6: demonstration bases and funding ------------------------------------------

BASE_CROPS = ["茶叶", "食用菌", "中药材", "核桃", "生猪养殖", "蔬菜", "烤烟", "蚕桑", "柑橘", "肉牛养殖"]


@transaction.atomic
def seed_bases(demo) -> None:
    """The demo county's demonstration bases (one per farm venue, named by its crop, with the events held
    there and its partner institutes and companies), a park and a project, their results last year and
    this year; and the year's funding, income by source and spending by use, as a county's accounts read."""
    from events.models import Event, Organization, Venue

    from .models import BaseYear, DemonstrationBase, FundingRecord

    association, year = demo.association, demo.year
    rng = random.Random(f"bases-{year}")
    if not DemonstrationBase.objects.filter(association=association).exists():
        partners = list(
            Organization.objects.filter(
                association=association,
                kind__in=[Organization.Kind.DEPARTMENT, Organization.Kind.ENTERPRISE, Organization.Kind.SOCIETY],
            ).order_by("id")
        )
        farms = Venue.objects.filter(association=association, kind=Venue.Kind.FARM).order_by("id")
        for i, farm in enumerate(farms):
            crop = BASE_CROPS[i % len(BASE_CROPS)]
            base = DemonstrationBase.objects.create(
                association=association,
                kind=DemonstrationBase.Kind.BASE,
                name=f"{farm.region.name}{crop}科普示范基地",
                region=farm.region,
                established_on=date(rng.randrange(2012, year), rng.randrange(1, 13), 1),
            )
            base.partners.set(rng.sample(partners, min(2, len(partners))))
            base.events.set(Event.objects.filter(association=association, venue=farm))
        seat = demo.towns[0]
        park = DemonstrationBase.objects.create(
            association=association,
            kind=DemonstrationBase.Kind.PARK,
            name="县现代农业科技示范园",
            region=seat,
            established_on=date(2016, 5, 1),
        )
        park.partners.set(partners[:3])
        # The rural association that runs the park with the association (the seed's 农业新技术协会 and the
        # techniques and varieties it introduced): the park's results are its results.
        park.partners.add(
            *Organization.objects.filter(
                association=association, kind=Organization.Kind.RURAL_TECH_ASSOCIATION, name="县农业新技术协会"
            )
        )
        DemonstrationBase.objects.create(
            association=association,
            kind=DemonstrationBase.Kind.PROJECT,
            name="高山冷凉蔬菜种植示范项目",
            region=demo.towns[-1],
            established_on=date(year - 1, 3, 1),
            note="科普惠农项目，两年期",
        )
        # A project that ended last year: its results stay in last year's figures.
        DemonstrationBase.objects.create(
            association=association,
            kind=DemonstrationBase.Kind.PROJECT,
            name="稻田养鱼示范项目",
            region=demo.towns[1 % len(demo.towns)],
            established_on=date(year - 3, 4, 1),
            closed_on=date(year - 1, 12, 1),
        )
        for base in DemonstrationBase.objects.filter(association=association):
            for entry_year in (year - 1, year):
                if base.closed_on and base.closed_on.year < entry_year:
                    continue
                BaseYear.objects.create(
                    base=base,
                    year=entry_year,
                    varieties=rng.randrange(0, 4),
                    techniques=rng.randrange(1, 5),
                    households=rng.randrange(40, 400),
                )
    if not FundingRecord.objects.filter(association=association, date__year=year).exists():
        income = [
            (date(year, 2, 20), FundingRecord.Source.GOVERNMENT, 180000, "县财政科普专项经费"),
            (date(year, 6, 10), FundingRecord.Source.GOVERNMENT, 50000, "省科协科普惠农兴村计划奖补"),
            (date(year, 9, 5), FundingRecord.Source.DONATION, 12000, "县农商银行捐赠（青少年科技活动）"),
            (date(year, 11, 30), FundingRecord.Source.OWN, 8500, "学会会费及自筹"),
        ]
        for day, source, amount, note in income:
            FundingRecord.objects.create(
                association=association, date=day, direction="income", source=source, amount=amount, note=note
            )
        spending = [
            (date(year, 3, 15), FundingRecord.Use.ACTIVITIES, 42000, "科技活动周"),
            (date(year, 5, 20), FundingRecord.Use.TRAINING, 36500, "农民实用技术培训"),
            (date(year, 7, 1), FundingRecord.Use.SITES, 58000, "科普画廊翻新、示范基地展板"),
            (date(year, 9, 18), FundingRecord.Use.ACTIVITIES, 31000, "全国科普日"),
            (date(year, 10, 25), FundingRecord.Use.TRAINING, 22000, "科普示范基地现场培训"),
            (date(year, 12, 10), FundingRecord.Use.OTHER, 6800, "科普资料印刷"),
        ]
        for day, use, amount, note in spending:
            FundingRecord.objects.create(
                association=association, date=day, direction="spending", use=use, amount=amount, note=note
            )
