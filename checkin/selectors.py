"""Reads of check-in data, scoped to what a user may see."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet, Sum

from events.models import Event
from events.selectors import associations_readable_by

from .models import Attendee, CheckIn, Headcount, Registration, ScanLog

SEARCH_MIN_CHARS = 2  # a Chinese name is two or three characters
SEARCH_MIN_DIGITS = 4
SEARCH_LIMIT = 10
# Sign-up states of a volunteer who is on duty at the event and may scan its attendees.
SCANNING_SIGNUP_STATUSES = ("confirmed", "attended")


def events_organized_by(user: User | AnonymousUser) -> QuerySet[Event]:
    """Events whose registrations, check-ins and logs the user manages (organizers of the association or above)."""
    return Event.objects.filter(association_id__in=associations_readable_by(user))


def may_scan(user: User | AnonymousUser, event: Event) -> bool:
    """Organizers of the event's association (or above it), and volunteers on duty at the event."""
    if not user.is_authenticated:
        return False
    organizer = getattr(user, "organizer", None)
    if organizer is not None and (
        organizer.association_id == event.association_id or event.association_id in associations_readable_by(user)
    ):
        return True
    # The volunteers app owns sign-ups; a confirmed or attended sign-up for a shift of
    # this event makes the volunteer part of the event's staff.
    from volunteers.models import SignUp

    return SignUp.objects.filter(
        shift__event_id=event.id, volunteer__user_id=user.pk, status__in=SCANNING_SIGNUP_STATUSES
    ).exists()


def registrations_visible_to(user: User | AnonymousUser) -> QuerySet[Registration]:
    ids = associations_readable_by(user)
    return Registration.objects.select_related("attendee", "event", "campaign").filter(
        Q(event__association_id__in=ids) | Q(campaign__association_id__in=ids)
    )


def checkins_visible_to(user: User | AnonymousUser) -> QuerySet[CheckIn]:
    return CheckIn.objects.select_related("attendee").filter(event__association_id__in=associations_readable_by(user))


def scan_logs_visible_to(user: User | AnonymousUser) -> QuerySet[ScanLog]:
    return ScanLog.objects.filter(event__association_id__in=associations_readable_by(user))


def mask_phone(phone: str) -> str:
    """+8613812345678 → 138****5678: enough to tell two people apart at the door, not to call them."""
    digits = phone.removeprefix("+86")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def attendees_search(*, event: Event, query: str) -> list[dict]:
    """People registered for the event (or its campaign) matching a few characters of name or phone.

    Needs at least two characters of a name or four digits of a phone, answers
    at most ten people, with masked phones: the door never lists everyone.
    """
    query = query.strip()
    digits = query.lstrip("+")
    if digits.isdigit():
        if len(digits) < SEARCH_MIN_DIGITS:
            return []
        match = Q(attendee__phone__contains=digits)
    else:
        if len(query) < SEARCH_MIN_CHARS:
            return []
        match = Q(attendee__name__icontains=query)
    for_event = Q(event_id=event.id)
    if event.campaign_id:
        for_event |= Q(campaign_id=event.campaign_id)
    registrations = (
        Registration.objects.filter(for_event, match, revoked_at__isnull=True)
        .select_related("attendee")
        .order_by("attendee__name", "id")[:SEARCH_LIMIT]
    )
    checked_in = set(
        CheckIn.objects.filter(
            event=event, annulled_at__isnull=True, attendee_id__in=[r.attendee_id for r in registrations]
        ).values_list("attendee_id", flat=True)
    )
    return [
        {
            "name": r.attendee.name,
            "phone": mask_phone(r.attendee.phone),
            "category": r.attendee.category,
            "code": r.code,
            "checked_in": r.attendee_id in checked_in,
        }
        for r in registrations
    ]


def event_counts(*, event: Event) -> dict:
    """Live counts for the door and the organizer: identified check-ins (by method) and headcounts, kept apart."""
    by_method = dict(
        CheckIn.objects.filter(event=event, annulled_at__isnull=True)
        .values_list("method")
        .annotate(n=Count("id"))
        .values_list("method", "n")
    )
    headcounts = Headcount.objects.filter(event=event).aggregate(total=Sum("count"), entries=Count("id"))
    checked_in = sum(by_method.values())
    return {
        "event": event.id,
        "checked_in": checked_in,
        "by_method": by_method,
        "registered": Registration.objects.filter(event=event, revoked_at__isnull=True).count(),
        "headcount": headcounts["total"] or 0,
        "headcount_entries": headcounts["entries"],
        "person_times": checked_in + (headcounts["total"] or 0),
        "failed_scans": ScanLog.objects.filter(
            event=event,
            status__in=[
                ScanLog.Status.INVALID,
                ScanLog.Status.WRONG_EVENT,
                ScanLog.Status.REVOKED,
                ScanLog.Status.OUTSIDE_WINDOW,
            ],
        ).count(),
    }


def attendee_of_association(*, attendee_id: int, association_id: int) -> Attendee | None:
    return Attendee.objects.filter(id=attendee_id, association_id=association_id).first()
