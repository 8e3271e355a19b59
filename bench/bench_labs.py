"""Laboratory data at scale: import, content hash and read back of 10,000 participants x 30 parameters x 12 visits
(3,600,000 records), on SQLite and, when REGSYNC_TEST_DATABASE_URL is set, PostgreSQL.

    make bench                                   # 10,000 participants, columnar layout (the one stored)
    python bench/bench_labs.py --participants 1000 --layouts columnar rows

The trial is a bundle (bench/generate.py, ~20 AEs a participant) with a labs.csv (bench/labgen.py). Every step runs
in a process of its own, so each peak resident memory is that step's alone:

- import: the bundle read (`import_trial`), then `store_snapshot` (content hash, checks, one transaction);
  "hash" is compute_content_hash alone, on the data just read;
- read back: `read_snapshot` as `regsync tables` and every report read it (labs and all);
- layout "rows": the same frame written as a row per record through the driver's executemany, as
  service.snapshots._insert writes the other records, and read back as service.trialdata reads them (a table of
  the bench's own): the alternative service.labs.store measured itself against.

Targets (issue #27): the whole import in at most 60 s and 2 GB on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.bench_nightly import schema_url  # noqa: E402
from bench.calibrate import calibration_seconds  # noqa: E402
from bench.generate import generate  # noqa: E402
from bench.labgen import generate_frame, write_labs_csv  # noqa: E402


def import_trial(source: Path) -> Any:
    """The import step the bench times: regsync's own reading of the bundle, labs.csv included (read, checked and
    derived by service.labs)."""
    from service.importing import load_source

    return load_source(source, "bench")


def child_import(source: str, url: str) -> dict[str, Any]:
    from service.db import open_database
    from service.snapshots import compute_content_hash, store_snapshot

    engine = open_database(url)
    t0, c0 = time.perf_counter(), cpu_s()
    data = import_trial(Path(source))
    t1, c1, read_peak = time.perf_counter(), cpu_s(), peak_mb()
    Path("/proc/self/clear_refs").write_text("5")  # the peak from here on is the store's (the data stay resident)
    outcome = store_snapshot(engine, data, now=datetime.now(UTC))
    t2, c2, store_peak = time.perf_counter(), cpu_s(), peak_mb()
    compute_content_hash(data)
    t3, c3 = time.perf_counter(), cpu_s()
    return {"records": outcome.snapshot.counts["lab_records"], "read_s": t1 - t0, "store_s": t2 - t1,
            "import_s": t2 - t0, "hash_s": t3 - t2, "created": outcome.created, "read_cpu_s": c1 - c0,
            "store_cpu_s": c2 - c1, "hash_cpu_s": c3 - c2, "import_read_peak_mb": read_peak,
            "store_only_peak_mb": store_peak}  # fmt: skip


def child_read(url: str) -> dict[str, Any]:
    from service.db import open_database
    from service.trialdata import read_snapshot, resolve_snapshot

    engine = open_database(url)
    snapshot = resolve_snapshot(engine, "bench")
    t0, c0 = time.perf_counter(), cpu_s()
    data, _ = read_snapshot(engine, snapshot, listed_only=True)
    return {"records": len(data.labs), "read_back_s": time.perf_counter() - t0, "read_back_cpu_s": cpu_s() - c0}


def _rows_table() -> Any:
    """A row per record, a column per LAB_COLUMNS column: the layout not chosen, in a table of the bench's own."""
    from sqlalchemy import Boolean, Column, Date, Float, Integer, MetaData, String, Table

    from service.labs.frame import LAB_COLUMNS

    types = {"object": String, "float64": Float, "datetime64[s]": Date, "boolean": Boolean}
    return Table("bench_lab_record", MetaData(), Column("id", Integer, primary_key=True),
                 Column("snapshot_id", Integer, index=True),
                 *(Column(name, types[dtype]) for name, dtype in LAB_COLUMNS.items()))  # fmt: skip


def child_rows_store(source: str, url: str) -> dict[str, Any]:
    from sqlmodel import Session

    from service.db import open_database
    from service.snapshots import _insert

    engine = open_database(url)
    table = _rows_table()
    table.metadata.create_all(engine)
    t0, c0 = time.perf_counter(), cpu_s()
    frame = import_trial(Path(source)).labs
    t1, c1 = time.perf_counter(), cpu_s()
    names = list(frame.columns)
    columns = [_python_values(frame[name]) for name in names]
    with Session(engine) as session, session.begin():
        _insert(session, SimpleNamespace(__table__=table), (dict(zip(names, row, strict=True))  # type: ignore[arg-type]
                                                            for row in zip(*columns, strict=True)), 1)  # fmt: skip
    return {
        "records": len(frame),
        "read_s": t1 - t0,
        "store_s": time.perf_counter() - t1,
        "read_cpu_s": c1 - c0,
        "store_cpu_s": cpu_s() - c1,
    }


