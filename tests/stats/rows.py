"""The records behind a registry figure, recounted plainly: the rows its records page lists (stats.selectors.
register_rows) counted, or their field added up, per key, here in the test and not by the code under test."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from stats import figures, selectors


def recount_listed_rows(association, year: int, name: str):
    register = figures.BY_NAME[name].register
    assert register is not None, name
    rows = list(selectors.register_rows(association_id=association.id, year=year, figure=name))
    totals: dict = defaultdict(int)
    for row in rows:
        key = getattr(row, register.key) if register.key else None
        totals[key] += (getattr(row, register.value) or 0) if register.value else 1  # no entry: none counted
    if register.money:
        totals = {k: int(Decimal(v).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for k, v in totals.items()}
    if register.key is None:
        return totals.get(None, 0)
    return {k: v for k, v in totals.items() if v}


def without_zeros(value):
    """A keyed figure may hold a kind at 0 (none founded this year): the listed rows have no row for it."""
    return {k: v for k, v in value.items() if v} if isinstance(value, dict) else value
