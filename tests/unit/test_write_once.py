"""Originals are write-once: the object store refuses to write over a key, and no code path
removes stored bytes except the few named here, each with its reason. A new call that
removes objects fails this test until someone decides, here, that it may."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "archive"

REMOVERS: dict[tuple[str, str], str] = {
    ("recordings/service.py", "probe_stored"): "refused bytes that never became a recording",
    ("recordings/flow.py", "_register"): "a one-request upload whose recording was not made",
    ("recordings/flow.py", "remove_deaccessioned"): "deaccession: the one way out, with a reason",
    ("uploads/completion.py", "_finish"): "a resumable upload refused at completion",
    ("consent/flow.py", "_register"): "a consent document whose record was not made",
    ("restrictions/tasks.py", "make_listening_copy"): "listening copies: derivatives, remade",
    ("restrictions/tasks.py", "_remove_copy"): "listening copies: derivatives, remade",
    ("bags/importing.py", "_import"): "objects of an import whose rows were not written",
    ("imports/folder.py", "_remove_unless_held"): "a file import whose recording was not made",
    ("imports/folder.py", "_store"): "what a killed file import left under a key no row holds",
}


def store_deletions() -> set[tuple[str, str]]:
    """(module, function) of every `<something>store.delete(...)` call under src/archive."""
    found: set[tuple[str, str]] = set()
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "delete"
                    and ast.unparse(node.func.value).endswith("store")
                ):
                    found.add((path.relative_to(SOURCE).as_posix(), function.name))
    return found


def test_only_the_named_paths_remove_stored_objects() -> None:
    unexpected = store_deletions() - set(REMOVERS)
    assert not unexpected, (
        f"{sorted(unexpected)} remove objects from the store. Originals are write-once: "
        "only deaccession removes one. If this removes something else (a derivative, bytes "
        "that never became a recording), name it in REMOVERS with its reason."
    )


def test_every_named_path_still_exists() -> None:
    """A name left here after its code moved would let a new remover in under it."""
    assert set(REMOVERS) <= store_deletions()
