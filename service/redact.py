"""Keeping secrets out of what regsync prints, logs and records.

A password can reach a message by two roads: inside a URL (a database URL whose password holds an unencoded
`@` is split by URL parsers at the first `@`, so "hiding the password" prints the rest of it), or echoed by a
server (an SMTP server repeating the base64 AUTH line in its reply). Every error text that leaves regsync goes
through `describe_error`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>[^\s'\"<>]+)")
# Base64 text as long as an AUTH PLAIN/LOGIN token: a server's reply quoting one is redacted.
_BASE64_TOKEN = re.compile(r"\b[A-Za-z0-9+/]{12,}={0,2}")
REDACTED = "[redacted]"


def redact_url(url: str) -> str:
    """The URL with everything before its host's last `@` (user and password) replaced, user kept."""
    match = _URL.fullmatch(url.strip())
    if match is None:
        return url
    rest = match["rest"]
    userinfo, at, host = rest.rpartition("@")
    if not at:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{match['scheme']}://{user}:***@{host}" if ":" in userinfo else f"{match['scheme']}://{user}@{host}"


def redact_text(text: str, secrets: Iterable[str] = (), *, base64_tokens: bool = False) -> str:
    """`text` with every URL's credentials and every given secret (and its base64 form) removed; with
    `base64_tokens`, any base64-looking token too (for a server's reply, which may echo an AUTH line)."""
    for secret in secrets:
        if secret:
            for form in _forms(secret):
                text = text.replace(form, REDACTED)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    if not base64_tokens:
        return text
    return _BASE64_TOKEN.sub(lambda m: REDACTED if _looks_base64(m.group(0)) else m.group(0), text)


def describe_error(exc: BaseException, secrets: Iterable[str] = (), *, server_reply: bool = False) -> str:
    """An error as one may print, log and store it: its type and its message's first line, with the driver's
    own error for a database error (SQLAlchemy's text goes on to quote the statement and its parameters, which
    are participants' data), and with secrets redacted."""
    original = getattr(exc, "orig", None)
    shown = original if isinstance(original, BaseException) and hasattr(exc, "statement") else exc
    first = (str(shown).strip().splitlines() or [""])[0]
    text = f"{type(shown).__name__}: {first}" if first else type(shown).__name__
    return redact_text(text, secrets, base64_tokens=server_reply)


def _forms(secret: str) -> list[str]:
    raw = secret.encode()
    forms = [secret, base64.b64encode(raw).decode()]
    return [form for form in forms if form]


def _looks_base64(token: str) -> bool:
    # Words and paths are not redacted: a token must mix cases or digits as base64 does.
    return (
        any(c.isdigit() or c in "+/=" for c in token)
        and any(c.isupper() for c in token)
        and any(c.islower() for c in token)
    )
