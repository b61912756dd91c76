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

An organizer may also hold only a part of their association (Organizer.town / .organization):

- a *township organizer* plans and runs the events whose venue lies in their township (the town's
  region subtree): creates them at venues there, changes them, staffs them and records their work
  (registrations, check-ins, headcounts, outputs, evidence), reads the venues of the township and the
  association's campaigns and organizations (to plan with them), and sees the township's figures;
- a *partner account* (a department's or society's staff) reads the events its organization
  co-organizes and records their work: registrations, outputs, evidence; it plans nothing.

Neither holds the association's registers (sites, media, contests, bases, funding, volunteers,
notifications), its campaigns' plans or its figures: for them `associations_for_read` and
`associations_for_write` are empty, so every register's queryset is empty, and `holds_association`
keeps them from the views that create such records. The event-bound querysets take their events from
`_events_q` instead. docs/access.md has the table.

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
from events.models import Association, Campaign, Event, EventEvidence, Organization, Organizer, Region, Venue
from events.selectors import (
    PUBLIC_CAMPAIGN_STATUSES,
    PUBLIC_EVENT_STATUSES,
    association_subtree_ids,
    region_descendant_ids,
)
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
    """The association a user works for as an organizer (a scoped one too), or None."""
    organizer = _organizer_of(user)
    return organizer.association if organizer else None


def is_organizer(user: AnyUser) -> bool:
    """Any organizer, a township organizer or a partner account included (each sees its own part)."""
    return _organizer_of(user) is not None


def holds_association(user: AnyUser) -> bool:
    """An organizer of the whole association (neither a township organizer nor a partner account): keeps
    its registers, campaigns and figures, creates records in it."""
    organizer = _organizer_of(user)
    return organizer is not None and not organizer.is_scoped


def township_of(user: AnyUser) -> Region | None:
    """The township a township organizer works for, or None."""
    organizer = _organizer_of(user)
    return organizer.town if organizer and organizer.town_id else None


def may_read_figures(user: AnyUser) -> bool:
    """Who reads the dashboard's figures: organizers of the whole association (its figures, a prefecture
    its counties'), and township organizers (their township's: stats.views reads `township_of`). A partner
    account reads only its events' figures (the event's own page)."""
    organizer = _organizer_of(user)
    return organizer is not None and organizer.organization_id is None


def may_plan_events(user: AnyUser) -> bool:
    """Who creates events: organizers of the whole association and township organizers (at venues of
    their township: venues_for_write); partner accounts do not."""
    organizer = _organizer_of(user)
    return organizer is not None and organizer.organization_id is None


def _township_region_ids(organizer: Organizer) -> list[int]:
    """The township and every place below it; kept on the organizer (the request's user) once read."""
    cached = getattr(organizer, "_township_region_ids", None)
    if cached is None:
        cached = region_descendant_ids(organizer.town) if organizer.town is not None else []
        organizer._township_region_ids = cached  # type: ignore[attr-defined]
    return cached


# --- the two scopes -------------------------------------------------------------------------------


def associations_for_read(user: AnyUser) -> list[int]:
    """Ids of the associations whose data the organizer reads: their own and those below it. None for a
    township organizer or a partner account: they read only their events (`_events_q`)."""
    organizer = _organizer_of(user)
    return association_subtree_ids(organizer.association_id) if organizer and not organizer.is_scoped else []


def associations_for_write(user: AnyUser) -> list[int]:
    """Ids of the associations whose data the organizer changes: their own only (none for a scoped one)."""
    organizer = _organizer_of(user)
    return [organizer.association_id] if organizer and not organizer.is_scoped else []


def _in(path: str, association_ids: list[int]) -> Q:
    return Q(**{f"{path}__in": association_ids})


# What an organizer does with an event's records: reads them, reads its staff (shifts' sign-ups), records
# the event's work (registrations, headcounts, outputs, evidence), or plans and runs the event (its details,
# shifts, staff and door).
READ, READ_STAFF, RECORD, PLAN = "read", "read_staff", "record", "plan"


