"""Evidence kept with an event: what a file is (read from its content), its size limit, its thumbnail,
and who may fetch it (never a public URL)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from events import services
from events.models import EventEvidence
from tests.factories import EventFactory, OrganizerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def png(width=640, height=480, color=(40, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def upload(data: bytes, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def event(association):
    return EventFactory(association=association)


@pytest.fixture
def client(organizer):
    client = Client()
    client.force_login(organizer)
    return client


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def test_an_uploaded_photo_is_kept_with_a_thumbnail_under_the_events_folder(client, event, media, organizer):
    response = client.post(
        reverse("desk-event-evidence", args=[event.id]),
        {"file": upload(png()), "kind": "photo", "caption": "现场"},
    )
    assert response.status_code == 302
    evidence = EventEvidence.objects.get(event=event)
    assert evidence.content_type == "image/png" and evidence.uploaded_by == organizer and evidence.caption == "现场"
    assert evidence.file.name.startswith(f"evidence/{event.association_id}/{event.starts_at.year}/{event.id}/")
    with Image.open(evidence.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 320
    page = client.get(reverse("desk-event-after", args=[event.id])).content.decode()
    assert reverse("desk-evidence-thumbnail", args=[evidence.id]) in page


def test_a_file_over_the_limit_is_refused_with_a_message_and_nothing_is_kept(client, event, media, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = client.post(reverse("desk-event-evidence", args=[event.id]), {"file": upload(png()), "kind": "photo"})
    assert response.status_code == 400
    assert "文件太大" in response.content.decode()
    assert not EventEvidence.objects.exists() and stored_files(media) == []


def test_a_file_named_like_a_photo_that_is_none_is_refused(client, event, media):
    fake = upload(b"MZ\x90\x00 this is a program, not a photo" * 20, name="photo.jpg", content_type="image/jpeg")
    response = client.post(reverse("desk-event-evidence", args=[event.id]), {"file": fake, "kind": "photo"})
    assert response.status_code == 400
    assert "不是照片" in response.content.decode()
    assert not EventEvidence.objects.exists() and stored_files(media) == []


def test_a_truncated_photo_is_refused(event):
    with pytest.raises(ValidationError):
        services.evidence_add(event=event, file=upload(png()[:200]))
    assert not EventEvidence.objects.exists()


def test_a_scanned_sheet_in_pdf_is_kept_without_a_thumbnail_and_downloads(client, event):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    sheet = upload(pdf, "sheet.pdf", "application/pdf")
    evidence = services.evidence_add(event=event, file=sheet, kind="sign_in_sheet")
    assert evidence.content_type == "application/pdf" and not evidence.thumbnail
    response = client.get(reverse("desk-evidence-file", args=[evidence.id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_the_organizer_fetches_the_file_and_its_thumbnail(client, event):
    evidence = services.evidence_add(event=event, file=upload(png()))
    file = client.get(reverse("desk-evidence-file", args=[evidence.id]))
    assert file.status_code == 200 and file["Content-Type"] == "image/png"
    assert b"".join(file.streaming_content) == png()
    thumbnail = client.get(reverse("desk-evidence-thumbnail", args=[evidence.id]))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"


def test_another_associations_organizer_cannot_fetch_the_file(event):
    evidence = services.evidence_add(event=event, file=upload(png()))
    client = Client()
    client.force_login(OrganizerFactory().user)
    assert client.get(reverse("desk-evidence-file", args=[evidence.id])).status_code == 404
    assert client.get(reverse("desk-evidence-thumbnail", args=[evidence.id])).status_code == 404
    assert client.post(reverse("desk-evidence-delete", args=[evidence.id])).status_code == 404
    assert EventEvidence.objects.filter(pk=evidence.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in_and_no_media_url_serves_the_file(event):
    evidence = services.evidence_add(event=event, file=upload(png()))
    client = Client()
    response = client.get(reverse("desk-evidence-file", args=[evidence.id]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get("/media/" + evidence.file.name).status_code == 404


def test_deleting_evidence_removes_its_files(client, event, media, django_capture_on_commit_callbacks):
    evidence = services.evidence_add(event=event, file=upload(png()))
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk-evidence-delete", args=[evidence.id]))
    assert response.status_code == 302
    assert not EventEvidence.objects.exists() and stored_files(media) == []


def test_the_dashboards_event_records_show_the_evidence_thumbnails(client, event):
    evidence = services.evidence_add(event=event, file=upload(png()), caption="讲座现场")
    page = client.get(reverse("dashboard-event", args=[event.id])).content.decode()
    assert reverse("desk-evidence-thumbnail", args=[evidence.id]) in page and "讲座现场" in page
