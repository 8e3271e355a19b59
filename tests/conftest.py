"""Shared fixtures: the tiny named trial, databases (SQLite always, PostgreSQL when the CI server is there),
and a CLI runner that goes through `service.cli.main` exactly as the console script does."""

from __future__ import annotations

import getpass
import http.server
import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from service.db import open_database

FIXTURES = Path(__file__).parent / "fixtures"

# Property tests search afresh on a developer's machine; in CI (CI=true) they draw the same examples each run, so a
# submission's result does not depend on the draw. A case a search finds is kept with @example.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
REPO = Path(__file__).resolve().parent.parent
LOCAL_PG = f"postgresql://{getpass.getuser()}@127.0.0.1:5432/test"


def _find_postgres() -> tuple[str | None, str]:
    """The PostgreSQL server the tests use: REGSYNC_TEST_DATABASE_URL, else one answering on 127.0.0.1:5432 (as on
    a developer's machine set up like CI's), else none; and how it was found, for the report header."""
    named = os.environ.get("REGSYNC_TEST_DATABASE_URL")
    if named:
        return named, "from REGSYNC_TEST_DATABASE_URL"
    import psycopg

    try:
        psycopg.connect(LOCAL_PG, connect_timeout=3).close()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"none: REGSYNC_TEST_DATABASE_URL is not set and {LOCAL_PG} did not answer ({first})"
    return LOCAL_PG, "found on 127.0.0.1:5432 (REGSYNC_TEST_DATABASE_URL not set)"


PG_URL, PG_FOUND = _find_postgres()

# A fresh clone has nothing beside it (README, Quick start), so no test may read a file from a folder beside the
# checkout (../shared, the workspace's design notes and schemas): the package's own copies are what it ships. Every
# file opened in the test process is checked, and the test that opened one beside the checkout fails.
_BESIDE = str(REPO.parent) + os.sep
_INSIDE = str(REPO) + os.sep
_TEMP = str(Path(tempfile.gettempdir()).resolve()) + os.sep
READ_BESIDE_THE_CHECKOUT: list[str] = []


def beside_the_checkout(path: object) -> bool:
    """A path in a folder next to the checkout (not in it, not in the temporary folder)."""
    if not isinstance(path, str | bytes | os.PathLike):
        return False
    name = os.path.abspath(os.fsdecode(path))
    return name.startswith(_BESIDE) and not name.startswith(_INSIDE) and not name.startswith(_TEMP)


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and args and beside_the_checkout(args[0]):
        READ_BESIDE_THE_CHECKOUT.append(os.fsdecode(args[0]))  # type: ignore[arg-type]


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _nothing_read_beside_the_checkout() -> Iterator[None]:
    start = len(READ_BESIDE_THE_CHECKOUT)
    yield
    found = READ_BESIDE_THE_CHECKOUT[start:]
    if found:
        pytest.fail(f"the test read files beside the checkout, which a fresh clone does not have: {found[:3]}")


def pytest_report_header() -> str:
    return f"regsync PostgreSQL tests: {PG_URL or ''} {PG_FOUND}".replace("  ", " ")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if PG_URL is None:
        skipped = [r for r in terminalreporter.stats.get("skipped", []) if "postgres" in r.keywords]
        terminalreporter.write_line(
            f"regsync: {len(skipped)} PostgreSQL test(s) skipped: no server ({PG_FOUND})", yellow=True
        )


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A writable copy of the tiny trial's bundle folder, for tests that edit it."""
    target = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", target)
    return target


def _postgres_url(schema: str) -> str:
    assert PG_URL is not None
    url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'regsync.db'}"
        return
    yield request.getfixturevalue("postgres_url")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A schema of its own on the PostgreSQL test server, dropped afterwards."""
    if not PG_URL:
        pytest.skip(f"no PostgreSQL server to test against: {PG_FOUND}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_database(db_url)
    yield engine
    engine.dispose()


def database_fingerprint(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every regsync table, to show that a failed operation changed nothing."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(repr(v) for v in row) for row in conn.execute(table.select())), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run `regsync ARGS` in-process with a config pointing at `db_url` (a temporary SQLite file by default)."""
    from service.cli import main

    def run(*args: str, db_url: str | None = None, config_extra: str = "") -> CliResult:
        config = tmp_path / "config.toml"
        url = db_url or f"sqlite:///{tmp_path / 'cli.db'}"
        config.write_text(f'[database]\nurl = "{url}"\n\n[output]\ndir = "{tmp_path / "out"}"\n{config_extra}',
                          encoding="utf-8")  # fmt: skip
        monkeypatch.setattr(sys, "argv", ["regsync", "--config", str(config), *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _no_masking_key_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test holds a masking key file unless it asks for one (`key_file`), whatever the caller's environment."""
    monkeypatch.delenv("REGSYNC_MASKING_KEY_FILE", raising=False)
    monkeypatch.delenv("REGSYNC_ACTOR", raising=False)


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The unblinded statistician's masking key file (32 random bytes, mode 0600), named by
    REGSYNC_MASKING_KEY_FILE; a test enrols it (`regsync masking-key TRIAL --enrol`) before revealing."""
    path = tmp_path / "keys" / "masking.key"
    path.parent.mkdir(mode=0o700)
    path.write_bytes(os.urandom(32))
    path.chmod(0o600)
    monkeypatch.setenv("REGSYNC_MASKING_KEY_FILE", str(path))
    return path


@pytest.fixture
def listening_server() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request, for tests proving nothing is fetched."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<!ENTITY x 'fetched'>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], requests
    server.shutdown()