def _events_q(user: AnyUser, doing: str, prefix: str = "") -> Q:
    """The events the organizer reads, records the work of or plans (`doing`), as a filter reached from
    another model through `prefix` ("event__", "shift__event__"). The one place that says which events a
    township organizer and a partner account hold: their association's events whose venue lies in the
    township (all three), or that the organization co-organizes (read and record; a partner plans
    nothing)."""
    organizer = _organizer_of(user)
    if organizer is None:
        return Q(pk__in=[])
    if organizer.town_id is not None:
        return Q(
            **{
                f"{prefix}association_id": organizer.association_id,
                f"{prefix}venue__region_id__in": _township_region_ids(organizer),
            }
        )
    if organizer.organization_id is not None:
        if doing in (PLAN, READ_STAFF):
            return Q(pk__in=[])
        co_organized = Event.partners.through.objects.filter(organization_id=organizer.organization_id)
        return Q(
            **{
                f"{prefix}association_id": organizer.association_id,
                f"{prefix}id__in": co_organized.values("event_id"),
            }
        )
    reading = doing in (READ, READ_STAFF)
    return _in(f"{prefix}association_id", associations_for_read(user) if reading else associations_for_write(user))


# --- planning: campaigns, events, venues, organizations ------------------------------------------


def campaigns_for_read(user: AnyUser) -> QuerySet[Campaign]:
    campaigns = (
        Campaign.objects.select_related("association", "lead_organization")
        .annotate(event_count=Count("events"))
        .order_by(*(Campaign._meta.ordering or ()))  # Meta.ordering is dropped from GROUP BY queries
    )
    if holds_association(user):
        return campaigns.filter(association_id__in=associations_for_read(user))
    if (organizer := _organizer_of(user)) is not None and organizer.town_id is not None:
        return campaigns.filter(association_id=organizer.association_id)  # to plan the township's events in them
    return campaigns.filter(status__in=PUBLIC_CAMPAIGN_STATUSES)


def campaigns_for_write(user: AnyUser) -> QuerySet[Campaign]:
    return campaigns_for_read(user).filter(association_id__in=associations_for_write(user))


def campaigns_to_plan_in(user: AnyUser) -> QuerySet[Campaign]:
    """The campaigns an organizer puts events in: those they change, and for a township organizer their
    association's (they plan the township's part of the county's campaigns, not the campaigns)."""
    if (organizer := _organizer_of(user)) is not None and organizer.town_id is not None:
        return campaigns_for_read(user)
    return campaigns_for_write(user)


def events_for_read(user: AnyUser) -> QuerySet[Event]:
    events = Event.objects.select_related("association", "campaign", "venue", "venue__region").prefetch_related(
        "partners", "outputs"
    )
    if is_organizer(user):
        return events.filter(_events_q(user, READ))
    return events.filter(status__in=PUBLIC_EVENT_STATUSES).exclude(campaign__status=Campaign.Status.DRAFT)


def events_for_write(user: AnyUser) -> QuerySet[Event]:
    """The events whose plan the organizer changes: details, shifts, staff, cancelling, the door."""
    return events_for_read(user).filter(_events_q(user, PLAN))


def events_for_records(user: AnyUser) -> QuerySet[Event]:
    """The events whose work the organizer records: registrations, headcounts, outputs, evidence. The
    write scope, and for a partner account the events its organization co-organizes."""
    return events_for_read(user).filter(_events_q(user, RECORD))


def may_write(user: AnyUser, record: Any) -> bool:
    """Whether the user changes this record (an event: plans it; another record with an `association_id`:
    their own association's), or at most reads it. For pages that show or hide their write buttons; writes
    still go through *_for_write."""
    if isinstance(record, Event):
        return _holds_event(user, record, PLAN)
    return record.association_id in associations_for_write(user)


def may_record(user: AnyUser, event: Event) -> bool:
    """Whether the user records this event's work (registrations, headcounts, outputs, evidence)."""
    return _holds_event(user, event, RECORD)


def _holds_event(user: AnyUser, event: Event, doing: str) -> bool:
    organizer = _organizer_of(user)
    if organizer is None:
        return False
    if not organizer.is_scoped:  # no query: the association decides
        reading = doing in (READ, READ_STAFF)
        return event.association_id in (associations_for_read(user) if reading else associations_for_write(user))
    return Event.objects.filter(_events_q(user, doing), pk=event.pk).exists()


def _venues_q(user: AnyUser, *, write: bool) -> Q:
    """A township organizer holds the venues of their township (to plan events there); a partner none."""
    organizer = _organizer_of(user)
    if organizer is not None and organizer.town_id is not None:
        return Q(association_id=organizer.association_id, region_id__in=_township_region_ids(organizer))
    return _in("association_id", associations_for_write(user) if write else associations_for_read(user))


def venues_for_read(user: AnyUser) -> QuerySet[Venue]:
    return Venue.objects.select_related("region").filter(_venues_q(user, write=False))


def venues_for_write(user: AnyUser) -> QuerySet[Venue]:
    """The venues an organizer changes and plans events at (a township organizer: those of the township)."""
    return Venue.objects.select_related("region").filter(_venues_q(user, write=True))


