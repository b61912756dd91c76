"""Two counties under one prefecture, each with a full set of records, and the people who try to reach them."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from checkin.models import CheckIn, Headcount, PosterCode, Registration
from events.models import Association, Campaign, Event, Organization, Region, Venue
from notifications.models import Notification
from tests.factories import (
    AssociationFactory,
    AttendeeFactory,
    CampaignFactory,
    CheckInFactory,
    ContestFactory,
    DemonstrationBaseFactory,
    EventFactory,
    EventOutputFactory,
    FundingRecordFactory,
    HeadcountFactory,
    MediaColumnFactory,
    NewsReportFactory,
    NotificationFactory,
    OrganizationFactory,
    OrganizerFactory,
    PosterCodeFactory,
    RegionFactory,
    RegistrationFactory,
    ShiftFactory,
    SignUpFactory,
    SiteFactory,
    SubmissionFactory,
    UserFactory,
    VolunteerFactory,
)
from volunteers import services as volunteer_services
from volunteers.models import Shift, SignUp, StaffCode, Volunteer, VolunteerInvitation


@dataclass
class County:
    """One county association and one of each of its records."""

    association: Association
    organizer: User
    campaign: Campaign
    event: Event
    venue: Venue
    organization: Organization
    shift: Shift
    volunteer: Volunteer  # on duty at `event`: a confirmed sign-up to `shift`
    signup: SignUp
    idle_volunteer: Volunteer  # a volunteer of the county with no sign-up at all
    registration: Registration
    checkin: CheckIn
    headcount: Headcount
    poster: PosterCode
    staff_code: StaffCode
    notification: Notification  # a failed SMS about the event: one an organizer may resend
    inbox_message: Notification  # a message in the on-duty volunteer's in-app inbox
    invitation: VolunteerInvitation  # a pending invitation to a phone number, opened by `invitation_token`
    invitation_token: str
    extra: dict = field(default_factory=dict)


@dataclass
class World:
    prefecture: Association
    prefecture_organizer: User
    a: County  # the county whose records every request targets
    b: County  # the other county
    superuser: User


def _county(prefecture: Association, region: Region, tag: str) -> County:
    association = AssociationFactory(parent=prefecture, region=RegionFactory(parent=region, name=f"{tag}县"))
    organizer = OrganizerFactory(association=association, user__username=f"organizer-{tag}").user
    campaign = CampaignFactory(association=association)
    event = EventFactory(association=association, campaign=campaign, capacity=100)
    shift = ShiftFactory(event=event)
    signup = SignUpFactory(shift=shift, volunteer__association=association)
    volunteer = signup.volunteer
    volunteer.calendar_token = f"calendar-token-{tag}"
    volunteer.save(update_fields=["calendar_token"])
    registration = RegistrationFactory(event=event)
    checkin = CheckInFactory(event=event, attendee=AttendeeFactory(association=association), scanned_by=organizer)
    failed = NotificationFactory(volunteer=volunteer, event=event, status=Notification.Status.FAILED)
    inbox = NotificationFactory(
        volunteer=volunteer, event=event, channel="inbox", status=Notification.Status.SENT, sent_at=timezone.now()
    )
    invitation_token = f"invitation-token-{tag}"
    invitation = VolunteerInvitation.objects.create(
        association=association,
        phone=f"+86139{'1' if tag == 'a' else '2'}0000000",
        name="受邀者",
        invited_by=organizer,
        token_hash=volunteer_services.invitation_token_hash(invitation_token),
        expires_at=timezone.now() + timedelta(days=7),
    )
    return County(
        association=association,
        organizer=organizer,
        campaign=campaign,
        event=event,
        venue=event.venue,
        organization=OrganizationFactory(association=association),
        shift=shift,
        volunteer=volunteer,
        signup=signup,
        idle_volunteer=VolunteerFactory(association=association),
        registration=registration,
        checkin=checkin,
        headcount=HeadcountFactory(event=event, counted_at=event.starts_at + timedelta(minutes=10)),
        poster=PosterCodeFactory(event=event, code=f"poster-{tag}"),
        staff_code=volunteer_services.staff_code_of(event),
        notification=failed,
        inbox_message=inbox,
        invitation=invitation,
        invitation_token=invitation_token,
        extra={
            "output": EventOutputFactory(event=event),
            "evidence": _evidence(event, organizer),
            "site": SiteFactory(association=association, region=RegionFactory(parent=association.region)),
            # media and contests
            "media_column": MediaColumnFactory(association=association),
            "news_report": NewsReportFactory(association=association),
            "contest": ContestFactory(association=association),
            "base": DemonstrationBaseFactory(association=association, region=RegionFactory(parent=association.region)),
            "funding": _funding(association),
            # reporting: the county's year, submitted to the prefecture and waiting for its review
            "submission": _submission(association, organizer),
        },
    )


def _funding(association):
    """A funding record with its scanned document (a PDF, stored under the test's MEDIA_ROOT)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from outreach import services as outreach_services

    record = FundingRecordFactory.build(association=association)
    pdf = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return outreach_services.funding_save(record, document=pdf)


def _submission(association, organizer):
    """The county's year submitted to the prefecture, with its summary in Markdown (under the test's MEDIA_ROOT)."""
    from django.core.files.base import ContentFile

    submission = SubmissionFactory(association=association, submitted_by=organizer)
    submission.markdown_file.save("summary.md", ContentFile("# 总结\n".encode()))
    return submission


def _evidence(event: Event, organizer: User):
    """A photo kept with the event (stored under the test's MEDIA_ROOT, see `world`)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from events import services as event_services

    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 60, 60)).save(png, "PNG")
    photo = SimpleUploadedFile("photo.png", png.getvalue(), content_type="image/png")
    return event_services.evidence_add(event=event, file=photo, uploaded_by=organizer)


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # the evidence files of the two counties
    region = RegionFactory(level=Region.Level.PREFECTURE, name="测试州")
    prefecture = AssociationFactory(region=region, name="测试州科协")
    return World(
        prefecture=prefecture,
        prefecture_organizer=OrganizerFactory(association=prefecture, user__username="organizer-prefecture").user,
        a=_county(prefecture, region, "a"),
        b=_county(prefecture, region, "b"),
        superuser=UserFactory(username="root", is_superuser=True, is_staff=True),
    )
