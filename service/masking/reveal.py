"""Who may reveal a trial's masking key, and the trail every attempt leaves.

The rule, in order:
1. REGSYNC_MASKING_KEY_FILE names a key file of the caller's own that no one else may open (service.masking.keyfile);
2. a key file has been enrolled for the trial (`regsync masking-key TRIAL --enrol`, once);
3. the file is the one enrolled (its HMAC of the trial equals the stored verifier).
Anything else is refused with exit 2. The caller cannot grant this to itself: config.toml and the command line
play no part, and a key file of its own making is not the enrolled one. Every attempt is written to the audit log
before anything is shown, refused ones with their reason: who (the OS user, and REGSYNC_ACTOR when set), when,
the trial, the snapshot and report, and the command.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from service.audit import os_user, record_audit
from service.masking.keyfile import KEY_FILE_VARIABLE, SETUP, KeyFileRefused, read_key_file, verifier
from service.models import MaskingKeyFile

SHOWN = "masking key shown"
REFUSED = "masking key refused"
ENROLLED = "masking key file enrolled"


def authorise_reveal(engine: Engine, trial_id: str, command: str, detail: dict[str, Any]) -> None:
    """Return when the caller may see TRIAL's masking key (the showing audited); else raise KeyFileRefused, the
    refusal audited. `detail`: what would be shown (snapshot, report file)."""
    facts = {"command": command, **detail}
    try:
        path, content = read_key_file()
        enrolled = _enrolled(engine, trial_id)
        if enrolled is None:
            raise KeyFileRefused(f"no masking key file is enrolled for trial {trial_id}\n" + SETUP, "none enrolled")
        if not hmac.compare_digest(verifier(content, trial_id), enrolled.verifier):
            raise KeyFileRefused(
                f"{path}: not the masking key file enrolled for trial {trial_id} (by {enrolled.enrolled_by} on "
                f"{enrolled.enrolled_at:%Y-%m-%d})\n  Set {KEY_FILE_VARIABLE} to the file that was enrolled: "
                "only its holder reveals the key.",
                "wrong key file",
            )
    except KeyFileRefused as exc:
        record_audit(engine, REFUSED, trial_id, {**facts, "reason": exc.reason})
        raise
    record_audit(engine, SHOWN, trial_id, {**facts, "key_file": str(path)})


def enrol_key_file(engine: Engine, trial_id: str, command: str) -> str:
    """Enrol the key file REGSYNC_MASKING_KEY_FILE names as TRIAL's, once; what was done, for the caller. A trial
    whose file is enrolled keeps it: another file is refused (the first enrolment is the one to protect, so do it
    when the trial is set up; the audit log says who did)."""
    facts = {"command": command}
    try:
        path, content = read_key_file()
        mine = verifier(content, trial_id)
        enrolled = _enrolled(engine, trial_id)
        if enrolled is None:
            try:
                _store(engine, trial_id, mine)
            except IntegrityError:  # enrolled by another process at the same moment
                enrolled = _enrolled(engine, trial_id)
            else:
                record_audit(engine, ENROLLED, trial_id, {**facts, "key_file": str(path)})
                return f"{path}: enrolled as the masking key file of trial {trial_id}"
        assert enrolled is not None
        if not hmac.compare_digest(mine, enrolled.verifier):
            raise KeyFileRefused(
                f"trial {trial_id} already has a masking key file, enrolled by {enrolled.enrolled_by} on "
                f"{enrolled.enrolled_at:%Y-%m-%d}, and {path} is not it\n"
                "  An enrolled key file is not replaced through regsync: ask whoever enrolled it.",
                "another key file enrolled",
            )
    except KeyFileRefused as exc:
        record_audit(engine, REFUSED, trial_id, {**facts, "reason": exc.reason})
        raise
    return f"{path}: already the masking key file of trial {trial_id}; nothing changed"


def _enrolled(engine: Engine, trial_id: str) -> MaskingKeyFile | None:
    with Session(engine) as session:
        found = session.get(MaskingKeyFile, trial_id)
        if found is not None:
            session.expunge(found)
        return found


def _store(engine: Engine, trial_id: str, value: str) -> None:
    with Session(engine) as session:
        session.add(MaskingKeyFile(trial_id=trial_id, verifier=value, enrolled_at=datetime.now(UTC),
                                   enrolled_by=os_user()))  # fmt: skip
        session.commit()
