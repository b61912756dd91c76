"""The rounding words of Chinese reports, pinned on a table of cases: they never claim more than the records hold."""

import pytest

from stats.wording import about, approx, change, exact, near, pct

# (form, value, zh-hans, zh-hant, en)
CASES = [
    # 余 after a small remainder (less than half the rounding unit), 多 after half a unit or more.
    ("approx", 47019, "4.7万余", "4.7萬餘", "more than 47,000"),
    ("approx", 23500, "2.3万多", "2.3萬多", "more than 23,000"),
    ("approx", 23456, "2.3万余", "2.3萬餘", "more than 23,000"),
    ("approx", 156789, "15万多", "15萬多", "more than 150,000"),
    ("approx", 1234, "1200余", "1200餘", "more than 1,200"),
    ("approx", 1280, "1200多", "1200多", "more than 1,200"),
    ("approx", 567, "560多", "560多", "more than 560"),
    ("approx", 43, "40余", "40餘", "more than 40"),
    ("approx", 7, "7", "7", "7"),
    ("approx", 1200, "1200", "1200", "1,200"),  # a round figure is not "more than" itself
    ("approx", 20000, "2万", "2萬", "20,000"),
    ("approx", 0, "0", "0", "0"),
    ("approx", 12.7, "10余", "10餘", "more than 10"),
    # 近N only within 10% below a round N; otherwise about.
    ("near", 27, "近30", "近30", "nearly 30"),
    ("near", 47019, "近5万", "近5萬", "nearly 50,000"),
    ("near", 12.7, "约13", "約13", "about 13"),  # never 近20
    ("near", 17, "约17", "約17", "about 17"),
    ("near", 30, "30", "30", "30"),
    ("near", 8, "8", "8", "8"),
    # 约: the nearest round figure, up or down, and never with 多.
    ("about", 12345, "约1.2万", "約1.2萬", "about 12,000"),
    ("about", 3460, "约3500", "約3500", "about 3,500"),
    ("about", 3440, "约3400", "約3400", "about 3,400"),
    ("about", 12.7, "约13", "約13", "about 13"),
    # Percentages rounded down; a whole one stays as it is.
    ("pct", 85.3, "85%以上", "85%以上", "over 85%"),
    ("pct", 97.9, "97%以上", "97%以上", "over 97%"),
    ("pct", 60.0, "60%", "60%", "60%"),
    ("pct", 100.0, "100%", "100%", "100%"),
    # One way to write a figure in full, in the text and the appendix alike.
    ("exact", 1983.93, "1983.93", "1983.93", "1,983.93"),
    ("exact", 12.5, "12.5", "12.5", "12.5"),
    ("exact", 23456, "23456", "23456", "23,456"),
    ("exact", None, "—", "—", "—"),
]
FORMS = {"approx": approx, "near": near, "about": about, "pct": pct, "exact": exact}


@pytest.mark.parametrize(("form", "value", "zh_hans", "zh_hant", "en"), CASES)
def test_the_wording_of_a_figure_follows_the_table(form, value, zh_hans, zh_hant, en):
    words = FORMS[form]
    assert (words(value, "zh-hans"), words(value, "zh-hant"), words(value, "en")) == (zh_hans, zh_hant, en)


@pytest.mark.parametrize("value", [11, 12.7, 19, 27, 95, 101, 999, 4321, 47019, 99999, 123456])
def test_no_wording_claims_more_than_the_figure(value):
    """多/余 round down; 近 stays within 10% of the figure; 约 stays within half a unit of two digits."""
    import re

    def number(text: str) -> float:
        found = re.search(r"([\d.]+)(万)?", text)
        return float(found.group(1)) * (10000 if found.group(2) else 1)

    assert number(approx(value, "zh-hans")) <= value
    said = near(value, "zh-hans")
    if said.startswith("近"):
        assert value < number(said) <= value / 0.9
    assert abs(number(about(value, "zh-hans")) - value) <= value * 0.05


def test_a_percentage_is_never_rounded_up_into_the_words():
    from stats.figures import _pct

    # 143 of 149 villages is 95.97%: the summary must not claim "96%以上".
    assert _pct(143, 149) == 95.9
    assert pct(_pct(143, 149), "zh-hans") == "95%以上"


def test_the_change_from_the_previous_year_is_rounded_toward_zero():
    assert change(1150, 1000) == 15.0
    assert change(1159, 1000) == 15.0
    assert change(841, 1000) == -15.0
    assert change(10, 0) is None and change(10, None) is None