def _organizations_q(user: AnyUser, *, write: bool) -> Q:
    """A township organizer links the association's organizations to its events (as partners, schools);
    a partner account its own organization. Neither changes them: their API and admin keep to
    `holds_association`."""
    organizer = _organizer_of(user)
    if organizer is not None and organizer.town_id is not None:
        return Q(association_id=organizer.association_id)
    if organizer is not None and organizer.organization_id is not None:
        return Q(pk=organizer.organization_id)
    return _in("association_id", associations_for_write(user) if write else associations_for_read(user))


def organizations_for_read(user: AnyUser) -> QuerySet[Organization]:
    return Organization.objects.select_related("region").filter(_organizations_q(user, write=False))


def organizations_for_write(user: AnyUser) -> QuerySet[Organization]:
    return Organization.objects.select_related("region").filter(_organizations_q(user, write=True))


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
    return EventEvidence.objects.select_related("event").filter(_events_q(user, READ, "event__"))


def evidence_for_write(user: AnyUser) -> QuerySet[EventEvidence]:
    return evidence_for_read(user).filter(_events_q(user, RECORD, "event__"))


# --- volunteers: shifts, sign-ups, volunteers ------------------------------------------------------


def shifts_for_read(user: AnyUser) -> QuerySet[Shift]:
    """Organizers: their associations' shifts. Everyone else: the shifts of public events (to sign up)."""
    shifts = Shift.objects.select_related("event", "event__venue", "event__venue__region").prefetch_related(
        "required_skills"
    )
    if is_organizer(user):
        return shifts.filter(_events_q(user, READ_STAFF, "event__"))
    return shifts.filter(event__status__in=PUBLIC_EVENT_STATUSES).exclude(event__campaign__status="draft")


def shifts_for_write(user: AnyUser) -> QuerySet[Shift]:
    """The shifts an organizer plans and staffs: those of the events they plan."""
    return shifts_for_read(user).filter(_events_q(user, PLAN, "event__"))


def signups_for_read(user: AnyUser) -> QuerySet[SignUp]:
    """Organizers: their associations' sign-ups. A volunteer: their own. Anyone else: none."""
    signups = SignUp.objects.select_related("shift", "shift__event", "shift__event__venue", "volunteer")
    if is_organizer(user):
        return signups.filter(_events_q(user, READ_STAFF, "shift__event__"))
    if user.is_authenticated:
        return signups.filter(volunteer__user=user)
    return signups.none()


def signups_for_write(user: AnyUser) -> QuerySet[SignUp]:
    """Organizers: the sign-ups of the events they plan. A volunteer: their own (to cancel them)."""
    if is_organizer(user):
        return signups_for_read(user).filter(_events_q(user, PLAN, "shift__event__"))
    return signups_for_read(user)


def volunteers_for_read(user: AnyUser) -> QuerySet[Volunteer]:
    volunteers = Volunteer.objects.select_related("home_region").prefetch_related("skills", "organizations")
    if (organizer := _organizer_of(user)) is not None and organizer.town_id is not None:
        return volunteers.filter(association_id=organizer.association_id)  # the county's pool staffs its events
    if is_organizer(user):
        return volunteers.filter(association_id__in=associations_for_read(user))
    if user.is_authenticated:
        return volunteers.filter(user=user)
    return volunteers.none()


def volunteers_for_write(user: AnyUser) -> QuerySet[Volunteer]:
    """The volunteers an organizer changes: their own association's."""
    return volunteers_for_read(user).filter(association_id__in=associations_for_write(user))


def volunteers_to_staff(user: AnyUser) -> QuerySet[Volunteer]:
    """The volunteers an organizer puts on the shifts they plan: those they change, and for a township
    organizer the association's pool (whose records they read but do not change)."""
    if (organizer := _organizer_of(user)) is not None and organizer.town_id is not None:
        return volunteers_for_read(user)
    return volunteers_for_write(user)


# --- check-in -----------------------------------------------------------------------------------


def _scoped_attendees(user: AnyUser, doing: str) -> QuerySet[Attendee]:
    """A scoped organizer's attendees: the people registered or checked in at their events, not the
    association's whole list of people."""
    return Attendee.objects.filter(
        Q(id__in=Registration.objects.filter(_events_q(user, doing, "event__")).values("attendee_id"))
        | Q(id__in=CheckIn.objects.filter(_events_q(user, doing, "event__")).values("attendee_id"))
    )


