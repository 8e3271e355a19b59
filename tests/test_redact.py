"""Secrets never reach a message: URL credentials (an unencoded @ in the password included), a password an SMTP
server echoes back in base64, a database error's statement parameters (participants' rows)."""

from __future__ import annotations

import base64
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
