"""Reads of the planning data, scoped to what a user may see."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, QuerySet

from .models import Association, Campaign, Event, Organization, Region, Venue

PUBLIC_EVENT_STATUSES = (Event.Status.PUBLISHED, Event.Status.DONE)
PUBLIC_CAMPAIGN_STATUSES = (Campaign.Status.PUBLISHED, Campaign.Status.CLOSED)


def association_of(user: User | AnonymousUser) -> Association | None:
    """The association a user works for as an organizer, or None."""
    if not user.is_authenticated:
        return None
    organizer = getattr(user, "organizer", None)
    return organizer.association if organizer else None


def is_organizer(user: User | AnonymousUser) -> bool:
    return association_of(user) is not None


def _subtree_ids(model: type[Association] | type[Region], root_id: int) -> list[int]:
    """The root and every node below it; the trees are shallow, so one query per level."""
    ids, frontier = [root_id], [root_id]
    while frontier:
        frontier = list(model.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.extend(frontier)
    return ids


def association_subtree_ids(association_id: int) -> list[int]:
    """The association and those below it (a prefecture's counties)."""
    return _subtree_ids(Association, association_id)


def associations_readable_by(user: User | AnonymousUser) -> list[int]:
    """Ids of the associations whose data an organizer reads: their own and those below it."""
    own = association_of(user)
    return association_subtree_ids(own.id) if own else []


def campaigns_visible_to(user: User | AnonymousUser) -> QuerySet[Campaign]:
    campaigns = (
        Campaign.objects.select_related("association", "lead_organization")
        .annotate(event_count=Count("events"))
        .order_by(*Campaign._meta.ordering)  # Meta.ordering is dropped from GROUP BY queries
    )
    if is_organizer(user):
        return campaigns.filter(association_id__in=associations_readable_by(user))
    return campaigns.filter(status__in=PUBLIC_CAMPAIGN_STATUSES)


def events_visible_to(user: User | AnonymousUser) -> QuerySet[Event]:
    events = Event.objects.select_related("association", "campaign", "venue", "venue__region").prefetch_related(
        "partners", "outputs"
    )
    if is_organizer(user):
        return events.filter(association_id__in=associations_readable_by(user))
    return events.filter(status__in=PUBLIC_EVENT_STATUSES).exclude(campaign__status=Campaign.Status.DRAFT)


def venues_visible_to(user: User | AnonymousUser) -> QuerySet[Venue]:
    return Venue.objects.select_related("region").filter(association_id__in=associations_readable_by(user))


def organizations_visible_to(user: User | AnonymousUser) -> QuerySet[Organization]:
    return Organization.objects.select_related("region").filter(association_id__in=associations_readable_by(user))


def region_descendant_ids(region: Region) -> list[int]:
    """The region and everything below it (county → towns → villages)."""
    return _subtree_ids(Region, region.id)


def grassroots_regions_of(county: Region) -> QuerySet[Region]:
    """The villages and communities of a county: the denominator of coverage."""
    return Region.objects.filter(id__in=region_descendant_ids(county), level__in=Region.GRASSROOTS_LEVELS)
