"""Secrets never reach a message: URL credentials (an unencoded @ in the password included), a password an SMTP
server echoes back in base64, a database error's statement parameters (participants' rows)."""

from __future__ import annotations

import base64
import re
import smtplib

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from service.redact import describe_error, redact_text, redact_url
from service.scheduling.notify import _describe


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://regsync:s3cret@db:5432/regsync", "postgresql://regsync:***@db:5432/regsync"),
        ("postgresql://regsync:p@ss@word@db/regsync", "postgresql://regsync:***@db/regsync"),  # unencoded @
        ("postgresql+psycopg://u:a:b@h/d?sslmode=require", "postgresql+psycopg://u:***@h/d?sslmode=require"),
        ("postgresql://regsync@db/regsync", "postgresql://regsync@db/regsync"),
        ("sqlite:////srv/regsync/var/regsync.db", "sqlite:////srv/regsync/var/regsync.db"),
    ],
)
def test_a_url_keeps_its_user_and_host_but_no_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_urls_inside_a_message_are_redacted() -> None:
    message = 'could not connect to "postgresql://u:p@ss@db/x": timeout'
    assert redact_text(message) == 'could not connect to "postgresql://u:***@db/x": timeout'


def test_an_smtp_reply_echoing_the_password_is_redacted() -> None:
    password = "Pa55-word-42"
    plain = base64.b64encode(f"\0regsync\0{password}".encode()).decode()
    login = base64.b64encode(password.encode()).decode()
    error = smtplib.SMTPAuthenticationError(535, f"5.7.8 rejected AUTH PLAIN {plain} / {login} ({password})".encode())
    said = _describe(error, password)
    assert password not in said and plain not in said and login not in said
    assert said.startswith("SMTPAuthenticationError: (535, b'5.7.8 rejected AUTH PLAIN [redacted]")


def test_a_database_error_is_told_without_its_parameters() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE p (id TEXT PRIMARY KEY)"))
        connection.execute(text("INSERT INTO p VALUES ('T-01 Jane Doe 1970-01-01')"))
    with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        connection.execute(text("INSERT INTO p VALUES (:id)"), {"id": "T-01 Jane Doe 1970-01-01"})
    assert "Jane Doe" in str(raised.value)  # SQLAlchemy's own text quotes the row
    said = describe_error(raised.value)
    assert said == "IntegrityError: UNIQUE constraint failed: p.id"


def test_a_database_url_with_an_unencoded_at_in_its_password_is_refused_unprinted(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from service.config import load_config
    from service.errors import ConfigError

    monkeypatch.setenv("REGSYNC_DATABASE_URL", "postgresql://regsync:p@ss@word@db:5432/regsync")
    config = tmp_path / "config.toml"
    config.write_text("[output]\ndir = 'out'\n")
    with pytest.raises(ConfigError, match=r"more than one '@' before the host\n  Write an '@' .* as %40") as raised:
        load_config(config, required=True)
    assert "ss@word" not in str(raised.value) and "p@ss" not in str(raised.value)


# --- every encoding of a secret that regsync (or a server answering it) can emit ---------------------------------
# Written here with the standard library's own encoders, apart from service/redact.py's list: what urllib sends in a
# form (urlencode uses quote_plus), what a URL carries (quote), what an HTML login page shows (html.escape, numeric
# entities), what a log shows of bytes or JSON, and the base64 forms of HTTP Basic and SMTP AUTH PLAIN/LOGIN.

import html  # noqa: E402
import json  # noqa: E402
import urllib.parse  # noqa: E402
from collections.abc import Callable  # noqa: E402

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from service.redact import REDACTED  # noqa: E402

USER = "datamanager"


def _b64(data: str, *, urlsafe: bool = False, padded: bool = True) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    text = encode(data.encode()).decode()
    return text if padded else text.rstrip("=")


ENCODINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda s: s,
    "quote": urllib.parse.quote,
    "quote, nothing safe": lambda s: urllib.parse.quote(s, safe=""),
    "quote_plus": urllib.parse.quote_plus,
    "urlencode (a form field)": lambda s: urllib.parse.urlencode({"pw": s}).removeprefix("pw="),
    "quote, lower-case hex": lambda s: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(s)),
    "html.escape": html.escape,
    "html.escape, quotes kept": lambda s: html.escape(s, quote=False),
    "decimal entities": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "hexadecimal entities": lambda s: "".join(f"&#x{ord(c):X};" for c in s),
    "entities for non-ASCII": lambda s: s.encode("ascii", "xmlcharrefreplace").decode(),
    "html.escape of quote_plus": lambda s: html.escape(urllib.parse.quote_plus(s)),
    "quote of html.escape": lambda s: urllib.parse.quote(html.escape(s), safe=""),
    "bytes repr": lambda s: repr(s.encode()),
    "str repr": repr,
    "JSON": json.dumps,
    "JSON, non-ASCII kept": lambda s: json.dumps(s, ensure_ascii=False),
    "base64": _b64,
    "base64, unpadded": lambda s: _b64(s, padded=False),
    "base64 URL-safe": lambda s: _b64(s, urlsafe=True),
    "base64 URL-safe, unpadded": lambda s: _b64(s, urlsafe=True, padded=False),
    "HTTP Basic (user:password)": lambda s: _b64(f"{USER}:{s}"),
    "HTTP Basic, URL-safe unpadded": lambda s: _b64(f"{USER}:{s}", urlsafe=True, padded=False),
    "SMTP AUTH PLAIN": lambda s: _b64(f"\0{USER}\0{s}"),
    "base64 of a form body": lambda s: _b64(urllib.parse.urlencode({"uname": USER, "pw": s})),
    "base64 of an HTML page": lambda s: _b64(f'<input name="pw" value="{html.escape(s)}">'),
}

secrets = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=6, max_size=40)
context = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=40)


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=secrets, before=context, after=context)
@example(secret="0000'\"", before="", after="")  # a repr escapes the quote it is delimited by (found by hypothesis)
def test_no_encoding_of_a_secret_survives_redaction(encoding: str, secret: str, before: str, after: str) -> None:
    encoded = ENCODINGS[encoding](secret)
    said = redact_text(f"{before} {encoded} {after}", [secret])
    # The marker stands where a secret was; what must not survive is the secret outside it.
    left = said.replace(REDACTED, "\0")
    assert encoded not in left
    assert secret not in left


@pytest.mark.parametrize("encoding", ["plain", "quote_plus", "html.escape", "base64", "SMTP AUTH PLAIN"])
def test_the_environments_secrets_are_redacted_without_being_named(encoding: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REGSYNC_PRS_PASSWORD", "Pr5-s3cret-!@#-password")
    said = redact_text(f"PRS said: {ENCODINGS[encoding]('Pr5-s3cret-!@#-password')} (login page)")
    assert said == f"PRS said: {REDACTED} (login page)"


def test_text_without_the_secret_is_left_as_it_was() -> None:
    text = "PRS refused the upload: record MSC-T1D-DEMO is locked (user datamanager, dXNlcg==)"
    assert redact_text(text, ["Pr5-s3cret-!@#-password"]) == text
