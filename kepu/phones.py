"""Phone numbers, one way for every app: stored as E.164, shown masked."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize_phone(raw: str, *, mobile_only: bool = False, field: str = "phone") -> str:
    """E.164 for a number written the way people in mainland China write it ("138 1234 5678" → "+8613812345678").

    mobile_only: a mainland mobile number (a volunteer's login, which receives SMS).
    Raises ValidationError on `field` with a message in the user's language.
    """
    raw = (raw or "").strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is not None
        and phonenumbers.is_valid_number(number)
        and (
            not mobile_only
            or (
                phonenumbers.region_code_for_number(number) == "CN"
                and phonenumbers.number_type(number) in _MOBILE_TYPES
            )
        )
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if mobile_only:
        message = _("Enter a valid mainland China mobile number, for example 13812345678.")
    else:
        message = _("“%(phone)s” is not a valid phone number.") % {"phone": raw}
    raise ValidationError({field: message})


def mask_phone(phone: str) -> str:
    """+8613812345678 → 138****5678: enough to tell two people apart, not to call them."""
    national = phone.removeprefix("+86")
    if len(national) < 8:
        return "****" if national else ""
    return f"{national[:3]}****{national[-4:]}"
