"""Reads of check-in data (what each user may read is kepu/access.py's to say); a scan's reads are
checkin/scan/lookup.py."""

from django.db.models import Count, Q, QuerySet, Sum

from events.models import Event
from kepu import phones

from .models import Attendee, CheckIn, Headcount, Registration, ScanLog, counted_checkins

SEARCH_MIN_CHARS = 2  # a Chinese name is two or three characters
SEARCH_MIN_DIGITS = 4
SEARCH_LIMIT = 10


mask_phone = phones.mask_phone


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
        CheckIn.objects.filter(counted_checkins(), event=event)
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
        # Self check-ins held for an organizer's review: recorded, counted above once accepted.
        "awaiting_review": CheckIn.objects.filter(event=event, awaiting_review=True).count(),
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


def ticket_for_code(code: str) -> Registration | None:
    """The live event registration a ticket link names; whoever holds the code holds the ticket."""
    return (
        Registration.objects.select_related("attendee", "event__venue")
        .filter(code=code, revoked_at__isnull=True, event__isnull=False)
        .first()
    )


# --- the organizer's desk: an event's live attendance ---------------------------------------------

FAILED_SCAN_STATUSES = (
    ScanLog.Status.INVALID,
    ScanLog.Status.WRONG_EVENT,
    ScanLog.Status.REVOKED,
    ScanLog.Status.OUTSIDE_WINDOW,
)


def event_counts_by_group(*, event: Event) -> dict:
    """The counted check-ins of an event by the attendee's category and by their village (the copy on the
    check-in, as the tallies group them), largest first; a village is named with its town."""
    from events.models import Region  # here: the imports at the top are being reorganized on another branch

    grassroots = Region.GRASSROOTS_LEVELS  # a village's parent is its town; a town's is the county
    counted = CheckIn.objects.filter(counted_checkins(), event=event)
    by_category = list(
        counted.values_list("attendee_category").annotate(n=Count("id")).order_by("-n", "attendee_category")
    )
    by_region = list(
        counted.values_list(
            "attendee_region_id", "attendee_region__name", "attendee_region__level", "attendee_region__parent__name"
        )
        .annotate(n=Count("id"))
        .order_by("-n", "attendee_region__name")
    )
    return {
        "by_category": [{"category": category, "count": n} for category, n in by_category],
        "by_region": [
            {"region": region_id, "name": name or "", "town": town if level in grassroots else "", "count": n}
            for region_id, name, level, town, n in by_region
        ],
    }


def checkins_awaiting_review(checkins: QuerySet[CheckIn], *, event: Event) -> QuerySet[CheckIn]:
    """The event's self check-ins held for an organizer's review, oldest first, from `checkins` (the user's
    readable ones: kepu.access.checkins_for_read). The desk's live tab and the API list the same rows."""
    return (
        checkins.filter(event=event, awaiting_review=True)
        .select_related("attendee__region", "phone_conflict_with")
        .order_by("scanned_at", "id")
    )
