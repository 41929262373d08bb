from __future__ import annotations

from collections.abc import Callable

from archive.domain.access import Role

MakeUser = Callable[[str, Role], dict[str, str]]
"""The `make_user` fixture: (name, role) -> headers that act as that user."""
