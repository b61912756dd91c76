"""Demonstration bases and funding (issue 14 items 3 and 6) over the API and in the admin: scoped per
association, checked by the services, the documents served to the association's readers only."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from outreach import services
from outreach.models import BaseYear, DemonstrationBase, FundingRecord
from tests.factories import (
    AssociationFactory,
    DemonstrationBaseFactory,
    EventFactory,
    FundingRecordFactory,
    OrganizationFactory,
    OrganizerFactory,
    TownFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def village(association):
    return VillageFactory(parent=TownFactory(parent=association.region, name="东关镇"), name="桥头村")


@pytest.fixture
def client(organizer):
    api = APIClient()
    api.force_authenticate(organizer)
    return api


def _other_client(association=None):
    api = APIClient()
    api.force_authenticate(OrganizerFactory(association=association or AssociationFactory()).user)
    return api


def _png() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(data, "PNG")
    return data.getvalue()


# --- demonstration bases ------------------------------------------------------------------------------


def test_an_organizer_registers_a_base_with_its_partners_events_and_results(client, association, village):
    institute = OrganizationFactory(association=association, name="县农科所")
    training = EventFactory(association=association, kind="training")
    created = client.post(
        "/api/v1/demonstration-bases/",
        {
            "name": "桥头村茶叶示范基地",
            "kind": "base",
            "region": village.id,
            "partners": [institute.id],
            "events": [training.id],
            "established_on": "2019-04-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    base_id = created.json()["id"]
    url = f"/api/v1/demonstration-bases/{base_id}/results/"
    assert client.post(url, {"year": 2025, "varieties": 2, "techniques": 3, "households": 100}).status_code == 201
    # A second entry for the same year corrects it; another year is another entry.
    client.post(url, {"year": 2025, "varieties": 2, "techniques": 4, "households": 120}, format="json")
    client.post(url, {"year": 2024, "varieties": 1, "techniques": 1, "households": 80}, format="json")

    base = client.get(f"/api/v1/demonstration-bases/{base_id}/").json()
    assert base["partners"] == [institute.id] and base["events"] == [training.id]
    assert [(y["year"], y["techniques"], y["households"]) for y in base["years"]] == [(2025, 4, 120), (2024, 1, 80)]
    assert DemonstrationBase.objects.get(id=base_id).association == association
    assert BaseYear.objects.filter(base_id=base_id).count() == 2


def test_a_base_outside_the_county_or_linking_another_countys_records_is_refused(client, association, village):
    elsewhere = client.post(
        "/api/v1/demonstration-bases/", {"name": "外县基地", "region": VillageFactory().id}, format="json"
    )
    assert elsewhere.status_code == 400 and "region" in elsewhere.json()
    neighbour = AssociationFactory()
    foreign = client.post(
        "/api/v1/demonstration-bases/",
        {
            "name": "桥头村基地",
            "region": village.id,
            "partners": [OrganizationFactory(association=neighbour).id],
            "events": [EventFactory(association=neighbour).id],
        },
        format="json",
    )
    assert foreign.status_code == 400 and {"partners", "events"} <= foreign.json().keys()
    closed_first = client.post(
        "/api/v1/demonstration-bases/",
        {"name": "桥头村基地", "region": village.id, "established_on": "2024-05-01", "closed_on": "2024-01-01"},
        format="json",
    )
    assert closed_first.status_code == 400 and "closed_on" in closed_first.json()
    assert not DemonstrationBase.objects.exists()


def test_another_countys_organizer_neither_sees_nor_changes_a_base(association, village):
    base = DemonstrationBaseFactory(association=association, region=village)
    other = _other_client()

    assert other.get("/api/v1/demonstration-bases/").json()["results"] == []
    assert other.get(f"/api/v1/demonstration-bases/{base.id}/").status_code == 404
    answer = other.post(f"/api/v1/demonstration-bases/{base.id}/results/", {"year": 2025}, format="json")
    assert answer.status_code == 404
    assert other.delete(f"/api/v1/demonstration-bases/{base.id}/").status_code == 404


def test_the_prefecture_reads_a_countys_base_but_does_not_change_it(association, village):
    prefecture = AssociationFactory()
    association.parent = prefecture
    association.save()
    base = DemonstrationBaseFactory(association=association, region=village)
    reader = _other_client(prefecture)

    assert reader.get(f"/api/v1/demonstration-bases/{base.id}/").status_code == 200
    assert reader.patch(f"/api/v1/demonstration-bases/{base.id}/", {"note": "x"}, format="json").status_code == 403


def test_an_organizer_registers_a_base_with_its_results_in_the_admin(organizer, association, village):
    browser = Client()
    browser.force_login(organizer)
    institute = OrganizationFactory(association=association)
    answer = browser.post(
        "/admin/outreach/demonstrationbase/add/",
        {
            "name": "县现代农业示范园",
            "kind": "park",
            "region": village.id,
            "partners": [institute.id],
            "note": "",
            "years-TOTAL_FORMS": "1",
            "years-INITIAL_FORMS": "0",
            "years-0-year": "2025",
            "years-0-varieties": "3",
            "years-0-techniques": "2",
            "years-0-households": "90",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    base = DemonstrationBase.objects.get(association=association)
    assert list(base.partners.all()) == [institute]
    assert base.years.get().households == 90


# --- funding ------------------------------------------------------------------------------------------


def test_an_organizer_enters_income_with_its_document_and_reads_it_back(client, association):
    created = client.post(
        "/api/v1/funding/",
        {
            "date": "2025-03-01",
            "direction": "income",
            "source": "government",
            "amount": "120000.00",
            "note": "县财政科普经费",
            "document": SimpleUploadedFile("拨款文件.pdf", PDF),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    record = FundingRecord.objects.get(id=created.json()["id"])
    assert record.association == association and record.document_type == "application/pdf"
    assert "拨款" not in record.document.name  # the stored name is a token, never the uploader's

    document = client.get(f"/api/v1/funding/{record.id}/document/")
    assert document.status_code == 200 and b"".join(document.streaming_content) == PDF
    assert document["Content-Disposition"].startswith("attachment")


def test_an_image_document_shows_and_a_new_one_replaces_the_old_file(
    client, association, django_capture_on_commit_callbacks
):
    record = services.funding_save(
        FundingRecord(association=association, date=date(2025, 3, 1), direction="spending", use="training", amount=1),
        document=SimpleUploadedFile("invoice.pdf", PDF),
    )
    old = record.document.name
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes once the new one is kept
        answer = client.patch(
            f"/api/v1/funding/{record.id}/", {"document": SimpleUploadedFile("p.png", _png())}, format="multipart"
        )
    assert answer.status_code == 200, answer.json()
    record.refresh_from_db()
    assert record.document_type == "image/png" and record.document.name != old
    assert not record.document.storage.exists(old)
    assert client.get(f"/api/v1/funding/{record.id}/document/")["Content-Type"] == "image/png"


def test_the_document_is_not_readable_by_another_association(client, association):
    record = services.funding_save(
        FundingRecordFactory.build(association=association), document=SimpleUploadedFile("a.pdf", PDF)
    )
    other = _other_client()

    assert other.get(f"/api/v1/funding/{record.id}/document/").status_code == 404
    assert other.get(f"/api/v1/funding/{record.id}/").status_code == 404
    assert other.get("/api/v1/funding/").json()["results"] == []
    assert APIClient().get(f"/api/v1/funding/{record.id}/document/").status_code in (401, 403)
    # And not from MEDIA_ROOT either: nothing routes /media/.
    assert Client().get("/media/" + record.document.name).status_code == 404


def test_income_names_a_source_and_spending_a_use(client):
    no_source = client.post(
        "/api/v1/funding/", {"date": "2025-03-01", "direction": "income", "amount": "10"}, format="json"
    )
    mixed = client.post(
        "/api/v1/funding/",
        {"date": "2025-03-01", "direction": "spending", "source": "own", "use": "sites", "amount": "10"},
        format="json",
    )
    zero = client.post(
        "/api/v1/funding/",
        {"date": "2025-03-01", "direction": "spending", "use": "sites", "amount": "0"},
        format="json",
    )
    assert no_source.status_code == 400 and "source" in no_source.json()
    assert mixed.status_code == 400 and "source" in mixed.json()
    assert zero.status_code == 400 and "amount" in zero.json()
    assert not FundingRecord.objects.exists()


def test_a_document_that_is_not_a_scan_or_too_large_is_refused(client, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    body = {"date": "2025-03-01", "direction": "income", "source": "donation", "amount": "10"}
    text = client.post("/api/v1/funding/", {**body, "document": SimpleUploadedFile("a.txt", b"hello")})
    large = client.post("/api/v1/funding/", {**body, "document": SimpleUploadedFile("a.pdf", PDF + b" " * 2000)})
    assert text.status_code == 400 and "document" in text.json()
    assert large.status_code == 400 and "document" in large.json()
    assert not FundingRecord.objects.exists()


def test_an_organizer_enters_spending_with_a_scan_in_the_admin_and_opens_it(organizer, association):
    browser = Client()
    browser.force_login(organizer)
    answer = browser.post(
        "/admin/outreach/fundingrecord/add/",
        {
            "date": "2025-06-01",
            "direction": "spending",
            "source": "",
            "use": "activities",
            "amount": "4500.00",
            "note": "科技活动周",
            "upload": SimpleUploadedFile("invoice.pdf", PDF),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    record = FundingRecord.objects.get(association=association)
    assert record.document_type == "application/pdf"
    page = browser.get(f"/admin/outreach/fundingrecord/{record.id}/change/").content.decode()
    assert f"/api/v1/funding/{record.id}/document/" in page
    assert browser.get(f"/api/v1/funding/{record.id}/document/").status_code == 200


def test_the_admin_refuses_a_document_that_is_not_a_scan(organizer):
    browser = Client()
    browser.force_login(organizer)
    answer = browser.post(
        "/admin/outreach/fundingrecord/add/",
        {
            "date": "2025-06-01",
            "direction": "income",
            "source": "own",
            "use": "",
            "amount": "10",
            "upload": SimpleUploadedFile("a.txt", b"hello"),
        },
    )
    assert answer.status_code == 200 and not FundingRecord.objects.exists()
