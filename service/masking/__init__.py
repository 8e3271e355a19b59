"""The masking key: the letter each arm goes by in a trial's masked closed reports.

Drawn once per trial with the operating system's random source and stored, so that every report of the trial
uses the same letters, and the letters say nothing of the arms' order in trial.toml (control first or last). An
arm added later gets a letter drawn from those left.

Stored sealed: each trial has a random secret (masking_seal), and each arm's row holds HMAC-SHA256(secret, arm)
and HMAC-SHA256(secret, letter), so neither an arm's name nor its letter is in the database in plain text; a
letter is found again by computing the tags of A to Z. The seal keeps the key from being read off a query, a dump
or a copy of the table; it is not a secret from whoever can run regsync on the whole database, since the masked
edition itself is drawn from the database without anyone present. Who may *reveal* the key is service.masking.reveal's
rule; the database file's own protection is service.dbfile's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from service.errors import DataError
from service.models import MaskingLetter, MaskingSeal

LETTERS = string.ascii_uppercase


def masking_key(engine: Engine, trial_id: str, arms: Sequence[str]) -> dict[str, str]:
    """Arm label -> letter, drawing (and storing) letters for arms that have none yet."""
    try:
        return _read_or_draw(engine, trial_id, arms)
    except IntegrityError:  # another process drew this trial's seal or letters at the same moment: read its draw
        return _read_or_draw(engine, trial_id, arms)


def seal_tag(secret: bytes, kind: str, value: str) -> str:
    """What the database holds for an arm (`kind` "arm") or a letter ("letter") of the trial sealed by `secret`."""
    return hmac.new(secret, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def _read_or_draw(engine: Engine, trial_id: str, arms: Sequence[str]) -> dict[str, str]:
    with Session(engine) as session:
        now = datetime.now(UTC)
        seal = session.get(MaskingSeal, trial_id)
        if seal is None:
            seal = MaskingSeal(trial_id=trial_id, secret=secrets.token_hex(32), created_at=now)
            session.add(seal)
        secret = bytes.fromhex(seal.secret)
        letter_of_tag = {seal_tag(secret, "letter", letter): letter for letter in LETTERS}
        rows = session.exec(select(MaskingLetter).where(MaskingLetter.trial_id == trial_id)).all()
        stored = {row.arm_tag: letter_of_tag[row.letter_tag] for row in rows}
        key = {arm: stored[seal_tag(secret, "arm", arm)] for arm in arms if seal_tag(secret, "arm", arm) in stored}
        missing = [arm for arm in dict.fromkeys(arms) if arm not in key]
        if len(stored) + len(missing) > len(LETTERS):
            raise DataError(f"trial {trial_id} has {len(stored) + len(missing)} arms: a masked edition letters "
                            f"at most {len(LETTERS)}", trial=trial_id)  # fmt: skip
        pool = LETTERS[: len(stored) + len(missing)]  # A, B, ... as many as there are arms
        free = [letter for letter in pool if letter not in stored.values()]  # as many as are missing, or more
        secrets.SystemRandom().shuffle(free)
        for arm, letter in zip(missing, free[: len(missing)], strict=True):
            session.add(MaskingLetter(trial_id=trial_id, arm_tag=seal_tag(secret, "arm", arm),
                                      letter_tag=seal_tag(secret, "letter", letter), created_at=now))  # fmt: skip
            key[arm] = letter
        session.commit()
    return {arm: key[arm] for arm in arms}
