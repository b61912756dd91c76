"""Rendering a message in the recipient's language; the words themselves are the sending app's.

Each app composes its own messages (volunteers/messages.py, checkin/messages.py, events/messages.py,
kepu/login_codes.py): a `Message` holds the subject and text as lazy translations with %(…)s
placeholders, and the outbox fills them in each recipient's language (zh-hans, zh-hant, en).
"""

from datetime import datetime
from typing import Any, NamedTuple

from django.utils import formats, timezone, translation
from django.utils.functional import Promise


class Message(NamedTuple):
    """(subject for e-mail, text for every channel), usually gettext_lazy strings."""

    subject: Promise | str
    body: Promise | str


def _text(value: Any) -> str:
    # A value that is neither a datetime nor a string (a lazy string, or an object of the sending
    # app such as events' list of changes) becomes its str() in the active language.
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return str(value)


def render(message: Message, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, text) of `message` in `language`; datetimes and lazy strings are formatted in that language."""
    with translation.override(language):
        values = {key: _text(value) for key, value in context.items()}
        return str(message.subject) % values, str(message.body) % values
