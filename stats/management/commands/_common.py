from django.core.management.base import CommandError
from django.db.models import Count, Q

from events.models import Association


def association_from(value: str | None, year: int) -> Association:
    """By id or name; without one, the association with the most events that year."""
    if value:
        found = Association.objects.filter(Q(name=value) | Q(id=int(value)) if value.isdigit() else Q(name=value))
        association = found.first()
        if association is None:
            raise CommandError(f"No association {value!r}.")
        return association
    association = (
        Association.objects.annotate(n=Count("events", filter=Q(events__starts_at__year=year)))
        .order_by("-n", "id")
        .first()
    )
    if association is None:
        raise CommandError("No association yet: load one with `python manage.py seed_demo`.")
    return association
