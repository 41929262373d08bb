"""Running the Alembic migrations from code (`archive db upgrade`, `archive serve`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from archive.settings import Settings


def migrations_dir() -> Path:
    """`migrations/` at the repository root, or packaged beside the code in a wheel."""
    packaged = Path(__file__).resolve().parents[1] / "migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "heads") -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)
