"""The DSMB report as PDF/A-3b, in its two editions: open (pooled, nothing by arm or comparative) and closed
(by arm, masked unless unmasked). One command, `regsync report dsmb --session`, serves both."""

from __future__ import annotations

from service.outputs.base import CLOSED, OPEN, CommandSpot, Output

_COMMAND = CommandSpot(
    "report",
    "dsmb",
    "service.outputs.dsmb.command:report_dsmb_command",
    "Render the DSMB report, open or closed session, as PDF/A-3b.",
)

OPEN_EDITION = Output(
    kind="dsmb-open",
    file_name="dsmb-open.pdf",
    audience=OPEN,
    title="the open-session DSMB report: pooled, nothing by arm",
    produce="service.outputs.dsmb.produce:produce",
    commands=(_COMMAND,),
)
CLOSED_EDITION = Output(
    kind="dsmb-closed",
    file_name="dsmb-closed.pdf",
    audience=CLOSED,
    title="the closed-session DSMB report: by arm, masked unless unmasked",
    produce="service.outputs.dsmb.produce:produce",
    commands=(_COMMAND,),
)
EDITIONS = {"open": OPEN_EDITION, "closed": CLOSED_EDITION}
