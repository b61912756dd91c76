"""kepu/text.py: a person's name loses the characters nobody means to type."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from kepu.text import NameField, NameFormField, clean_name


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("张三", "张三"),
        (" 张三\u3000", "张三"),
        ("张\x07三", "张三"),
        ("张\x00三\x1b\x7f\x85", "张三"),
        ("张\n三\r\t", "张三"),
        ("\u202eabc\u2066", "abc"),  # direction overrides and isolates
        ("\ufeff张\u200b三", "张三"),  # a byte-order mark, a zero-width space
        ("\ud800张三", "张三"),  # a lone surrogate, which no database can store
        ("👩\u200d🔬", "👩\u200d🔬"),  # a joiner builds one emoji: it stays
        (None, ""),
    ],
)
def test_clean_name_removes_control_and_invisible_characters(typed, kept):
    assert clean_name(typed) == kept


def test_the_api_field_treats_a_name_of_only_control_characters_as_blank():
    class Person(serializers.Serializer):
        name = NameField(max_length=5)

    assert Person(data={"name": "\x07王五\x1b"}).is_valid()
    blank = Person(data={"name": "\x07\x1b"})
    assert not blank.is_valid() and blank.errors["name"][0].code == "blank"


def test_the_form_field_treats_a_name_of_only_control_characters_as_missing():
    field = NameFormField(max_length=5)
    assert field.clean("\x07王五") == "王五"
    with pytest.raises(ValidationError) as missing:
        field.clean("\x07\x1b")
    assert missing.value.code == "required"
