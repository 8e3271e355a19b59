"""The one shape of an output (DESIGN.md, 'Outputs are plug-ins of one shape').

An output is described by an `Output`: its kind, its file name, who may read it, how it is produced from one
analysed snapshot, how its file is validated, and where its commands go in the command line. The description is
cheap to import; what it names ("module:function") is imported only when it is used, so listing the outputs (the
command line's help, the configuration's check of a job's outputs) loads no analysis code.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.problems import Problem

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from service.config import Config
    from service.importing.records import ImportedTrial
    from service.models import Snapshot
    from service.results import AnalysisResults

    # A snapshot as read for analysis, with its analysis: read and analysed once, shared by every output.
    Analysed = tuple[ImportedTrial, AnalysisResults]

# Who may read an output's folder (FDA DMC guidance §4.2.2: comparative data go to the DMC only).
OPEN, CLOSED, REGISTRY = "open", "closed", "registry"
AUDIENCES = (OPEN, CLOSED, REGISTRY)
_FOLDER_MODES = {OPEN: None, CLOSED: 0o700, REGISTRY: None}
# Outputs produced at once: a report's render runs in a worker process of its own, so two use both of a 2-core
# machine's cores (the parent builds one edition's pages while the other edition renders).
AT_ONCE = 2


def load_object(reference: str) -> Any:
    """The object a "package.module:name" reference names."""
    module, _, name = reference.partition(":")
    return getattr(import_module(module), name)


@dataclass(frozen=True)
class CommandSpot:
    """Where an output's command goes: `group` (None for the top level, else "report", "registry", "validate"),
    the command's `name` there, the click command (`command`, "module:name") and its one-line help, shown by
    `--help` without importing the command."""

    group: str | None
    name: str
    command: str
    help: str


@dataclass(frozen=True)
class Produced:
    """What producing an output wrote (each file with its sha256) and what its validation found."""

    kind: str
    files: dict[Path, str]
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    notice: str | None = None  # what the run's summary (and so its notification) should say of this output

    def note(self) -> str | None:
        """A line for a run's summary when validation found problems (never the problems themselves: a closed
        output's text stays in its folder), or the output's own notice (counts only)."""
        if not self.problems:
            return self.notice
        return f"{self.kind}: {len(self.problems)} validation problem(s)"


@dataclass
class Production:
    """One snapshot's outputs being produced together: the analysis is computed the first time an output asks
    for it, then shared. `root` is the folder whose open/, closed/ and registry/ folders receive the files
    (OUTPUT_DIR/TRIAL for `demo`, OUTPUT_DIR/TRIAL/snapshot-N for a scheduled run)."""

    engine: Engine
    config: Config
    snapshot: Snapshot
    root: Path
    _analysed: Analysed | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def analysed(self) -> Analysed:
        with self._lock:  # outputs produced at once share one analysis
            if self._analysed is None:
                from service.trialdata import read_and_analyse

                self._analysed = read_and_analyse(self.engine, self.snapshot)
            return self._analysed

    def produce_all(self, outputs: Sequence[Output], stop: threading.Event | None = None) -> list[Produced]:
        """Each output, AT_ONCE at a time, results in the order given. An output not yet begun when `stop` is set
        is not begun (those under way finish): then NotBegun says which were done and which not. The first
        failure is raised once every output under way has ended."""

        def produce(output: Output) -> Produced | None:
            return None if stop is not None and stop.is_set() else output.produce_from(self)

        with ThreadPoolExecutor(max_workers=AT_ONCE, thread_name_prefix="output") as pool:
            futures = [pool.submit(produce, output) for output in outputs]
        results = [future.result() for future in futures]  # raises the first failure, in the given order
        produced = [result for result in results if result is not None]
        if len(produced) < len(outputs):
            done = [o.kind for o, r in zip(outputs, results, strict=True) if r is not None]
            raise NotBegun(done, [o.kind for o, r in zip(outputs, results, strict=True) if r is None])
        return produced

    def target(self, output: Output) -> Path:
        return output.path_in(self.root)


class NotBegun(Exception):
    """Outputs left unbegun because the service is stopping."""

    def __init__(self, done: list[str], pending: list[str]) -> None:
        self.done = done
        self.pending = pending
        super().__init__(f"stopped before {pending[0]}")


@dataclass(frozen=True)
class Output:
    kind: str
    file_name: str  # a file, or a folder (tables/) when it ends with "/"
    audience: str
    title: str
    produce: str  # "module:function", called with (output, production) -> Produced
    validate: str | None = None  # "module:function", called with a path -> list[Problem]
    validated_against: str = ""  # what a valid file was checked against, for the message
    commands: tuple[CommandSpot, ...] = ()

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise ValueError(f"output {self.kind}: audience must be one of {', '.join(AUDIENCES)}")

    def path_in(self, root: Path) -> Path:
        """Where this output goes under `root`: root/<audience>/<file>, its audience folder created."""
        return audience_folder(root, self.audience) / self.file_name

    def produce_from(self, production: Production) -> Produced:
        produced: Produced = load_object(self.produce)(self, production)
        return produced

    def validate_file(self, path: Path) -> list[Problem]:
        if self.validate is None:
            raise ValueError(f"output {self.kind} has no validator")
        problems: list[Problem] = load_object(self.validate)(path)
        return problems


def audience_folder(root: Path, audience: str) -> Path:
    """root/<audience>, created; closed/ is mode 0700 whoever created it, since it holds data by arm."""
    folder = root / audience
    folder.mkdir(parents=True, exist_ok=True)
    mode = _FOLDER_MODES[audience]
    if mode is not None and (folder.stat().st_mode & 0o777) != mode:
        os.chmod(folder, mode)
    return folder


def default_target(config: Config, trial_id: str, output: Output) -> Path:
    """Where a command writes an output when not told: OUTPUT_DIR/TRIAL/<audience>/<file>."""
    return output.path_in(config.output_dir / trial_id)
