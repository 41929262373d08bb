"""Database rows as JSON and back, column by column, so a bag carries every column a row has
(a column added later travels without this module changing) and an import restores them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Uuid, inspect
from sqlalchemy.orm import DeclarativeBase

from archive.db.base import UTCDateTime

Row = TypeVar("Row", bound=DeclarativeBase)


def to_json(row: DeclarativeBase) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in inspect(row).mapper.column_attrs:
        value = getattr(row, column.key)
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        values[column.key] = value
    return values


def from_json(model: type[Row], values: dict[str, Any]) -> Row:
    """A new row of `model` from `to_json`'s output; keys the model does not have are an error
    (the bag comes from a newer archive), columns the bag lacks take their defaults."""
    mapper = inspect(model)
    known = {c.key: c for c in mapper.column_attrs}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(
            f"{model.__tablename__} has no {', '.join(sorted(unknown))}: the bag was made by a "
            "newer version of the archive; upgrade this one first."
        )
    converted: dict[str, Any] = {}
    for key, value in values.items():
        column_type = known[key].columns[0].type
        if value is not None and isinstance(column_type, Uuid):
            value = uuid.UUID(value)
        elif value is not None and isinstance(column_type, UTCDateTime):
            value = datetime.fromisoformat(value)
        converted[key] = value
    return model(**converted)
