"""Keeping secrets out of what regsync prints, logs and records.

A password can reach a message by many roads: inside a URL (a database URL whose password holds an unencoded `@`
is split by URL parsers at the first `@`, so "hiding the password" prints the rest of it), echoed by a server in
whatever form it was sent or the server re-encodes it (a form field is URL-encoded, an HTML login page escapes it,
an SMTP server repeats the base64 AUTH line, an HTTP client sends `user:password` in base64), or inside the repr of
bytes or JSON. `redact_text` is the one function every such text goes through: it removes, for each secret,

- the secret in any mix, character by character, of: itself, percent-encoding (`quote`, `quote_plus`, either case
  of hex), HTML/XML escaping (named, decimal and hexadecimal entities), Python and JSON string escapes — and any
  one of these applied to another (an HTML page showing a URL-encoded form, a URL carrying an escaped value);
- any base64 run (standard or URL-safe alphabet, padded or not) that encodes bytes containing the secret (or its
  URL-encoded or HTML-escaped form) at any offset: `base64(password)`, `base64("user:password")` (HTTP Basic),
  `base64("\\0user\\0password")` (SMTP AUTH PLAIN);
- the credentials of every URL; with `base64_tokens`, every base64-looking token (a server reply may echo an AUTH
  line for a secret regsync was not told about).

The secrets of the environment (REGSYNC_PRS_PASSWORD, REGSYNC_SMTP_PASSWORD, the password of REGSYNC_DATABASE_URL)
are always among them. Limits: a base64 text broken across lines, a secret under three or more layers of encoding,
and secrets shorter than four characters in base64 (too few characters of their own to be recognised) are not.
"""

from __future__ import annotations

import base64
import html
import html.entities
import json
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from urllib.parse import quote, quote_plus, unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>[^\s'\"<>]+)")
# Base64 text as long as an AUTH PLAIN/LOGIN token: a server's reply quoting one is redacted.
_BASE64_TOKEN = re.compile(r"\b[A-Za-z0-9+/]{12,}={0,2}")
# A run of base64 characters of either alphabet, searched for the secret's own base64 characters.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")
REDACTED = "[redacted]"
SECRET_ENVIRONMENT = ("REGSYNC_PRS_PASSWORD", "REGSYNC_SMTP_PASSWORD")
MIN_BASE64_CORE = 4  # fewer of the secret's own base64 characters would match unrelated tokens

# The encoders a secret may pass through on its way to a message, each as regsync's libraries (or a server) apply it.
ENCODERS: tuple[Callable[[str], str], ...] = (
    lambda s: quote(s, safe=""),
    quote,  # safe="/"
    quote_plus,
    lambda s: html.escape(s, quote=True),
    lambda s: html.escape(s, quote=False),
    xml_escape,
    lambda s: s.encode("ascii", "xmlcharrefreplace").decode(),
    lambda s: "".join(f"&#{ord(c)};" for c in s),
    lambda s: "".join(f"&#x{ord(c):x};" for c in s),
    lambda s: "".join(_named_entity(c) for c in s),
    lambda s: repr(s.encode("utf-8"))[2:-1],  # bytes in a message (an SMTP reply)
    lambda s: repr(s)[1:-1],
    lambda s: json.dumps(s)[1:-1],
    lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    lambda s: s.replace("'", "&apos;"),
    lambda s: s.replace("/", "\\/"),  # JSON may escape a solidus
    # A repr of text holding both kinds of quote escapes the one it is delimited by, whichever that is; a repr of
    # one character never does, so the per-character forms above miss it.
    lambda s: s.replace("'", "\\'").replace('"', '\\"'),
)


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
    """`text` with every form of every given secret (and of the environment's) removed, and every URL's
    credentials; with `base64_tokens`, any base64-looking token too (for a server's reply, which may echo an AUTH
    line)."""
    known = sorted({s for s in (*secrets, *environment_secrets()) if s}, key=len, reverse=True)
    for secret in known:
        text = _BASE64_RUN.sub(partial(_redact_run, cores=_base64_cores(secret)), text)
        text = _pattern(secret).sub(REDACTED, text)
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


def environment_secrets() -> list[str]:
    """The secrets regsync reads from its environment, to be redacted from anything it prints."""
    found = [os.environ.get(name, "") for name in SECRET_ENVIRONMENT]
    database = os.environ.get("REGSYNC_DATABASE_URL", "")
    if "://" in database:
        try:
            password = urlsplit(database).password
        except ValueError:
            password = None
        if password:
            found += [password, unquote(password)]
    return [s for s in found if s]


@lru_cache(maxsize=64)
def _pattern(secret: str) -> re.Pattern[str]:
    """The secret with each character in any of its encodings, and any encoding of those (two layers deep)."""
    parts = []
    for char in secret:
        forms = {char} | {encode(char) for encode in ENCODERS}
        forms |= {encode(form) for form in list(forms) for encode in ENCODERS}
        parts.append("(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True) if f) + ")")
    return re.compile("".join(parts), re.IGNORECASE)


@lru_cache(maxsize=64)
def _base64_cores(secret: str) -> frozenset[str]:
    """The base64 characters that any encoding of bytes holding the secret (or its URL-encoded or HTML-escaped
    form) contains, whatever the bytes before it: for each of the three offsets of the secret within a 3-byte
    group, the characters whose 6 bits all come from the secret (RFC 4648 §4; §5 for the URL-safe alphabet)."""
    cores: set[str] = set()
    for form in {secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret)}:
        raw = form.encode("utf-8")
        for offset in range(3):
            encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
            first, end = -(-8 * offset // 6), (8 * offset + 8 * len(raw)) // 6
            core = encoded[first:end]
            if len(core) >= MIN_BASE64_CORE:
                cores |= {core, core.translate(str.maketrans("+/", "-_"))}
    return frozenset(cores)


def _redact_run(match: re.Match[str], cores: frozenset[str]) -> str:
    return REDACTED if any(core in match.group(0) for core in cores) else match.group(0)


def _named_entity(char: str) -> str:
    name = html.entities.codepoint2name.get(ord(char))
    return f"&{name};" if name else char


def _looks_base64(token: str) -> bool:
    # Words and paths are not redacted: a token must mix cases or digits as base64 does.
    return (
        any(c.isdigit() or c in "+/=" for c in token)
        and any(c.isupper() for c in token)
        and any(c.islower() for c in token)
    )
