"""The run's email: what happened and where its files are. Nothing is attached: the reports stay where they
were written, and a closed-session report, which holds unblinded data, is only ever announced.

The SMTP password is read from the environment variable [smtp] password_env names, at the moment of sending,
and goes nowhere else: not into the configuration, a message or a log line.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from service.config import SmtpConfig
from service.errors import ConfigError
from service.models import Artifact, JobRun, Snapshot
from service.outputs import OUTPUTS
from service.outputs.base import CLOSED
from service.redact import describe_error

log = logging.getLogger("regsync.notify")
_SEND_TRIES = 3


def run_message(smtp: SmtpConfig, run: JobRun, snapshot: Snapshot | None, artifacts: list[Artifact]) -> EmailMessage:
    message = EmailMessage()
    cut = f", data cut-off {snapshot.data_cutoff}" if snapshot is not None and snapshot.data_cutoff else ""
    message["Subject"] = f"[regsync] {run.job_id}: {run.status}" + (
        f" (snapshot {snapshot.id}{cut})" if snapshot else ""
    )
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message["Date"] = format_datetime(run.finished_at or run.scheduled_at)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    lines = [
        f"Job:        {run.job_id} (trial {run.trial_id})",
        f"Status:     {run.status}",
        f"Scheduled:  {run.scheduled_at:%Y-%m-%d %H:%M:%S} UTC",
        f"Ran:        {_time(run.started_at)} to {_time(run.finished_at)} UTC on {run.instance}",
    ]
    if snapshot is not None:
        lines.append(f"Snapshot:   {snapshot.id}, content hash {snapshot.content_hash}{cut}")
    if run.attempts > 1:
        lines.append(f"Attempts:   {run.attempts}")
    lines += ["", run.summary or ""]
    if run.error:
        lines += ["", "Error:", *(f"  {line}" for line in run.error.splitlines())]
    if artifacts:
        lines += ["", "Files written (sha256):"]
        for artifact in sorted(artifacts, key=lambda a: a.path):
            lines.append(f"  {artifact.path}")
            lines.append(f"      {artifact.sha256}")
        closed = sorted({a.kind for a in artifacts if _audience(a.kind) == CLOSED})
        if closed:
            lines += [
                "",
                f"Closed outputs ({', '.join(closed)}) hold data by arm: announced here, never attached or quoted.",
            ]
    lines += ["", "Nothing is attached to this message; the files are where the paths above say.", "-- regsync"]
    message.set_content("\n".join(lines) + "\n")
    return message


def deadline_message(smtp: SmtpConfig, trial_id: str, lines: list[str]) -> EmailMessage:
    """A registry duty come within a lead time ([deadlines] notify_days), or overdue."""
    message = EmailMessage()
    message["Subject"] = f"[regsync] {trial_id}: registry deadline{'s' if len(lines) > 1 else ''} approaching"
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    body = ["Registry duties of this trial:", "", *(f"  {line}" for line in lines), "",
            "`regsync deadlines` lists every duty with the rule it follows.", "-- regsync"]  # fmt: skip
    message.set_content("\n".join(body) + "\n")
    return message


def send_email(smtp: SmtpConfig, message: EmailMessage) -> None:
    """Send, retrying a refused connection or a 4xx answer twice; raises the last error."""
    password = None
    if smtp.username:
        password = os.environ.get(smtp.password_env)
        if password is None:
            raise ConfigError(
                f"[smtp] username is set but the environment variable {smtp.password_env} (password_env) is not"
            )
    for attempt in range(1, _SEND_TRIES + 1):
        try:
            _deliver(smtp, message, password)
            return
        except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as exc:
            code = getattr(exc, "smtp_code", None)
            permanent = (isinstance(code, int) and code >= 500) or isinstance(exc, ssl.SSLCertVerificationError)
            if permanent or attempt == _SEND_TRIES:
                raise EmailNotSent(_describe(exc, password)) from None
            log.warning("email not sent (try %d of %d): %s; trying again", attempt, _SEND_TRIES,
                        _describe(exc, password))  # fmt: skip
            time.sleep(2 * attempt)


def _deliver(smtp: SmtpConfig, message: EmailMessage, password: str | None) -> None:
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    client: smtplib.SMTP
    if smtp.tls == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
    with client:
        if smtp.tls == "starttls":
            client.starttls(context=context)
        if smtp.username and password is not None:
            client.login(smtp.username, password)
        client.send_message(message)


class EmailNotSent(Exception):
    """Sending failed; the text is the last error's, with the password and any echo of it removed."""


def _describe(exc: BaseException, password: str | None) -> str:
    # An SMTP error carries the server's reply, and a server may echo what the client sent (the AUTH line, the
    # password in base64): the reply is redacted before it goes anywhere.
    return describe_error(exc, [password] if password else [], server_reply=True)


def _time(moment: object) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else "-"


def _audience(kind: str) -> str:
    output = OUTPUTS.get(kind)
    return output.audience if output is not None else CLOSED  # an output no longer known: treated as closed
