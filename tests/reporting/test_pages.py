"""The desk's reporting pages: the county submits and sees what changed; the prefecture reviews and rolls up."""

from datetime import timedelta

import pytest
from django.test import Client

from notifications.models import Kind, Notification
from reporting import services
from reporting.models import Submission
from tests.factories import CheckInFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_county_submits_from_its_page_and_then_sees_the_changes(prefecture):
    county = prefecture.counties[0]
    client = signed_in(county.organizer)

    response = client.post(
        "/desk/reporting/submit/", {"association": county.association.id, "year": prefecture.year}, follow=True
    )
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert response.redirect_chain[-1][0] == f"/desk/reporting/{submission.id}/"

    event = county.events[0]
    CheckInFactory(event=event, scanned_at=event.starts_at + timedelta(minutes=25))
    page = client.get(f"/desk/reporting/?year={prefecture.year}").content.decode()
    assert "Changed since submission" in page or "提交后有变化" in page
    assert "+1" in page


def test_the_prefecture_sees_its_inbox_and_returns_a_submission_with_a_comment(prefecture):
    county = prefecture.counties[0]
    submission = services.submission_submit(
        association=county.association, year=prefecture.year, submitted_by=county.organizer
    )
    client = signed_in(prefecture.organizer)

    page = client.get(f"/desk/reporting/?year={prefecture.year}").content.decode()
    assert f'href="/desk/reporting/{submission.id}/"' in page
    assert county.association.name in page and prefecture.counties[1].association.name in page

    response = client.post(f"/desk/reporting/{submission.id}/review/", {"action": "return", "comment": "缺签到表"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.state, submission.review_comment) == (Submission.State.RETURNED, "缺签到表")
    assert Notification.objects.filter(kind=Kind.SUBMISSION_RETURNED, user=county.organizer).exists()


def test_the_county_cannot_review_its_own_submission_on_the_desk(prefecture):
    county = prefecture.counties[0]
    submission = services.submission_submit(
        association=county.association, year=prefecture.year, submitted_by=county.organizer
    )
    response = signed_in(county.organizer).post(f"/desk/reporting/{submission.id}/review/", {"action": "accept"})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED


def test_the_frozen_summary_file_and_the_rollup_summary_download(prefecture):
    county = prefecture.counties[0]
    submission = services.submission_submit(
        association=county.association, year=prefecture.year, submitted_by=county.organizer
    )
    services.submission_review(submission=submission, action="accept", reviewed_by=prefecture.organizer)

    frozen = signed_in(county.organizer).get(f"/desk/reporting/{submission.id}/file/")
    assert frozen.status_code == 200
    assert b"".join(frozen.streaming_content) == submission.markdown_file.open("rb").read()
    rolled = signed_in(prefecture.organizer).get(f"/desk/reporting/summary/?year={prefecture.year}")
    assert rolled.status_code == 200 and prefecture.association.name in rolled.content.decode()
