"""Writes of the reporting app: submitting a year (or a campaign) to the parent association, and its review.

A submission freezes what the association hands up (reporting.selectors.snapshot_of): its figures, its
hand-entered figures, its by-town table and the summary files, with the SHA-256 of the canonical JSON.
Nothing here changes a snapshot once written; a correction is a new version.
"""

import hashlib
import json
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Association, Campaign

from . import messages, selectors
from .models import Submission

REVIEW_ACTIONS = ("accept", "return")


class SubmissionRefused(Exception):
    """A submission or a review that cannot be made; `code` for the API and the tests, `message` for people."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code  # "no_parent", "wrong_campaign", "not_pending", "not_latest", "comment_required"
        self.message = message


def canonical_json(content: Any) -> str:
    """One text for one content: keys sorted, no spaces, Chinese as itself; what the hash is taken of."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(content: Any) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@transaction.atomic
def submission_submit(
    *, association: Association, year: int, submitted_by: User, campaign: Campaign | None = None
) -> Submission:
    """Freeze the association's year (or campaign) and hand it to its parent as the next version.

    An earlier version still waiting for review is superseded: the parent reviews the latest only. An
    accepted one stays accepted (and in the parent's roll-up) until the new one is accepted.
    """
    if association.parent_id is None:
        raise SubmissionRefused(
            "no_parent", _("%(association)s reports to no association.") % {"association": association}
        )
    if campaign is not None and campaign.association_id != association.id:
        raise SubmissionRefused("wrong_campaign", _("The campaign is not one of this association's."))
    # The association's row is the lock: two clicks at once number their versions one after the other.
    Association.objects.select_for_update().get(pk=association.pk)
    versions = Submission.objects.filter(association=association, year=year, campaign=campaign)
    version = (versions.aggregate(n=Max("version"))["n"] or 0) + 1
    snapshot, computed = selectors.snapshot_and_computed(association=association, year=year, campaign=campaign)
    files = {}
    if campaign is None:
        files = selectors.summary_files_of(
            association=association, year=year, figures=snapshot["figures"], computed=computed
        )
    snapshot["files"] = {fmt: hashlib.sha256(data).hexdigest() for fmt, data in files.items()}
    versions.filter(state=Submission.State.SUBMITTED).update(state=Submission.State.SUPERSEDED)
    submission = Submission(
        association=association,
        to_association_id=association.parent_id,
        year=year,
        campaign=campaign,
        version=version,
        submitted_at=timezone.now(),
        submitted_by=submitted_by,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
    )
    stem = f"{association.id}-{year}-{campaign.id if campaign else 'year'}-v{version}"
    if "md" in files:
        submission.markdown_file.save(f"{stem}.md", ContentFile(files["md"]), save=False)
    if "docx" in files:
        submission.docx_file.save(f"{stem}.docx", ContentFile(files["docx"]), save=False)
    submission.save()
    return submission


@transaction.atomic
def submission_review(*, submission: Submission, action: str, reviewed_by: User, comment: str = "") -> Submission:
    """The parent accepts or returns the latest version waiting for it; the association's organizers are told."""
    if action not in REVIEW_ACTIONS:
        raise SubmissionRefused("bad_action", _("Choose to accept or to return the submission."))
    comment = comment.strip()
    if action == "return" and not comment:
        raise SubmissionRefused("comment_required", _("Say why the submission is returned."))
    # Claimed by a conditional UPDATE: of two reviewers at once, one wins and the other is told.
    claimed = Submission.objects.filter(pk=submission.pk, state=Submission.State.SUBMITTED).update(
        state=Submission.State.ACCEPTED if action == "accept" else Submission.State.RETURNED,
        reviewed_at=timezone.now(),
        reviewed_by=reviewed_by,
        review_comment=comment,
    )
    if not claimed:
        raise SubmissionRefused("not_pending", _("This submission is not waiting for review."))
    submission.refresh_from_db()
    messages.notify_review(submission=submission)
    return submission
