"""The masking key: the letter each arm goes by in a trial's masked closed reports.

Drawn once per trial with the operating system's random source and stored, so that every report of the trial
uses the same letters, and the letters say nothing of the arms' order in trial.toml (control first or last). An
arm added later gets a letter drawn from those left.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from service.models import MaskingKey


def masking_key(engine: Engine, trial_id: str, arms: Sequence[str]) -> dict[str, str]:
    """Arm label -> letter, drawing (and storing) letters for arms that have none yet."""
    with Session(engine) as session:
        stored = {k.arm: k.letter for k in session.exec(select(MaskingKey).where(MaskingKey.trial_id == trial_id))}
        missing = [arm for arm in arms if arm not in stored]
        if missing:
            pool = string.ascii_uppercase[: len(stored) + len(missing)]  # A, B, ... as many as there are arms
            free = [letter for letter in pool if letter not in stored.values()]
            secrets.SystemRandom().shuffle(free)
            now = datetime.now(UTC)
            for arm, letter in zip(missing, free, strict=False):
                session.add(MaskingKey(trial_id=trial_id, arm=arm, letter=letter, created_at=now))
                stored[arm] = letter
            session.commit()
    return {arm: stored[arm] for arm in arms}
