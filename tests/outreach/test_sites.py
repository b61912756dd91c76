"""The register of sites over the API and from Excel: scoped per association, all or nothing, repeatable."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from rest_framework.test import APIClient

from outreach.models import Site, SiteBooks
from tests.factories import (
    AssociationFactory,
    OrganizerFactory,
    SiteFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(association):
    town = TownFactory(parent=association.region, name="东关镇")
    return {"town": town, "village": VillageFactory(parent=town, name="桥头村")}


@pytest.fixture
def client(organizer):
    api = APIClient()
    api.force_authenticate(organizer)
    return api


def _xlsx(rows) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    data.name = "sites.xlsx"
    return data


def test_an_organizer_registers_a_site_with_its_repairs_and_books(client, association, county):
    created = client.post(
        "/api/v1/sites/",
        {"name": "桥头村图书室", "kind": "reading_room", "region": county["village"].id, "built_on": "2015-03-01"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    site_id = created.json()["id"]

    assert (
        client.post(f"/api/v1/sites/{site_id}/repairs/", {"repaired_on": "2025-08-01"}, format="json").status_code
        == 201
    )
    assert (
        client.post(f"/api/v1/sites/{site_id}/books/", {"year": 2025, "books": 900}, format="json").status_code == 201
    )
    # A second entry for the same year corrects it; another year is another entry.
    client.post(f"/api/v1/sites/{site_id}/books/", {"year": 2025, "books": 950}, format="json")
    client.post(f"/api/v1/sites/{site_id}/books/", {"year": 2024, "books": 800}, format="json")

    site = client.get(f"/api/v1/sites/{site_id}/").json()
    assert site["repairs"][0]["repaired_on"] == "2025-08-01"
    assert site["book_counts"] == [{"year": 2025, "books": 950}, {"year": 2024, "books": 800}]
    assert Site.objects.get(id=site_id).association == association


def test_a_site_outside_the_county_or_retired_before_it_was_built_is_refused(client, county):
    elsewhere = VillageFactory()
    response = client.post(
        "/api/v1/sites/", {"name": "外县橱窗", "kind": "window", "region": elsewhere.id}, format="json"
    )
    assert response.status_code == 400 and "region" in response.json()
    response = client.post(
        "/api/v1/sites/",
        {
            "name": "旧橱窗",
            "kind": "window",
            "region": county["village"].id,
            "built_on": "2020-01-01",
            "retired_on": "2019-01-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "retired_on" in response.json()


def test_a_repair_before_the_site_was_built_is_refused(client, association, county):
    site = SiteFactory(association=association, region=county["village"], built_on=date(2024, 5, 1))
    response = client.post(f"/api/v1/sites/{site.id}/repairs/", {"repaired_on": "2023-01-01"}, format="json")
    assert response.status_code == 400 and "repaired_on" in response.json()


def test_another_countys_organizer_neither_sees_nor_changes_the_register(association, county):
    site = SiteFactory(association=association, region=county["village"])
    other = APIClient()
    other.force_authenticate(OrganizerFactory(association=AssociationFactory()).user)

    assert other.get("/api/v1/sites/").json()["results"] == []
    assert other.get(f"/api/v1/sites/{site.id}/").status_code == 404
    assert other.post(f"/api/v1/sites/{site.id}/books/", {"year": 2025, "books": 1}, format="json").status_code == 404


def test_the_import_registers_every_row_and_a_second_import_adds_nothing(client, association, county):
    rows = [
        ["名称", "类别", "乡镇", "村（社区）", "建成日期", "撤除日期", "藏书（册）", "备注"],
        ["桥头村科普图书室", "图书室", "东关镇", "桥头村", "2015-03-01", "", 1200, ""],
        ["东关镇科普橱窗", "科普橱窗", "东关镇", "", "2018/6/1", "", "", ""],
        ["县级科普画廊（人民路）", "画廊", "", "", "2012年6月1日", "", "", "县城"],
        ["桥头村科普e站", "科普E站", "", "桥头村", "2025", "", "", ""],
    ]

    first = client.post("/api/v1/sites/import/", {"file": _xlsx(rows), "year": 2025}, format="multipart")
    again = client.post("/api/v1/sites/import/", {"file": _xlsx(rows), "year": 2025}, format="multipart")

    assert first.status_code == 201 and first.json() == {"created": 4, "updated": 0}
    assert again.json() == {"created": 0, "updated": 4}
    sites = {s.name: s for s in Site.objects.filter(association=association)}
    assert (
        sites["县级科普画廊（人民路）"].region == association.region
        and sites["县级科普画廊（人民路）"].kind == "gallery"
    )
    assert sites["东关镇科普橱窗"].region == county["town"] and sites["东关镇科普橱窗"].built_on == date(2018, 6, 1)
    assert sites["桥头村科普e站"].region == county["village"] and sites["桥头村科普e站"].built_on == date(2025, 1, 1)
    assert SiteBooks.objects.get(site=sites["桥头村科普图书室"], year=2025).books == 1200


def test_an_import_with_a_wrong_row_imports_nothing_and_names_every_wrong_row(client, association, county):
    rows = [
        ["名称", "类别", "乡镇", "村", "建成日期"],
        ["桥头村科普图书室", "图书室", "东关镇", "桥头村", "2015-03-01"],
        ["某村橱窗", "橱窗", "西关镇", "某村", "2018-06-01"],
        ["某某", "游乐场", "东关镇", "", "去年"],
    ]

    response = client.post("/api/v1/sites/import/", {"file": _xlsx(rows)}, format="multipart")

    assert response.status_code == 400
    assert [r["row"] for r in response.json()["rows"]] == [3, 4]
    assert "西关镇 某村" in response.json()["rows"][0]["message"]
    assert "游乐场" in response.json()["rows"][1]["message"] and "去年" in response.json()["rows"][1]["message"]
    assert not Site.objects.filter(association=association).exists()


def test_an_organizer_imports_the_list_in_the_admin_and_a_wrong_list_is_named_row_by_row(
    organizer, association, county
):
    from django.test import Client

    client = Client()
    client.force_login(organizer)
    url = "/admin/outreach/site/import/"
    good = _xlsx([["名称", "类别", "乡镇", "村"], ["桥头村科普e站", "科普e站", "东关镇", "桥头村"]])
    bad = _xlsx([["名称", "类别", "乡镇", "村"], ["某某", "游乐场", "东关镇", "桥头村"]])

    assert url in client.get("/admin/outreach/site/").content.decode()  # the changelist links to it
    refused = client.post(url, {"file": bad})
    done = client.post(url, {"file": good})

    assert refused.status_code == 200 and "游乐场" in refused.content.decode()
    assert done.status_code == 302
    assert list(Site.objects.filter(association=association).values_list("name", flat=True)) == ["桥头村科普e站"]


def test_a_prefecture_organizer_may_not_import_into_a_county(association):
    from django.test import Client

    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    client = Client()
    client.force_login(OrganizerFactory(association=prefecture).user)
    # The import writes into the sender's own association only: the prefecture's own register, never the county's.
    client.post("/admin/outreach/site/import/", {"file": _xlsx([["名称", "类别"], ["州画廊", "画廊"]])})
    assert not Site.objects.filter(association=association).exists()
