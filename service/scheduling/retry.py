"""Which failures are worth another try.

Transient: the database unreachable or busy, a network or disk hiccup, a registry endpoint saying "later".
Permanent: everything regsync reports as a ServiceError (bad input, bad configuration, a render over its memory
cap): trying again would fail the same way, so the run fails at once with the message.
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError, OperationalError

from service.errors import RegistryError, ServiceError

_TRANSIENT_ERRNOS = {
    errno.EAGAIN,
    errno.EBUSY,
    errno.EIO,
    errno.ENOSPC,
    errno.EDQUOT,
    errno.ESTALE,
    errno.ETIMEDOUT,
    errno.ECONNRESET,
    errno.ECONNREFUSED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
}


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, RegistryError):
        return not exc.permanent
    if isinstance(exc, ServiceError):
        return False
    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return True
    return isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS


def backoff_seconds(first: int, attempt: int) -> int:
    """The wait before try `attempt + 1`: first, 2×first, 4×first, …, at most an hour."""
    return int(min(first * 2 ** (attempt - 1), 3600))
