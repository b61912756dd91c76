"""Reads of the planning data that are no access rule (who reads and writes what is in kepu/access.py)."""

from django.db.models import QuerySet

from .models import Association, Campaign, Event, Region

PUBLIC_EVENT_STATUSES = (Event.Status.PUBLISHED, Event.Status.DONE)
PUBLIC_CAMPAIGN_STATUSES = (Campaign.Status.PUBLISHED, Campaign.Status.CLOSED)


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


def region_descendant_ids(region: Region) -> list[int]:
    """The region and everything below it (county → towns → villages)."""
    return _subtree_ids(Region, region.id)


def grassroots_regions_of(county: Region) -> QuerySet[Region]:
    """The villages and communities of a county: the denominator of coverage."""
    return Region.objects.filter(id__in=region_descendant_ids(county), level__in=Region.GRASSROOTS_LEVELS)
