"""`regsync registry ctgov TRIAL --upload` against a PRS stand-in on 127.0.0.1 that implements the two form
endpoints (ExternalDownload, ExternalUpload) and records what it received: the round trip, a refused login, the
confirmation, and no secret in any output, file or record."""

from __future__ import annotations

import email.parser
import email.policy
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree
from sqlmodel import Session, select

from service.db import open_database
from service.models import AuditEntry
from tests.conftest import REPO
from tests.registry.test_ctgov import PRS_RECORD, RRS

EXAMPLE = REPO / "examples" / "msc-t1d"
SECRET = "Pr5-s3cret-!@#-password"


@dataclass
class Prs:
    url: str
    downloads: list[dict[str, str]] = field(default_factory=list)
    uploads: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def prs() -> Iterator[Prs]:
    state = Prs("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/prs/app/action/ExternalDownload":
                form = dict(urllib.parse.parse_qsl(body.decode()))
                state.downloads.append(form)
                if not self._logged_in(form):
                    return
                self._answer(200, PRS_RECORD.encode(), "text/xml")
            elif self.path == "/prs/app/action/ExternalUpload":
                message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
                    f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
                )
                fields: dict[str, str] = {}
                record = b""
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if name == "upload":
                        record = part.get_payload(decode=True)
                    else:
                        fields[str(name)] = part.get_content().strip()
                if not self._logged_in(fields):
                    return
                state.uploads.append((fields, record))
                self._answer(200, b"Upload succeeded: 1 record updated (not released)", "text/plain")
            else:
                self._answer(404, b"no such action", "text/plain")

        def _logged_in(self, form: dict[str, str]) -> bool:
            if (form.get("orgName"), form.get("uname"), form.get("pw")) == ("RoyanInst", "datamanager", SECRET):
                return True
            # A careless server echoes what it was sent; regsync must not repeat it.
            self._answer(401, f"Login failed: user {form.get('uname')} password {form.get('pw')}".encode(),
                         "text/plain")  # fmt: skip
            return False

        def _answer(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def upload(run_cli, prs: Prs, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE)).exit_code == 0
    monkeypatch.setenv("REGSYNC_PRS_ORG", "RoyanInst")
    monkeypatch.setenv("REGSYNC_PRS_USER", "datamanager")
    monkeypatch.setenv("REGSYNC_PRS_PASSWORD", SECRET)

    def run(*args: str):  # type: ignore[no-untyped-def]
        return run_cli("registry", "ctgov", "msc-t1d", "--upload", *args,
                       config_extra=f'[registries]\nprs_url = "{prs.url}"\n')  # fmt: skip

    return run


def everything_written(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def test_the_round_trip_downloads_merges_validates_shows_and_uploads_unreleased(upload, prs: Prs,  # type: ignore[no-untyped-def]
                                                                                tmp_path: Path) -> None:  # fmt: skip
    result = upload("--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert [d["studyId"] for d in prs.downloads] == ["MSC-T1D-DEMO"]
    ((fields, record),) = prs.uploads
    assert fields == {"orgName": "RoyanInst", "uname": "datamanager", "pw": SECRET, "autoRelease": "false"}
    uploaded = etree.fromstring(record)
    study = uploaded.find("clinical_study")
    assert study is not None and study.findtext("id_info/org_study_id") == "MSC-T1D-DEMO"
    result_element = study.find(f"{{{RRS}}}result")
    assert result_element is not None and result_element.find("participantFlow") is not None
    before = etree.fromstring(PRS_RECORD.encode()).find("clinical_study")
    assert [etree.tostring(c) for c in study if c.tag != f"{{{RRS}}}result"] == [etree.tostring(c) for c in before]
    assert "results: participantFlow: added" in result.stdout and "protocol section: unchanged" in result.stdout
    assert "uploaded to PRS, not released" in result.stdout
    out = tmp_path / "out" / "msc-t1d" / "registry"
    assert (out / "prs-download.xml").read_text() == PRS_RECORD and (out / "prs-upload.xml").exists()
    with Session(open_database(f"sqlite:///{tmp_path / 'cli.db'}")) as session:
        (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "prs-upload")).all()
    assert entry.actor == "datamanager" and entry.detail["study_id"] == "MSC-T1D-DEMO"
    assert SECRET not in result.stdout + result.stderr + str(entry.detail) + everything_written(tmp_path / "out")


def test_a_refused_login_uploads_nothing_and_says_so(upload, prs: Prs, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REGSYNC_PRS_PASSWORD", "wrong-" + SECRET)
    result = upload("--yes")
    assert result.exit_code == 2
    assert "PRS refused the login of user 'datamanager' of organisation 'RoyanInst' (download, HTTP 401)" in \
        result.stderr  # fmt: skip
    assert SECRET not in result.stdout + result.stderr and prs.uploads == []


def test_without_yes_and_no_terminal_nothing_is_uploaded(upload, prs: Prs) -> None:  # type: ignore[no-untyped-def]
    result = upload()
    assert result.exit_code == 2 and "confirm at a terminal, or pass --yes" in result.stderr
    assert "results: participantFlow: added" in result.stdout and prs.uploads == []


def test_credentials_come_from_the_environment_only(upload, prs: Prs, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("REGSYNC_PRS_PASSWORD")
    result = upload("--yes")
    assert result.exit_code == 2 and "not set: REGSYNC_PRS_PASSWORD" in result.stderr
    assert prs.downloads == []
