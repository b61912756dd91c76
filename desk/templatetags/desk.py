"""Template filters of the desk's pages."""

from decimal import Decimal

from django import template

from kepu import access

register = template.Library()


@register.filter
def plain(number: Decimal | int | None) -> str:
    """A number as a clerk writes it: 2.5 and 10, not 2.50 and 10.00 (nor 1E+1); nothing for None."""
    if number is None:
        return ""
    return f"{Decimal(number).normalize():f}"


@register.filter
def holds_association(user) -> bool:
    """Whether the navigation offers the association's own pages (registers, reporting): not to a township
    organizer or a partner account, whom those pages refuse (kepu.access.holds_association)."""
    return access.holds_association(user)


@register.filter
def reads_figures(user) -> bool:
    return access.may_read_figures(user)


@register.filter
def plans_events(user) -> bool:
    """Whether the desk offers planning and staffing: not to a partner account (kepu.access.may_plan_events)."""
    return access.may_plan_events(user)


@register.filter
def scans(user, event) -> bool:
    """Whether the user checks people in at the event's door (kepu.access.may_scan): the scanner link's rule."""
    return access.may_scan(user, event)
