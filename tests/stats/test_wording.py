"""The rounding words of Chinese reports, pinned on examples."""

import pytest

from stats.wording import about, approx, exact, near, pct


@pytest.mark.parametrize(
    ("value", "zh_hans", "zh_hant"),
    [
        (1234, "1200多", "1200多"),
        (23456, "2万多", "2萬多"),
        (156789, "15万多", "15萬多"),
        (567, "560多", "560多"),
        (43, "40多", "40多"),
        (7, "7", "7"),
        (1200, "1200", "1200"),  # a round figure is not "more than" itself
        (20000, "2万", "2萬"),
        (0, "0", "0"),
        (12.7, "10多", "10多"),
    ],
)
def test_approx_rounds_down_and_says_duo(value, zh_hans, zh_hant):
    assert approx(value, "zh-hans") == zh_hans
    assert approx(value, "zh-hant") == zh_hant


@pytest.mark.parametrize(
    ("value", "zh_hans", "zh_hant"),
    [(85.3, "85%以上", "85%以上"), (97.9, "97%以上", "97%以上"), (100.0, "100%", "100%")],
)
def test_percentages_round_down_and_say_yishang(value, zh_hans, zh_hant):
    assert pct(value, "zh-hans") == zh_hans
    assert pct(value, "zh-hant") == zh_hant


def test_near_rounds_up_and_about_to_the_nearest():
    assert near(27, "zh-hans") == "近30"
    assert near(12.7, "zh-hant") == "近20"
    assert near(30, "zh-hans") == "30"
    assert about(12345, "zh-hans") == "约1.2万"
    assert about(12345, "zh-hant") == "約1.2萬"
    assert about(3460, "zh-hans") == "约3500"


def test_english_words_and_exact_figures():
    assert approx(23456, "en") == "more than 23,000"
    assert pct(85.3, "en") == "over 85%"
    assert exact(23456, "en") == "23,456"
    assert exact(23456, "zh-hans") == "23456"
    assert exact(12.5, "zh-hans") == "12.5"
    assert approx(None, "zh-hans") == "—"


def test_a_percentage_is_never_rounded_up_into_the_words():
    from stats.figures import _pct

    # 143 of 149 villages is 95.97%: the summary must not claim "96%以上".
    assert _pct(143, 149) == 95.9
    assert pct(_pct(143, 149), "zh-hans") == "95%以上"
