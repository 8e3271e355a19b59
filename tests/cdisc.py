"""Writing small CDISC datasets for tests, as SAS transport (.xpt) or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat


def write_dataset(folder: Path, name: str, rows: list[dict[str, Any]], fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    if fmt == "xpt":
        path = folder / f"{name}.xpt"
        pyreadstat.write_xport(frame, str(path), table_name=name.upper()[:8], file_format_version=5)
    else:
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
    return path
