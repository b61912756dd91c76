"""Filters the ORM spells in a way that costs too much for long lists."""

from collections.abc import Iterable

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, F, Func, Q, TextField
from django.db.models.expressions import RawSQL


def among(field: str, values: Iterable[int] | Iterable[str]) -> Q:
    """`field IN values`; on PostgreSQL `field = ANY(%s)`, with the values as one array parameter.

    The tallies filter by the events of a year (about a thousand ids) and by their markers' keys. As an
    IN list that is a thousand placeholders, which Django resolves and psycopg rewrites again for every
    statement: in bench/tally's full recompute that took longer than the databases' own work on them.
    """
    listed: list[int | str] = list(values)
    if connection.vendor != "postgresql" or not listed:
        return Q(**{f"{field}__in": listed})
    base = BigIntegerField() if all(isinstance(v, int) for v in listed) else TextField()
    # The list goes to psycopg as it is, one array parameter: an ArrayField value would prepare each of a
    # thousand ids on its own, which cost the full recompute a second of Python (bench/tally).
    array = RawSQL("%s", (listed,), output_field=ArrayField(base))
    return Q(Func(F(field), array, arg_joiner=" = ANY(", template="(%(expressions)s))", output_field=BooleanField()))
