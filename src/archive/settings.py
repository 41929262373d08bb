"""Settings, read from `ARCHIVE_*` environment variables.

Built by `get_settings()` and passed down explicitly; nothing reads the environment at import, so
tests build their own `Settings` and every default is replaced by one setting, never by code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


class SettingsError(ValueError):
    """A setting cannot be used; the message names the setting and what to put there."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ARCHIVE_", extra="ignore", hide_input_in_errors=True
    )

    data_dir: Path = Path("./archive-data")
    database_url: str = ""
    storage_url: str = ""
    s3_endpoint_url: str | None = None
    search_url: str = "sqlite"
    search_index_prefix: str = "archive"
    whisper_model: str = ""
    """Empty: route each story by its languages (`tiny.en` for English, the bundled
    multilingual `base` for the rest). A faster-whisper model name or a local model directory
    forces that one model for every recording."""
    whisper_device: Literal["auto", "cpu", "cuda"] = "auto"
    whisper_compute_type: str = "default"
    whisper_beam_size: int = Field(default=1, ge=1, le=10)
    confidence_flag_threshold: float = Field(default=0.6, ge=0, le=1)
    """A machine-transcribed segment whose confidence is under this is flagged for a person
    to check (set when it is transcribed)."""
    workers: int = Field(default=1, ge=0, le=64)
    max_upload_bytes: int = Field(default=4 * GIB, gt=0)
    admin_token: SecretStr | None = None
    job_lease_seconds: float = Field(default=60.0, gt=1)
    job_poll_seconds: float = Field(default=0.25, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)
    http_threads: int = Field(default=40, ge=1)
    http_processes: int = Field(default=1, ge=1, le=64)
    """Processes of `archive serve` answering HTTP, each with `http_threads` threads. Python
    runs one thread at a time in a process: with one process per core, searches use every
    core. The rate limits are shared out among them (`domain.ratelimit.share_of`)."""
    search_processes: int = Field(default_factory=lambda: min(os.cpu_count() or 1, 8), ge=0, le=64)
    """Processes of each HTTP process of `archive serve` that answer searches on the built-in
    index, one at a time each (`search.processes`): as many as cores by default; 0 answers
    them in the HTTP threads."""
    link_requests_per_minute: int = Field(default=600, ge=1)
    link_burst: int = Field(default=120, ge=1)
    upload_expiry_hours: float = Field(default=24.0, gt=0)
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    session_days: float = Field(default=14.0, gt=0)
    """How long a browser sign-in lasts; signing out ends it sooner."""
    login_burst: int = Field(default=5, ge=1)
    login_refill_seconds: float = Field(default=12.0, gt=0)
    """Sign-in attempts for one username: `login_burst` at once, then one per this."""
    login_address_burst: int = Field(default=30, ge=1)
    login_address_refill_seconds: float = Field(default=2.0, gt=0)
    """The same from one client address: wider, as a whole village may share one."""
    password_time_cost: int = Field(default=2, ge=1)
    password_memory_kib: int = Field(default=19_456, ge=8)
    password_parallelism: int = Field(default=1, ge=1)
    """argon2id parameters (OWASP's minimum); hashes made with others are upgraded at sign-in."""
    fixity_interval_hours: float = Field(default=168.0, ge=0)
    """How often every original is read back and checked (0: never on a schedule)."""
    fixity_sample_percent: float = Field(default=100.0, gt=0, le=100)
    """The share of originals a scheduled audit reads back."""
    oai_repository_name: str = "Community oral-history archive"
    oai_namespace: str = "community-archive.org"
    """The domain name in OAI-PMH identifiers (`oai:<namespace>:<story id>`): your own."""
    oai_admin_email: str = "archive@localhost"
    log_level: str = "INFO"

    @field_validator("admin_token")
    @classmethod
    def _admin_token_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise SettingsError(
                "ARCHIVE_ADMIN_TOKEN is shorter than 16 characters; use a long random value, "
                "for example from `python -c 'import secrets; print(secrets.token_urlsafe())'`."
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults_from_data_dir(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'archive.sqlite3'}"
        if not self.storage_url:
            self.storage_url = f"file://{self.data_dir / 'objects'}"
        if not self.database_url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise SettingsError(
                f"ARCHIVE_DATABASE_URL={self.database_url!r} is not a database we support; use "
                "sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user@host/dbname."
            )
        if not self.storage_url.startswith(("file://", "s3://")):
            raise SettingsError(
                f"ARCHIVE_STORAGE_URL={self.storage_url!r} is not a storage we support; use "
                "file:///path/to/dir or s3://bucket/prefix."
            )
        if self.search_url != "sqlite" and not self.search_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"ARCHIVE_SEARCH_URL={self.search_url!r} is not a search backend we support; use "
                "sqlite (the built-in index) or http(s)://host:9200 for Elasticsearch."
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def spool_dir(self) -> Path:
        """Where resumable uploads gather before they reach the object store."""
        return self.data_dir / "uploads"

    @property
    def model_cache_dir(self) -> Path:
        """Where speech models assembled from packages are kept (the multilingual one)."""
        return self.data_dir / "models"

    @property
    def search_db_path(self) -> Path:
        """The built-in FTS5 index lives beside the database, in its own file."""
        return self.data_dir / "search.sqlite3"


def get_settings() -> Settings:
    return Settings()
