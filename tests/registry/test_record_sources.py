"""Fetching and reading the records drift compares with: a deadline for a whole request and one for a run, no
redirect off the API's origin, a size limit, only regular files, and nesting limits for JSON and XML. Each bad case
exits 2 naming the URL or file, quickly, and changes nothing in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from registry.jsonsafe import load_untrusted_json
from service.errors import DataError
from service.outcomes.reporting_event import ard_rows_from_ars
from tests.conftest import REPO, database_fingerprint
from tests.registry_server import Script, registry_server

EXAMPLE = REPO / "examples" / "msc-t1d"
RECORD = (EXAMPLE / "registry" / "ctgov-record.json").read_bytes()
DEEP_JSON = b'{"protocolSection": ' + b"[" * 5000 + b"]" * 5000 + b"}"
URL = "{base}/api/v2/studies/NCT04078308"

# (the server's script, config.toml's [registries] keys, the first line of stderr, the most seconds it may take)
FETCHED: dict[str, tuple[Callable[[str], Script], str, str, float]] = {
    "a byte every 0.3 s holds no request past its deadline": (
        lambda other: Script([(200, RECORD, 0)], drip=0.3),
        "timeout_seconds = 1\nretries = 0\n",
        f"error: {URL}: no answer after 1 attempts (no complete answer within 1 s)",
        4.0,
    ),
    "nor a run past its deadline, however many retries": (
        lambda other: Script([(200, RECORD, 0)], drip=0.3),
        "timeout_seconds = 1\nretries = 20\nrun_timeout_seconds = 3\n",
        f"error: {URL}: the run's time for registry requests ran out (no complete answer within 1 s)",
        6.0,
    ),
    "a redirect to another host": (
        lambda other: Script([(302, b"", 0)], headers={"Location": f"{other}/api/v2/studies/NCT04078308"}),
        "retries = 0\n",
        f"error: {URL}: answered with a redirect to another host ({{other}}), which regsync does not follow",
        4.0,
    ),
    "an answer over the size limit": (
        lambda other: Script([(200, RECORD, 0)]),
        "max_bytes = 1000\nretries = 0\n",
        f"error: {URL}: the answer is {len(RECORD)} bytes, over the 1000-byte limit",
        4.0,
    ),
    "JSON nested 5000 deep": (
        lambda other: Script([(200, DEEP_JSON, 0)]),
        "retries = 0\n",
        f"error: {URL}: nests arrays and objects deeper than 64 levels",
        4.0,
    ),
}


@pytest.mark.parametrize("case", FETCHED)
def test_a_fetched_record_that_misbehaves_is_refused_in_time(  # type: ignore[no-untyped-def]
    case: str, run_cli, db_url: str, engine: Engine
) -> None:
    make_script, keys, first_line, most_seconds = FETCHED[case]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE), db_url=db_url).exit_code == 0
    before = database_fingerprint(engine)
    elsewhere = Script([(200, RECORD, 0)])
    with registry_server(elsewhere) as other:
        script = make_script(other)
        with registry_server(script) as base:
            started = time.monotonic()
            result = run_cli("registry", "drift", "msc-t1d", "--ctgov", "NCT04078308", db_url=db_url,
                             config_extra=f'[registries]\nctgov_api = "{base}/api/v2"\n{keys}')  # fmt: skip
            took = time.monotonic() - started
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == first_line.format(base=base, other=other)
    assert took < most_seconds
    assert elsewhere.requests == []
    assert database_fingerprint(engine) == before


def test_a_redirect_within_the_api_is_followed(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE)).exit_code == 0
    script = Script([(301, b"", 0), (200, RECORD, 0)], headers={"Location": "/api/v2/studies/NCT04078308?v=2"})
    with registry_server(script) as base:
        result = run_cli("registry", "drift", "msc-t1d", "--ctgov", "NCT04078308",
                         config_extra=f'[registries]\nctgov_api = "{base}/api/v2"\nretries = 0\n')  # fmt: skip
    assert result.exit_code == 1, result.stderr  # the example's record differs from its data: drift, read
    assert script.requests == ["/api/v2/studies/NCT04078308", "/api/v2/studies/NCT04078308?v=2"]


def _fifo(folder: Path) -> Path:
    path = folder / "record.json"
    os.mkfifo(path)
    return path


def _folder(folder: Path) -> Path:
    path = folder / "record.json"
    path.mkdir()
    return path


def _write(name: str, content: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(content)
        return folder / name

    return make


# (the option, the file made in a folder, the problem after "error: PATH: ")
RECORD_FILES: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "a FIFO": ("--ctgov", _fifo, "is a FIFO (named pipe), not a regular file"),
    "a folder": ("--ctgov", _folder, "is a folder, not a regular file"),
    "a device": ("--irct", lambda folder: Path("/dev/zero"), "is a character device, not a regular file"),
    "JSON nested 5000 deep": ("--ctgov", _write("deep.json", DEEP_JSON),
                              "nests arrays and objects deeper than 64 levels"),
    "XML nested 5000 deep": ("--irct", _write("deep.xml", b"<trials>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</trials>"),
                             "nests elements deeper than 256 levels"),
    "a PRS record nested 300 deep": (
        "--ctgov", _write("deep-prs.xml", b'<prs:study_collection xmlns:prs="http://clinicaltrials.gov/prs">'
                          + b"<clinical_study>" * 300 + b"</clinical_study>" * 300 + b"</prs:study_collection>"),
        "nests elements deeper than 256 levels"),
}  # fmt: skip


@pytest.mark.parametrize("case", RECORD_FILES)
def test_a_record_file_that_is_not_a_record_is_refused_by_name(  # type: ignore[no-untyped-def]
    case: str, run_cli, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    option, make, problem = RECORD_FILES[case]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE), db_url=db_url).exit_code == 0
    before = database_fingerprint(engine)
    folder = tmp_path / "records"
    folder.mkdir()
    path = make(folder)
    started = time.monotonic()
    result = run_cli("registry", "drift", "msc-t1d", option, str(path), db_url=db_url)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == f"error: {path}: {problem}"
    assert time.monotonic() - started < 10
    assert database_fingerprint(engine) == before


def test_an_ars_document_nested_too_deep_is_refused_naming_it() -> None:
    deep = {"id": "RE", "name": "deep", "analyses": [{"results": [1]}]}
    for _ in range(100):
        deep = {"id": "RE", "nested": [deep]}
    with pytest.raises(DataError, match=r"^ars\.json: nests arrays and objects deeper than 64 levels"):
        ard_rows_from_ars(json.dumps(deep).encode(), "ars.json")
    with pytest.raises(DataError, match=r"^ars\.json: nests arrays and objects deeper than 64 levels"):
        ard_rows_from_ars(b"[" * 100_000 + b"]" * 100_000, "ars.json")  # past the parser's own recursion limit


@pytest.mark.parametrize(("text", "depth_ok"), [(b"[" * 64 + b"]" * 64, True), (b"[" * 65 + b"]" * 65, False)])
def test_json_may_nest_64_levels_and_no_more(text: bytes, depth_ok: bool) -> None:
    if depth_ok:
        assert load_untrusted_json(text, "x.json") is not None
    else:
        with pytest.raises(DataError, match="deeper than 64 levels"):
            load_untrusted_json(text, "x.json")
