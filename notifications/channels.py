"""The ways a message reaches a person, behind one small interface.

A channel turns a Notification row into a delivery and says how it went: it
returns the provider's message id, or raises TransientError (try again later)
or PermanentError (trying again cannot help: a bad address, a 4xx). Adding a
channel (a WeChat template message, say) is one subclass of Channel and one
entry in settings.NOTIFICATIONS_CHANNELS.
"""

import http.client
import json
import logging
import smtplib
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from io import BytesIO
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from kepu import phones

if TYPE_CHECKING:
    from .models import Notification
    from .services import Recipient

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


class TransientError(DeliveryError):
    """The provider may accept the message later: a timeout, a 5xx, a 429."""


class PermanentError(DeliveryError):
    """The message can never go out as it is: a bad address, a refused 4xx."""


class Channel(ABC):
    name: str = ""
    label: str | Promise = ""  # translated lazily: shown in the reader's language
    # Recording the row is the delivery (the in-app inbox): no worker needed.
    delivered_on_record = False
    # Wakes people up: held during the quiet hours unless urgent.
    quiet_hours = False

    def address_for(self, recipient: "Recipient") -> str:
        """Where this channel reaches the recipient (phone, e-mail, an account id…); empty for none."""
        return ""

    @abstractmethod
    def send(self, notification: "Notification") -> str:
        """Deliver the message (to notification.address); return the provider's id for it (may be empty)."""


class InboxChannel(Channel):
    name = "inbox"
    label = _("In-app inbox")
    delivered_on_record = True

    def send(self, notification: "Notification") -> str:
        return ""


class EmailChannel(Channel):
    name = "email"
    label = _("E-mail")

    def address_for(self, recipient: "Recipient") -> str:
        return recipient.email

    def send(self, notification: "Notification") -> str:
        try:
            validate_email(notification.address)
        except ValidationError as invalid:
            raise PermanentError(f"invalid e-mail address {notification.address!r}") from invalid
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
            headers={"X-Kepu-Notification": notification.dedupe_key},
        )
        if ticket_code := notification.extra.get("ticket_code"):
            message.attach("ticket.png", _qr_png(ticket_code), "image/png")
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentError(f"recipient refused: {error}") from error
        except OSError as error:  # smtplib's other errors and socket timeouts are OSErrors: try again
            raise TransientError(f"{type(error).__name__}: {error}") from error
        return ""


def _qr_png(data: str) -> bytes:
    import qrcode

    buffer = BytesIO()
    qrcode.make(data).save(buffer, format="PNG")
    return buffer.getvalue()


def normalize_phone(raw: str) -> str:
    """The E.164 form of a phone number, or raise ValueError (the channel records it as a bad address)."""
    try:
        return phones.normalize_phone(raw)
    except ValidationError as invalid:
        raise ValueError(f"not a valid phone number: {raw!r}") from invalid


class SmsChannel(Channel):
    name = "sms"
    label = _("SMS")
    quiet_hours = True

    def address_for(self, recipient: "Recipient") -> str:
        return recipient.phone

    def send(self, notification: "Notification") -> str:
        try:
            phone = normalize_phone(notification.address)
        except ValueError as invalid:
            raise PermanentError(f"invalid phone number {notification.address!r}") from invalid
        backend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
        return backend.send(to=phone, text=notification.body, reference=notification.dedupe_key)


# --- SMS providers ------------------------------------------------------------------------------


class ConsoleSmsBackend:
    """Development: writes the message to the log instead of sending it."""

    def send(self, *, to: str, text: str, reference: str) -> str:
        logger.info("SMS to %s [%s]: %s", to, reference, text)
        return f"console:{reference}"


class HttpSmsBackend:
    """A provider reached by one JSON POST, configured by environment variables.

    SMS_HTTP_URL, SMS_HTTP_TOKEN (Bearer), SMS_HTTP_SENDER, SMS_HTTP_TIMEOUT
    (seconds; a provider that hangs must not hold the worker). The request
    carries an Idempotency-Key (the dedupe key) for providers that honour it.
    """

    def __init__(self, *, url: str = "", token: str = "", sender: str = "", timeout: float | None = None):
        config = settings.NOTIFICATIONS_SMS_HTTP
        self.url = url or config["url"]
        self.token = token or config["token"]
        self.sender = sender or config["sender"]
        self.timeout = timeout if timeout is not None else config["timeout"]

    def send(self, *, to: str, text: str, reference: str) -> str:
        if not self.url:
            raise PermanentError("SMS_HTTP_URL is not configured")
        payload = json.dumps({"to": to, "text": text, "sender": self.sender, "reference": reference}).encode()
        request = urllib.request.Request(
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": reference,
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(10_000)
        except urllib.error.HTTPError as error:
            detail = f"HTTP {error.code}: {error.read(500).decode(errors='replace')}"
            if error.code in (408, 425, 429) or error.code >= 500:
                raise TransientError(detail) from error
            raise PermanentError(detail) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
            raise TransientError(f"{type(error).__name__}: {error}") from error
        try:
            return str(json.loads(body).get("id", ""))[:100]
        except (ValueError, AttributeError):
            return ""


def get_channel(name: str) -> Channel:
    try:
        dotted = settings.NOTIFICATIONS_CHANNELS[name]
    except KeyError as unknown:
        raise PermanentError(f"unknown channel {name!r}") from unknown
    return import_string(dotted)()


def channel_label(name: str) -> str:
    try:
        return str(get_channel(name).label)
    except (PermanentError, ImportError):
        return name


def channel_names() -> list[str]:
    return list(settings.NOTIFICATIONS_CHANNELS)
