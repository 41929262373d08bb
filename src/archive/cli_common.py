"""What every command of the `archive` command line shares."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from archive.settings import Settings, SettingsError, get_settings


def settings_or_exit() -> Settings:
    """Settings, or one clear line naming what is wrong and exit code 2."""
    try:
        settings = get_settings()
    except (SettingsError, ValidationError) as exc:
        message = str(exc)
        if isinstance(exc, ValidationError):
            message = "; ".join(
                f"ARCHIVE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                for e in exc.errors()
            )
        typer.echo(f"archive: bad setting: {message}", err=True)
        raise typer.Exit(2) from None
    from archive.logs import configure_logging

    configure_logging(settings.log_level)
    return settings
