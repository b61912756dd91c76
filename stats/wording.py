"""How reports write figures, without ever claiming more than the records hold.

The rules (docs/summary.md explains them to the clerk):

- "余" and "多" ({figure}, `approx`): the figure rounded DOWN to two
  significant digits (in 万 from 10,000 on), followed by 余 when what is left
  over is less than half the rounding unit (a small remainder: 47,019 →
  4.7万余) and by 多 when it is half a unit or more (23,500 → 2.3万多). A
  figure that is already round is written as it is (1200, 2万).
- "约" ({figure:about}): the nearest round figure, above or below, never
  combined with 余/多 ("约1.2万多" would say two things at once).
- "近" ({figure:near}): only when the figure lies within 10% below a round
  number with one significant digit (27 → 近30, 47,019 → 近5万); otherwise
  the figure falls back to 约 (12.7 → 约13, never 近20).
- percentages ({figure:pct}) are rounded DOWN to a whole number and say 以上
  (95.9 → 95%以上); the tallies already round their one decimal down.
- `exact` is the one way a figure is written in full, in the text and in the
  appendix alike: whole numbers as they are (thousands separated in English),
  other numbers with their two recorded decimals at most (1983.93, 12.5).
"""

import math
from decimal import Decimal

WORDS = {
    "zh-hans": {
        "wan": "万",
        "small_remainder": "余",
        "large_remainder": "多",
        "over_pct": "{n}%以上",
        "near": "近{n}",
        "about": "约{n}",
    },
    "zh-hant": {
        "wan": "萬",
        "small_remainder": "餘",
        "large_remainder": "多",
        "over_pct": "{n}%以上",
        "near": "近{n}",
        "about": "約{n}",
    },
    "en": {
        "small_remainder": "more than {n}",
        "large_remainder": "more than {n}",
        "over_pct": "over {n}%",
        "near": "nearly {n}",
        "about": "about {n}",
    },
}
MISSING = "—"
NEAR_WITHIN = Decimal("0.1")  # 近N only for figures at most 10% below N


def _words(lang: str) -> dict:
    return WORDS.get(lang, WORDS["zh-hans"])


def _step(n: int) -> int:
    """The unit reports round to: two significant digits, never finer than tens (43 → 40, 567 → 560)."""
    return 10 ** max(len(str(n)) - 2, 1)


def _plain(n: Decimal | int, lang: str) -> str:
    """A whole or decimal number without trailing zeros: 4.7, 15, 1,200 (English)."""
    value = Decimal(n)
    if value == value.to_integral_value():
        return f"{int(value):,}" if lang == "en" else str(int(value))
    text = f"{value:f}".rstrip("0").rstrip(".")
    return text


def _in_units(n: int | Decimal, lang: str) -> str:
    """A round number as Chinese reports write it: 47000 → 4.7万, 1200 → 1200; English: 47,000."""
    if lang != "en" and n >= 10000:
        return f"{_plain(Decimal(n) / 10000, lang)}{_words(lang)['wan']}"
    return _plain(n, lang)


def exact(value, lang: str) -> str:
    """The figure in full: the same text wherever the figure appears."""
    if value is None:
        return MISSING
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}" if lang == "en" else str(int(number))
    rounded = number.quantize(Decimal("0.01")).normalize()
    return f"{rounded:,f}" if lang == "en" else f"{rounded:f}"


def approx(value, lang: str) -> str:
    """Rounded down with 余 (a small remainder) or 多 (half a unit or more): 47,019 → 4.7万余; 23,500 → 2.3万多."""
    if value is None:
        return MISSING
    number = Decimal(str(value))
    n = math.floor(number)
    if n < 10:
        return exact(value, lang)
    step = _step(n)
    rounded = n // step * step
    remainder = number - rounded
    text = _in_units(rounded, lang)
    if remainder == 0:
        return text
    words = _words(lang)
    word = words["small_remainder"] if remainder * 2 < step else words["large_remainder"]
    return word.format(n=text) if lang == "en" else text + word


def _one_significant_up(n: Decimal) -> int:
    """The round number with one significant digit at or above n: 27 → 30, 47019 → 50000, 8 → 8."""
    whole = math.ceil(n)
    if whole < 10:
        return whole
    unit = 10 ** (len(str(whole)) - 1)
    return -(-whole // unit) * unit


def near(value, lang: str) -> str:
    """ "近N" only when the figure lies within 10% below the round N; otherwise 约 (12.7 → 约13, never 近20)."""
    if value is None:
        return MISSING
    number = Decimal(str(value))
    target = _one_significant_up(number)
    if target == number:
        return exact(value, lang)
    if target >= 10 and number >= target * (1 - NEAR_WITHIN):
        return _words(lang)["near"].format(n=_in_units(target, lang))
    return about(value, lang)


def about(value, lang: str) -> str:
    """ "约N": the nearest round number, two significant digits: 12,345 → 约1.2万; 3,460 → 约3500; 12.7 → 约13."""
    if value is None:
        return MISSING
    number = Decimal(str(value))
    if number < 10:
        return _words(lang)["about"].format(n=exact(value, lang))
    digits = len(str(int(number)))
    unit = Decimal(10) ** max(digits - 2, 0)
    rounded = (number / unit).quantize(Decimal(1), rounding="ROUND_HALF_UP") * unit
    return _words(lang)["about"].format(n=_in_units(int(rounded), lang))


def pct(value, lang: str) -> str:
    """ "xxx%以上": a percentage rounded down to a whole number; a whole one says no more than it is."""
    if value is None:
        return MISSING
    number = Decimal(str(value))
    whole = math.floor(number)
    if whole >= 100 or whole == number:
        return f"{min(whole, 100)}%"
    return _words(lang)["over_pct"].format(n=whole)


def pct_exact(value, lang: str) -> str:
    """A percentage with its one decimal, as the tallies round it (down): 35.2%."""
    return MISSING if value is None else f"{exact(value, lang)}%"


def change(current, previous) -> float | None:
    """The change from the previous year in percent, rounded toward zero (never overstated); None without a base."""
    if current is None or not previous:
        return None
    ratio = (Decimal(str(current)) - Decimal(str(previous))) * 100 / Decimal(str(previous))
    return float(int(ratio))


FORMATS = {"approx": approx, "exact": exact, "near": near, "about": about, "pct": pct}
