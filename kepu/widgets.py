"""Choosing a place: the town first, then its village or community.

A county has a dozen towns and some 150 villages whose names repeat from town to town (上寨村 twelve
times in the demo county), and the village feeds the coverage figure: a flat list of villages makes a
wrong pick a wrong figure. These fields show a town select and, next to it, the villages (or venues)
grouped by town in `<optgroup label="town">`:

- without JavaScript, the groups alone say which 上寨村 is which;
- with kepu/static/kepu/town_village.js (a static file: the CSP allows no inline script), choosing a
  town leaves only that town's villages in the second select.

Use `TownVillageField` for one place (a Region or a Venue queryset) and `TownVillageMultipleField` for
several (checkboxes grouped by town, e.g. copying a 三下乡 trip to several villages). Templates must
render the form's media (`{{ form.media }}`) or include kepu/town_village.js themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Region

if TYPE_CHECKING:
    from django.utils.choices import _Choices

TOWN_SUFFIX = "__town"


def town_of_region(region: Region | None) -> Region | None:
    """The town a region belongs to: itself for a town, its parent for a village or community."""
    if region is None:
        return None
    if region.level == Region.Level.TOWN:
        return region
    if region.level in Region.GRASSROOTS_LEVELS and region.parent is not None:
        return region.parent if region.parent.level == Region.Level.TOWN else None
    return None


def _region_itself(obj):
    return obj


def _region_of_venue(obj):
    return obj.region


@dataclass
class _Group:
    town_id: str
    label: str
    options: list = field(default_factory=list)


class _TownGrouping:
    """What both widgets share: the choices grouped by town, and the town select's options."""

    js = "kepu/town_village.js"
    choices: "_Choices"  # the choice widget's this mixes into (forms.Select, forms.CheckboxSelectMultiple)
    region_of: Callable = staticmethod(_region_itself)
    allow_town = False  # the town alone is an answer when no village is chosen (e.g. "town or village")
    town_label = _("Town")
    all_towns_label = _("All towns")
    other_label = _("County seat and other places")

    @property
    def media(self):
        return forms.Media(js=[self.js])

    def _grouped(self, selected: set[str]):
        towns: dict[str, str] = {}  # id → name
        groups: dict[str, _Group] = {}
        selected_towns: set[str] = set()
        empty = None
        for value, label in self.choices:
            if value == "" or value is None:
                empty = label
                continue
            obj = getattr(value, "instance", None)
            region = self.region_of(obj) if obj is not None else None
            town = town_of_region(region)
            key = str(value)
            if self.allow_town and region is not None and region.level == Region.Level.TOWN and obj is region:
                towns[key] = str(label)  # the town itself: chosen with the town select
                if key in selected:
                    selected_towns.add(key)
                continue
            if obj is not region and region is not None and region.level in Region.GRASSROOTS_LEVELS:
                # A venue: its village said too, unless its name says it (县图书馆 → 县图书馆（人民路社区）).
                label = label if region.name in str(label) else f"{label}（{region.name}）"
            town_id = str(town.pk) if town else ""
            if town:
                towns.setdefault(town_id, town.name)
            group = groups.setdefault(town_id, _Group(town_id, town.name if town else str(self.other_label)))
            group.options.append({"value": key, "label": label, "selected": key in selected})
            if key in selected and town:
                selected_towns.add(town_id)
        ordered = sorted((g for g in groups.values() if g.town_id), key=lambda g: g.label)
        ordered += [g for g in groups.values() if not g.town_id]
        town_options = [
            {"value": pk, "label": name, "selected": pk in selected_towns}
            for pk, name in sorted(towns.items(), key=lambda item: item[1])
        ]
        return empty, ordered, town_options

    def _town_context(self, context, name, value):
        values = value if isinstance(value, list | tuple) else [value]
        selected = {str(v) for v in values if v not in (None, "")}
        empty, groups, towns = self._grouped(selected)
        widget = context["widget"]
        widget.update(
            empty_label=empty,
            groups=groups,
            towns=towns,
            town_name=name + TOWN_SUFFIX,
            town_label=self.town_label,
            all_towns_label=self.all_towns_label,
            allow_town=self.allow_town,
        )
        return context


class TownVillageSelect(_TownGrouping, forms.Select):
    """A town select, then the villages (or venues) grouped by town."""

    template_name = "kepu/widgets/town_village_select.html"

    def get_context(self, name, value, attrs):
        return self._town_context(super().get_context(name, value, attrs), name, value)

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if not value and self.allow_town:
            value = data.get(name + TOWN_SUFFIX)
        return value

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + TOWN_SUFFIX not in data


class TownVillageCheckboxes(_TownGrouping, forms.CheckboxSelectMultiple):
    """A town filter, then a fieldset of checkboxes per town: several villages or venues at once."""

    template_name = "kepu/widgets/town_village_checkboxes.html"

    def get_context(self, name, value, attrs):
        return self._town_context(super().get_context(name, value, attrs), name, value)


class _TownFieldMixin:
    def _set_up(self, region_of, allow_town):
        if region_of is not None:
            self.widget.region_of = region_of
        elif self.queryset is not None and self.queryset.model.__name__ == "Venue":
            self.widget.region_of = _region_of_venue
        self.widget.allow_town = allow_town

    def _set_queryset(self, queryset):
        # Villages are grouped by their town and venues by their region's town: one query, not one per option.
        if queryset is not None:
            model = queryset.model
            if model is Region:
                queryset = queryset.select_related("parent")
            elif any(f.name == "region" for f in model._meta.fields):
                queryset = queryset.select_related("region__parent")
            if getattr(self.widget, "region_of", None) is _region_itself and model.__name__ == "Venue":
                self.widget.region_of = _region_of_venue
        super()._set_queryset(queryset)

    # Ignored: django-stubs 6.1.2 declare ModelChoiceField.queryset a plain attribute and leave out its getter,
    # _get_queryset, which Django's queryset property is made of
    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined]


class TownVillageField(_TownFieldMixin, forms.ModelChoiceField):
    """One place, town first. `queryset`: regions (villages, communities, and towns with allow_town) or venues.

    `allow_town=True`: the town alone is an answer when no village is chosen (the self check-in's
    "town or village"); the queryset then holds the towns too.
    """

    widget = TownVillageSelect

    def __init__(self, queryset=None, *, allow_town: bool = False, region_of: Callable | None = None, **kwargs):
        if queryset is None:
            queryset = Region.objects.none()
        super().__init__(queryset, **kwargs)
        self._set_up(region_of, allow_town)


class TownVillageMultipleField(_TownFieldMixin, forms.ModelMultipleChoiceField):
    """Several places, as checkboxes grouped by town with a town filter."""

    widget = TownVillageCheckboxes

    def __init__(self, queryset=None, *, region_of: Callable | None = None, **kwargs):
        if queryset is None:
            queryset = Region.objects.none()
        super().__init__(queryset, **kwargs)
        self._set_up(region_of, False)
