"""Registry drift: what ClinicalTrials.gov and IRCT / WHO ICTRP hold against the trial's data and definition
(registry: what the registries hold is public)."""

from __future__ import annotations

from service.outputs.base import REGISTRY, CommandSpot, Output

OUTPUT = Output(
    kind="drift",
    file_name="drift.json",
    audience=REGISTRY,
    title="the registry drift report",
    produce="service.outputs.drift.produce:produce",
    commands=(
        CommandSpot(
            "registry",
            "drift",
            "service.outputs.drift.command:registry_drift_command",
            "Compare what ClinicalTrials.gov and IRCT hold with the trial; exit 1 when anything differs.",
        ),
    ),
)
TEXT_FILE = "drift.txt"
