"""Settings from `ARCHIVE_*` variables: where things go by default, and what is refused."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from archive.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No `ARCHIVE_*` variable of the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.upper().startswith("ARCHIVE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_everything_lives_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "village-archive"
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(data))
    settings = Settings()
    assert settings.data_dir == data.resolve()
    assert settings.database_url == f"sqlite:///{data.resolve() / 'archive.sqlite3'}"
    assert settings.storage_url == f"file://{data.resolve() / 'objects'}"
    assert settings.search_url == "sqlite"
    assert settings.search_db_path == data.resolve() / "search.sqlite3"
    assert settings.is_sqlite


def test_default_data_dir_is_beside_where_the_archive_runs(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.data_dir == tmp_path.resolve() / "archive-data"
    assert settings.database_url.endswith("/archive-data/archive.sqlite3")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("relative/dir", Path("relative/dir")),
        ("./a/../b", Path("b")),
    ],
)
def test_data_dir_is_made_absolute(tmp_path: Path, value: str, expected: Path) -> None:
    settings = Settings(data_dir=Path(value))
    assert settings.data_dir == tmp_path.resolve() / expected
    assert settings.data_dir.is_absolute()


def test_data_dir_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARCHIVE_DATA_DIR", "~/archive")
    assert Settings().data_dir == (tmp_path / "home" / "archive").resolve()


@pytest.mark.parametrize(
    ("variable", "value", "attribute"),
    [
        ("ARCHIVE_DATABASE_URL", "postgresql+psycopg://archive@db/archive", "database_url"),
        ("ARCHIVE_DATABASE_URL", "sqlite:////srv/other.sqlite3", "database_url"),
        ("ARCHIVE_STORAGE_URL", "s3://stories/originals", "storage_url"),
        ("ARCHIVE_STORAGE_URL", "file:///srv/objects", "storage_url"),
        ("ARCHIVE_SEARCH_URL", "http://localhost:9200", "search_url"),
        ("ARCHIVE_SEARCH_URL", "https://search.example.org", "search_url"),
    ],
)
def test_explicit_urls_are_kept(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, attribute: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(Settings(), attribute) == value


def test_postgres_is_not_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVE_DATABASE_URL", "postgresql+psycopg://archive@db/archive")
    assert not Settings().is_sqlite


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ARCHIVE_DATABASE_URL", "mysql://archive@db/archive"),
        ("ARCHIVE_DATABASE_URL", "/srv/archive.sqlite3"),
        ("ARCHIVE_STORAGE_URL", "/srv/objects"),
        ("ARCHIVE_STORAGE_URL", "gs://bucket/prefix"),
        ("ARCHIVE_SEARCH_URL", "localhost:9200"),
        ("ARCHIVE_SEARCH_URL", "elasticsearch"),
    ],
)
def test_unsupported_urls_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = str(caught.value)
    assert variable in message
    assert value in message
    assert "use " in message  # and says what to put there instead


@pytest.mark.parametrize("token", ["short", "x" * 15])
def test_short_admin_token_is_refused(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("ARCHIVE_ADMIN_TOKEN", token)
    with pytest.raises(ValidationError, match="ARCHIVE_ADMIN_TOKEN") as caught:
        Settings()
    assert "16 characters" in str(caught.value)


def test_long_admin_token_is_kept_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "k3Jd9-Ql2mZp8vXw"  # 16 characters
    monkeypatch.setenv("ARCHIVE_ADMIN_TOKEN", token)
    settings = Settings()
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == token
    assert token not in repr(settings)


def test_no_admin_token_by_default() -> None:
    assert Settings().admin_token is None


@pytest.mark.parametrize("value", ["0", "-1"])
def test_max_upload_bytes_must_be_positive(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ARCHIVE_MAX_UPLOAD_BYTES", value)
    with pytest.raises(ValidationError, match="max_upload_bytes") as caught:
        Settings()
    assert "greater than 0" in str(caught.value)


def test_max_upload_bytes_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVE_MAX_UPLOAD_BYTES", "1048576")
    assert Settings().max_upload_bytes == 1024 * 1024
