"""PRS's two form endpoints for a record: download it (prs/app/action/ExternalDownload) and upload it
(prs/app/action/ExternalUpload), both posted as forms with the organisation, user name and password.

The credentials come from the environment only (REGSYNC_PRS_ORG, REGSYNC_PRS_USER, REGSYNC_PRS_PASSWORD), are
never written to a file, and never reach a message: whatever PRS answers is redacted of them before it is shown.
An upload is never released automatically (autoRelease=false): a person releases it in PRS after review.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

from service.errors import ConfigError, RegistryError
from service.redact import redact_text

DOWNLOAD = "/prs/app/action/ExternalDownload"
UPLOAD = "/prs/app/action/ExternalUpload"
ENVIRONMENT = ("REGSYNC_PRS_ORG", "REGSYNC_PRS_USER", "REGSYNC_PRS_PASSWORD")
MAX_RECORD_BYTES = 32 * 1024 * 1024


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
    timeout_seconds: float = 60.0

    def download(self, study_id: str) -> bytes:
        """The PRS record (prs:study_collection) of the study with this unique protocol id."""
        body = urllib.parse.urlencode({**self.credentials.form(), "studyId": study_id}).encode()
        answer = self._post(DOWNLOAD, body, "application/x-www-form-urlencoded", "download")
        if b"study_collection" not in answer[:4096]:
            first = self._clean(answer[:500].decode("utf-8", "replace")).strip().splitlines()
            raise RegistryError(f"PRS download of '{study_id}' gave no record{': ' + first[0] if first else ''}")
        return answer

    def upload(self, record: bytes, file_name: str = "record.xml") -> str:
        """PRS's answer to the upload of a whole record, which it must accept without releasing it."""
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
        text = self._clean(answer.decode("utf-8", "replace"))
        if "error" in text.lower():
            raise RegistryError(f"PRS refused the upload: {text.strip()[:500]}")
        return text.strip()

    def _post(self, path: str, body: bytes, content_type: str, what: str) -> bytes:
        url = self.base_url.rstrip("/") + path
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                answer = response.read(MAX_RECORD_BYTES + 1)
        except urllib.error.HTTPError as exc:
            said = self._clean(exc.read(2000).decode("utf-8", "replace")).strip().splitlines()
            if exc.code in (401, 403):
                raise RegistryError(
                    f"PRS refused the login of user '{self.credentials.username}' of organisation "
                    f"'{self.credentials.organisation}' ({what}, HTTP {exc.code})"
                ) from None
            raise RegistryError(f"PRS {what} failed: HTTP {exc.code}{': ' + said[0] if said else ''}",
                                permanent=exc.code < 500) from None  # fmt: skip
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise RegistryError(f"PRS {what}: no answer from {self.base_url} ({getattr(exc, 'reason', exc)})",
                                permanent=False) from None  # fmt: skip
        if len(answer) > MAX_RECORD_BYTES:
            raise RegistryError(f"PRS {what}: the answer is over {MAX_RECORD_BYTES // (1024 * 1024)} MB")
        return bytes(answer)

    def _clean(self, text: str) -> str:
        return redact_text(text, [self.credentials.password])
