"""Files appear whole or not at all: written under a temporary name in the same folder, then renamed.

The temporary name carries the writer's host and process id, so that after a crash (kill -9, a power cut) the
next start can tell a dead writer's leftovers from a live writer's file and remove only the former.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from pathlib import Path

_TEMPORARY = re.compile(r"^\..+\.(?P<host>[^.]+)-(?P<pid>\d+)\.tmp$")


def write_atomic(path: Path, content: bytes) -> str:
    """Write `content` to `path` so no reader ever sees half a file; returns its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{_host()}-{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return hashlib.sha256(content).hexdigest()


def sweep_partial_files(folder: Path, *, own_pid_is_stale: bool) -> list[Path]:
    """Remove temporary files under `folder` left by writers on this host that no longer run. At start, before
    this process writes anything, its own pid counts as stale too (a restarted container reuses pids)."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.rglob(".*.tmp"):
        match = _TEMPORARY.match(path.name)
        if match is None or match["host"] != _host():
            continue
        pid = int(match["pid"])
        if (pid == os.getpid() and own_pid_is_stale) or (pid != os.getpid() and not process_alive(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname()) or "host"
