"""Reads of the planning data that are no access rule (who reads and writes what is in kepu/access.py)."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

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


def region_subtree_ids(region_id: int) -> list[int]:
    """As region_descendant_ids, from the region's id."""
    return _subtree_ids(Region, region_id)


def grassroots_regions_of(county: Region) -> QuerySet[Region]:
    """The villages and communities of a county: the denominator of coverage."""
    return Region.objects.filter(id__in=region_descendant_ids(county), level__in=Region.GRASSROOTS_LEVELS)


class PlaceNames:
    """A county's places as a list or a paper sheet names them. A county has several villages of one name
    (上寨村 in twelve towns), so a village is told with its town — "上寨村（城关镇）" or "城关镇 · 上寨村" —
    and a bare name is taken only when one place has it. `levels`: the kinds of place a name may be
    (default: every place below the county, towns included)."""

    def __init__(self, county: Region, *, levels: tuple[str, ...] | None = None):
        places = Region.objects.filter(id__in=region_descendant_ids(county)).exclude(id=county.id)
        if levels is not None:
            places = places.filter(level__in=levels)
        self.by_label: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        for place in places.select_related("parent").order_by("parent__name", "name"):
            self.by_name.setdefault(place.name, []).append(place)
            if place.parent is not None and place.level in Region.GRASSROOTS_LEVELS:
                for label in (
                    self.label(place),
                    f"{place.name}({place.parent.name})",
                    f"{place.parent.name} · {place.name}",
                ):
                    self.by_label[label] = place

    @staticmethod
    def label(place: Region) -> str:
        return f"{place.name}（{place.parent.name}）" if place.parent is not None else place.name

    def find(self, text: str) -> Region:
        """The place the text names; ValidationError (in the user's language) when none or several do."""
        text = text.strip()
        if text in self.by_label:
            return self.by_label[text]
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationError(
                _("Several villages are called “%(name)s”: choose the one with its town.") % {"name": text}
            )
        raise ValidationError(_("No village or community of the county is called “%(name)s”.") % {"name": text})
