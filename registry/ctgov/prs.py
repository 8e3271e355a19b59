"""PRS's two form endpoints for a record: download it (prs/app/action/ExternalDownload) and upload it
(prs/app/action/ExternalUpload), both posted as forms with the organisation, user name and password.

The credentials come from the environment only (REGSYNC_PRS_ORG, REGSYNC_PRS_USER, REGSYNC_PRS_PASSWORD), are
never written to a file, and never reach a message: whatever PRS answers is redacted of them before it is shown.
An upload is never released automatically (autoRelease=false): a person releases it in PRS after review.

PRS's answers are read positively: only what PRS documents as success is success, anything else is a failure
(RegistryError, exit 2), whatever the HTTP status says. A login page, an error page and an empty body all come with
HTTP 200.

- A download succeeded when the answer is HTTP 200 with a PRS record (`prs:study_collection`,
  ProtocolRecordSchema.xsd, whose header says "The PRS web interface provides a Download XML function") that is
  this trial's (registry.ctgov.identity).
- An upload succeeded when the answer is HTTP 200 with PRS's upload report: an XML document whose `uploadStatus`
  (a child of its root) is `SUCCESS`. PRS reports a refused upload in the same document, `uploadStatus` ERROR with
  a `failureMessage`, as the one public client of the API reads it (awconway/spiritR, R/upload_ctxml.R). No public
  PRS document names the success value; regsync accepts `SUCCESS` alone, so that any other answer, however PRS
  words it, is shown and never taken for an upload.

No redirect is followed: a redirected POST would carry the password to wherever the redirect points, and PRS does
not redirect these actions when they succeed.
"""

from __future__ import annotations

import html
import os
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from registry.ctgov.identity import PRS, check_record_identity
from registry.http import Answer, send
from registry.xmlsafe import parse_untrusted_bytes
from service.errors import ConfigError, DataError, RegistryError
from service.redact import redact_text

DOWNLOAD = "/prs/app/action/ExternalDownload"
UPLOAD = "/prs/app/action/ExternalUpload"
ENVIRONMENT = ("REGSYNC_PRS_ORG", "REGSYNC_PRS_USER", "REGSYNC_PRS_PASSWORD")
MAX_RECORD_BYTES = 32 * 1024 * 1024
UPLOAD_SUCCEEDED = "SUCCESS"  # PRS's upload report: <uploadStatus>, a child of the root
SHOWN_CHARACTERS = 300
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class PrsCredentials:
    organisation: str
    username: str
    password: str = field(repr=False)

    @classmethod
    def from_environment(cls) -> PrsCredentials:
        values = {name: os.environ.get(name, "") for name in ENVIRONMENT}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ConfigError(
                f"PRS upload needs the environment variables {', '.join(ENVIRONMENT)}; not set: {', '.join(missing)}\n"
                "  Set them in the environment of this command only; they are never read from a file."
            )
        return cls(*values.values())

    def form(self) -> dict[str, str]:
        return {"orgName": self.organisation, "uname": self.username, "pw": self.password}


@dataclass(frozen=True)
class PrsClient:
    base_url: str
    credentials: PrsCredentials
    timeout_seconds: float = 60.0  # one request, from connecting to the last byte

    def download(self, study_id: str, nct_id: str | None = None) -> bytes:
        """The PRS record (prs:study_collection) of the study with this unique protocol id, checked to be that
        study's (and, when the trial names one, of that NCT number)."""
        body = urllib.parse.urlencode({**self.credentials.form(), "studyId": study_id}).encode()
        answer = self._post(DOWNLOAD, body, "application/x-www-form-urlencoded", "download")
        source = f"PRS download of '{study_id}'"
        try:
            root = parse_untrusted_bytes(answer.body, source).getroot()
        except DataError:
            root = None
        if root is None or root.tag != f"{{{PRS}}}study_collection":
            raise RegistryError(f"{source} gave no record: {self._gist(answer.body)}")
        try:
            check_record_identity(root, study_id, nct_id, source)
        except DataError as exc:
            raise RegistryError(self._clean(exc.message)) from None
        return answer.body

    def upload(self, record: bytes, file_name: str = "record.xml") -> str:
        """PRS's upload report, when it says the upload of the whole record (unreleased) succeeded."""
        boundary = f"regsync-{uuid.uuid4().hex}"
        fields = {**self.credentials.form(), "autoRelease": "false"}
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="{file_name}"\r\n'
            "Content-Type: text/xml\r\n\r\n".encode()
            + record
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        answer = self._post(UPLOAD, body, f"multipart/form-data; boundary={boundary}", "upload")
        status, message = self._upload_report(answer.body)
        if status != UPLOAD_SUCCEEDED:
            said = f"{status}: {message}" if status and message else status or message
            raise RegistryError(f"PRS did not confirm the upload; it answered: {said or self._gist(answer.body)}")
        return self._clean(f"{status}{': ' + message if message else ''}")

    def _upload_report(self, body: bytes) -> tuple[str, str]:
        """`uploadStatus` and `failureMessage` of PRS's upload report; empty when the answer is not one."""
        try:
            root = parse_untrusted_bytes(body, "PRS's answer").getroot()
        except DataError:
            return "", ""
        statuses = root.findall("uploadStatus")
        if len(statuses) != 1:
            return "", ""
        message = " ".join((root.findtext("failureMessage") or "").split())
        return (statuses[0].text or "").strip(), self._clean(message)[:SHOWN_CHARACTERS]

    def _post(self, path: str, body: bytes, content_type: str, what: str) -> Answer:
        url = self.base_url.rstrip("/") + path
        try:
            answer = send("POST", url, body=body, headers={"Content-Type": content_type},
                          deadline=time.monotonic() + self.timeout_seconds, max_bytes=MAX_RECORD_BYTES)  # fmt: skip
        except RegistryError as exc:
            raise RegistryError(f"PRS {what}: {self._clean(str(exc))}", permanent=exc.permanent) from None
        if answer.status in (401, 403):
            raise RegistryError(
                f"PRS refused the login of user '{self.credentials.username}' of organisation "
                f"'{self.credentials.organisation}' ({what}, HTTP {answer.status})"
            )
        if answer.status != 200:
            raise RegistryError(f"PRS {what} failed: HTTP {answer.status}: {self._gist(answer.body)}",
                                permanent=answer.status < 500)  # fmt: skip
        return answer

    def _gist(self, body: bytes) -> str:
        """What PRS said, in a line: an HTML page's title, else the first line of text, redacted."""
        text = body.decode("utf-8", "replace")
        title = _TITLE.search(text)
        if title:
            return f"an HTML page, '{self._clean(' '.join(html.unescape(title.group(1)).split()))[:SHOWN_CHARACTERS]}'"
        lines = [line.strip() for line in self._clean(text).splitlines() if line.strip()]
        return lines[0][:SHOWN_CHARACTERS] if lines else "an empty answer"

    def _clean(self, text: str) -> str:
        return redact_text(text, [self.credentials.password])
