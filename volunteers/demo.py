"""The demo county's volunteers: a few hundred people (about a fifth experts), shifts on every
event, sign-ups with attended/no-show history and service hours for the events already held.

Deterministic (draws from demo.rng), and a no-op when the year's shifts exist.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.demo import DemoCounty
from events.models import Event, Organization

from . import services
from .models import Shift, SignUp, Skill, Volunteer

DEMO_VOLUNTEER = ("+8613800000001", "kepu-volunteer-2026")  # a volunteer login for trying the phone pages
SKILLS = ["农业技术", "畜牧兽医", "医疗卫生", "急救", "讲解", "摄影", "信息录入", "普通话", "彝语", "心理辅导", "电工"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国红梅春燕海波志鹏晓云飞宇欣怡子涵浩然"

# Roles an event of each kind asks for, as (role, places, experts only).
SHIFT_PLAN = {
    Event.Kind.LECTURE: [(Shift.Role.LECTURER, 1, True), (Shift.Role.REGISTRATION, 2, False)],
    Event.Kind.TRAINING: [(Shift.Role.LECTURER, 2, True), (Shift.Role.REGISTRATION, 2, False)],
    Event.Kind.CONSULTATION: [
        (Shift.Role.CONSULTANT, 4, True),
        (Shift.Role.REGISTRATION, 2, False),
        (Shift.Role.GUIDE, 2, False),
    ],
    Event.Kind.EXHIBITION: [(Shift.Role.GUIDE, 4, False), (Shift.Role.SCANNER, 2, False)],
    Event.Kind.SITE_VISIT: [(Shift.Role.GUIDE, 3, False), (Shift.Role.LECTURER, 1, True)],
    Event.Kind.COMPETITION: [(Shift.Role.OTHER, 4, False), (Shift.Role.SCANNER, 2, False)],
    Event.Kind.BROADCAST: [(Shift.Role.LECTURER, 1, True)],
    Event.Kind.OTHER: [(Shift.Role.GUIDE, 2, False)],
}
VOLUNTEERS_PER_SCALE = 300
EXPERT_SHARE = 0.2
ATTENDED_SHARE = 0.88  # the rest of past places were no-shows
SCANNED_SHARE = 0.6  # past attendances with check-in/out times from the staff code


def _hours(start, end) -> Decimal:
    return (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.01"))


def _volunteers(demo: DemoCounty, skills: list[Skill]) -> list[Volunteer]:
    rng, count = demo.rng, VOLUNTEERS_PER_SCALE * demo.scale
    # One hash for all: hashing hundreds of passwords would take minutes; they cannot log in anyway.
    unusable = make_password(None)
    phones = [DEMO_VOLUNTEER[0]]
    seen = set(phones)
    while len(phones) < count:
        phone = f"+86{rng.choice(['138', '139', '150', '158', '187', '199'])}{rng.randrange(10**8):08d}"
        if phone not in seen:
            phones.append(phone)
            seen.add(phone)
    existing = set(User.objects.filter(username__in=phones).values_list("username", flat=True))
    phones = [p for p in phones if p not in existing]
    users = User.objects.bulk_create([User(username=p, password=unusable) for p in phones])
    demo_user = next((u for u in users if u.username == DEMO_VOLUNTEER[0]), None)
    if demo_user:
        demo_user.set_password(DEMO_VOLUNTEER[1])
        demo_user.save(update_fields=["password"])
    organizations = list(Organization.objects.filter(association=demo.association))
    volunteers = []
    for n, user in enumerate(users):
        is_expert = n % 5 == 0 if n else True  # the demo login is an expert, so every shift is open to it
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))
        volunteers.append(
            Volunteer(
                user=user,
                association=demo.association,
                phone=user.username,
                name=name,
                is_expert=is_expert,
                home_region=rng.choice(demo.villages) if rng.random() < 0.8 else rng.choice(demo.towns),
            )
        )
        user.first_name = name
    User.objects.bulk_update(users, ["first_name"])
    volunteers = Volunteer.objects.bulk_create(volunteers)
    skill_links, org_links = [], []
    for volunteer in volunteers:
        for skill in rng.sample(skills, rng.randrange(0, 3)):
            skill_links.append(Volunteer.skills.through(volunteer_id=volunteer.id, skill_id=skill.id))
        if volunteer.is_expert and organizations:
            org_links.append(
                Volunteer.organizations.through(volunteer_id=volunteer.id, organization_id=rng.choice(organizations).id)
            )
    Volunteer.skills.through.objects.bulk_create(skill_links)
    Volunteer.organizations.through.objects.bulk_create(org_links)
    return volunteers


@transaction.atomic
def seed_volunteers(demo: DemoCounty) -> None:
    events = sorted(demo.events, key=lambda e: (e.starts_at, e.id))
    if not events or Shift.objects.filter(event__in=events).exists():
        return  # this year's volunteers are already seeded
    rng = demo.rng
    skills = [Skill.objects.get_or_create(name=name)[0] for name in SKILLS]
    volunteers = _volunteers(demo, skills)
    if not volunteers:
        volunteers = list(Volunteer.objects.filter(association=demo.association))
    experts = [v for v in volunteers if v.is_expert]
    others = [v for v in volunteers if not v.is_expert]
    demo_volunteer = next((v for v in volunteers if v.phone == DEMO_VOLUNTEER[0]), None)
    now = timezone.now()
    busy: dict[int, list[tuple]] = {}  # volunteer id → shift times held, so nobody holds two overlapping shifts

    def free(volunteer: Volunteer, shift: Shift) -> bool:
        return all(end <= shift.starts_at or start >= shift.ends_at for start, end in busy.get(volunteer.id, []))

    signups: list[SignUp] = []
    for event in events:
        if event.status == Event.Status.CANCELLED:
            continue
        for role, places, expert_only in SHIFT_PLAN.get(Event.Kind(event.kind), SHIFT_PLAN[Event.Kind.OTHER]):
            places = places * (2 if event.is_countryside_trip and expert_only else 1)
            starts = event.starts_at - (timedelta(minutes=30) if role == Shift.Role.REGISTRATION else timedelta(0))
            shift = Shift.objects.create(
                event=event,
                role=role,
                starts_at=starts,
                ends_at=event.ends_at,
                capacity=places,
                expert_only=expert_only,
                signup_deadline=event.starts_at - timedelta(days=1),
            )
            past = event.ends_at < now
            # Past shifts were mostly filled; coming ones are filling up, some already full with a waitlist.
            wanted = places if past and rng.random() < 0.85 else rng.randrange(0, places + 3)
            pool = experts if expert_only else (others if rng.random() < 0.8 else volunteers)
            taken = made = 0
            for volunteer in rng.sample(pool, min(len(pool), wanted * 2)):
                if made >= wanted:
                    break
                if volunteer is demo_volunteer or not free(volunteer, shift):
                    continue
                signup = SignUp(shift=shift, volunteer=volunteer)
                if taken < places:
                    taken += 1
                    busy.setdefault(volunteer.id, []).append((shift.starts_at, shift.ends_at))
                    if past:
                        _past_attendance(signup, shift, rng)
                    else:
                        signup.status = SignUp.Status.CONFIRMED
                elif past:
                    continue  # a waitlist of an event that is over means nothing
                else:
                    signup.status = SignUp.Status.WAITLISTED
                signups.append(signup)
                made += 1
            if taken:
                Shift.objects.filter(pk=shift.pk).update(taken=taken)
    SignUp.objects.bulk_create(signups)
    _demo_volunteer_history(demo_volunteer, events, now)


def _past_attendance(signup: SignUp, shift: Shift, rng) -> None:
    if rng.random() >= ATTENDED_SHARE:
        signup.status = SignUp.Status.NO_SHOW
        return
    signup.status = SignUp.Status.ATTENDED
    if rng.random() < SCANNED_SHARE:
        signup.checked_in_at = shift.starts_at - timedelta(minutes=rng.randrange(0, 25))
        signup.checked_out_at = shift.ends_at - timedelta(minutes=rng.randrange(-10, 30))
        signup.hours = services.service_hours_scanned(signup)
        signup.hours_source = SignUp.HoursSource.SCANNED
    else:
        signup.hours = _hours(shift.starts_at, shift.ends_at)
        signup.hours_source = SignUp.HoursSource.ORGANIZER


def _demo_volunteer_history(volunteer: Volunteer | None, events: list[Event], now) -> None:
    """The demo login gets a few past services and one coming shift, through the services."""
    if volunteer is None:
        return
    past = [e for e in events if e.ends_at < now]
    coming = [e for e in events if e.starts_at > now + timedelta(days=1) and e.status == Event.Status.PUBLISHED]
    for event in [*past[-6:], *coming[:1]]:
        shift = event.shifts.filter(taken__lt=F("capacity")).first()
        if shift is None:
            continue
        try:
            signup = services.shift_signup(shift=shift, volunteer=volunteer, by_organizer=True)
        except ValidationError:  # busy at that time: the demo skips it
            continue
        if event.ends_at < now:
            services.signup_mark_attendance(signup=signup, attended=True)
