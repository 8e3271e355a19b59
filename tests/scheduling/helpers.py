"""Shared by the scheduler tests: a config.toml for a job on a trial folder, and reading job_run back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.config import Config, load_config
from service.models import JobRun


def write_config(
    folder: Path,
    db_url: str,
    source: Path,
    *,
    cron: str = "0 2 * * *",
    outputs: tuple[str, ...] = ("tables",),
    extra: str = "",
    job: str = "nightly",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    listed = ", ".join(f'"{o}"' for o in outputs)
    path.write_text(
        f'[database]\nurl = "{db_url}"\n\n[output]\ndir = "{folder / "out"}"\n\n'
        f'[trials.tiny]\nsource = "{source}"\nformat = "bundle"\n\n'
        f'[jobs.{job}]\ntrial = "tiny"\ncron = "{cron}"\noutputs = [{listed}]\n\n{extra}',
        encoding="utf-8",
    )
    return path


def config_for(folder: Path, db_url: str, source: Path, **kwargs: object) -> Config:
    return load_config(write_config(folder, db_url, source, **kwargs), required=True)  # type: ignore[arg-type]


def runs_of(engine: Engine, job_id: str = "nightly") -> list[JobRun]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun).where(JobRun.job_id == job_id).order_by(col(JobRun.scheduled_at))))


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def change_one_adverse_event(source: Path) -> None:
    ae = source / "adverse_events.csv"
    ae.write_text(ae.read_text(encoding="utf-8").replace("bad headache", "severe headache"), encoding="utf-8")
