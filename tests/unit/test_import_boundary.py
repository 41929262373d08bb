"""What importing a part of the archive loads, each time in a fresh interpreter.

The API and the CLI must start without the Whisper runtime (it is heavy and only the worker
needs it), and the pure core must not reach for any I/O library.
"""

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import archive.domain

WHISPER_RUNTIME = frozenset({"faster_whisper", "ctranslate2"})
IO_LIBRARIES = frozenset({"sqlalchemy", "fastapi", "av", "boto3", "httpx", "sqlite3", "numpy"})
DOMAIN_MODULES = sorted(
    f"archive.domain.{info.name}" for info in pkgutil.iter_modules(archive.domain.__path__)
)

_REPORT_LOADED = """
import json, sys
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def _loaded_after(code: str, cwd: Path) -> set[str]:
    """Top-level packages in `sys.modules` after running `code` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ARCHIVE_")}
    done = subprocess.run(
        [sys.executable, "-c", code + _REPORT_LOADED],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return set(loaded)


def test_the_probe_sees_what_was_loaded(tmp_path: Path) -> None:
    loaded = _loaded_after("import sqlite3, json", tmp_path)
    assert {"sqlite3", "json"} <= loaded
    assert "numpy" not in loaded


def test_the_api_does_not_load_the_whisper_runtime(tmp_path: Path) -> None:
    code = (
        "import pathlib\n"
        "import archive.app\n"
        "from archive.settings import Settings\n"
        f"archive.app.create_app(Settings(data_dir=pathlib.Path({str(tmp_path)!r})))\n"
    )
    loaded = _loaded_after(code, tmp_path)
    assert "fastapi" in loaded  # the app really was built
    assert not loaded & WHISPER_RUNTIME


def test_the_cli_does_not_load_the_whisper_runtime(tmp_path: Path) -> None:
    loaded = _loaded_after("import archive.cli\n", tmp_path)
    assert "typer" in loaded
    assert not loaded & WHISPER_RUNTIME


def test_every_domain_module_is_checked() -> None:
    names = {module.rpartition(".")[2] for module in DOMAIN_MODULES}
    assert {"access", "formats", "jobs", "ranges", "transcription"} <= names
    files = {p.stem for p in Path(archive.domain.__path__[0]).glob("*.py") if p.stem != "__init__"}
    assert names == files


@pytest.mark.parametrize("module", ["archive.domain", *DOMAIN_MODULES])
def test_the_pure_core_imports_no_io_library(tmp_path: Path, module: str) -> None:
    loaded = _loaded_after(f"import {module}\n", tmp_path)
    assert module.partition(".")[0] in loaded
    assert not loaded & IO_LIBRARIES, f"{module} loads {sorted(loaded & IO_LIBRARIES)}"
    assert not loaded & WHISPER_RUNTIME
