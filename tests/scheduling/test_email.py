"""The run's email, sent by a real `regsync run` process to a real SMTP server on 127.0.0.1 (aiosmtpd) that
insists on STARTTLS and a login."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import REPO
from tests.scheduling.helpers import write_config

pytestmark = pytest.mark.slow  # real regsync processes: make test-quick leaves them out

PASSWORD = "s3cret-Pa55-for-the-test"


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"regsync", PASSWORD.encode())
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "smtp-cert.pem", tmp_path / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def smtp_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=inbox.authenticate,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def smtp_section(port: int, cert: Path, **overrides: str) -> str:
    keys = {
        "host": '"127.0.0.1"',
        "port": str(port),
        "tls": '"starttls"',
        "username": '"regsync"',
        "sender": '"regsync@trials.example.org"',
        "recipients": '["dsmb-statistician@trials.example.org", "data-manager@trials.example.org"]',
        "ca_file": f'"{cert}"',
        "password_env": '"TEST_SMTP_PASSWORD"',
        **overrides,
    }
    return "[smtp]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items())


def run_job(config: Path, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in __import__("os").environ.items() if k != "TEST_SMTP_PASSWORD"}
    if password is not None:
        env["TEST_SMTP_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "service", "--config", str(config), "run", "nightly"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=180)  # fmt: skip


def test_a_run_is_announced_by_email_and_the_closed_report_is_not_attached(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], tiny: Path, tmp_path: Path
) -> None:
    inbox, port = smtp_server
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}", tiny, outputs=("tables", "dsmb-closed"),
                          extra=smtp_section(port, certificate[0]))  # fmt: skip
    done = run_job(config, PASSWORD)
    assert done.returncode == 0, done.stderr
    assert len(inbox.messages) == 1 and inbox.logins == ["regsync"]
    message = inbox.messages[0]
    assert message["Subject"].startswith("[regsync] nightly: produced (snapshot 1, data cut-off ")
    assert message["To"] == "dsmb-statistician@trials.example.org, data-manager@trials.example.org"
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    body = message.get_content()
    closed = tmp_path / "out" / "tiny" / "snapshot-1" / "closed" / "dsmb-closed.pdf"
    assert str(closed.resolve()) in body and "announced here, never attached" in body
    assert "Job:        nightly (trial tiny)" in body and "Status:     produced" in body
    assert PASSWORD not in done.stdout + done.stderr + message.as_string()
    assert "email sent to dsmb-statistician@trials.example.org" in done.stderr

    again = run_job(config, PASSWORD)  # unchanged data: skipped, which notify_on leaves out by default
    assert again.returncode == 0 and "\tskipped\t" in again.stdout
    assert len(inbox.messages) == 1


def test_a_refused_login_is_reported_without_the_password_and_the_run_stands(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], tiny: Path, tmp_path: Path
) -> None:
    inbox, port = smtp_server
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}", tiny, extra=smtp_section(port, certificate[0]))
    wrong = "not-the-Pa55word-42"
    done = run_job(config, wrong)
    assert done.returncode == 0 and "\tproduced\t" in done.stdout
    assert "email not sent: SMTPAuthenticationError" in done.stderr
    assert wrong not in done.stdout + done.stderr
    assert inbox.messages == []


def test_a_login_without_its_password_variable_names_the_variable(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], tiny: Path, tmp_path: Path
) -> None:
    inbox, port = smtp_server
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}", tiny, extra=smtp_section(port, certificate[0]))
    done = run_job(config, None)
    assert done.returncode == 0
    assert "email not sent: ConfigError: [smtp] username is set but the environment variable TEST_SMTP_PASSWORD" in (
        done.stderr
    )
    assert inbox.messages == []


def test_a_server_whose_certificate_is_not_trusted_gets_no_mail(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], tiny: Path, tmp_path: Path
) -> None:
    inbox, port = smtp_server
    section = smtp_section(port, certificate[0]).replace(f'ca_file = "{certificate[0]}"\n', "")
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}", tiny, extra=section)
    done = run_job(config, PASSWORD)
    assert done.returncode == 0 and "email not sent: SSLCertVerificationError" in done.stderr
    assert inbox.messages == [] and PASSWORD not in done.stderr


def test_a_registry_deadline_within_a_lead_time_is_emailed_once(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], tiny: Path, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from service.deadlines import add_months

    inbox, port = smtp_server
    due = datetime.now(UTC).date() + timedelta(days=20)
    definition = tiny / "trial.toml"
    definition.write_text(
        definition.read_text().replace(
            "target_enrollment = 6", f"target_enrollment = 6\nprimary_completion_date = {add_months(due, -12)}"
        )
    )
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}", tiny, extra=smtp_section(port, certificate[0]))
    done = run_job(config, PASSWORD)
    assert done.returncode == 0, done.stderr
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects[1:] == ["[regsync] tiny: registry deadlines approaching"], subjects
    body = inbox.messages[1].get_content()
    assert f"tiny: ClinicalTrials.gov results information (FDAAA 801) due {due.isoformat()} (20 days left)" in body
    again = run_job(config, PASSWORD)  # skipped, and the notice was made already
    assert again.returncode == 0 and len(inbox.messages) == 2
