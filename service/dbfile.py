"""The SQLite database file's protection: created 0600 in a folder created 0700, and refused when other users can
open it, for it holds every participant's data and the trial's masking key. PostgreSQL is left to its own roles.

Standard library only: the quick listing commands (service.quickdb) check the file without importing SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from service.errors import ConfigError

SQLITE_PREFIX = "sqlite:///"
# SQLite's companions of the database file, which hold its pages too: the write-ahead log, its index, a journal.
COMPANIONS = ("-wal", "-shm", "-journal")


class DatabaseExposed(ConfigError):
    """The database file, a companion of it, or its folder is open to other users."""


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names; None for an in-memory database or another database."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    name = url[len(SQLITE_PREFIX) :].split("?", 1)[0]
    return None if name in ("", ":memory:") else Path(name)


def create_private(file: Path) -> None:
    """The folder (0700) and an empty database file (0600), where they do not exist yet: SQLite would create the
    file readable by everyone (0644 under the usual umask), and an empty file is an empty database to it."""
    folder = file.parent
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def check_private(file: Path) -> None:
    """Refuse (DatabaseExposed, exit 2) a database file, companion or folder that another user may open."""
    for path, kind, mode in _guarded(file):
        try:
            found = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            continue
        if found & 0o077:
            access = "read" if found & 0o044 else "changed"
            raise DatabaseExposed(
                f"{path}: the database {kind} can be {access} by other users (mode {found:04o})\n"
                f"  It holds every participant's data and the trials' masking keys. Run: chmod {mode:o} '{path}'"
            )


def _guarded(file: Path) -> list[tuple[Path, str, int]]:
    folder = file.parent if str(file.parent) else Path(".")
    return [
        (folder, "folder", 0o700),
        (file, "file", 0o600),
        *((file.with_name(file.name + suffix), "file", 0o600) for suffix in COMPANIONS),
    ]
