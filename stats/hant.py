"""Traditional Chinese for the zh-hant summary: OpenCC's s2t, which keeps mainland vocabulary.

Names recorded in Simplified (towns, organizations, campaigns, venues) and
the composed sentences are converted with OpenCC's `s2t` configuration, not
`s2twp`: the Taiwan-phrase variant rewrites words (中小学生 → 中國小生,
网络 → 網路, 软硬件 → 軟硬體), while a mainland county's report keeps its own
(網絡, 軟硬件, 計劃, 群眾). A few of s2t's choices differ from the
Traditional characters mainland and Hong Kong texts write; MAINLAND_USAGE
puts those right after conversion.
"""

import functools
import re

import opencc

# s2t's standard characters that mainland Traditional texts write otherwise, and phrases it splits wrongly
# ("严重制约" is read as 嚴/重製/約).
MAINLAND_USAGE = {
    "羣": "群",
    "衆": "眾",
    "重製約": "重制約",
}
_FIXES = re.compile("|".join(map(re.escape, sorted(MAINLAND_USAGE, key=len, reverse=True))))


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_hant(text: str) -> str:
    """Simplified → Traditional with mainland vocabulary; text already in Traditional stays as it is."""
    if not text:
        return text
    return _FIXES.sub(lambda m: MAINLAND_USAGE[m.group(0)], _converter().convert(text))


def simplified_only(text: str) -> set[str]:
    """The characters of a text that exist only in Simplified (s2t would change them)."""
    return {ch for ch in set(text) if "\u4e00" <= ch <= "\u9fff" and to_hant(ch) != ch}
