"""Who may read and who may change what: the one access rule of Kepu.

Every record belongs to an association (a county's 县科协, or a prefecture's 州科协 above its
counties). An organizer has two scopes:

- the *read* scope, `associations_for_read`: their own association and, for a prefecture, the
  counties below it;
- the *write* scope, `associations_for_write`: their own association only. A prefecture organizer
  reads its counties' data but never changes it.

Every API view, page, export and the admin take their querysets and objects from here: reads from
a `*_for_read` function, every write (create, change, delete, actions, rotations, revocations,
resends, imports) from a `*_for_write` one. `access_*` fetchers answer 404 for what the user may
not see, so that nobody learns a record exists, and 403 for what they see but may not change.

Anonymous users and volunteers read what is public (published campaigns and events and their
shifts) and their own sign-ups; they change nothing here but their own sign-ups. Superusers hold no
organizer profile: through the API and the pages they are like any signed-in user, and the admin
gives them everything (kepu/admin.py).
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from checkin.models import Attendee, CheckIn, Headcount, PosterCode, Registration, ScanLog
from events.models import Association, Campaign, Event, EventEvidence, Organization, Organizer, Venue
from events.selectors import PUBLIC_CAMPAIGN_STATUSES, PUBLIC_EVENT_STATUSES, association_subtree_ids
from notifications.models import Notification
from outreach.models import Contest, DemonstrationBase, FundingRecord, MediaColumn, NewsReport, Site
from reporting.models import Submission
from volunteers.models import Shift, SignUp, Volunteer, VolunteerInvitation

AnyUser = User | AnonymousUser

# Sign-up states of a volunteer who is on duty at the event and may scan its attendees.
SCANNING_SIGNUP_STATUSES = ("confirmed", "attended")


# --- who the user is ------------------------------------------------------------------------------


def _organizer_of(user: AnyUser) -> Organizer | None:
    if not user.is_authenticated:
        return None
    return getattr(user, "organizer", None)


def association_of(user: AnyUser) -> Association | None:
    """The association a user works for as an organizer, or None."""
    organizer = _organizer_of(user)
    return organizer.association if organizer else None


def is_organizer(user: AnyUser) -> bool:
    return _organizer_of(user) is not None


# --- the two scopes -------------------------------------------------------------------------------


def associations_for_read(user: AnyUser) -> list[int]:
    """Ids of the associations whose data the organizer reads: their own and those below it."""
    organizer = _organizer_of(user)
    return association_subtree_ids(organizer.association_id) if organizer else []


def associations_for_write(user: AnyUser) -> list[int]:
    """Ids of the associations whose data the organizer changes: their own only."""
    organizer = _organizer_of(user)
    return [organizer.association_id] if organizer else []


def _in(path: str, association_ids: list[int]) -> Q:
    return Q(**{f"{path}__in": association_ids})


# --- planning: campaigns, events, venues, organizations ------------------------------------------


def campaigns_for_read(user: AnyUser) -> QuerySet[Campaign]:
    campaigns = (
        Campaign.objects.select_related("association", "lead_organization")
        .annotate(event_count=Count("events"))
        .order_by(*(Campaign._meta.ordering or ()))  # Meta.ordering is dropped from GROUP BY queries
    )
    if is_organizer(user):
        return campaigns.filter(association_id__in=associations_for_read(user))
    return campaigns.filter(status__in=PUBLIC_CAMPAIGN_STATUSES)


def campaigns_for_write(user: AnyUser) -> QuerySet[Campaign]:
    return campaigns_for_read(user).filter(association_id__in=associations_for_write(user))


def events_for_read(user: AnyUser) -> QuerySet[Event]:
    events = Event.objects.select_related("association", "campaign", "venue", "venue__region").prefetch_related(
        "partners", "outputs"
    )
    if is_organizer(user):
        return events.filter(association_id__in=associations_for_read(user))
    return events.filter(status__in=PUBLIC_EVENT_STATUSES).exclude(campaign__status=Campaign.Status.DRAFT)


def events_for_write(user: AnyUser) -> QuerySet[Event]:
    return events_for_read(user).filter(association_id__in=associations_for_write(user))


def may_write(user: AnyUser, record: Any) -> bool:
    """Whether the user changes this record (one with an `association_id`: their own association's), or
    at most reads it. For pages that show or hide their write buttons; writes still go through *_for_write."""
    return record.association_id in associations_for_write(user)


def venues_for_read(user: AnyUser) -> QuerySet[Venue]:
    return Venue.objects.select_related("region").filter(association_id__in=associations_for_read(user))


def venues_for_write(user: AnyUser) -> QuerySet[Venue]:
    return Venue.objects.select_related("region").filter(association_id__in=associations_for_write(user))


def organizations_for_read(user: AnyUser) -> QuerySet[Organization]:
    return Organization.objects.select_related("region").filter(association_id__in=associations_for_read(user))


def organizations_for_write(user: AnyUser) -> QuerySet[Organization]:
    return Organization.objects.select_related("region").filter(association_id__in=associations_for_write(user))


def sites_for_read(user: AnyUser) -> QuerySet[Site]:
    """The register of science-popularization sites: organizers of the association (and a prefecture's)."""
    return Site.objects.select_related("region").filter(association_id__in=associations_for_read(user))


def sites_for_write(user: AnyUser) -> QuerySet[Site]:
    return Site.objects.select_related("region").filter(association_id__in=associations_for_write(user))


# --- media and contests (outreach): as the sites ---------------------------------------------------


def media_columns_for_read(user: AnyUser) -> QuerySet[MediaColumn]:
    """Media columns and their episodes: organizers of the association (and a prefecture's)."""
    return MediaColumn.objects.filter(association_id__in=associations_for_read(user))


def media_columns_for_write(user: AnyUser) -> QuerySet[MediaColumn]:
    return MediaColumn.objects.filter(association_id__in=associations_for_write(user))


def news_reports_for_read(user: AnyUser) -> QuerySet[NewsReport]:
    return NewsReport.objects.filter(association_id__in=associations_for_read(user))


def news_reports_for_write(user: AnyUser) -> QuerySet[NewsReport]:
    return NewsReport.objects.filter(association_id__in=associations_for_write(user))


def contests_for_read(user: AnyUser) -> QuerySet[Contest]:
    """Contests and reviews with their entries: organizers of the association (and a prefecture's)."""
    return Contest.objects.filter(association_id__in=associations_for_read(user))


def contests_for_write(user: AnyUser) -> QuerySet[Contest]:
    return Contest.objects.filter(association_id__in=associations_for_write(user))


# --- issue 14 items 3 and 6: demonstration bases and funding (outreach) ---------------------------


def bases_for_read(user: AnyUser) -> QuerySet[DemonstrationBase]:
    """Demonstration bases, parks and projects: organizers of the association (and a prefecture's)."""
    return DemonstrationBase.objects.select_related("region").filter(association_id__in=associations_for_read(user))


def bases_for_write(user: AnyUser) -> QuerySet[DemonstrationBase]:
    return DemonstrationBase.objects.select_related("region").filter(association_id__in=associations_for_write(user))


def funding_for_read(user: AnyUser) -> QuerySet[FundingRecord]:
    """Funding records and their documents: organizers who read the association, nobody else."""
    return FundingRecord.objects.filter(association_id__in=associations_for_read(user))


def funding_for_write(user: AnyUser) -> QuerySet[FundingRecord]:
    return FundingRecord.objects.filter(association_id__in=associations_for_write(user))


def evidence_for_read(user: AnyUser) -> QuerySet[EventEvidence]:
    """Photos and scanned sheets kept with events: organizers who read the event, nobody else (the files
    are never public, not even those of a published event)."""
    return EventEvidence.objects.select_related("event").filter(event__association_id__in=associations_for_read(user))


def evidence_for_write(user: AnyUser) -> QuerySet[EventEvidence]:
    return evidence_for_read(user).filter(event__association_id__in=associations_for_write(user))


# --- volunteers: shifts, sign-ups, volunteers ------------------------------------------------------


def shifts_for_read(user: AnyUser) -> QuerySet[Shift]:
    """Organizers: their associations' shifts. Everyone else: the shifts of public events (to sign up)."""
    shifts = Shift.objects.select_related("event", "event__venue", "event__venue__region").prefetch_related(
        "required_skills"
    )
    if is_organizer(user):
        return shifts.filter(event__association_id__in=associations_for_read(user))
    return shifts.filter(event__status__in=PUBLIC_EVENT_STATUSES).exclude(event__campaign__status="draft")


def shifts_for_write(user: AnyUser) -> QuerySet[Shift]:
    """The shifts an organizer plans and staffs: those of their own association's events."""
    return shifts_for_read(user).filter(event__association_id__in=associations_for_write(user))


def signups_for_read(user: AnyUser) -> QuerySet[SignUp]:
    """Organizers: their associations' sign-ups. A volunteer: their own. Anyone else: none."""
    signups = SignUp.objects.select_related("shift", "shift__event", "shift__event__venue", "volunteer")
    if is_organizer(user):
        return signups.filter(shift__event__association_id__in=associations_for_read(user))
    if user.is_authenticated:
        return signups.filter(volunteer__user=user)
    return signups.none()


def signups_for_write(user: AnyUser) -> QuerySet[SignUp]:
    """Organizers: their own association's sign-ups. A volunteer: their own (to cancel them)."""
    if is_organizer(user):
        return signups_for_read(user).filter(shift__event__association_id__in=associations_for_write(user))
    return signups_for_read(user)


def volunteers_for_read(user: AnyUser) -> QuerySet[Volunteer]:
    volunteers = Volunteer.objects.select_related("home_region").prefetch_related("skills", "organizations")
    if is_organizer(user):
        return volunteers.filter(association_id__in=associations_for_read(user))
    if user.is_authenticated:
        return volunteers.filter(user=user)
    return volunteers.none()


def volunteers_for_write(user: AnyUser) -> QuerySet[Volunteer]:
    """The volunteers an organizer changes and puts on shifts: their own association's."""
    return volunteers_for_read(user).filter(association_id__in=associations_for_write(user))


# --- check-in -----------------------------------------------------------------------------------


def attendees_for_read(user: AnyUser) -> QuerySet[Attendee]:
    return Attendee.objects.filter(association_id__in=associations_for_read(user))


def volunteer_invitations_for_read(user: AnyUser) -> QuerySet[VolunteerInvitation]:
    """Invitations sent to phone numbers (masked wherever shown), newest first."""
    return VolunteerInvitation.objects.filter(association_id__in=associations_for_read(user)).order_by(
        "-created_at", "-id"
    )


def attendees_for_write(user: AnyUser) -> QuerySet[Attendee]:
    return Attendee.objects.filter(association_id__in=associations_for_write(user))


def _registrations_of(association_ids: list[int]) -> QuerySet[Registration]:
    # A registration is for an event or, for a whole campaign, for the campaign.
    return Registration.objects.select_related("attendee", "event", "campaign").filter(
        _in("event__association_id", association_ids) | _in("campaign__association_id", association_ids)
    )


def registrations_for_read(user: AnyUser) -> QuerySet[Registration]:
    return _registrations_of(associations_for_read(user))


def registrations_for_write(user: AnyUser) -> QuerySet[Registration]:
    return _registrations_of(associations_for_write(user))


def checkins_for_read(user: AnyUser) -> QuerySet[CheckIn]:
    return CheckIn.objects.select_related("attendee").filter(event__association_id__in=associations_for_read(user))


def checkins_for_write(user: AnyUser) -> QuerySet[CheckIn]:
    return CheckIn.objects.select_related("attendee", "event").filter(
        event__association_id__in=associations_for_write(user)
    )


def scan_logs_for_read(user: AnyUser) -> QuerySet[ScanLog]:
    return ScanLog.objects.filter(event__association_id__in=associations_for_read(user))


def headcounts_for_read(user: AnyUser) -> QuerySet[Headcount]:
    return Headcount.objects.filter(event__association_id__in=associations_for_read(user))


def poster_codes_for_read(user: AnyUser) -> QuerySet[PosterCode]:
    return PosterCode.objects.filter(event__association_id__in=associations_for_read(user))


def may_scan(user: AnyUser, event: Event, *, on_duty: bool | None = None) -> bool:
    """Who checks people in at the event's door (scans, headcounts, annulments): organizers of the
    event's own association and volunteers on duty at the event. A prefecture's organizers read a
    county's figures but do not scan for it.

    `on_duty`, when the caller already read it (see checkin.scan.lookup.scan_lookup), saves a query.
    """
    if not user.is_authenticated:
        return False
    if event.association_id in associations_for_write(user):
        return True
    if on_duty is not None:
        return on_duty
    return on_duty_at(user, event.id)


def may_watch_door(user: AnyUser, event: Event) -> bool:
    """Who reads the door's live figures and searches its list: its scanners and the organizers who read
    the event (a prefecture its counties')."""
    return event.association_id in associations_for_read(user) or may_scan(user, event)


def on_duty_at(user: AnyUser, event_id: int) -> bool:
    """The user holds a confirmed (or attended) sign-up for a shift of the event: part of its staff."""
    if user.pk is None:  # anonymous
        return False
    return SignUp.objects.filter(
        shift__event_id=event_id, volunteer__user_id=user.pk, status__in=SCANNING_SIGNUP_STATUSES
    ).exists()


# --- notifications --------------------------------------------------------------------------------


def notifications_for_read(user: AnyUser) -> QuerySet[Notification]:
    """The messages of the organizer's association (and those below it)."""
    return Notification.objects.select_related("event").filter(association_id__in=associations_for_read(user))


def notifications_for_write(user: AnyUser) -> QuerySet[Notification]:
    """The messages an organizer may resend: their own association's."""
    return Notification.objects.select_related("event").filter(association_id__in=associations_for_write(user))


# --- fetchers: the object, or 404 --------------------------------------------------------------------


def access_event_for_read(user: AnyUser, event_id: int) -> Event:
    """The event, if this user may see it; 404 otherwise (never reveal that it exists)."""
    return get_object_or_404(events_for_read(user), pk=event_id)


def access_event_for_write(user: AnyUser, event_id: int) -> Event:
    """The event, if this user may change it. 404 for one they may not see (never reveal that it exists);
    403 for one they see but may not change (a prefecture organizer and its county's event)."""
    event = access_event_for_read(user, event_id)
    if event.association_id not in associations_for_write(user):
        raise PermissionDenied(_("You read this record but may not change it."))
    return event


def access_association_for_read(user: AnyUser, association_id: int) -> Association:
    """An association whose records the organizer reads (their own; a prefecture's also its counties'),
    for reports of its year (the national form); 404 otherwise."""
    return get_object_or_404(Association.objects.filter(id__in=associations_for_read(user)), pk=association_id)


def access_scanned_event(user: AnyUser, event_id: int) -> Event:
    """The event, if this user may check people in at it; 404 otherwise."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or not may_scan(user, event):
        raise Http404
    return event


def access_watched_event(user: AnyUser, event_id: int) -> Event:
    """The event, if this user may read its door's figures; 404 otherwise."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or not may_watch_door(user, event):
        raise Http404
    return event


# --- by model: what the admin limits its forms' choices to (kepu/admin.py) -------------------------------------------

_FOR_READ = {
    Campaign: campaigns_for_read,
    Event: events_for_read,
    Venue: venues_for_read,
    Organization: organizations_for_read,
    Shift: shifts_for_read,
    SignUp: signups_for_read,
    Volunteer: volunteers_for_read,
    Attendee: attendees_for_read,
    Registration: registrations_for_read,
    CheckIn: checkins_for_read,
    ScanLog: scan_logs_for_read,
    Headcount: headcounts_for_read,
    PosterCode: poster_codes_for_read,
    Notification: notifications_for_read,
    EventEvidence: evidence_for_read,
    Site: sites_for_read,
    # media and contests (outreach)
    MediaColumn: media_columns_for_read,
    NewsReport: news_reports_for_read,
    Contest: contests_for_read,
    DemonstrationBase: bases_for_read,
    FundingRecord: funding_for_read,
}
_FOR_WRITE = {
    Campaign: campaigns_for_write,
    Event: events_for_write,
    Venue: venues_for_write,
    Organization: organizations_for_write,
    Shift: shifts_for_write,
    SignUp: signups_for_write,
    Volunteer: volunteers_for_write,
    Attendee: attendees_for_write,
    Registration: registrations_for_write,
    Notification: notifications_for_write,
    Site: sites_for_write,
    # media and contests (outreach)
    MediaColumn: media_columns_for_write,
    NewsReport: news_reports_for_write,
    Contest: contests_for_write,
    DemonstrationBase: bases_for_write,
    FundingRecord: funding_for_write,
}


def for_write(user: AnyUser, model: type[Model]) -> QuerySet | None:
    """The model's write scope for the user: what a form may link to. None for models no association
    owns (regions, skills…): anyone may link to those."""
    scope = _FOR_WRITE.get(model)
    if scope is not None:
        return scope(user)
    if model in _FOR_READ:  # records written only by the services (check-ins, logs): nobody links to them
        return model._default_manager.none()
    return None


# --- reporting up: submissions to the parent association (reporting) ------------------------------
#
# An association submits its own year to its parent; the parent reviews. Organizers read the submissions
# of the associations they read (their own and those below); only the submitting association's organizers
# submit for it, and only the organizers of the association it was submitted to accept or return it.


def submissions_for_read(user: AnyUser) -> QuerySet[Submission]:
    return Submission.objects.select_related("association", "to_association", "campaign", "submitted_by").filter(
        association_id__in=associations_for_read(user)
    )


def submissions_for_review(user: AnyUser) -> QuerySet[Submission]:
    """The submissions handed to the user's own association: what its organizers accept or return."""
    return submissions_for_read(user).filter(to_association_id__in=associations_for_write(user))


def access_submission_for_read(user: AnyUser, submission_id: int) -> Submission:
    return get_object_or_404(submissions_for_read(user), pk=submission_id)


def access_submission_for_review(user: AnyUser, submission_id: int) -> Submission:
    """404 for a submission the user does not read; 403 for one they read but do not review (their own)."""
    submission = access_submission_for_read(user, submission_id)
    if submission.to_association_id not in associations_for_write(user):
        raise PermissionDenied(_("Only the association it was submitted to accepts or returns a submission."))
    return submission


def access_association_for_submit(user: AnyUser, association_id: int) -> Association:
    """The association whose year the user submits: 404 outside their read scope, 403 for one they read
    but do not write (a prefecture organizer for one of its counties)."""
    association = get_object_or_404(Association, pk=association_id, id__in=associations_for_read(user))
    if association.id not in associations_for_write(user):
        raise PermissionDenied(_("Only the association's own organizers submit its figures."))
    return association
