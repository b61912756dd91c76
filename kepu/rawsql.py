"""Hand-written SQL for the scan endpoint, the one path where the ORM's cost per query shows.

Compiling a queryset costs a few hundred microseconds of Python; a scan makes five
statements, and on a door with sixteen phones that CPU is the bottleneck
(bench/checkin). These helpers build statement text from the models' metadata
(table and column names, quoted by the backend) and turn rows back into model
instances as `.only()` would, converters included, so the SQL stays portable
(PostgreSQL and SQLite) and renames in the models follow.
"""

import functools
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    return qn(model._meta.db_table)


def _field(model: type[Model], name: str) -> Field:
    """A field with a column, by name or "…_id" attname (a reverse relation has no column to read)."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} has no column")
    return field


def _column_name(field: Field) -> str:
    assert field.column, field  # only fields `_field` returned come here
    return field.column


def column(model: type[Model], name: str, alias: str | None = None) -> str:
    """A column by field name (or "…_id" attname), qualified by `alias` when given."""
    quoted = qn(_column_name(_field(model, name)))
    return f"{alias}.{quoted}" if alias else quoted


def db_value(model: type[Model], name: str, value: Any) -> Any:
    """A value as the backend stores it in this field (a UUID on SQLite is hex text, say)."""
    return _field(model, name).get_db_prep_save(value, connection)


class Row(Generic[M]):
    """Some fields of a model, selected as consecutive columns and loaded back as an instance."""

    def __init__(self, model: type[M], names: tuple[str, ...], alias: str):
        self.model, self.names, self.alias = model, names, alias
        attnames = {_field(model, name).attname: name for name in names}
        self._positions = [  # from_db wants the fields in the model's order
            (f.attname, names.index(attnames[f.attname])) for f in model._meta.concrete_fields if f.attname in attnames
        ]
        self._converters: dict[str, list] = {}

    def select(self) -> list[str]:
        return [column(self.model, name, self.alias) for name in self.names]

    def _converters_for_connection(self) -> list:
        converters = self._converters.get(connection.alias)
        if converters is None:
            converters = []
            for name in self.names:
                col = _field(self.model, name).get_col(self.model._meta.db_table)
                converters.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
            self._converters[connection.alias] = converters
        return converters

    def load(self, values: Iterator) -> M | None:
        """The instance from the next columns of `values`; None if its first column (the id) is NULL."""
        raw = [next(values) for _ in self.names]
        if raw[0] is None:
            return None
        for i, (col, converters) in enumerate(self._converters_for_connection()):
            for converter in converters:
                raw[i] = converter(raw[i], col, connection)
        return self.model.from_db(
            connection.alias, [a for a, _ in self._positions], [raw[i] for _, i in self._positions]
        )


def insert(model: type[Model], values: dict[str, Any], *, suffix: str = "") -> tuple[str, list]:
    """INSERT of one row (field name or attname → Python value); `suffix` adds ON CONFLICT…/RETURNING…."""
    sql, fields = _insert_sql(connection.vendor, model, tuple(values), suffix)
    return sql, [
        field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)
    ]


def insert_sql(model: type[Model], names: tuple[str, ...], *, suffix: str = "") -> str:
    """The statement text of `insert` alone, for composing a larger statement."""
    return _insert_sql(connection.vendor, model, tuple(names), suffix)[0]


def prep(model: type[Model], values: dict[str, Any]) -> list:
    """The values as the backend stores them in these fields, in order."""
    return insert(model, values)[1]


@functools.cache
def _insert_sql(vendor: str, model: type[Model], names: tuple[str, ...], suffix: str) -> tuple[str, list]:
    del vendor  # part of the cache key only: quoting is the backend's
    fields = [_field(model, name) for name in names]
    columns = ", ".join(qn(_column_name(field)) for field in fields)
    sql = f"INSERT INTO {table(model)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    return f"{sql} {suffix}".rstrip(), fields
