"""The scheduler's nightly no-change run: 20 trials of the example's size, every output already made, each job
fired once as `regsync serve` fires it (JobRunner.fire: claim, lock, import, change check, record).

    python bench/bench_nightly.py                  # SQLite; PostgreSQL too when REGSYNC_TEST_DATABASE_URL is set
    python bench/bench_nightly.py --trials 5

Setup (not timed): the example's outputs are produced once by a real run of the first job; for the other
trials, the first trial's output files are copied into each trial's own snapshot folder and recorded as that
snapshot's artifacts, so every trial starts the night with all five outputs present (rendering 40 more PDFs
would only lengthen the setup). Timed: each job's fire, one after another in one process, as one instance would
run them: reading and hashing the source, finding the identical snapshot, checking each recorded output's
file and sha256, recording the run as skipped. Target (issue #7): at most 1 s per trial.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.calibrate import calibration_seconds  # noqa: E402
from service.artifacts import record_artifacts  # noqa: E402
from service.config import load_config  # noqa: E402
from service.db import open_database  # noqa: E402
from service.importing import load_source  # noqa: E402
from service.outputs import OUTPUTS  # noqa: E402
from service.scheduling.runner import JobRunner  # noqa: E402
from service.scheduling.work import latest_artifacts, snapshot_folder  # noqa: E402
from service.snapshots import store_snapshot  # noqa: E402
from service.trialdata import resolve_snapshot  # noqa: E402

EXAMPLE = HERE.parent / "examples" / "msc-t1d"
NIGHT = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)


def write_config(folder: Path, url: str, trials: int) -> Path:
    lines = [f'[database]\nurl = "{url}"\n', f'[output]\ndir = "{folder / "out"}"\n']
    for index in range(1, trials + 1):
        trial = f"trial-{index:02d}"
        lines.append(f'[trials.{trial}]\nsource = "{EXAMPLE}"\nformat = "bundle"\n')
        lines.append(f'[jobs.{trial}-nightly]\ntrial = "{trial}"\ncron = "0 2 * * *"\ntimezone = "Asia/Tehran"\n')
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def prepare(runner: JobRunner) -> None:
    engine, config = runner.engine, runner.config
    jobs = list(config.jobs.values())
    first = runner.fire(jobs[0].job_id, NIGHT - timedelta(days=1))
    assert first is not None and first.status == "produced", first
    source = resolve_snapshot(engine, jobs[0].trial_id)
    source_folder = snapshot_folder(config, source).resolve()
    for job in jobs[1:]:
        trial = config.trials[job.trial_id]
        snapshot = store_snapshot(engine, load_source(trial.source, trial.trial_id, trial.format), now=NIGHT).snapshot
        folder = snapshot_folder(config, snapshot)
        for kind in OUTPUTS:
            files = {}
            for artifact in latest_artifacts(engine, source, kind, source_folder):
                target = folder / Path(artifact.path).relative_to(source_folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(artifact.path, target)
                files[target] = artifact.sha256
            record_artifacts(engine, snapshot, kind, files, {"copied_for_bench": True}, now=datetime.now(UTC))


def measure(url: str, trials: int, folder: Path) -> dict[str, float]:
    config = load_config(write_config(folder, url, trials), required=True)
    engine = open_database(config.database_url)
    runner = JobRunner(engine, config)
    prepare(runner)
    times = []
    for job in config.jobs.values():
        start = time.perf_counter()
        run = runner.fire(job.job_id, NIGHT)
        times.append(time.perf_counter() - start)
        assert run is not None and run.status == "skipped", (job.job_id, run.summary if run else None)
    engine.dispose()
    return {"mean": statistics.mean(times), "max": max(times), "total": sum(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    targets = [("sqlite", None)]
    if os.environ.get("REGSYNC_TEST_DATABASE_URL"):
        targets.append(("postgresql", os.environ["REGSYNC_TEST_DATABASE_URL"]))
    print(f"calibration loop: {calibration_seconds():.2f} s (best of 3; lower = faster machine at this moment)")
    print(f"{'database':>10}  {'trials':>6}  {'mean s/trial':>12}  {'max s':>6}  {'total s':>7}  {'peak MB':>7}")
    for name, url in targets:
        with tempfile.TemporaryDirectory(prefix="regsync-bench-nightly-") as tmp:
            folder = Path(tmp)
            schema = None if url is None else f"bench_nightly_{os.getpid()}"
            database = f"sqlite:///{folder / 'regsync.db'}" if url is None else schema_url(url, schema, create=True)
            try:
                figures = measure(database, args.trials, folder)
            finally:
                if url is not None:
                    schema_url(url, schema, create=False)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{name:>10}  {args.trials:>6}  {figures['mean']:>12.3f}  {figures['max']:>6.3f}  "
                  f"{figures['total']:>7.2f}  {peak:>7.0f}")  # fmt: skip


def schema_url(url: str, schema: str | None, *, create: bool) -> str:
    """Create (or drop) a schema of its own on the PostgreSQL server, so the bench starts from an empty database
    and leaves nothing behind; returns the URL that works in it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(parsed)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if create:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
