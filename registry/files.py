"""Reading a file from outside (a registry record, an ARS document, a record to validate): only a regular file, and
of a bounded size. A FIFO would block the run, and its job's lock, until something writes to it; a device may never
end; a folder cannot be read. Each is refused by name before it is opened, and again if it was swapped for one
between the check and the opening."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from service.errors import DataError

KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; DataError naming the file when it is missing, not a regular file, or over `max_bytes`."""
    try:
        _check(path, os.stat(path).st_mode)
        # O_NONBLOCK: opening a FIFO swapped in after the check must not wait for a writer.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise DataError("the file is missing", file=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot be read: {exc.strerror}", file=str(path)) from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        _check(path, info.st_mode)
        if info.st_size > max_bytes:
            raise _too_large(path, max_bytes)
        try:
            content = handle.read(max_bytes + 1)
        except OSError as exc:
            raise DataError(f"cannot be read: {exc.strerror}", file=str(path)) from None
    if len(content) > max_bytes:
        raise _too_large(path, max_bytes)
    return content


def _check(path: Path, mode: int) -> None:
    for test, kind in KINDS:
        if test(mode):
            raise DataError(f"is {kind}, not a regular file", file=str(path), hint="Give the file itself.")
    if not stat.S_ISREG(mode):
        raise DataError("is not a regular file", file=str(path), hint="Give the file itself.")


def _too_large(path: Path, max_bytes: int) -> DataError:
    return DataError(f"is larger than {max_bytes // (1024 * 1024)} MB", file=str(path))
