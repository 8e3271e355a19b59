"""The masking key file: the unblinded statistician's secret, without which no masking key is revealed.

Named by the environment variable REGSYNC_MASKING_KEY_FILE, never by config.toml (a file the caller chooses) and
never stored: the database keeps only an HMAC of the trial under the file's content (the enrolled verifier), so
a second file, or a copy of the database, proves nothing. The file is read only to reveal a key or to enrol it,
and is refused, as an SSH private key is, unless it is a regular file of the user running regsync that no other
user may open, holding at least 32 bytes (`head -c 32 /dev/urandom`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

from service.errors import ConfigError

KEY_FILE_VARIABLE = "REGSYNC_MASKING_KEY_FILE"
MIN_BYTES = 32
MAX_BYTES = 4096
SETUP = (
    "  The unblinded statistician creates the key file once (umask 077; head -c 32 /dev/urandom > FILE), enrols it "
    f"(regsync masking-key TRIAL --enrol) and sets {KEY_FILE_VARIABLE}=FILE to reveal: README.md, 'The masking key'."
)


class KeyFileRefused(ConfigError):
    """Revealing refused for want of the right key file; `reason` is the short form the audit log keeps."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def read_key_file() -> tuple[Path, bytes]:
    """The key file REGSYNC_MASKING_KEY_FILE names, and its content, once its ownership and mode are checked."""
    name = os.environ.get(KEY_FILE_VARIABLE, "").strip()
    if not name:
        raise KeyFileRefused(f"the masking key is revealed only with its key file: {KEY_FILE_VARIABLE} is not set\n"
                             + SETUP, "no key file")  # fmt: skip
    path = Path(name).expanduser().absolute()
    try:
        # Not blocking: a FIFO named here must not hang the command; its type is refused below.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise KeyFileRefused(f"{path}: the masking key file cannot be read: {exc.strerror}\n{SETUP}",
                             "key file unreadable") from exc  # fmt: skip
    try:
        found = os.fstat(descriptor)
        _check_ownership(path, found)
        content = os.read(descriptor, MAX_BYTES + 1)
    finally:
        os.close(descriptor)
    if not MIN_BYTES <= len(content) <= MAX_BYTES:
        raise KeyFileRefused(f"{path}: the masking key file holds {len(content)} bytes, not {MIN_BYTES} to "
                             f"{MAX_BYTES}\n{SETUP}", "key file of the wrong size")  # fmt: skip
    return path, content


def verifier(content: bytes, trial_id: str) -> str:
    """What the database keeps of an enrolled key file for a trial: HMAC-SHA256 under the file's content."""
    return hmac.new(content, f"regsync masking key file\x00{trial_id}".encode(), hashlib.sha256).hexdigest()


def _check_ownership(path: Path, found: os.stat_result) -> None:
    if not stat.S_ISREG(found.st_mode):
        raise KeyFileRefused(f"{path}: the masking key file is not a regular file\n{SETUP}", "key file not a file")
    if found.st_uid != os.geteuid():
        raise KeyFileRefused(
            f"{path}: the masking key file belongs to another user (uid {found.st_uid}), not to you "
            f"(uid {os.geteuid()})\n  The key file is the unblinded statistician's own: they reveal the key, as "
            "themselves.",
            "key file of another user",
        )
    mode = stat.S_IMODE(found.st_mode)
    if mode & 0o077:
        raise KeyFileRefused(
            f"{path}: the masking key file can be opened by other users (mode {mode:04o})\n"
            f"  Run: chmod 600 '{path}' (no one but its owner may read the key file).",
            "key file open to others",
        )
