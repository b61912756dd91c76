"""factory_boy factories for Kepu's models; each app's tests build on these."""

from datetime import date, timedelta

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from events.models import (
    Association,
    Campaign,
    Event,
    EventOutput,
    Organization,
    OrganizationMembership,
    OrganizationSupport,
    Organizer,
    Region,
    Venue,
)
from outreach.models import (
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

PASSWORD = "secret-pass-123"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区域{n}")
    level = Region.Level.COUNTY


class CountyFactory(RegionFactory):
    level = Region.Level.COUNTY
    name = factory.Sequence(lambda n: f"测试{n}县")


class TownFactory(RegionFactory):
    level = Region.Level.TOWN
    name = factory.Sequence(lambda n: f"测试{n}镇")
    parent = factory.SubFactory(CountyFactory)


class VillageFactory(RegionFactory):
    level = Region.Level.VILLAGE
    name = factory.Sequence(lambda n: f"测试{n}村")
    parent = factory.SubFactory(TownFactory)


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"测试{n}县科协")
    region = factory.SubFactory(CountyFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class OrganizerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organizer

    user = factory.SubFactory(UserFactory, is_staff=True)
    association = factory.SubFactory(AssociationFactory)


class TownshipOrganizerFactory(OrganizerFactory):
    """An organizer scoped to one township of the association's county (give `town`, a child of the
    association's region, or let the factory make one)."""

    user = factory.SubFactory(UserFactory, is_staff=False)
    town = factory.SubFactory(TownFactory, parent=factory.SelfAttribute("..association.region"))


class PartnerAccountFactory(OrganizerFactory):
    """A partner organization's staff account: the events its organization co-organizes."""

    user = factory.SubFactory(UserFactory, is_staff=False)
    organization = factory.SubFactory(
        "tests.factories.OrganizationFactory", association=factory.SelfAttribute("..association")
    )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"县第{n}局")
    kind = Organization.Kind.DEPARTMENT


class MembershipFactory(factory.django.DjangoModelFactory):
    """An organization's members in a year (this year unless told)."""

    class Meta:
        model = OrganizationMembership

    organization = factory.SubFactory(OrganizationFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    members = 20


class SupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationSupport

    organization = factory.SubFactory(OrganizationFactory)
    kind = OrganizationSupport.Kind.CHARTER
    date = factory.LazyFunction(timezone.localdate)


class SiteFactory(factory.django.DjangoModelFactory):
    """A science window in a village, built long ago and still standing."""

    class Meta:
        model = Site

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"科普橱窗{n}")
    kind = Site.Kind.WINDOW
    region = factory.SubFactory(VillageFactory)


class SiteRepairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteRepair

    site = factory.SubFactory(SiteFactory)
    repaired_on = factory.LazyFunction(timezone.localdate)


class SiteBooksFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteBooks

    site = factory.SubFactory(SiteFactory, kind=Site.Kind.READING_ROOM)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    books = 1000


# --- media and contests (outreach) -------------------------------------------------------------


class MediaColumnFactory(factory.django.DjangoModelFactory):
    """A TV column of the county station."""

    class Meta:
        model = MediaColumn

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"科普之窗{n}")
    kind = MediaColumn.Kind.TV
    outlet = "县电视台"


class MediaEpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaEpisode

    column = factory.SubFactory(MediaColumnFactory)
    aired_on = factory.LazyFunction(timezone.localdate)
    title = factory.Sequence(lambda n: f"科普节目第{n}期")
    minutes = 15


class NewsReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsReport

    association = factory.SubFactory(AssociationFactory)
    published_on = factory.LazyFunction(timezone.localdate)
    title = factory.Sequence(lambda n: f"县科协开展科普活动{n}")
    outlet = "县电视台"


class ContestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contest

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"县青少年科技创新大赛{n}")
    kind = Contest.Kind.INNOVATION
    held_on = factory.LazyFunction(timezone.localdate)


class ContestEntryFactory(factory.django.DjangoModelFactory):
    """One pupil's entry, without a prize."""

    class Meta:
        model = ContestEntry

    contest = factory.SubFactory(ContestFactory)
    entrant = factory.Sequence(lambda n: f"学生{n}")
    school = "县第一中学"
    title = factory.Sequence(lambda n: f"作品{n}")
    pupils = 1


# --- issue 14 items 3 and 6: demonstration bases and funding ------------------------------------------


class DemonstrationBaseFactory(factory.django.DjangoModelFactory):
    """A demonstration base in a village, established long ago and still running."""

    class Meta:
        model = DemonstrationBase

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"科普示范基地{n}")
    kind = DemonstrationBase.Kind.BASE
    region = factory.SubFactory(VillageFactory)


class BaseYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BaseYear

    base = factory.SubFactory(DemonstrationBaseFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    varieties = 2
    techniques = 3
    households = 120


class FundingRecordFactory(factory.django.DjangoModelFactory):
    """Government allocation received today (no document)."""

    class Meta:
        model = FundingRecord

    association = factory.SubFactory(AssociationFactory)
    date = factory.LazyFunction(timezone.localdate)
    direction = FundingRecord.Direction.INCOME
    source = FundingRecord.Source.GOVERNMENT
    amount = 50000


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"会场{n}")
    kind = Venue.Kind.SQUARE
    region = factory.SubFactory(VillageFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"科技活动周{n}")
    kind = Campaign.Kind.SCIENCE_WEEK
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    status = Campaign.Status.PUBLISHED


class EventFactory(factory.django.DjangoModelFactory):
    """A published lecture happening now, in a venue of its own association."""

    class Meta:
        model = Event

    association = factory.SubFactory(AssociationFactory)
    title = factory.Sequence(lambda n: f"科普讲座{n}")
    kind = Event.Kind.LECTURE
    venue = factory.SubFactory(VenueFactory, association=factory.SelfAttribute("..association"))
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    status = Event.Status.PUBLISHED


class EventOutputFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventOutput

    event = factory.SubFactory(EventFactory)
    kind = EventOutput.Kind.MATERIALS
    quantity = 100


def a_date(days_from_today: int) -> date:
    return timezone.localdate() + timedelta(days=days_from_today)


# --- volunteers -------------------------------------------------------------------------------

from volunteers.models import Shift, SignUp, Skill, Volunteer  # noqa: E402


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"技能{n}")


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..phone"))
    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"志愿者{n}")


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    event = factory.SubFactory(EventFactory)
    role = Shift.Role.GUIDE
    starts_at = factory.SelfAttribute("event.starts_at")
    ends_at = factory.SelfAttribute("event.ends_at")
    capacity = 10


class SignUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignUp

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory(VolunteerFactory, association=factory.SelfAttribute("..shift.event.association"))
    status = SignUp.Status.CONFIRMED


# --- check-in ---------------------------------------------------------------------------------

from checkin.models import Attendee, CheckIn, Headcount, Registration  # noqa: E402


class AttendeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendee

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"群众{n}")
    category = Attendee.Category.FARMER


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    attendee = factory.SubFactory(AttendeeFactory, association=factory.SelfAttribute("..event.association"))
    code = factory.Sequence(lambda n: f"TESTCODE{n:010d}")


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    event = factory.SubFactory(EventFactory)
    attendee = factory.SubFactory(AttendeeFactory, association=factory.SelfAttribute("..event.association"))
    method = CheckIn.Method.STAFF_SCAN
    scanned_at = factory.LazyFunction(timezone.now)


class HeadcountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Headcount

    event = factory.SubFactory(EventFactory)
    count = 100
    counted_at = factory.LazyFunction(timezone.now)


# --- volunteers (the volunteers issue) ----------------------------------------------------------


class UpcomingEventFactory(EventFactory):
    """A published event tomorrow morning: open for sign-up."""

    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class UpcomingShiftFactory(ShiftFactory):
    event = factory.SubFactory(UpcomingEventFactory)


# --- checkin (check-in app) --------------------------------------------------------------------

from checkin.models import PosterCode  # noqa: E402


class PosterCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PosterCode

    event = factory.SubFactory(EventFactory)
    code = factory.Sequence(lambda n: f"poster{n:06d}")


# --- notifications ----------------------------------------------------------------------------

from notifications.models import Kind, Notification, Preference  # noqa: E402


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference

    user = factory.SubFactory(UserFactory)
    channel = "sms"


class NotificationFactory(factory.django.DjangoModelFactory):
    """A queued SMS to a volunteer, due now."""

    class Meta:
        model = Notification

    kind = Kind.SIGNUP_CONFIRMED
    channel = "sms"
    volunteer = factory.SubFactory(VolunteerFactory)
    user = factory.SelfAttribute("volunteer.user")
    association = factory.SelfAttribute("volunteer.association")
    recipient_name = factory.SelfAttribute("volunteer.name")
    address = factory.SelfAttribute("volunteer.phone")
    body = "测试短信"
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


# --- reporting --------------------------------------------------------------------------------

from reporting.models import Submission  # noqa: E402


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A county's year submitted to its prefecture and waiting for review, with a small snapshot (tests that
    need a real one submit through reporting.services.submission_submit)."""

    class Meta:
        model = Submission

    association = factory.SubFactory(AssociationFactory)
    to_association = factory.LazyAttribute(lambda o: o.association.parent)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    version = 1
    state = Submission.State.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    submitted_by = factory.SubFactory(UserFactory)
    snapshot = factory.LazyAttribute(lambda o: {"figures": {"events_held": 1}, "typed": {}})
    content_hash = "0" * 64
