"""Template filters of the desk's pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(number: Decimal | int | None) -> str:
    """A number as a clerk writes it: 2.5 and 10, not 2.50 and 10.00 (nor 1E+1); nothing for None."""
    if number is None:
        return ""
    return f"{Decimal(number).normalize():f}"
