"""One lock per job, held for the whole of a run, released by the operating system if the process dies.

The lock is how regsync knows, without heartbeats or clocks, whether a run recorded as running is still
running: whoever can take the job's lock knows that nobody is running it.

- PostgreSQL: a session-level advisory lock on a connection of its own. Every instance sharing the database
  sees it; when a process dies its connection closes and the server releases the lock.
- SQLite: an exclusive flock on a file beside the database. SQLite serves one machine, and the kernel releases
  the lock when the process holding it exits, however it exits.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine


class JobLock(Protocol):
    def release(self) -> None: ...


def try_lock_job(engine: Engine, job_id: str) -> JobLock | None:
    """The job's lock, or None when another run of the job holds it."""
    if engine.dialect.name == "postgresql":
        return _AdvisoryLock.try_take(engine, job_id)
    return _FileLock.try_take(lock_file(engine.url.database, job_id))


class _AdvisoryLock:
    # Two 32-bit keys: a fixed class for regsync's job locks, then the job. The migration lock uses the one-key form.
    _CLASS = 7_235_002

    def __init__(self, connection: Connection, key: int) -> None:
        self._connection = connection
        self._key = key

    @classmethod
    def try_take(cls, engine: Engine, job_id: str) -> _AdvisoryLock | None:
        from sqlalchemy import text

        key = advisory_key(job_id)
        connection = engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": cls._CLASS, "k": key}
            ).scalar_one()
            connection.commit()  # the lock is the session's; no transaction stays open while the run goes on
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return None
        return cls(connection, key)

    def release(self) -> None:
        from sqlalchemy import text

        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:c, :k)"), {"c": self._CLASS, "k": self._key})
            self._connection.commit()
        except Exception:
            self._connection.invalidate()  # never hand a connection still holding the lock back to the pool
            raise
        finally:
            self._connection.close()


class _FileLock:
    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    @classmethod
    def try_take(cls, path: Path) -> _FileLock | None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return cls(handle)

    def release(self) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


ADVISORY_CLASS = _AdvisoryLock._CLASS


def advisory_key(job_id: str) -> int:
    """The job's key in PostgreSQL's two-key advisory locks (beside ADVISORY_CLASS)."""
    return int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:4], "big", signed=True)


def lock_file(database: str | None, job_id: str) -> Path:
    """The file a SQLite database's job lock is taken on: beside the database, in locks/."""
    if not database or database == ":memory:":
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"regsync-locks-{os.getuid()}"
    else:
        folder = Path(database).resolve().parent / "locks"
    return folder / f"{_safe(job_id)}.lock"


def file_lock_is_held(path: Path) -> bool:
    """Whether another process holds the job's file lock (without creating the file when it is not there)."""
    if not path.exists():
        return False
    lock = _FileLock.try_take(path)
    if lock is None:
        return True
    lock.release()
    return False


def _safe(job_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", job_id) + "-" + hashlib.sha256(job_id.encode()).hexdigest()[:8]
