"""Choosing a place, town first (kepu/widgets.py): villages of the same name stay apart by their town."""

import re

import pytest
from django import forms

from events.models import Region, Venue
from kepu.widgets import TownVillageField, TownVillageMultipleField
from tests.factories import CountyFactory, TownFactory, VenueFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    """Two towns, each with a 上寨村: the demo county's trap."""
    county = CountyFactory()
    east, west = TownFactory(parent=county, name="东镇"), TownFactory(parent=county, name="西镇")
    VillageFactory(parent=east, name="上寨村"), VillageFactory(parent=west, name="上寨村")
    VillageFactory(parent=west, name="下寨村")
    return county


def regions_of(county):
    return Region.objects.filter(parent__parent=county) | Region.objects.filter(parent=county)


class PlaceForm(forms.Form):
    region = TownVillageField(allow_town=True, required=False)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


def test_villages_are_grouped_by_town_so_a_repeated_name_is_told_apart(county):
    html = str(PlaceForm(regions=regions_of(county))["region"])
    groups = re.findall(r'<optgroup label="([^"]+)" data-town="(\d+)">', html)
    assert [label for label, _ in groups] == ["东镇", "西镇"]
    assert html.count(">上寨村</option>") == 2
    # The towns are the first select's options, not villages of the second.
    town_select = html.split("data-town-select>")[1].split("</select>")[0]
    assert "东镇" in town_select and "西镇" in town_select and "上寨村" not in town_select


def test_a_village_chosen_is_the_answer_and_its_town_is_shown_selected(county):
    village = Region.objects.get(parent__name="西镇", name="上寨村")
    form = PlaceForm({"region": village.pk, "region__town": village.parent_id}, regions=regions_of(county))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] == village
    html = str(form["region"])
    assert f'<option value="{village.parent_id}" selected>西镇</option>' in html
    assert f'<option value="{village.pk}" selected>上寨村</option>' in html


def test_the_town_alone_is_an_answer_where_the_field_allows_it(county):
    town = Region.objects.get(name="东镇")
    form = PlaceForm({"region": "", "region__town": town.pk}, regions=regions_of(county))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] == town


def test_without_allow_town_a_town_alone_is_no_answer(county):
    class VillageForm(forms.Form):
        region = TownVillageField(required=False)

    form = VillageForm({"region__town": Region.objects.get(name="东镇").pk})
    form.fields["region"].queryset = Region.objects.filter(level=Region.Level.VILLAGE)
    assert form.is_valid() and form.cleaned_data["region"] is None


def test_venues_are_grouped_by_their_villages_town(county):
    west_village = Region.objects.get(parent__name="西镇", name="下寨村")
    venue = VenueFactory(region=west_village, name="下寨村村委会")

    class VenueForm(forms.Form):
        venue = TownVillageField(queryset=Venue.objects.all())

    html = str(VenueForm()["venue"])
    assert re.search(rf'<optgroup label="西镇" data-town="\d+">\s*<option value="{venue.pk}">下寨村村委会', html)


def test_several_places_at_once_as_checkboxes_grouped_by_town(county):
    villages = Region.objects.filter(level=Region.Level.VILLAGE)

    class ManyForm(forms.Form):
        villages = TownVillageMultipleField(queryset=Region.objects.none())

    form = ManyForm({"villages": [v.pk for v in villages[:2]]})
    form.fields["villages"].queryset = villages
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["villages"]) == 2
    html = str(form["villages"])
    assert html.count("<fieldset data-town=") == 2 and html.count(" checked>") == 2


def test_the_widget_brings_its_script_as_a_static_file():
    assert "kepu/town_village.js" in str(TownVillageField().widget.media)


def test_no_category_is_preset_on_a_persons_form(client):
    from checkin.forms import SelfCheckInForm
    from tests.factories import UserFactory

    html = str(SelfCheckInForm()["category"])
    assert '<option value="" selected>' in html
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/checkin/attendee/add/").content.decode()
    category = page.split('name="category"')[1].split("</select>")[0]
    assert '<option value="" selected>' in category
