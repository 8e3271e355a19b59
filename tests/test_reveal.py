"""Who may reveal a trial's masking key (service.masking.reveal): one table of cases, each run through both commands
that reveal it (`masking-key` and `report dsmb --session closed --unmask`), on SQLite and PostgreSQL. Each case asserts
the exit code, the message's first line, the one audit entry it leaves, and that nothing else changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from service.audit import os_user
from service.db import create_db_engine
from service.masking import masking_key
from tests.conftest import CliResult, database_fingerprint


@dataclass(frozen=True)
class Setting:
    """What a case has set up: the database, the enrolled key file, the command's PDF."""

    url: str
    key_file: Path
    pdf: Path


@dataclass(frozen=True)
class Case:
    name: str
    arrange: Callable[[Setting, pytest.MonkeyPatch], None]
    exit_code: int
    first_line: Callable[[Setting], str]  # of stderr when refused; of stdout when shown
    action: str
    reason: str | None
    sqlite_only: bool = False


def _no_file(setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGSYNC_MASKING_KEY_FILE")


def _other_file(setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    other = setting.key_file.with_name("mine.key")  # a file of the caller's own making, mode 0600 like the real one
    other.write_bytes(os.urandom(32))
    other.chmod(0o600)
    monkeypatch.setenv("REGSYNC_MASKING_KEY_FILE", str(other))


def _file_open_to_others(setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    setting.key_file.chmod(0o644)


def _database_open_to_others(setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    _database_file(setting).chmod(0o644)


def _as_enrolled(setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGSYNC_ACTOR", "Dr N. Unblinded (independent statistician)")


def _database_file(setting: Setting) -> Path:
    return Path(setting.url.removeprefix("sqlite:///"))


TODAY = datetime.now(UTC).date()
CASES = [
    Case("no key file", _no_file, 2,
         lambda s: "error: the masking key is revealed only with its key file: REGSYNC_MASKING_KEY_FILE is not set",
         "masking key refused", "no key file"),
    Case("wrong key file", _other_file, 2,
         lambda s: f"error: {s.key_file.with_name('mine.key')}: not the masking key file enrolled for trial tiny "
                   f"(by {os_user()} on {TODAY})",
         "masking key refused", "wrong key file"),
    Case("key file readable by others", _file_open_to_others, 2,
         lambda s: f"error: {s.key_file}: the masking key file can be opened by other users (mode 0644)",
         "masking key refused", "key file open to others"),
    Case("database readable by others", _database_open_to_others, 2,
         lambda s: f"error: {_database_file(s)}: the database file can be read by other users (mode 0644)",
         "refused: database exposed", None, sqlite_only=True),
    Case("correct key file", _as_enrolled, 0, lambda s: "", "masking key shown", None),
]  # fmt: skip
COMMANDS = {
    "masking-key": lambda s: ("masking-key", "tiny"),
    "report --unmask": lambda s: ("report", "dsmb", "tiny", "--session", "closed", "--unmask", "--out", str(s.pdf)),
}


def _audit(engine: Engine) -> list[tuple[Any, ...]]:
    return database_fingerprint(engine)["audit_log"]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_revealing_the_masking_key_needs_the_enrolled_key_file(  # type: ignore[no-untyped-def]
    run_cli, db_url: str, tiny: Path, key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case,
    command: str,
) -> None:  # fmt: skip
    if case.sqlite_only and not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's access is its roles', not a file's mode")
    setting = Setting(db_url, key_file, tmp_path / "unmasked.pdf")
    assert run_cli("import", "tiny", "--source", str(tiny), db_url=db_url).exit_code == 0
    enrolled = run_cli("masking-key", "tiny", "--enrol", db_url=db_url)
    assert enrolled.exit_code == 0
    assert enrolled.stdout == f"{key_file}: enrolled as the masking key file of trial tiny\n"
    engine = create_db_engine(db_url)  # reads the database as it is, exposed or not
    key = masking_key(engine, "tiny", ["Active", "Placebo"])  # drawn now, so that showing it changes nothing
    before = database_fingerprint(engine)
    case.arrange(setting, monkeypatch)

    result: CliResult = run_cli(*COMMANDS[command](setting), db_url=db_url)

    assert result.exit_code == case.exit_code, result.stderr
    after = database_fingerprint(engine)
    new_entries = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert len(new_entries) == 1, new_entries
    entry = _entry(engine, case.action)
    assert (entry.action, entry.trial_id, entry.actor) == (case.action, "tiny", os_user())
    assert entry.detail["command"].startswith("regsync masking-key tiny" if command == "masking-key" else
                                              "regsync report dsmb tiny")  # fmt: skip
    changed = {table for table in after if after[table] != before[table]}
    if case.exit_code:
        assert result.stderr.splitlines()[0] == case.first_line(setting)
        assert result.stdout == "" and not setting.pdf.exists()
        assert changed == {"audit_log"}  # nothing but the refusal's entry
        if case.reason is not None:
            assert entry.detail["reason"] == case.reason
        return
    assert entry.detail["regsync_actor"] == "Dr N. Unblinded (independent statistician)"
    assert entry.detail["key_file"] == str(key_file) and entry.detail["snapshot_id"] == 1
    if command == "masking-key":
        assert result.stdout.splitlines() == sorted(f"Arm {letter}\t{arm}" for arm, letter in key.items())
        assert changed == {"audit_log"}
    else:
        assert entry.detail["report"] == str(setting.pdf) and setting.pdf.exists()
        assert changed == {"audit_log", "artifact"}  # the unmasked edition, recorded as made
    engine.dispose()


def _entry(engine: Engine, action: str) -> Any:
    from sqlmodel import Session, col, select

    from service.models import AuditEntry

    with Session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id).desc())
                             ).first()  # fmt: skip
        assert entry is not None, action
        session.expunge(entry)
        return entry


def test_no_key_file_is_enrolled_until_someone_enrols_one(run_cli, tiny: Path, key_file: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    refused = run_cli("masking-key", "tiny")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[0] == "error: no masking key file is enrolled for trial tiny"


def test_an_enrolled_key_file_is_not_replaced_by_another(run_cli, tiny: Path, key_file: Path,  # type: ignore[no-untyped-def]
                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    assert run_cli("masking-key", "tiny", "--enrol").exit_code == 0
    again = run_cli("masking-key", "tiny", "--enrol")
    assert again.exit_code == 0 and "already the masking key file of trial tiny; nothing changed" in again.stdout
    other = key_file.with_name("other.key")
    other.write_bytes(os.urandom(32))
    other.chmod(0o600)
    monkeypatch.setenv("REGSYNC_MASKING_KEY_FILE", str(other))
    refused = run_cli("masking-key", "tiny", "--enrol")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[0].startswith("error: trial tiny already has a masking key file, enrolled by ")
    assert run_cli("masking-key", "tiny").exit_code == 2  # and the first file is still the one that reveals


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"short", "the masking key file holds 5 bytes, not 32 to 4096"),
        (None, "the masking key file is not a regular file"),
        (b"", "the masking key file cannot be read: No such file or directory"),
    ],
    ids=["too short", "a folder", "missing"],
)
def test_a_key_file_that_cannot_be_a_key_is_refused_by_name(  # type: ignore[no-untyped-def]
    run_cli, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None, message: str
) -> None:
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    path = tmp_path / "named.key"
    if content is None:
        path.mkdir(mode=0o700)
    elif content:
        path.write_bytes(content)
        path.chmod(0o600)
    monkeypatch.setenv("REGSYNC_MASKING_KEY_FILE", str(path))
    refused = run_cli("masking-key", "tiny", "--enrol")
    assert refused.exit_code == 2 and refused.stderr.splitlines()[0] == f"error: {path}: {message}"


def test_the_setting_that_once_allowed_the_key_is_refused_with_what_replaced_it(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("trials", config_extra="\n[reports]\nallow_masking_key = true\n")
    assert result.exit_code == 2
    assert "[reports] allow_masking_key: the masking key is no longer revealed by a setting here" in result.stderr
