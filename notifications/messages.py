"""The texts of the messages, in the recipient's language (zh-hans, zh-hant, en via the .po files)."""

from datetime import datetime
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Kind

# (subject for e-mail, text for every channel); %(…)s placeholders are filled by render().
TEMPLATES: dict[str, tuple[Promise, Promise]] = {
    Kind.SIGNUP_CONFIRMED: (
        _("You are confirmed: %(event)s"),
        _("%(name)s, you are confirmed as %(role)s at “%(event)s”, %(when)s, %(venue)s. Thank you!"),
    ),
    Kind.SIGNUP_WAITLISTED: (
        _("You are on the waiting list: %(event)s"),
        _(
            "%(name)s, the shift %(role)s at “%(event)s” (%(when)s) is full. You are number %(position)s on the "
            "waiting list; we will tell you when a place opens."
        ),
    ),
    Kind.SIGNUP_PROMOTED: (
        _("A place opened for you: %(event)s"),
        _("%(name)s, a place opened: you are now confirmed as %(role)s at “%(event)s”, %(when)s, %(venue)s."),
    ),
    Kind.SIGNUP_REMOVED: (
        _("Your sign-up was removed: %(event)s"),
        _("%(name)s, the organizer removed your sign-up as %(role)s at “%(event)s” (%(when)s)."),
    ),
    Kind.SHIFT_REMINDER: (
        _("Reminder: %(event)s"),
        _("%(name)s, a reminder: your shift as %(role)s at “%(event)s” starts %(when)s at %(venue)s."),
    ),
    Kind.EVENT_CHANGED: (
        _("Changed: %(event)s"),
        _("“%(event)s” has changed. %(changes)s"),
    ),
    Kind.EVENT_CANCELLED: (
        _("Cancelled: %(event)s"),
        _("“%(event)s” (%(when)s, %(venue)s) has been cancelled. We are sorry for the trouble."),
    ),
    Kind.REGISTRATION: (
        _("Your ticket: %(event)s"),
        _("%(name)s, you are registered for “%(event)s”, %(when)s, %(venue)s. Your ticket: %(ticket)s"),
    ),
    Kind.LOGIN_CODE: (
        _("Your login code"),
        _("Your Kepu login code is %(code)s. It expires in %(minutes)s minutes. Do not tell it to anyone."),
    ),
    # The same text whether the number is new to Kepu or a volunteer elsewhere: the link's page tells them apart.
    Kind.VOLUNTEER_INVITATION: (
        _("Invitation to volunteer: %(association)s"),
        _(
            "%(name)s, %(association)s invites you to volunteer with it. Open %(url)s to accept "
            "(valid until %(expires)s). If you did not expect this, ignore this message."
        ),
    ),
}

# Variants of a kind's text, chosen by the caller: (kind, variant) → (subject, text).
VARIANTS: dict[tuple[str, str], tuple[Promise, Promise]] = {
    # Someone registers a volunteer account with a number Kepu does not know: the code confirms the phone.
    (Kind.LOGIN_CODE, "register"): (
        _("Your registration code"),
        _(
            "Your Kepu registration code is %(code)s. Enter it to finish registering as a volunteer. "
            "It expires in %(minutes)s minutes. Do not tell it to anyone."
        ),
    ),
    # Someone registers with a number that already has an account: its owner is told, and may sign in.
    (Kind.LOGIN_CODE, "register_taken"): (
        _("Someone tried to register with your number"),
        _(
            "Someone tried to register a Kepu volunteer account with your number, which already has one. "
            "If it was you, enter the code %(code)s to sign in to your account (it expires in %(minutes)s "
            "minutes). If not, ignore this message: nothing was changed."
        ),
    ),
}

CHANGE_LABELS: dict[str, Promise] = {
    "starts_at": _("Start: %(old)s → %(new)s."),
    "ends_at": _("End: %(old)s → %(new)s."),
    "venue": _("Venue: %(old)s → %(new)s."),
}


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return str(value)


def describe_changes(changes: dict[str, tuple[Any, Any]]) -> str:
    """'Start: … → …. Venue: … → ….' in the active language."""
    return " ".join(
        str(CHANGE_LABELS[field]) % {"old": _text(old), "new": _text(new)}
        for field, (old, new) in changes.items()
        if field in CHANGE_LABELS
    )


def render(kind: str, language: str, context: dict[str, Any], variant: str = "") -> tuple[str, str]:
    """(subject, text) of a message of `kind` (or of one of its VARIANTS) in `language`.

    Values may be datetimes or lazy strings: they are formatted in the
    recipient's language; a value "changes" is a dict of field → (old, new).
    """
    subject, body = VARIANTS[(kind, variant)] if variant else TEMPLATES[kind]
    with translation.override(language):
        values = {key: describe_changes(value) if key == "changes" else _text(value) for key, value in context.items()}
        return str(subject) % values, str(body) % values
