"""Requests built from the OpenAPI document alone, so that a test can call every operation
without naming it: which operations address a thing by id, and a body for each.

Pure: no HTTP, no database. `Operation.id_inputs` names every id an operation takes (path,
query or JSON body, at any depth); `body_for` fills a JSON body from its schema, with ids from
a mapping and plausible values for the rest."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Schema = dict[str, Any]
IdSource = Callable[[str], Any]
"""Given an id's name (`story_id`, `person_id`, `related_story_ids`), its value; raises
`KeyError` for a name it does not know."""

PROBE_TEXT = "probe text from the boundary test"
"""Every string a built body carries: never a marker, so an echo of the request is no leak."""


def is_id_name(name: str) -> bool:
    return name.endswith(("_id", "_ids"))


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: Schema
    document: Schema

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def parameters(self, where: str) -> list[Schema]:
        found: list[Schema] = self.spec.get("parameters", [])
        return [p for p in found if p["in"] == where]

    @property
    def path_names(self) -> list[str]:
        """Path parameters the operation declares (a placeholder it does not declare, like
        tus discovery's `OPTIONS /uploads/{upload_id}`, is not read by it)."""
        return [p["name"] for p in self.parameters("path")]

    @property
    def query_id_names(self) -> list[str]:
        return [
            p["name"]
            for p in self.parameters("query")
            if is_id_name(p["name"]) or _is_uuid(self.resolve(p["schema"]))
        ]

    @property
    def json_schema(self) -> Schema | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.resolve(content["application/json"]["schema"])

    @property
    def file_fields(self) -> list[str]:
        content = self.spec.get("requestBody", {}).get("content", {})
        form = content.get("multipart/form-data")
        if form is None:
            return []
        properties: dict[str, Schema] = self.resolve(form["schema"]).get("properties", {})
        return [name for name, s in properties.items() if s.get("format") == "binary"]

    @property
    def body_id_names(self) -> list[str]:
        schema = self.json_schema
        return [] if schema is None else sorted(set(_id_names(self, schema, depth=0)))

    @property
    def id_inputs(self) -> list[str]:
        """Every id the operation reads, wherever it is."""
        return [*self.path_names, *self.query_id_names, *self.body_id_names]

    @property
    def addresses_a_thing(self) -> bool:
        """Named by an id in its path or body: another community's id must find nothing."""
        return bool(self.path_names or self.body_id_names)

    def resolve(self, schema: Schema) -> Schema:
        """The schema a `$ref` names, and of an optional value (`anyOf: [X, null]`) its X."""
        while True:
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                schema = {**self.document["components"]["schemas"][name], **_without_ref(schema)}
            elif "anyOf" in schema:
                options = [o for o in schema["anyOf"] if o.get("type") != "null"]
                schema = {**options[0], **{k: v for k, v in schema.items() if k != "anyOf"}}
            else:
                return schema

    def url(self, values: Mapping[str, Any]) -> str:
        return re.sub(r"\{([^}]+)\}", lambda m: str(values[m.group(1)]), self.path)


def _without_ref(schema: Schema) -> Schema:
    return {k: v for k, v in schema.items() if k != "$ref"}


def _is_uuid(schema: Schema) -> bool:
    if schema.get("format") == "uuid":
        return True
    items = schema.get("items")
    return isinstance(items, dict) and items.get("format") == "uuid"


def _id_names(operation: Operation, schema: Schema, *, depth: int) -> list[str]:
    schema = operation.resolve(schema)
    if depth > 6:
        return []
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return _id_names(operation, schema["items"], depth=depth + 1)
    names: list[str] = []
    for name, prop in schema.get("properties", {}).items():
        resolved = operation.resolve(prop)
        if is_id_name(name) or _is_uuid(resolved):
            names.append(name)
        else:
            names.extend(_id_names(operation, resolved, depth=depth + 1))
    return names


def operations(document: Schema) -> list[Operation]:
    methods = ("get", "head", "options", "post", "put", "patch", "delete")
    return [
        Operation(method.upper(), path, spec, document)
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in methods
    ]


def body_for(
    operation: Operation,
    ids: IdSource,
    *,
    only_ids: frozenset[str] | None = None,
) -> Any:
    """A JSON body for `operation`: its required fields with plausible values, and every
    id-bearing field (required or not) from `ids`. With `only_ids`, only those id fields are
    filled (and required ones)."""
    schema = operation.json_schema
    if schema is None:
        return None
    return _value(operation, schema, ids, name="", only_ids=only_ids, depth=0)


def _carries_ids(operation: Operation, schema: Schema, only_ids: frozenset[str] | None) -> bool:
    names = _id_names(operation, schema, depth=0)
    return bool(names) and (only_ids is None or bool(only_ids.intersection(names)))


def _value(
    operation: Operation,
    schema: Schema,
    ids: IdSource,
    *,
    name: str,
    only_ids: frozenset[str] | None,
    depth: int,
) -> Any:
    schema = operation.resolve(schema)
    if name and (is_id_name(name) or _is_uuid(schema)):
        return ids(name)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        built: dict[str, Any] = {}
        for prop, sub in schema.get("properties", {}).items():
            resolved = operation.resolve(sub)
            wanted_id = is_id_name(prop) or _is_uuid(resolved)
            if wanted_id and (only_ids is None or prop in only_ids or prop in required):
                built[prop] = ids(prop)
            elif prop in required or (
                depth < 4 and not wanted_id and _carries_ids(operation, resolved, only_ids)
            ):
                built[prop] = _value(
                    operation, sub, ids, name=prop, only_ids=only_ids, depth=depth + 1
                )
        return built
    if kind == "array":
        return [_value(operation, schema["items"], ids, name="", only_ids=only_ids, depth=depth)]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = float(schema.get("minimum") or schema.get("exclusiveMinimum") or 0)
        return max(1, int(low) + 1) if kind == "integer" else low + 0.5
    if schema.get("format") == "date-time":
        return (datetime.now(UTC) + timedelta(days=30)).isoformat()
    if schema.get("format") == "date":
        return (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    return PROBE_TEXT[: schema.get("maxLength", len(PROBE_TEXT))]