def _python_values(series: Any) -> list[Any]:
    """A column as Python values, missing as None (what the driver takes)."""
    if str(series.dtype) == "datetime64[s]":
        return [None if value is None else value.date() for value in series.astype(object).where(series.notna(), None)]
    return series.astype(object).where(series.notna(), None).tolist()


def child_rows_read(url: str) -> dict[str, Any]:
    import pandas as pd

    from service.db import open_database
    from service.labs.frame import LAB_COLUMNS
    from service.trialdata import _read_columns

    engine = open_database(url)
    table = _rows_table()
    t0, c0 = time.perf_counter(), cpu_s()
    with engine.connect() as conn:
        columns = _read_columns(conn, table, list(LAB_COLUMNS), SimpleNamespace(id=1), "id")  # type: ignore[arg-type]
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})
    frame["adt"] = pd.to_datetime(frame["adt"]).astype("datetime64[s]")
    frame = frame.astype(LAB_COLUMNS)
    return {"records": len(frame), "read_back_s": time.perf_counter() - t0, "read_back_cpu_s": cpu_s() - c0}


CHILDREN = {"import": child_import, "read": child_read, "rows-store": child_rows_store, "rows-read": child_rows_read}


def cpu_s() -> float:
    """This process's CPU time (user and system): steadier than wall-clock when others share the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, which exec resets; getrusage's ru_maxrss in a child can
    report the parent's peak from before the exec (Linux keeps the larger)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(step: str, *arguments: str) -> dict[str, Any]:
    """One step in a fresh process: its figures and its peak resident memory."""
    result = subprocess.run([sys.executable, __file__, "--child", step, *arguments], capture_output=True, text=True,
                            check=False, cwd=HERE.parent)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare(folder: Path, participants: int, aes: int) -> Path:
    """A bundle of `participants` with ~`aes` AEs each and a labs.csv of 30 parameters at 12 visits."""
    source = generate(folder / "bundle", participants, aes, "bundle")
    write_labs_csv(generate_frame(participants), source / "labs.csv")
    return source


def database_size(url: str) -> float:
    """The database's size in MB: the SQLite file, or the PostgreSQL schema's tables with their TOAST and indexes."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).stat().st_size / 1e6
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                 "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'")
                            ).scalar_one()  # fmt: skip
    engine.dispose()
    return float(size or 0) / 1e6


def measure(layout: str, source: Path, url: str) -> dict[str, Any]:
    if layout == "columnar":
        stored, read = in_child("import", str(source), url), in_child("read", url)
    else:
        stored, read = in_child("rows-store", str(source), url), in_child("rows-read", url)
    return {**stored, "store_peak_mb": stored["peak_mb"], **read, "read_back_peak_mb": read["peak_mb"],
            "db_mb": database_size(url)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--aes", type=int, default=20)
    parser.add_argument("--layouts", nargs="+", default=["columnar"], choices=["columnar", "rows"])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, *arguments = args.child
        figures = CHILDREN[step](*arguments)
        print(json.dumps({**figures, "peak_mb": peak_mb()}))
        return
    targets: list[tuple[str, str | None]] = [("sqlite", None)]
    if os.environ.get("REGSYNC_TEST_DATABASE_URL"):
        targets.append(("postgresql", os.environ["REGSYNC_TEST_DATABASE_URL"]))
    print(f"calibration loop: {calibration_seconds():.2f} s (best of 3; lower = faster machine at this moment)")
    print("wall-clock seconds (CPU seconds of the process in brackets); peak resident MB of the step's process")
    print(f"{'database':>10} {'layout':>8} {'records':>10} {'read':>13} {'store':>13} {'import':>7} {'hash':>13} "
          f"{'read MB':>8} {'store MB':>8} {'read back':>13} {'MB':>6} {'db MB':>6}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="regsync-bench-labs-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o700)
        source = prepare(folder, args.participants, args.aes)
        for layout in args.layouts:
            for name, server in targets:
                schema = f"bench_labs_{os.getpid()}"
                url = (
                    f"sqlite:///{folder / f'{layout}.db'}"
                    if server is None
                    else schema_url(server, schema, create=True)
                )
                try:
                    r = measure(layout, source, url)
                finally:
                    if server is not None:
                        schema_url(server, schema, create=False)
                print(f"{name:>10} {layout:>8} {r['records']:>10,} {_time(r, 'read')} {_time(r, 'store')} "
                      f"{r['read_s'] + r['store_s']:>7.2f} {_time(r, 'hash')} {r.get('import_read_peak_mb', 0):>8.0f} "
                      f"{r.get('store_only_peak_mb', r['store_peak_mb']):>8.0f} {_time(r, 'read_back')} "
                      f"{r['read_back_peak_mb']:>6.0f} {r['db_mb']:>6.0f}", flush=True)  # fmt: skip


def _time(figures: dict[str, Any], step: str) -> str:
    wall, cpu = figures.get(f"{step}_s"), figures.get(f"{step}_cpu_s")
    return f"{'-' if wall is None else f'{wall:.2f}':>6} ({'-' if cpu is None else f'{cpu:.2f}':>5})"


if __name__ == "__main__":
    main()
