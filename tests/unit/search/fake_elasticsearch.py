"""A stand-in for an Elasticsearch server, on loopback, for the adapter's unit tests.

Kept only for what a real node cannot be made to do on demand: refuse bulk documents with 429
(its queues full) a chosen number of times, vanish mid-request, and show the exact requests the
adapter sends. What search does (relevance, analyzers, highlighting, the access scope inside
the query, facets, rebuilds) is proved on a real Elasticsearch node by the contract tests
(`tests/integration/search/`, the session's `elasticsearch_url`).

It speaks the REST calls `ElasticsearchIndex` makes through the real official client (index
templates, indices, aliases, bulk, scroll and search), keeps documents in memory, and records
every request. It does not rank or analyse: `text` clauses match whole lower-case words (a
phrase: a substring). Keyword clauses (`term`, `terms`, `terms_set`, `range`) follow
Elasticsearch's rules for arrays and missing values.
"""

from __future__ import annotations

import fnmatch
import html
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Json = dict[str, Any]


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any


@dataclass
class FakeCluster:
    templates: dict[str, Json] = field(default_factory=dict)
    indices: dict[str, dict[str, Json]] = field(default_factory=dict)
    settings: dict[str, Json] = field(default_factory=dict)
    aliases: dict[str, dict[str, Json]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    reject_bulk_items: int = 0
    """Answer this many bulk items with 429 (queue full) before accepting them."""
    unavailable: bool = False
    """Answer everything with 503."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, fragment: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and fragment in r.path]

    def alias_targets(self, alias: str) -> list[str]:
        return sorted(self.aliases.get(alias, {}))

    def handle(self, request: Request) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(request)
            if self.unavailable:
                return 503, _error("unavailable", "the cluster is unavailable", 503)
            return self._route(request)

    def _route(self, r: Request) -> tuple[int, Any]:
        parts = [p for p in r.path.split("/") if p]
        if not parts:
            return 200, {"version": {"number": "9.0.0"}, "tagline": "You Know, for Search"}
        if parts == ["_cluster", "health"]:
            return 200, {"cluster_name": "fake", "status": "green", "number_of_nodes": 1}
        if parts[0] == "_index_template":
            return self._template(r.method, parts[1], r.body)
        if parts[0] == "_alias":
            return self._get_alias(r.method, parts[1])
        if parts == ["_aliases"]:
            return self._update_aliases(r.body["actions"])
        if parts[-1] == "_bulk":
            return self._bulk(r.body, r.params)
        if parts[:2] == ["_search", "scroll"]:
            if r.method == "DELETE":
                return 200, {"succeeded": True, "num_freed": 1}
            return 200, {"_scroll_id": "done", "hits": {"hits": []}, "_shards": _SHARDS}
        if len(parts) == 2 and parts[1] == "_search":
            return self._search(parts[0], r.body, r.params)
        if len(parts) == 2 and parts[1] == "_alias":
            return 200, {
                name: {"aliases": self._aliases_of(name)}
                for name in self._resolve(parts[0], wildcard=True)
            }
        if len(parts) == 2 and parts[1] in ("_settings", "_refresh"):
            return 200, {"acknowledged": True}
        if len(parts) == 1 and r.method == "PUT":
            return self._create(parts[0], r.body or {})
        if len(parts) == 1 and r.method == "DELETE":
            for name in parts[0].split(","):
                self.indices.pop(name, None)
                for targets in self.aliases.values():
                    targets.pop(name, None)
            return 200, {"acknowledged": True}
        return 400, _error("unsupported", f"the fake does not know {r.method} {r.path}", 400)

    def _template(self, method: str, name: str, body: Json | None) -> tuple[int, Any]:
        if method == "PUT":
            assert body is not None
            self.templates[name] = body
            return 200, {"acknowledged": True}
        if self.templates.pop(name, None) is None:
            return 404, _error("resource_not_found_exception", name, 404)
        return 200, {"acknowledged": True}

    def _get_alias(self, method: str, alias: str) -> tuple[int, Any]:
        targets = self.alias_targets(alias)
        if not targets:
            return 404, {"error": f"alias [{alias}] missing", "status": 404}
        if method == "HEAD":
            return 200, None
        return 200, {name: {"aliases": {alias: {}}} for name in targets}

    def _aliases_of(self, index: str) -> Json:
        return {
            alias: props
            for alias, targets in self.aliases.items()
            for props in [targets.get(index)]
            if props is not None
        }

    def _create(self, name: str, body: Json) -> tuple[int, Any]:
        if name in self.indices:
            return 400, _error("resource_already_exists_exception", name, 400)
        for alias, props in (body.get("aliases") or {}).items():
            if props.get("is_write_index") and any(
                p.get("is_write_index") for p in self.aliases.get(alias, {}).values()
            ):
                return 500, _error(
                    "illegal_state_exception", f"alias [{alias}] has more than one write index", 500
                )
        matching = [
            t
            for t in self.templates.values()
            if any(fnmatch.fnmatch(name, p) for p in t["index_patterns"])
        ]
        if not matching:
            return 400, _error("no_template", f"the fake wants a template for {name}", 400)
        self.indices[name] = {}
        self.settings[name] = body.get("settings") or {}
        for alias, props in (body.get("aliases") or {}).items():
            self.aliases.setdefault(alias, {})[name] = props
        return 200, {"acknowledged": True, "index": name}

    def _update_aliases(self, actions: list[Json]) -> tuple[int, Any]:
        for action in actions:
            ((kind, spec),) = action.items()
            if spec["index"] not in self.indices:
                return 404, _error("index_not_found_exception", spec["index"], 404)
            if kind == "remove" and spec["index"] not in self.aliases.get(spec["alias"], {}):
                return 404, _error("aliases_not_found_exception", spec["alias"], 404)
        for action in actions:
            ((kind, spec),) = action.items()
            targets = self.aliases.setdefault(spec["alias"], {})
            if kind == "add":
                targets[spec["index"]] = {
                    k: v for k, v in spec.items() if k not in ("index", "alias")
                }
            else:
                targets.pop(spec["index"])
        return 200, {"acknowledged": True}

    def _resolve(self, target: str, *, wildcard: bool = False) -> list[str]:
        names: list[str] = []
        for part in target.split(","):
            if self.aliases.get(part):
                names.extend(self.aliases[part])
            elif wildcard and "*" in part:
                names.extend(n for n in self.indices if fnmatch.fnmatch(n, part))
            elif part in self.indices:
                names.append(part)
        return sorted(set(names))

    def _write_index(self, target: str) -> str | None:
        if target in self.indices:
            return target
        targets = self.aliases.get(target, {})
        writers = [n for n, p in targets.items() if p.get("is_write_index")] or list(targets)
        return writers[0] if len(writers) == 1 else None

    def _bulk(self, lines: list[Json], params: dict[str, str]) -> tuple[int, Any]:
        items: list[Json] = []
        errors = False
        pairs = iter(lines)
        for header in pairs:
            ((op, meta),) = header.items()
            source = next(pairs) if op == "index" else None
            index = self._write_index(meta["_index"])
            if self.reject_bulk_items > 0:
                self.reject_bulk_items -= 1
                errors = True
                items.append(
                    {
                        op: {
                            "_id": meta["_id"],
                            "status": 429,
                            "error": {
                                "type": "es_rejected_execution_exception",
                                "reason": "queue full",
                            },
                        }
                    }
                )
                continue
            if index is None:
                errors = True
                items.append(
                    {
                        op: {
                            "_id": meta["_id"],
                            "status": 404,
                            "error": {
                                "type": "index_not_found_exception",
                                "reason": meta["_index"],
                            },
                        }
                    }
                )
                continue
            if op == "delete":
                found = self.indices[index].pop(meta["_id"], None) is not None
                items.append(
                    {
                        op: {
                            "_index": index,
                            "_id": meta["_id"],
                            "status": 200 if found else 404,
                            "result": "deleted" if found else "not_found",
                        }
                    }
                )
                continue
            assert source is not None
            unknown = set(source) - set(self._properties(index))
            if unknown:
                errors = True
                items.append(
                    {
                        op: {
                            "_id": meta["_id"],
                            "status": 400,
                            "error": {
                                "type": "strict_dynamic_mapping_exception",
                                "reason": str(unknown),
                            },
                        }
                    }
                )
                continue
            self.indices[index][meta["_id"]] = source
            items.append(
                {op: {"_index": index, "_id": meta["_id"], "status": 201, "result": "created"}}
            )
        return 200, {"took": 1, "errors": errors, "items": items}

    def _properties(self, index: str) -> Json:
        for template in self.templates.values():
            if any(fnmatch.fnmatch(index, p) for p in template["index_patterns"]):
                properties: Json = template["template"]["mappings"]["properties"]
                return properties
        return {}

    def _search(self, target: str, body: Json | None, params: dict[str, str]) -> tuple[int, Any]:
        names = self._resolve(target)
        if not names:
            return 404, _error("index_not_found_exception", target, 404)
        body = body or {}
        query = body.get("query", {"match_all": {}})
        found = [
            (name, doc_id, source)
            for name in names
            for doc_id, source in self.indices[name].items()
            if _matches(query, doc_id, source)
        ]
        found.sort(key=lambda f: (f[2]["story_id"], f[2]["start"], f[2]["segment_id"]))
        start = int(body.get("from", 0))
        size = int(params["size"]) if "size" in params else int(body.get("size", 10))
        hits = [
            {
                "_index": name,
                "_id": doc_id,
                "_score": 1.0,
                "_source": source,
                "highlight": {"text": [_highlight(source["text"], query)]},
            }
            for name, doc_id, source in found[start : start + size]
        ]
        answer: Json = {
            "took": 1,
            "timed_out": False,
            "_shards": _SHARDS,
            "hits": {"total": {"value": len(found), "relation": "eq"}, "hits": hits},
        }
        if "scroll" in params:
            answer["_scroll_id"] = "scroll-1"
        if "aggs" in body:
            # A `sampler` holds its `terms` aggregations (every match is in the sample here);
            # a `terms` aggregation counts a document once under each of its values.
            answer["aggregations"] = {
                sampled: {"doc_count": len(found), **_terms(found, agg["aggs"])}
                for sampled, agg in body["aggs"].items()
            }
        return 200, answer


def _terms(found: list[tuple[str, str, Json]], aggs: Json) -> Json:
    return {
        name: {
            "buckets": [
                {"key": key, "doc_count": count}
                for key, count in sorted(
                    Counter(
                        value
                        for _, _, s in found
                        for value in set(_values(s, agg["terms"]["field"]))
                    ).items(),
                    key=lambda kv: (-kv[1], kv[0]),
                )
            ]
        }
        for name, agg in aggs.items()
    }


_SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}


def _error(kind: str, reason: str, status: int) -> Json:
    return {
        "error": {"type": kind, "reason": reason, "root_cause": [{"type": kind, "reason": reason}]},
        "status": status,
    }


def _words(text: str) -> list[str]:
    return "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()


def _values(source: Json, name: str) -> list[Any]:
    """A field's values as Elasticsearch sees them: an array is many, null is none."""
    value = source.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _matches(query: Json, doc_id: str, source: Json) -> bool:
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "match_none":
        return False
    if kind == "ids":
        return doc_id in list(spec["values"])
    if kind == "term":
        ((name, value),) = spec.items()
        return value in _values(source, name)
    if kind == "terms":
        ((name, values),) = spec.items()
        return any(value in values for value in _values(source, name))
    if kind == "terms_set":
        # As Elasticsearch: at least one of the terms, and at least as many as the document's
        # own count field asks for.
        ((name, wanted),) = spec.items()
        held = sum(value in wanted["terms"] for value in _values(source, name))
        return held > 0 and held >= source[wanted["minimum_should_match_field"]]
    if kind == "range":
        ((name, bounds),) = spec.items()
        checks = {"gt": float.__gt__, "gte": float.__ge__, "lt": float.__lt__, "lte": float.__le__}
        return any(
            all(checks[op](float(value), float(bound)) for op, bound in bounds.items())
            for value in _values(source, name)
        )
    if kind == "bool":
        must = spec.get("must", []) + spec.get("filter", [])
        should = spec.get("should", [])
        return (
            all(_matches(c, doc_id, source) for c in must)
            and not any(_matches(c, doc_id, source) for c in spec.get("must_not", []))
            and (not should or any(_matches(c, doc_id, source) for c in should))
        )
    words = _words(source["text"])
    if kind == "multi_match" and spec.get("type") == "phrase":
        return " ".join(_words(spec["query"])) in " ".join(words)
    if kind == "multi_match":
        return all(w in words for w in _words(spec["query"]))
    if kind == "match_phrase":
        return " ".join(_words(spec["text"]["query"])) in " ".join(words)
    if kind == "match_bool_prefix":
        prefix = _words(spec["text"]["query"])[-1]
        return any(w.startswith(prefix) for w in words)
    raise AssertionError(f"the fake cannot evaluate {kind}")


def _highlight(text: str, query: Json) -> str:
    """Marks every word of the text that occurs anywhere in the query, HTML-encoded."""
    wanted = set(_words(json.dumps(query)))
    out: list[str] = []
    position = 0
    for match in re.finditer(r"\w+", text):
        out.append(html.escape(text[position : match.start()]))
        word = html.escape(match.group())
        out.append(f"<mark>{word}</mark>" if match.group().lower() in wanted else word)
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    cluster: FakeCluster

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        body: Any = None
        if raw and url.path.endswith("/_bulk"):
            body = [json.loads(line) for line in raw.splitlines() if line.strip()]
        elif raw:
            body = json.loads(raw)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        status, answer = self.cluster.handle(Request(self.command, url.path, params, body))
        payload = b"" if answer is None or self.command == "HEAD" else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve


@contextmanager
def fake_elasticsearch() -> Iterator[tuple[str, FakeCluster]]:
    """(URL, cluster): a server on a free loopback port, stopped afterwards."""
    cluster = FakeCluster()
    handler = type("Handler", (_Handler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", cluster
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
