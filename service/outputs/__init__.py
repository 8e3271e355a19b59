"""Every output regsync produces, in one dictionary, cheapest first (a run stopped part-way has done as much as
it could). The command line, `demo`, the scheduler, the configuration's list of output kinds and the
notifications all read OUTPUTS; adding an output is one folder here, one entry below and the README.
"""

from __future__ import annotations

from service.outputs import ctgov, drift, dsmb, irct, tables
from service.outputs.base import Output

OUTPUTS: dict[str, Output] = {
    output.kind: output
    for output in (tables.OUTPUT, ctgov.OUTPUT, irct.OUTPUT, drift.OUTPUT, dsmb.OPEN_EDITION, dsmb.CLOSED_EDITION)
}