def attendees_for_read(user: AnyUser) -> QuerySet[Attendee]:
    if (organizer := _organizer_of(user)) is not None and organizer.is_scoped:
        return _scoped_attendees(user, READ)
    return Attendee.objects.filter(association_id__in=associations_for_read(user))


def volunteer_invitations_for_read(user: AnyUser) -> QuerySet[VolunteerInvitation]:
    """Invitations sent to phone numbers (masked wherever shown), newest first."""
    return VolunteerInvitation.objects.filter(association_id__in=associations_for_read(user)).order_by(
        "-created_at", "-id"
    )


def attendees_for_write(user: AnyUser) -> QuerySet[Attendee]:
    if (organizer := _organizer_of(user)) is not None and organizer.is_scoped:
        return _scoped_attendees(user, RECORD)
    return Attendee.objects.filter(association_id__in=associations_for_write(user))


def _registrations_of(association_ids: list[int]) -> QuerySet[Registration]:
    # A registration is for an event or, for a whole campaign, for the campaign.
    return Registration.objects.select_related("attendee", "event", "campaign").filter(
        _in("event__association_id", association_ids) | _in("campaign__association_id", association_ids)
    )


def _scoped_registrations(user: AnyUser, doing: str) -> QuerySet[Registration]:
    # A scoped organizer holds the registrations of their events, none for a whole campaign (the county's).
    return Registration.objects.select_related("attendee", "event", "campaign").filter(
        _events_q(user, doing, "event__")
    )


def registrations_for_read(user: AnyUser) -> QuerySet[Registration]:
    if (organizer := _organizer_of(user)) is not None and organizer.is_scoped:
        return _scoped_registrations(user, READ)
    return _registrations_of(associations_for_read(user))


def registrations_for_write(user: AnyUser) -> QuerySet[Registration]:
    if (organizer := _organizer_of(user)) is not None and organizer.is_scoped:
        return _scoped_registrations(user, RECORD)
    return _registrations_of(associations_for_write(user))


def checkins_for_read(user: AnyUser) -> QuerySet[CheckIn]:
    return CheckIn.objects.select_related("attendee").filter(_events_q(user, READ, "event__"))


def checkins_for_write(user: AnyUser) -> QuerySet[CheckIn]:
    """The check-ins an organizer reviews: those of the events whose door they run."""
    return CheckIn.objects.select_related("attendee", "event").filter(_events_q(user, PLAN, "event__"))


def scan_logs_for_read(user: AnyUser) -> QuerySet[ScanLog]:
    return ScanLog.objects.filter(_events_q(user, READ, "event__"))


def headcounts_for_read(user: AnyUser) -> QuerySet[Headcount]:
    return Headcount.objects.filter(_events_q(user, READ, "event__"))


def poster_codes_for_read(user: AnyUser) -> QuerySet[PosterCode]:
    return PosterCode.objects.filter(_events_q(user, READ, "event__"))


def may_scan(user: AnyUser, event: Event, *, on_duty: bool | None = None) -> bool:
    """Who checks people in at the event's door (scans, headcounts, annulments): organizers of the
    event's own association and volunteers on duty at the event. A prefecture's organizers read a
    county's figures but do not scan for it.

    `on_duty`, when the caller already read it (see checkin.scan.lookup.scan_lookup), saves a query.
    """
    if not user.is_authenticated:
        return False
    if _holds_event(user, event, PLAN):  # a township organizer at their township's event too
        return True
    if on_duty is not None:
        return on_duty
    return on_duty_at(user, event.id)


def may_watch_door(user: AnyUser, event: Event) -> bool:
    """Who reads the door's live figures and searches its list: its scanners and the organizers who read
    the event (a prefecture its counties')."""
    return _holds_event(user, event, READ) or may_scan(user, event)


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
    if not _holds_event(user, event, PLAN):
        raise PermissionDenied(_("You read this record but may not change it."))
    return event


def access_event_staff(user: AnyUser, event_id: int) -> Event:
    """The event, if this user reads its staff (shifts' rosters, volunteers' names and phones); 404 otherwise
    (a partner account reads its co-organized events but not their volunteers)."""
    return get_object_or_404(events_for_read(user).filter(_events_q(user, READ_STAFF)), pk=event_id)


def access_event_for_records(user: AnyUser, event_id: int) -> Event:
    """The event, if this user may record its work (registrations, headcounts, outputs, evidence): 404 for
    one they may not see, 403 for one they only read. A partner account gets its co-organized events."""
    event = access_event_for_read(user, event_id)
    if not _holds_event(user, event, RECORD):
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
