"""The audit log (table audit_log): who did what, when, to which trial. Written by the actions that need a trail:
imports, uploads, deadline notices, and every attempt to reveal a masking key (service.masking.reveal),
allowed or not."""

from __future__ import annotations

import os
import pwd
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, inspect
from sqlmodel import Session

from service.models import AuditEntry

ACTOR_VARIABLE = "REGSYNC_ACTOR"


def os_user() -> str:
    """The operating-system user this process runs as, from its user id: not getpass.getuser(), which believes
    LOGNAME and USER, variables the caller sets."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def who() -> dict[str, Any]:
    """The actor's details for an entry: the OS user, and the person named by REGSYNC_ACTOR when set (a statement
    of the caller's, recorded as such beside the OS user, which the caller cannot choose)."""
    stated = os.environ.get(ACTOR_VARIABLE, "").strip()
    return {"os_user": os_user(), **({"regsync_actor": stated[:128]} if stated else {})}


def record_audit(engine: Engine, action: str, trial_id: str | None, detail: dict[str, Any]) -> None:
    """One entry, committed at once: the actor is the OS user; `detail` gets REGSYNC_ACTOR when set."""
    actor = who()
    with Session(engine) as session:
        session.add(AuditEntry(at=datetime.now(UTC), actor=actor.pop("os_user"), action=action, trial_id=trial_id,
                               detail={**detail, **actor}))  # fmt: skip
        session.commit()


def record_refused_start(engine: Engine, reason: str, command: str, trial_id: str | None) -> None:
    """A command refused because the database is open to other users, noted in that database's audit log when it
    has one (a database never brought up to date has none, and is not migrated for this)."""
    if "audit_log" in inspect(engine).get_table_names():
        record_audit(engine, "refused: database exposed", trial_id, {"command": command, "reason": reason})


def current_command() -> tuple[str, str | None]:
    """The command being run ("regsync report dsmb TRIAL") and the trial it names, if any, from click's context."""
    import click

    context = click.get_current_context(silent=True)
    if context is None:
        return "regsync", None
    trial = context.params.get("trial")
    return (f"{context.command_path} {trial}", str(trial)) if trial else (context.command_path, None)
