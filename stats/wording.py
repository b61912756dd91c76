"""How reports write figures: "1200多人次", "2万多人次", "85%以上", "近30个", "约1.2万".

The rounded words never claim more than the records hold: "多" and "以上"
round down, "近" (nearly) rounds up, "约" (about) rounds to nearest. The exact
figure stays available beside them ({figure:exact}, the appendix).
"""

import math
from decimal import Decimal

WORDS = {
    "zh-hans": {"wan": "万", "more": "多", "over_pct": "{n}%以上", "near": "近{n}", "about": "约{n}"},
    "zh-hant": {"wan": "萬", "more": "多", "over_pct": "{n}%以上", "near": "近{n}", "about": "約{n}"},
    "en": {"more": "more than {n}", "over_pct": "over {n}%", "near": "nearly {n}", "about": "about {n}"},
}
MISSING = "—"


def _words(lang: str) -> dict:
    return WORDS.get(lang, WORDS["zh-hans"])


def _step(n: int) -> int:
    """The unit reports round to: tens below 1,000 (43 → 40, 567 → 560), then two significant digits."""
    return 10 ** max(len(str(n)) - 2, 1)


def _two_significant_down(n: int) -> int:
    return n if n < 10 else n // _step(n) * _step(n)


def _two_significant_up(n: int) -> int:
    return n if n < 10 else -(-n // _step(n)) * _step(n)


def exact(value, lang: str) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float | Decimal) and value != int(value):
        return f"{value:,.1f}" if lang == "en" else f"{float(value):.1f}".rstrip("0").rstrip(".")
    return f"{int(value):,}" if lang == "en" else str(int(value))


def approx(value, lang: str) -> str:
    """Rounded down the way the seed writes "xxx多": 1,234 → 1200多; 23,456 → 2万多; 7 → 7."""
    if value is None:
        return MISSING
    n = math.floor(value)
    words = _words(lang)
    if lang == "en":
        rounded = _two_significant_down(n)
        return f"{rounded:,}" if rounded == n else words["more"].format(n=f"{rounded:,}")
    if n >= 10000:
        rounded = n // 10000 * 10000
        text = f"{n // 10000}{words['wan']}"
    else:
        rounded = _two_significant_down(n)
        text = str(rounded)
    return text if rounded == value else text + words["more"]


def near(value, lang: str) -> str:
    """ "近xxx": the round number just above: 27 → 近30 (an exact round number stays as it is)."""
    if value is None:
        return MISSING
    n = math.ceil(value)
    rounded = _two_significant_up(n)
    if lang == "en":
        return f"{n:,}" if rounded == value else _words(lang)["near"].format(n=f"{rounded:,}")
    text = f"{rounded // 10000}{_words(lang)['wan']}" if rounded >= 10000 and rounded % 10000 == 0 else str(rounded)
    return text if rounded == value else _words(lang)["near"].format(n=text)


def about(value, lang: str) -> str:
    """ "约xxx": to the nearest round number: 12,345 → 约1.2万; 3,460 → 约3500."""
    if value is None:
        return MISSING
    n = float(value)
    words = _words(lang)
    if lang != "en" and n >= 10000:
        text = f"{round(n / 10000, 1):g}{words['wan']}"
    else:
        digits = len(str(int(n))) if n >= 1 else 1
        rounded = int(round(n, -(digits - 2))) if digits > 2 else round(n)
        text = f"{rounded:,}" if lang == "en" else str(rounded)
    return words["about"].format(n=text)


def pct(value, lang: str) -> str:
    """ "xxx%以上": a percentage rounded down to a whole number."""
    if value is None:
        return MISSING
    whole = math.floor(value)
    if whole >= 100:
        return "100%"
    return _words(lang)["over_pct"].format(n=whole)


FORMATS = {"approx": approx, "exact": exact, "near": near, "about": about, "pct": pct}
