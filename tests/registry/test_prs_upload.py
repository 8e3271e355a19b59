"""`regsync registry ctgov TRIAL --upload` against a PRS stand-in on 127.0.0.1 that implements the two form
endpoints (ExternalDownload, ExternalUpload) and records what it received: the round trip, a refused login, the
confirmation, no secret in any output, file or record, and every answer that is not PRS's success refused (exit 2,
nothing audited, nothing recorded) on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import html
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.db import open_database
from service.models import Artifact, AuditEntry
from tests.conftest import REPO, database_fingerprint
from tests.registry.test_ctgov import PRS_RECORD, RRS
from tests.registry_server import Script, registry_server

EXAMPLE = REPO / "examples" / "msc-t1d"
SECRET = "Pr5-s3cret-!@#-password"
UPLOADED = b"<uploadReport><uploadStatus>SUCCESS</uploadStatus></uploadReport>"
# Every form in which a careless server could echo the password back.
SECRET_FORMS = (
    SECRET,
    urllib.parse.quote(SECRET),
    urllib.parse.quote_plus(SECRET),
    html.escape(SECRET),
    base64.b64encode(SECRET.encode()).decode(),
    base64.b64encode(f"datamanager:{SECRET}".encode()).decode(),
)


@dataclass
class Prs:
    url: str
    downloads: list[dict[str, str]] = field(default_factory=list)
    uploads: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    # What each endpoint answers a logged-in user: (status, body, extra headers).
    download_answer: tuple[int, bytes, dict[str, str]] = (200, PRS_RECORD.encode(), {})
    upload_answer: tuple[int, bytes, dict[str, str]] = (200, UPLOADED, {})


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
                self._answer(*state.download_answer)
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
                self._answer(*state.upload_answer)
            else:
                self._answer(404, b"no such action")

        def _logged_in(self, form: dict[str, str]) -> bool:
            if (form.get("orgName"), form.get("uname"), form.get("pw")) == ("RoyanInst", "datamanager", SECRET):
                return True
            # A careless server echoes what it was sent; regsync must not repeat it.
            self._answer(401, f"Login failed: user {form.get('uname')} password {form.get('pw')}".encode())
            return False

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml" if body.lstrip().startswith(b"<") else "text/plain")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
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
def upload(run_cli, prs: Prs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    return _upload(run_cli, prs, monkeypatch, f"sqlite:///{tmp_path / 'cli.db'}")


def _upload(run_cli, prs: Prs, monkeypatch: pytest.MonkeyPatch, db_url: str):  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE), db_url=db_url).exit_code == 0
    monkeypatch.setenv("REGSYNC_PRS_ORG", "RoyanInst")
    monkeypatch.setenv("REGSYNC_PRS_USER", "datamanager")
    monkeypatch.setenv("REGSYNC_PRS_PASSWORD", SECRET)

    def run(*args: str):  # type: ignore[no-untyped-def]
        return run_cli("registry", "ctgov", "msc-t1d", "--upload", *args, db_url=db_url,
                       config_extra=f'[registries]\nprs_url = "{prs.url}"\ntimeout_seconds = 5\n')  # fmt: skip

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
        (artifact,) = session.exec(select(Artifact).where(Artifact.kind == "ctgov")).all()
    assert entry.actor == "datamanager" and entry.detail["study_id"] == "MSC-T1D-DEMO"
    assert artifact.path == str((out / "prs-upload.xml").resolve()) and artifact.sha256 == entry.detail["sha256"]
    assert "PRS said: SUCCESS" in result.stdout
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


# --- every answer that is not PRS's success: exit 2, its first line, nothing uploaded, audited or recorded --------

LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>PRS Login</title></head><body><form action='/prs/login'>"
    b"<input name='uname'><input name='pw' type='password'></form></body></html>"
)
INVALID_PASSWORD = (
    f"<html><head><title>Invalid password</title></head><body><p>Invalid password "
    f"{html.escape(SECRET)} for datamanager</p><input name='pw' value='{html.escape(SECRET)}'>"
    f"<a href='/prs/login?pw={urllib.parse.quote_plus(SECRET)}'>again</a></body></html>"
).encode()
OTHER_STUDY = PRS_RECORD.replace("<org_study_id>MSC-T1D-DEMO<", "<org_study_id>OTHER-STUDY-7<").encode()
OTHER_NCT = PRS_RECORD.replace(
    "<org_study_id>MSC-T1D-DEMO</org_study_id>", "<org_study_id>MSC-T1D-DEMO</org_study_id><nct_id>NCT99999999</nct_id>"
).encode()
TWO_STUDIES = PRS_RECORD.replace(
    "</prs:study_collection>", PRS_RECORD.split("<prs:study_collection", 1)[1].split(">", 1)[1]
).encode()
UPLOAD_REFUSED = (
    b"<uploadReport><uploadStatus>ERROR</uploadStatus><failureMessage>Upload failed: the record is "
    b"checked out by another user</failureMessage></uploadReport>"
)

# (endpoint, status, body, headers, the first line of stderr). In both, {url} is the stand-in's URL and {elsewhere}
# a second server's, on another port of 127.0.0.1: another origin.
REFUSED = {
    "upload: a 200 login page": (
        "upload",
        200,
        LOGIN_PAGE,
        {},
        "error: PRS did not confirm the upload; it answered: an HTML page, 'PRS Login'",
    ),
    "upload: an empty body": (
        "upload",
        200,
        b"",
        {},
        "error: PRS did not confirm the upload; it answered: an empty answer",
    ),
    "upload: 'Upload failed for request'": (
        "upload",
        200,
        b"Upload failed for request: 1 record has errors\nline 2",
        {},
        "error: PRS did not confirm the upload; it answered: Upload failed for request: 1 record has errors",
    ),
    "upload: an HTML 'Invalid password' page echoing the password": (
        "upload",
        200,
        INVALID_PASSWORD,
        {},
        "error: PRS did not confirm the upload; it answered: an HTML page, 'Invalid password'",
    ),
    "upload: PRS's report of a refused upload": (
        "upload",
        200,
        UPLOAD_REFUSED,
        {},
        "error: PRS did not confirm the upload; it answered: ERROR: Upload failed: the record is checked out by "
        "another user",
    ),
    "upload: a report with a status other than SUCCESS": (
        "upload",
        200,
        b"<uploadReport><uploadStatus>PENDING</uploadStatus></uploadReport>",
        {},
        "error: PRS did not confirm the upload; it answered: PENDING",
    ),
    "upload: SUCCESS outside PRS's report": (
        "upload",
        200,
        b"<html><body><p>SUCCESS</p></body></html>",
        {},
        "error: PRS did not confirm the upload; it answered: <html><body><p>SUCCESS</p></body></html>",
    ),
    "upload: HTTP 500": ("upload", 500, b"Internal error", {}, "error: PRS upload failed: HTTP 500: Internal error"),
    "upload: a redirect to another host": (
        "upload",
        302,
        b"",
        {"Location": "{elsewhere}/prs/app/action/ExternalUpload"},
        "error: PRS upload: {url}/prs/app/action/ExternalUpload: answered with a redirect to another host "
        "({elsewhere}), which regsync does not follow",
    ),
    "upload: a redirect on the same host": (
        "upload",
        307,
        b"",
        {"Location": "{url}/prs/app/action/Other"},
        "error: PRS upload: {url}/prs/app/action/ExternalUpload: answered with a redirect (HTTP 307), which regsync "
        "does not follow",
    ),
    "download: a 200 login page": (
        "download",
        200,
        LOGIN_PAGE,
        {},
        "error: PRS download of 'MSC-T1D-DEMO' gave no record: an HTML page, 'PRS Login'",
    ),
    "download: an empty body": (
        "download",
        200,
        b"",
        {},
        "error: PRS download of 'MSC-T1D-DEMO' gave no record: an empty answer",
    ),
    "download: another study's record": (
        "download",
        200,
        OTHER_STUDY,
        {},
        "error: PRS download of 'MSC-T1D-DEMO': is the record of study 'OTHER-STUDY-7', not of this trial "
        "('MSC-T1D-DEMO', trial.toml [trial] study_id): nothing is merged",
    ),
    "download: another NCT number": (
        "download",
        200,
        OTHER_NCT,
        {},
        "error: PRS download of 'MSC-T1D-DEMO': is the record of NCT99999999, and this trial's NCT number "
        "(trial.toml [trial] nct_id) is 'NCT04078308': nothing is merged",
    ),
    "download: two studies": (
        "download",
        200,
        TWO_STUDIES,
        {},
        "error: PRS download of 'MSC-T1D-DEMO': holds 2 clinical_study records; expected the one for this trial",
    ),
    "download: a redirect to another host": (
        "download",
        302,
        b"",
        {"Location": "{elsewhere}/steal"},
        "error: PRS download: {url}/prs/app/action/ExternalDownload: answered with a redirect to another host "
        "({elsewhere}), which regsync does not follow",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_an_answer_that_is_not_prs_success_is_refused_and_nothing_is_recorded(  # type: ignore[no-untyped-def]
    case: str, run_cli, prs: Prs, monkeypatch: pytest.MonkeyPatch, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    endpoint, status, body, headers, first_line = REFUSED[case]
    elsewhere = Script([(200, b"<prs:study_collection/>", 0)])
    with registry_server(elsewhere) as other:
        headers = {name: value.format(url=prs.url, elsewhere=other) for name, value in headers.items()}
        setattr(prs, f"{endpoint}_answer", (status, body, headers))
        upload = _upload(run_cli, prs, monkeypatch, db_url)
        before = database_fingerprint(engine)
        result = upload("--yes")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == first_line.format(url=prs.url, elsewhere=other)
    assert database_fingerprint(engine) == before  # no audit entry, no artifact
    assert elsewhere.requests == []  # the credentials went nowhere else
    assert prs.uploads == [] if endpoint == "download" else len(prs.uploads) == 1
    assert "uploaded to PRS" not in result.stdout
    shown = result.stdout + result.stderr + everything_written(tmp_path / "out")
    assert not any(form in shown for form in SECRET_FORMS)


def test_merge_refuses_a_record_of_another_study(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE)).exit_code == 0
    record = tmp_path / "other.xml"
    record.write_bytes(OTHER_STUDY)
    result = run_cli("registry", "ctgov", "msc-t1d", "--out", str(tmp_path / "m.xml"), "--merge", str(record))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: {record}: is the record of study 'OTHER-STUDY-7', not of this trial ('MSC-T1D-DEMO', trial.toml "
        "[trial] study_id): nothing is merged"
    )
    assert not (tmp_path / "m.xml").exists()
