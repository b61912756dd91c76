"""What the reporting app tells an association's organizers when its parent reviews a submission.

The notifications outbox records and sends (notifications.services.notify); the words are here.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy

from notifications.messages import Message
from notifications.models import Kind
from notifications.services import Recipient, notify

from .models import Submission

SUBMISSION_ACCEPTED = Message(
    gettext_lazy("Accepted: %(what)s"),
    gettext_lazy(
        "%(name)s, %(reviewer)s accepted %(association)s's submission “%(what)s” (version %(version)s). %(comment)s"
    ),
)
SUBMISSION_RETURNED = Message(
    gettext_lazy("Returned: %(what)s"),
    gettext_lazy(
        "%(name)s, %(reviewer)s returned %(association)s's submission “%(what)s” (version %(version)s): %(comment)s "
        "Correct the records and submit again."
    ),
)
REVIEW_MESSAGES = {
    Submission.State.ACCEPTED: (Kind.SUBMISSION_ACCEPTED, SUBMISSION_ACCEPTED),
    Submission.State.RETURNED: (Kind.SUBMISSION_RETURNED, SUBMISSION_RETURNED),
}


def organizer_recipient(user: User) -> Recipient:
    """An organizer: no phone on file, so by e-mail if they gave one, else in their inbox (a preference wins)."""
    return Recipient(
        ref=f"u{user.id}",
        name=user.get_full_name() or user.username,
        language=settings.LANGUAGE_CODE,
        email=user.email,
        user_id=user.id,
        preferred_channel="email" if user.email else "inbox",
    )


def notify_review(*, submission: Submission) -> int:
    """Tell the submitting association's organizers that their submission was accepted or returned."""
    kind, message = REVIEW_MESSAGES[Submission.State(submission.state)]
    organizers = User.objects.filter(organizer__association_id=submission.association_id, is_active=True).order_by("id")
    what = submission.campaign.name if submission.campaign else str(submission.year)
    values = {
        "what": what,
        "version": submission.version,
        "association": submission.association.name,
        "reviewer": submission.to_association.name,
        "comment": submission.review_comment,
    }
    return notify(
        kind=kind,
        recipients=[organizer_recipient(user) for user in organizers],
        key=f"{submission.id}",
        message=message,
        context=lambda recipient: {**values, "name": recipient.name},
        association_id=submission.association_id,
    )
