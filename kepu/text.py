"""Text people type into Kepu: names are cleaned of invisible characters before they are stored.

A name is one line a person reads on a ticket, a roster or a certificate. Control characters
(a bell, an escape, a newline…) and lone surrogates have no place in it: they break the Excel
exports (openpyxl refuses them), PostgreSQL refuses a NUL, and an invisible direction override
makes a name read differently on screen than it sorts. They are removed, not refused, since they
are almost always pasted in by accident.
"""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.fields import empty

# Joiners shape Persian, Indic and emoji text: they stay. Every other format character
# (direction overrides, zero-width spaces, a byte-order mark pasted from a file) goes.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_INVISIBLE = {"Cc", "Cs", "Cf"}  # control, lone surrogate, format


def clean_name(value: str | None) -> str:
    """The name without control, surrogate and invisible format characters, and without spaces around it."""
    return "".join(
        char for char in value or "" if char in _KEPT_FORMAT or unicodedata.category(char) not in _INVISIBLE
    ).strip()


class NameField(serializers.CharField):
    """An API field for a person's name: cleaned with `clean_name` before it is validated, so a name of
    only invisible characters is a blank one."""

    def run_validation(self, data=empty):
        return super().run_validation(clean_name(data) if isinstance(data, str) else data)


class NameFormField(forms.CharField):
    """A form field for a person's name: cleaned with `clean_name`, so a name of only invisible characters
    is an empty (missing) name."""

    def to_python(self, value):
        return clean_name(super().to_python(value))


# Django's forms end every label with gettext(":"), and Django's own Chinese catalogs keep the ASCII colon.
# Kepu's catalogs (which outrank Django's, see LOCALE_PATHS) translate it as the full-width "：", so every
# Chinese form reads 姓名： rather than 姓名:. Named here so that makemessages keeps the entry.
LABEL_SUFFIX = gettext_lazy(":")
