"""The reporting API: who submits, who reads, who reviews; the differences in a submission's detail."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from reporting import services
from reporting.models import Submission
from tests.factories import CheckInFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def submitted(prefecture) -> Submission:
    county = prefecture.counties[0]
    return services.submission_submit(
        association=county.association, year=prefecture.year, submitted_by=county.organizer
    )


def test_the_county_submits_its_year_and_submits_again_as_a_new_version(prefecture):
    county = prefecture.counties[0]
    client = client_of(county.organizer)

    first = client.post("/api/v1/reporting/submissions/", {"year": prefecture.year}, format="json")
    second = client.post(
        "/api/v1/reporting/submissions/", {"association": county.association.id, "year": prefecture.year}, format="json"
    )

    assert first.status_code == 201 and second.status_code == 201, (first.data, second.data)
    assert (first.data["version"], second.data["version"]) == (1, 2)
    assert first.data["to_association"] == prefecture.association.id


def test_the_other_county_neither_sees_nor_submits_for_the_county(prefecture):
    submission = submitted(prefecture)
    other = client_of(prefecture.counties[1].organizer)

    assert other.get(f"/api/v1/reporting/submissions/{submission.id}/").status_code == 404
    assert other.get("/api/v1/reporting/submissions/").data == []
    refused = other.post(
        "/api/v1/reporting/submissions/", {"association": submission.association_id, "year": prefecture.year}
    )
    assert refused.status_code == 404
    assert other.post(f"/api/v1/reporting/submissions/{submission.id}/accept/").status_code == 404
    assert Submission.objects.count() == 1


def test_the_prefecture_cannot_submit_for_a_county(prefecture):
    county = prefecture.counties[0]
    refused = client_of(prefecture.organizer).post(
        "/api/v1/reporting/submissions/", {"association": county.association.id, "year": prefecture.year}
    )
    assert refused.status_code == 403
    assert not Submission.objects.exists()


def test_the_prefecture_has_nobody_to_submit_its_own_year_to(prefecture):
    refused = client_of(prefecture.organizer).post("/api/v1/reporting/submissions/", {"year": prefecture.year})
    assert refused.status_code == 400 and refused.data["code"] == "no_parent"


def test_a_county_cannot_accept_or_return_its_own_submission(prefecture):
    submission = submitted(prefecture)
    own = client_of(prefecture.counties[0].organizer)

    assert own.post(f"/api/v1/reporting/submissions/{submission.id}/accept/").status_code == 403
    assert own.post(f"/api/v1/reporting/submissions/{submission.id}/return/", {"comment": "x"}).status_code == 403
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED


def test_the_prefecture_returns_with_a_comment_and_accepts_the_next_version(prefecture):
    submission = submitted(prefecture)
    reviewer = client_of(prefecture.organizer)

    no_comment = reviewer.post(f"/api/v1/reporting/submissions/{submission.id}/return/", {}, format="json")
    assert no_comment.status_code == 400 and no_comment.data["code"] == "comment_required"
    returned = reviewer.post(
        f"/api/v1/reporting/submissions/{submission.id}/return/", {"comment": "请补充"}, format="json"
    )
    assert returned.status_code == 200 and returned.data["state"] == "returned"
    again = reviewer.post(f"/api/v1/reporting/submissions/{submission.id}/accept/")
    assert again.status_code == 409 and again.data["code"] == "not_pending"

    second = submitted(prefecture)
    accepted = reviewer.post(f"/api/v1/reporting/submissions/{second.id}/accept/")
    assert accepted.status_code == 200 and accepted.data["state"] == "accepted"


def test_the_detail_shows_what_changed_since_submission_to_the_county_and_the_prefecture(prefecture):
    submission = submitted(prefecture)
    event = prefecture.counties[0].events[1]
    CheckInFactory(event=event, scanned_at=event.starts_at + timedelta(minutes=15))

    for user in (prefecture.counties[0].organizer, prefecture.organizer):
        detail = client_of(user).get(f"/api/v1/reporting/submissions/{submission.id}/")
        assert detail.status_code == 200
        assert detail.data["changed_since_submission"] is True
        changes = {d["name"]: d for d in detail.data["differences"]}
        assert (changes["checkins"]["submitted"], changes["checkins"]["now"]) == (2, 3)
        assert detail.data["snapshot"]["figures"]["checkins"] == 2
        assert [v["version"] for v in detail.data["versions"]] == [1]


def test_the_rollup_answers_the_accepted_figures_beside_the_live_ones(prefecture):
    submission = submitted(prefecture)
    services.submission_review(submission=submission, action="accept", reviewed_by=prefecture.organizer)

    rolled = client_of(prefecture.organizer).get(f"/api/v1/reporting/rollup/{prefecture.year}/")

    assert rolled.status_code == 200
    assert rolled.data["figures"]["events_held"] == 2
    assert rolled.data["live"]["events_held"] == 4
    assert rolled.data["missing"] == [prefecture.counties[1].association.id]
