"""The layers of `ARCHITECTURE.md`, read off the import graph of `src/archive`.

Every module is parsed with `ast` (nothing is imported or run), so a rule sees imports inside
functions and under `TYPE_CHECKING` too. Each rule fails naming the module and line of every
violation. A justified exception is listed once, in the allow-lists below, with its reason.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import archive

ROOT = Path(archive.__file__).parent
PACKAGE = "archive"

HTTP_FRAMEWORKS = frozenset({"fastapi", "starlette"})
SQL_BUILDERS = frozenset({"select", "insert", "update", "delete", "text"})
SESSION_CALLS = frozenset(
    {"execute", "add", "add_all", "get", "flush", "delete", "scalar", "scalars"}
)

HTTP_EDGE: dict[str, str] = {
    "archive.app": "builds the FastAPI application",
    "archive.deps": "the request dependencies: where a request's unit of work begins and ends",
    "archive.errors": "the error tree the problem handler maps to HTTP",
    "archive.problems": "the problem+json handler installed on the application",
    "archive.openapi": "the application's OpenAPI document",
    "archive.uploads.middleware": "ASGI middleware for the tus headers, installed by the app",
}
"""Modules besides `endpoints.py` and `web/` that may import FastAPI or Starlette."""

SQL_ADAPTERS: dict[str, str] = {
    "archive.search.fts5": "the SQLite FTS5 search adapter: its index lives in the database",
    "archive.search.fts5_schema": "creates and drops the FTS5 tables",
    "archive.search.fts5_scoring": "tokenizes the candidates of a search in a private FTS5 table",
    "archive.search.fts5_writing": "writes the FTS5 index's rows, for the adapter",
    "archive.search.fts5_filters": "the WHERE parts of the FTS5 adapter's searches",
    "archive.jobs.queue": "the job queue's claim, lease and finish statements",
    "archive.jobs.heartbeats": "the workers' heartbeat rows",
    "archive.preflight": "asks a bare connection `SELECT 1` before the start: no session, no model",
}
"""Modules besides `repository.py`, `models/` and `db/` that may build or run SQL."""

PACKAGE_EDGES_ALLOWED: dict[tuple[str, str], str] = {}
"""(importer package, imported package) edges left out of the cycle search, with a reason."""


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    target: str
    names: tuple[str, ...]
    line: int

    @property
    def where(self) -> str:
        return f"{_path_of(self.importer)}:{self.line}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _path_of(module: str) -> str:
    return str(_modules()[module].relative_to(ROOT.parent.parent))


@cache
def _tree(module: str) -> ast.Module:
    path = _modules()[module]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_package(module: str) -> bool:
    return _modules()[module].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


@cache
def imports_of(module: str) -> tuple[Import, ...]:
    """Every import in `module`; `from archive.x import y` names `archive.x.y` when y is a
    module of ours, so that importing a submodule through its package counts as such."""
    found: list[Import] = []
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            found.extend(Import(module, alias.name, (), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            names = tuple(alias.name for alias in node.names)
            submodules = [f"{target}.{name}" for name in names if f"{target}.{name}" in _modules()]
            if submodules:
                found.extend(Import(module, sub, (), node.lineno) for sub in submodules)
            if len(submodules) < len(names):
                found.append(Import(module, target, names, node.lineno))
    return tuple(found)


def _all_imports() -> Iterator[Import]:
    for module in _modules():
        yield from imports_of(module)


def _first_level(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE else None


def _last(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def _fail(rule: str, violations: list[str]) -> None:
    assert not violations, f"{rule}:\n  " + "\n  ".join(dict.fromkeys(violations))


# (a) no package cycles -------------------------------------------------------------------


def _package_graph() -> dict[str, dict[str, list[Import]]]:
    graph: dict[str, dict[str, list[Import]]] = {}
    for imp in _all_imports():
        source, target = _first_level(imp.importer), _first_level(imp.target)
        if source is None or target is None or source == target:
            continue
        if not _is_package(f"{PACKAGE}.{source}") or f"{PACKAGE}.{target}" not in _modules():
            continue
        if not _is_package(f"{PACKAGE}.{target}"):
            continue
        if (source, target) in PACKAGE_EDGES_ALLOWED:
            continue
        graph.setdefault(source, {}).setdefault(target, []).append(imp)
    return graph


def _strongly_connected(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative enough for a few dozen packages."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, {})):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [c for c in components if len(c) > 1]


def test_no_package_imports_another_that_imports_it_back() -> None:
    """Packages are the first level under `archive` (modules there, such as `cli` or
    `deps`, are composition points, not packages). Dependencies point one way."""
    graph = _package_graph()
    violations = []
    for component in _strongly_connected(graph):
        violations.append(f"cycle among {', '.join(component)}:")
        for source in component:
            for target, edges in sorted(graph[source].items()):
                if target in component:
                    first = min(edges, key=lambda imp: (imp.importer, imp.line))
                    more = f" (and {len(edges) - 1} more)" if len(edges) > 1 else ""
                    violations.append(f"  {source} -> {target} at {first.where}{more}")
    _fail("package cycles", violations)


# (b) endpoints are the top ---------------------------------------------------------------


def _is_endpoints(module: str) -> bool:
    return _last(module) == "endpoints" or module.startswith(f"{PACKAGE}.web.")


def _is_lower_layer(module: str) -> bool:
    """A service, a repository, a model, a domain rule, a job handler or an adapter:
    everything the request edge builds on."""
    return not (
        _is_endpoints(module)
        or module in HTTP_EDGE
        or module in {f"{PACKAGE}.cli", f"{PACKAGE}.__main__", f"{PACKAGE}.serving"}
        or module == f"{PACKAGE}.web"
    )


def test_nothing_below_the_endpoints_imports_an_endpoints_module() -> None:
    violations = [
        f"{imp.where} imports {imp.target}"
        for imp in _all_imports()
        if imp.target in _modules()
        and _is_endpoints(imp.target)
        and _last(imp.target) == "endpoints"
        and _is_lower_layer(imp.importer)
    ]
    _fail("an endpoints module imported from below the endpoints", violations)


# (c) the web framework stays at the edge -------------------------------------------------


def test_only_the_http_edge_imports_fastapi_or_starlette() -> None:
    violations = [
        f"{imp.where} imports {imp.target}"
        for imp in _all_imports()
        if imp.target.partition(".")[0] in HTTP_FRAMEWORKS and _is_lower_layer(imp.importer)
    ]
    _fail("FastAPI or Starlette imported below the endpoints", violations)


# (d) SQL lives in repositories -----------------------------------------------------------


def _may_use_sql(module: str) -> bool:
    return (
        _last(module) == "repository"
        or module.startswith((f"{PACKAGE}.models", f"{PACKAGE}.db"))
        or module in SQL_ADAPTERS
    )


def _receiver_is_session(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return isinstance(name, str) and name.lstrip("_").endswith("session")


def _sql_uses(module: str) -> Iterator[str]:
    for imp in imports_of(module):
        if imp.target.partition(".")[0] == "sqlalchemy":
            for name in sorted(SQL_BUILDERS.intersection(imp.names)):
                yield f"{imp.where} imports sqlalchemy {name}"
    for line, call in _session_calls(_tree(module)):
        yield f"{_path_of(module)}:{line} calls session.{call}"


def _session_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, method) of each `session.execute/add/get/...` call, whatever the session's
    variable is called (`session`, `self._session`, `db_session`)."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_CALLS
            and _receiver_is_session(node.func.value)
        ):
            yield node.lineno, node.func.attr


def test_sql_is_built_and_run_only_in_repositories_and_adapters() -> None:
    violations = [
        use for module in _modules() if not _may_use_sql(module) for use in _sql_uses(module)
    ]
    _fail("SQL outside repositories, models, db and the SQL adapters", violations)


# (f) services and repositories work inside the caller's unit of work -----------------------

UNIT_OF_WORK_CALLS = frozenset({"transaction", "commit", "rollback", "begin"})
"""`db.session.transaction(...)` opens and commits one; `session.commit/rollback/begin` end or
start one by hand. Only the edges do either: the request dependency, the flows that move bytes
between short transactions, the job wrapper and its tasks, the command line."""


def _unit_of_work_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "transaction":
            yield node.lineno, "transaction()"
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in UNIT_OF_WORK_CALLS
            and (func.attr == "transaction" or _receiver_is_session(func.value))
        ):
            yield node.lineno, f"{func.attr}()"


def test_services_and_repositories_never_open_or_end_a_transaction() -> None:
    violations = [
        f"{_path_of(module)}:{line} calls {call}"
        for module in _modules()
        if _last(module) in {"service", "repository"}
        for line, call in _unit_of_work_calls(_tree(module))
    ]
    _fail("a service or repository opens or ends a unit of work", violations)


# (g) keyword arguments past the second ------------------------------------------------------

POSITIONAL_ALLOWED: dict[str, str] = {
    "archive.cli": "Typer commands: their parameters are the command line's options",
    "archive.cli_preservation": "Typer commands: their parameters are the command line's options",
    "archive.uploads.middleware": "ASGI's __call__(scope, receive, send)",
    "archive.recordings.multipart": "python-multipart's callbacks (data, start, end)",
    "archive.writeback": "mirrors sync_file_range(fd, offset, length)",
}
"""Modules whose functions take more than two positional parameters because a framework or a
C function calls them so."""


def _long_positional(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            positional = [
                a.arg for a in [*node.args.posonlyargs, *node.args.args] if a.arg not in SELF
            ]
            if len(positional) > 2:
                yield node.lineno, f"{node.name}({', '.join(positional)})"


SELF = frozenset({"self", "cls"})


def test_functions_below_the_endpoints_take_keywords_past_the_second() -> None:
    violations = [
        f"{_path_of(module)}:{line} {signature}"
        for module in _modules()
        if _last(module) != "endpoints"
        and not module.startswith(f"{PACKAGE}.web")
        and module not in POSITIONAL_ALLOWED
        for line, signature in _long_positional(_tree(module))
    ]
    _fail("more than two positional parameters (make the rest keyword-only)", violations)


# (e) the domain is pure ------------------------------------------------------------------


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    violations = [
        f"{imp.where} imports {imp.target}"
        for imp in _all_imports()
        if imp.importer.startswith(f"{PACKAGE}.domain")
        and imp.target.partition(".")[0] not in sys.stdlib_module_names
        and not imp.target.startswith(f"{PACKAGE}.domain")
        and imp.target != "__future__"
    ]
    _fail("domain imports beyond the standard library", violations)


# the rules see what they claim to see ----------------------------------------------------


def test_the_graph_sees_imports_inside_functions_and_relative_ones() -> None:
    cli = {imp.target for imp in imports_of(f"{PACKAGE}.cli")}
    assert f"{PACKAGE}.settings" in cli
    assert any(t.startswith(f"{PACKAGE}.jobs") for t in cli), "lazy imports are part of the graph"
    assert _resolve(f"{PACKAGE}.search.fts5", ast.ImportFrom("base", [], 1)) == (
        f"{PACKAGE}.search.base"
    )


def test_the_rules_catch_a_planted_violation() -> None:
    planted = ast.parse(
        "def f(session, self, other):\n"
        "    session.add(x)\n"
        "    self._session.execute(y)\n"
        "    other.add(z)\n"
        "    session.info.get(w)\n"
    )
    assert sorted(_session_calls(planted)) == [(2, "add"), (3, "execute")]
    graph: dict[str, dict[str, list[Import]]] = {"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}
    graph["d"] = {"a": []}
    assert _strongly_connected(graph) == [["a", "b", "c"]]
    units = ast.parse(
        "def g(sessions, session, store):\n"
        "    with transaction(sessions) as s:\n"
        "        session.commit()\n"
        "    store.commit()\n"
    )
    assert sorted(_unit_of_work_calls(units)) == [(2, "transaction()"), (3, "commit()")]
    signatures = ast.parse("def h(a, b, c): ...\ndef k(self, a, b, *, c): ...\n")
    assert list(_long_positional(signatures)) == [(1, "h(a, b, c)")]


def test_the_allow_lists_name_modules_that_exist() -> None:
    missing = [m for m in [*HTTP_EDGE, *SQL_ADAPTERS, *POSITIONAL_ALLOWED] if m not in _modules()]
    assert not missing, f"allow-listed modules that no longer exist: {missing}"
