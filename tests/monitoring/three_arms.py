"""A small three-arm trial for the monitoring tests: placebo (control, dose 0), low dose (10), high dose (20);
a score at baseline and week 12, ANCOVA on baseline with every pair compared and a dose-response trend."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from service.importing.records import ArmRecord, ImportedTrial, MeasurementRecord, ParticipantRecord, TrialDefinition

ARMS = (ArmRecord("PBO", "Placebo", is_control=True), ArmRecord("LOW", "Low dose"), ArmRecord("HIGH", "High dose"))
DOSES = {"PBO": 0.0, "LOW": 10.0, "HIGH": 20.0}
EFFECT = {"PBO": 0.0, "LOW": 1.5, "HIGH": 4.0}
START = date(2021, 1, 4)
OUTCOME = {"parameter": "SCORE", "title": "Score", "type": "primary", "method": "ancova", "adjust": ["baseline"],
           "comparisons": "pairwise", "dose_response": True, "timepoint": "Week 12"}  # fmt: skip


def three_arm_trial(monitoring: dict[str, Any] | None = None, per_arm: int = 12, seed: int = 7,
                    data_cutoff: date | None = None) -> ImportedTrial:  # fmt: skip
    """`per_arm` participants in each arm, one randomized every 3 days in turn (PBO, LOW, HIGH, PBO, ...); the week-12
    value 84 days after randomization. With `data_cutoff`, only what was known by then."""
    rng = np.random.default_rng(seed)
    people, values = [], []
    for i in range(per_arm):
        for offset, arm in enumerate(ARMS):
            subject = f"{arm.code}-{i:02d}"
            randomized = START + timedelta(days=3 * (3 * i + offset))
            if data_cutoff is not None and randomized > data_cutoff:
                continue
            base = float(rng.normal(50, 6))
            week12 = 5 + 0.8 * base + EFFECT[arm.code] + float(rng.normal(0, 3))
            people.append(ParticipantRecord(subject, randomized=True, arm_code=arm.code, itt_population=True,
                                            randomization_date=randomized))  # fmt: skip
            values.append(MeasurementRecord(subject, "SCORE", "Baseline", visit_number=0, value=round(base, 2),
                                            baseline=True, measured_on=randomized))  # fmt: skip
            measured = randomized + timedelta(days=84)
            if data_cutoff is None or measured <= data_cutoff:
                values.append(MeasurementRecord(subject, "SCORE", "Week 12", visit_number=12, value=round(week12, 2),
                                                measured_on=measured))  # fmt: skip
    raw: dict[str, Any] = {"arms": [{"code": a.code, "label": a.label, "dose": DOSES[a.code],
                                     **({"control": True} if a.is_control else {})} for a in ARMS],
                           "outcomes": [OUTCOME]}  # fmt: skip
    if monitoring is not None:
        raw["monitoring"] = {"outcome": "SCORE", **monitoring}
    if data_cutoff is not None:
        raw["trial"] = {"data_cutoff": data_cutoff.isoformat()}
    definition = TrialDefinition(arms=ARMS, raw=raw, data_cutoff=data_cutoff)
    return ImportedTrial("three", "bundle", "-", definition, ARMS, tuple(people), (), tuple(values))
