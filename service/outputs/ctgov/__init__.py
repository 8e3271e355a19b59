"""The ClinicalTrials.gov PRS results XML (registry: by arm, for the registry once results are public)."""

from __future__ import annotations

from service.outputs.base import REGISTRY, CommandSpot, Output

OUTPUT = Output(
    kind="ctgov",
    file_name="ctgov-results.xml",
    audience=REGISTRY,
    title="the ClinicalTrials.gov PRS results XML",
    produce="service.outputs.ctgov.produce:produce",
    validate="registry.ctgov.validate:validate_ctgov_file",
    validated_against="schema and PRS rules",
    commands=(
        CommandSpot(
            "registry",
            "ctgov",
            "service.outputs.ctgov.command:registry_ctgov_command",
            "Write the ClinicalTrials.gov PRS results XML and validate it.",
        ),
        CommandSpot(
            "validate",
            "ctgov",
            "service.outputs.ctgov.command:validate_ctgov_command",
            "Check a PRS results document or a PRS record.",
        ),
    ),
)
