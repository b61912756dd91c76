"""Organizations over time through the API: founding and dissolution, members by year, dated support."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from events.models import OrganizationMembership
from stats.models import TallyMarker
from tests.factories import AssociationFactory, OrganizationFactory, OrganizerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(organizer):
    api = APIClient()
    api.force_authenticate(organizer)
    return api


def test_members_are_entered_year_by_year_and_a_year_is_corrected_not_overwritten(client, association):
    organization = OrganizationFactory(association=association, founded_on=date(2010, 1, 1))
    url = f"/api/v1/organizations/{organization.id}/memberships/"

    assert client.post(url, {"year": 2024, "members": 100}, format="json").status_code == 201
    assert client.post(url, {"year": 2025, "members": 120}, format="json").status_code == 201
    assert client.post(url, {"year": 2025, "members": 125}, format="json").status_code == 201

    entries = client.get(f"/api/v1/organizations/{organization.id}/").json()["memberships"]
    assert entries == [{"year": 2025, "members": 125}, {"year": 2024, "members": 100}]


def test_members_before_the_founding_year_are_refused(client, association):
    organization = OrganizationFactory(association=association, founded_on=date(2020, 5, 1))
    response = client.post(
        f"/api/v1/organizations/{organization.id}/memberships/", {"year": 2019, "members": 5}, format="json"
    )
    assert response.status_code == 400 and "year" in response.json()
    assert not OrganizationMembership.objects.exists()


def test_an_organization_is_dissolved_after_it_was_founded(client, association):
    organization = OrganizationFactory(association=association, founded_on=date(2020, 5, 1))
    url = f"/api/v1/organizations/{organization.id}/"

    assert client.patch(url, {"dissolved_on": "2019-01-01"}, format="json").status_code == 400
    assert client.patch(url, {"dissolved_on": "2025-07-01"}, format="json").status_code == 200
    assert client.get(url).json()["dissolved_on"] == "2025-07-01"


def test_support_is_a_dated_record_and_asks_for_the_years_tallies(client, association):
    organization = OrganizationFactory(association=association)
    response = client.post(
        f"/api/v1/organizations/{organization.id}/supports/",
        {"kind": "leader_training", "date": "2025-05-01", "note": "理事长培训"},
        format="json",
    )

    assert response.status_code == 201
    assert client.get(f"/api/v1/organizations/{organization.id}/").json()["supports"][0]["kind"] == "leader_training"
    assert TallyMarker.objects.filter(key__startswith=f"period:{association.id}:2025-01-01").exists()


def test_another_countys_organizer_cannot_enter_members(association):
    organization = OrganizationFactory(association=association)
    other = APIClient()
    other.force_authenticate(OrganizerFactory(association=AssociationFactory()).user)
    response = other.post(
        f"/api/v1/organizations/{organization.id}/memberships/", {"year": 2025, "members": 5}, format="json"
    )
    assert response.status_code == 404


def _admin_form(organization, memberships=(), supports=()) -> dict:
    data = {
        "name": organization.name,
        "kind": organization.kind,
        "founded_on": "",
        "dissolved_on": "",
        "region": "",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": "0",
        "supports-TOTAL_FORMS": str(len(supports)),
        "supports-INITIAL_FORMS": "0",
    }
    for i, (year, members) in enumerate(memberships):
        data |= {f"memberships-{i}-year": str(year), f"memberships-{i}-members": str(members)}
    for i, (kind, day) in enumerate(supports):
        data |= {f"supports-{i}-kind": kind, f"supports-{i}-date": day}
    return data


def test_an_organizer_enters_members_and_support_in_the_admin_and_a_prefecture_only_reads_them(association):
    from django.test import Client

    from events.models import OrganizationSupport

    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    organization = OrganizationFactory(association=association)
    url = f"/admin/events/organization/{organization.id}/change/"
    own = Client()
    own.force_login(OrganizerFactory(association=association).user)

    page = own.get(url)
    response = own.post(url, _admin_form(organization, [(2025, 88)], [("charter", "2025-03-01")]))

    assert "memberships-TOTAL_FORMS" in page.content.decode()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert OrganizationMembership.objects.get(organization=organization, year=2025).members == 88
    assert OrganizationSupport.objects.filter(organization=organization, kind="charter").exists()
    assert TallyMarker.objects.filter(key__startswith=f"period:{association.id}:2025-01-01").exists()

    reader = Client()
    reader.force_login(OrganizerFactory(association=prefecture).user)
    assert reader.get(url).status_code == 200
    reader.post(url, _admin_form(organization, [(2024, 1)]))
    assert not OrganizationMembership.objects.filter(organization=organization, year=2024).exists()
