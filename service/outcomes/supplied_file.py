"""A supplied results file read from the source folder: only a regular file inside that folder, and no larger
than a results file can sensibly be.

`results_file` is written by whoever wrote trial.toml, so it is untrusted: an absolute path or a `..` step could
name any file the service can read (and freeze it into the snapshot), a symbolic link could lead out of the folder,
and a FIFO or device would block the import, and its job's lock, forever. The size is enforced while reading, so
neither a file that grows after it was measured nor a device that never ends can fill memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from service.errors import DataError

# The supplied outcomes' results are kilobytes; regsync's own ARD of every table of the example trial is 0.7 MB as
# ard.csv and 2.5 MB as ars.json. 20 MiB leaves room for any SAP's full ARD while keeping a wrong file (a database
# dump) out of the snapshot.
MAX_SUPPLIED_BYTES = 20 * 1024**2
_CHUNK = 1024**2


def supplied_path(folder: Path, name: str, outcome: str) -> Path:
    """The file `name` names, relative to the source folder, refused if it could lead anywhere else."""
    hint = 'Name a file in the source folder, relative to it: results_file = "ard.csv".'
    windows = PureWindowsPath(name)
    if PurePosixPath(name).is_absolute() or windows.is_absolute() or windows.drive:
        raise _key_error(f"outcome {outcome}: results_file '{name}' is an absolute path", hint)
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        raise _key_error(f"outcome {outcome}: results_file '{name}' leads out of the source folder (..)", hint)
    if not name.strip() or name.strip() in (".", "/"):
        raise _key_error(f"outcome {outcome}: results_file is empty", hint)
    return folder / name


def _key_error(problem: str, hint: str) -> DataError:
    return DataError(problem, file="trial.toml", column="outcomes.results_file", hint=hint)


def read_supplied_bytes(folder: Path, path: Path) -> bytes:
    """The whole file, once it is known to be a regular file inside `folder` of at most MAX_SUPPLIED_BYTES."""
    name = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
    if not os.path.lexists(path):
        raise DataError("the supplied results file is missing", file=name,
                        hint="results_file names a file in the source folder.")  # fmt: skip
    target = path.resolve()
    if not target.is_relative_to(folder.resolve()):
        raise DataError("is a symbolic link to a file outside the source folder", file=name,
                        hint="Copy the results file into the source folder instead of linking to it.")  # fmt: skip
    try:
        # O_NONBLOCK: opening a FIFO returns at once (and fstat then refuses it) instead of waiting for a writer.
        handle = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise DataError("the supplied results file is missing", file=name,
                        hint="results_file names a file in the source folder.") from None  # fmt: skip
    except OSError as exc:
        raise DataError(f"cannot be read: {exc.strerror}", file=name, hint="Check the file's permissions.") from None
    try:
        mode = os.fstat(handle).st_mode  # of what was opened: no swap between a check and the read
        if stat.S_ISDIR(mode):
            raise DataError("is a folder, not a file", file=name, hint="Name the results file itself.")
        if not stat.S_ISREG(mode):
            raise DataError("is not a regular file (a FIFO, socket or device)", file=name,
                            hint="Put an ordinary file here.")  # fmt: skip
    except DataError:
        os.close(handle)
        raise
    with os.fdopen(handle, "rb") as stream:
        return _read_at_most(stream, name)


def _read_at_most(stream: BinaryIO, name: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > MAX_SUPPLIED_BYTES:
            raise DataError(f"is larger than {MAX_SUPPLIED_BYTES // 1024**2} MiB, the limit for a supplied results "
                            "file", file=name,
                            hint="Supply only the rows of the outcomes with results = \"supplied\".")  # fmt: skip
        chunks.append(chunk)
    return b"".join(chunks)
