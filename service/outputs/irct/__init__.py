"""The WHO ICTRP / IRCT record with its summary results, and the IRCT entry sheet for the web form (registry)."""

from __future__ import annotations

from service.outputs.base import REGISTRY, CommandSpot, Output

OUTPUT = Output(
    kind="irct",
    file_name="irct.xml",
    audience=REGISTRY,
    title="the WHO ICTRP / IRCT record and the IRCT entry sheet",
    produce="service.outputs.irct.produce:produce",
    validate="registry.irct.validate:validate_irct_file",
    validated_against="2017 WHO DTD and ICTRP XSD",
    commands=(
        CommandSpot(
            "registry",
            "irct",
            "service.outputs.irct.command:registry_irct_command",
            "Write the WHO ICTRP / IRCT record and validate it.",
        ),
        CommandSpot(
            "validate",
            "irct",
            "service.outputs.irct.command:validate_irct_command",
            "Check a WHO ICTRP record against the 2017 WHO DTD and the ICTRP XSD.",
        ),
    ),
)
ENTRY_SHEET = "irct-entry-sheet.pdf"
