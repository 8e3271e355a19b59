"""One HTTP request to a registry, bounded as a whole: a deadline from connecting to the last byte (a socket
timeout bounds each read only, so a server sending a byte now and then could hold a run for ever), a size limit
enforced while reading, and redirects followed only where the caller allows, never off the request's origin.

The deadline is enforced by shutting the socket when it passes, whatever the request is waiting for. Not bounded
by it: resolving the host name (the system resolver cannot be interrupted), which `timeout` bounds only per address.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

from service.errors import RegistryError

REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024


class DeadlinePassed(RegistryError):
    """The request (or the run) took longer than it may: transient, worth another attempt within the run."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: Message
    body: bytes
    url: str


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port, as the same-origin rule compares them (RFC 6454 §4), the default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


def send(method: str, url: str, *, deadline: float, max_bytes: int, body: bytes | None = None,
         headers: Mapping[str, str] | None = None, same_origin_redirects: int = 0) -> Answer:  # fmt: skip
    """The answer to one request, whatever its status, by `deadline` (time.monotonic()). A redirect is followed up to
    `same_origin_redirects` times if it stays on the request's scheme, host and port; otherwise it is refused."""
    for _ in range(same_origin_redirects + 1):
        answer = _once(method, url, body, dict(headers or {}), deadline, max_bytes)
        if answer.status not in REDIRECTS:
            return answer
        target = urljoin(url, answer.headers.get("Location", ""))
        if origin(target) != origin(url):
            raise RegistryError(f"{url}: answered with a redirect to another host ({_where(target)}), which regsync "
                                "does not follow")  # fmt: skip
        if not same_origin_redirects:
            raise RegistryError(f"{url}: answered with a redirect (HTTP {answer.status}), which regsync does not "
                                "follow")  # fmt: skip
        if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
            method, body = "GET", None  # as browsers do (RFC 9110 §15.4)
        url = target
    raise RegistryError(f"{url}: more than {same_origin_redirects} redirects")


def _once(method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: float,
          max_bytes: int) -> Answer:  # fmt: skip
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"{url}: not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    expired = threading.Event()
    timer: threading.Timer | None = None
    raw: socket.socket | None = None
    connection = (http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection)(
        parts.hostname, port, timeout=_left(deadline, url)
    )
    try:
        raw = socket.create_connection((parts.hostname, port), timeout=_left(deadline, url))
        timer = threading.Timer(_left(deadline, url), _shut, (raw, expired))
        timer.daemon = True
        timer.start()
        connection.sock = (
            ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname)
            if parts.scheme == "https"
            else raw
        )
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise RegistryError(f"{url}: the answer is {declared} bytes, over the {max_bytes}-byte limit")
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise RegistryError(f"{url}: the answer is over the {max_bytes}-byte limit")
            chunks.append(chunk)
        if expired.is_set():  # the shut socket ends the stream early: what was read is not the answer
            raise DeadlinePassed(f"{url}: no complete answer in the time allowed")
        if declared.isdigit() and size != int(declared):
            raise RegistryError(f"{url}: the answer ended after {size} of its {declared} bytes", permanent=False)
        return Answer(response.status, response.reason, response.headers, b"".join(chunks), url)
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or time.monotonic() >= deadline:
            raise DeadlinePassed(f"{url}: no complete answer in the time allowed") from None
        raise RegistryError(f"{url}: {_reason(exc)}", permanent=False) from None
    finally:
        if timer is not None:
            timer.cancel()
        connection.close()
        if raw is not None:
            raw.close()


def _left(deadline: float, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed(f"{url}: no complete answer in the time allowed")
    return left


def _shut(raw: socket.socket, expired: threading.Event) -> None:
    expired.set()
    with contextlib.suppress(OSError):
        # The plain socket's shutdown, under any TLS layer: the reading thread then sees the end of the stream.
        socket.socket.shutdown(raw, socket.SHUT_RDWR)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc.__class__.__name__})"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__


def _where(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"
