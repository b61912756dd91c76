"""Submitting a year, what changes afterwards, the review, versions and the parent's roll-up."""

import hashlib
import json
from datetime import timedelta

import pytest

from notifications.models import Kind, Notification
from reporting import selectors, services
from reporting.models import Submission
from stats import figures as F_
from stats.models import AnnualFigure
from tests.factories import CheckInFactory, HeadcountFactory

from .conftest import held_event_in

pytestmark = pytest.mark.django_db


def submit(county, year):
    return services.submission_submit(association=county.association, year=year, submitted_by=county.organizer)


def test_it_freezes_the_figures_the_typed_figures_and_the_files_with_the_hash_of_the_canonical_json(prefecture):
    county = prefecture.counties[0]
    AnnualFigure.objects.create(association=county.association, year=prefecture.year, name="books", value=1200)

    submission = submit(county, prefecture.year)

    assert submission.version == 1 and submission.state == Submission.State.SUBMITTED
    assert submission.to_association == prefecture.association
    assert submission.snapshot["figures"]["events_held"] == 2
    assert submission.snapshot["figures"]["beneficiaries_person_times"] == 2 * (1 + 40)
    assert submission.snapshot["typed"] == {"books": {"label": "", "value": 1200}}
    canonical = json.dumps(submission.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert submission.content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    markdown = submission.markdown_file.read()
    assert submission.snapshot["files"]["md"] == hashlib.sha256(markdown).hexdigest()
    assert county.association.name.encode() in markdown
    assert submission.docx_file.read(2) == b"PK"  # a Word file is a zip


def test_a_snapshot_does_not_change_when_a_checkin_is_added_afterwards_and_the_difference_is_shown(prefecture):
    county = prefecture.counties[0]
    submission = submit(county, prefecture.year)
    frozen, frozen_hash = submission.snapshot, submission.content_hash
    assert selectors.changes_since_submission(submission) == []

    event = county.events[0]
    CheckInFactory(event=event, scanned_at=event.starts_at + timedelta(minutes=20))

    submission.refresh_from_db()
    assert submission.snapshot == frozen and submission.content_hash == frozen_hash
    changes = {(c.name, c.key): c for c in selectors.changes_since_submission(submission)}
    person_times = changes[("beneficiaries_person_times", None)]
    assert (person_times.submitted, person_times.now, person_times.change) == (82, 83, 1)
    assert changes[("checkins", None)].change == 1
    assert ("events_held", None) not in changes  # what did not move is not listed


def test_a_hand_entered_figure_changed_after_submission_is_a_difference(prefecture):
    county = prefecture.counties[0]
    typed = AnnualFigure.objects.create(association=county.association, year=prefecture.year, name="books", value=10)
    submission = submit(county, prefecture.year)
    typed.value = 15
    typed.save()

    [change] = selectors.changes_since_submission(submission)
    assert (change.name, change.submitted, change.now, change.change) == ("manual.books", 10, 15, 5)


def test_a_returned_submission_can_be_resubmitted_as_version_2_and_version_1_is_kept(prefecture):
    county = prefecture.counties[0]
    first = submit(county, prefecture.year)
    services.submission_review(
        submission=first, action="return", reviewed_by=prefecture.organizer, comment="培训班签到表未录入"
    )
    event = county.events[0]
    HeadcountFactory(event=event, count=7, counted_at=event.starts_at + timedelta(minutes=30))

    second = submit(county, prefecture.year)

    first.refresh_from_db()
    assert (first.version, first.state, first.review_comment) == (1, Submission.State.RETURNED, "培训班签到表未录入")
    assert first.snapshot["figures"]["beneficiaries_person_times"] == 82
    assert (second.version, second.state) == (2, Submission.State.SUBMITTED)
    assert second.snapshot["figures"]["beneficiaries_person_times"] == 89
    assert second.content_hash != first.content_hash
    assert [s.version for s in selectors.versions_of(second)] == [2, 1]


def test_a_new_version_supersedes_one_still_waiting_and_only_the_latest_is_reviewed(prefecture):
    county = prefecture.counties[0]
    first = submit(county, prefecture.year)
    second = submit(county, prefecture.year)
    first.refresh_from_db()
    assert first.state == Submission.State.SUPERSEDED

    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_review(submission=first, action="accept", reviewed_by=prefecture.organizer)
    assert refused.value.code == "not_pending"
    services.submission_review(submission=second, action="accept", reviewed_by=prefecture.organizer)
    with pytest.raises(services.SubmissionRefused) as twice:
        services.submission_review(submission=second, action="return", reviewed_by=prefecture.organizer, comment="x")
    assert twice.value.code == "not_pending"


def test_returning_needs_a_comment(prefecture):
    submission = submit(prefecture.counties[0], prefecture.year)
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_review(submission=submission, action="return", reviewed_by=prefecture.organizer)
    assert refused.value.code == "comment_required"
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED


def test_an_association_with_no_parent_has_nobody_to_submit_to(prefecture):
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_submit(
            association=prefecture.association, year=prefecture.year, submitted_by=prefecture.organizer
        )
    assert refused.value.code == "no_parent"
    assert not Submission.objects.exists()


def test_the_county_organizers_are_told_of_the_review_with_its_comment(prefecture):
    county = prefecture.counties[0]
    submission = submit(county, prefecture.year)
    services.submission_review(
        submission=submission, action="return", reviewed_by=prefecture.organizer, comment="缺照片"
    )

    [told] = Notification.objects.filter(kind=Kind.SUBMISSION_RETURNED)
    assert told.user_id == county.organizer.id and told.channel == "inbox"
    assert "缺照片" in told.body
    assert not Notification.objects.filter(user=prefecture.counties[1].organizer).exists()


# --- the roll-up ----------------------------------------------------------------------------------


def accept_both(prefecture):
    accepted = []
    for county in prefecture.counties:
        submission = submit(county, prefecture.year)
        services.submission_review(submission=submission, action="accept", reviewed_by=prefecture.organizer)
        submission.refresh_from_db()
        accepted.append(submission)
    return accepted


def test_the_rollup_of_accepted_submissions_is_the_sum_of_the_counties_snapshots(prefecture):
    accepted = accept_both(prefecture)
    rolled = selectors.rollup_of(association=prefecture.association, year=prefecture.year)

    for figure in F_.FIGURES:
        if figure.adds_up and figure.name in rolled.figures and not figure.keyed:
            expected = sum(s.snapshot["figures"][figure.name] or 0 for s in accepted)
            assert rolled.figures[figure.name] == expected, figure.name
    assert rolled.figures["events_held"] == 4
    assert rolled.figures["beneficiaries_person_times"] == 4 * 41
    assert rolled.missing == []


def test_a_change_after_acceptance_stays_out_of_the_rollup_until_accepted_again(prefecture):
    accepted = accept_both(prefecture)
    county = prefecture.counties[0]
    event = county.events[0]
    HeadcountFactory(event=event, count=100, counted_at=event.starts_at + timedelta(minutes=40))

    rolled = selectors.rollup_of(association=prefecture.association, year=prefecture.year)
    assert rolled.figures["beneficiaries_person_times"] == 164  # the accepted figures
    assert rolled.live["beneficiaries_person_times"] == 264  # the records now

    again = submit(county, prefecture.year)
    rolled = selectors.rollup_of(association=prefecture.association, year=prefecture.year)
    assert rolled.figures["beneficiaries_person_times"] == 164  # submitted, not yet accepted
    assert {row.accepted for row in rolled.children} == set(accepted)  # version 1 of each, still
    services.submission_review(submission=again, action="accept", reviewed_by=prefecture.organizer)
    rolled = selectors.rollup_of(association=prefecture.association, year=prefecture.year)
    assert rolled.figures["beneficiaries_person_times"] == 264


def test_a_county_not_accepted_yet_is_missing_from_the_rollup(prefecture):
    first, second = prefecture.counties
    services.submission_review(
        submission=submit(first, prefecture.year), action="accept", reviewed_by=prefecture.organizer
    )
    submit(second, prefecture.year)

    rolled = selectors.rollup_of(association=prefecture.association, year=prefecture.year)
    assert rolled.figures["events_held"] == 2
    assert rolled.missing == [second.association]


def test_the_prefectures_own_events_are_in_its_rollup(prefecture):
    accept_both(prefecture)
    own_town = prefecture.counties[0].towns[0]
    own = held_event_in(prefecture.association, own_town)
    HeadcountFactory(event=own, count=500, counted_at=own.starts_at + timedelta(minutes=5))

    rolled = selectors.rollup_of(association=prefecture.association, year=prefecture.year)
    assert rolled.figures["events_held"] == 5
    assert rolled.figures["beneficiaries_person_times"] == 164 + 500


def test_distinct_people_are_recounted_not_summed(prefecture):
    """The same pupil checked in by both counties' events is one pupil of the prefecture."""
    from checkin.models import Attendee
    from tests.factories import AttendeeFactory

    first, second = prefecture.counties
    pupil = AttendeeFactory(association=first.association, category=Attendee.Category.STUDENT)
    for county in (first, second):
        event = county.events[0]
        CheckInFactory(
            event=event, attendee=pupil, attendee_category=Attendee.Category.STUDENT, scanned_at=event.starts_at
        )
    accepted = accept_both(prefecture)
    assert [s.snapshot["figures"]["students_participating"] for s in accepted] == [1, 1]

    rolled = selectors.rollup_of(association=prefecture.association, year=prefecture.year)
    assert rolled.figures["students_participating"] == 1


def test_one_level_up_the_province_rolls_up_what_the_prefecture_handed_it(prefecture):
    """Level-agnostic: the prefecture submits its roll-up to a province, which rolls that up in turn."""
    from tests.factories import AssociationFactory, OrganizerFactory

    province = AssociationFactory(name="测试省科协", region=prefecture.association.region)
    prefecture.association.parent = province
    prefecture.association.save()
    province_organizer = OrganizerFactory(association=province).user
    accept_both(prefecture)

    handed = services.submission_submit(
        association=prefecture.association, year=prefecture.year, submitted_by=prefecture.organizer
    )
    assert handed.snapshot["figures"]["events_held"] == 4
    assert [c["version"] for c in handed.snapshot["children"]] == [1, 1]
    services.submission_review(submission=handed, action="accept", reviewed_by=province_organizer)

    rolled = selectors.rollup_of(association=province, year=prefecture.year)
    assert rolled.figures["events_held"] == 4
    assert rolled.figures["beneficiaries_person_times"] == 164
