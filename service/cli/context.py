"""What every command shares: the configuration and database, opened on first use; the console for messages
(stderr, so stdout carries only results); the options several commands take.

Nothing heavy is imported here: commands that never touch the database start without SQLAlchemy, and the console
(rich) is made the first time a message is printed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from service.problems import Problem

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy import Engine

    from service.config import Config


class _LazyConsole:
    """rich's Console on stderr, created when first used (rich costs a tenth of a second to import)."""

    def __init__(self) -> None:
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            # Messages are printed as they are: no markup ([bold]), no emoji codes (:x:), no highlighting. They
            # quote data and file names, which are never instructions to the console.
            self._console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
        return self._console

    def print(self, message: str, *, markup: bool = False) -> None:
        self.console.print(message, markup=markup, emoji=False)

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        with self.console.status(message):
            yield


err = _LazyConsole()


@dataclass
class AppContext:
    config_path: Path | None
    explicit: bool
    debug: bool = False
    _config: Config | None = None
    _listing_config: Config | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            from service.config import load_config

            self._config = load_config(self.config_path, required=self.explicit)
        return self._config

    @property
    def listing_config(self) -> Config:
        """The configuration for a command that lists and schedules nothing: the jobs' cron expressions are left
        for the commands that use them (service.config.load_config)."""
        if self._config is not None:
            return self._config
        if self._listing_config is None:
            from service.config import load_config

            self._listing_config = load_config(self.config_path, required=self.explicit, check_schedules=False)
        return self._listing_config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from service.db import open_database

            self._engine = open_database(self.config.database_url)
        return self._engine


snapshot_option = click.option(
    "--snapshot", "snapshot_id", type=int, default=None, help="A snapshot id (default: the latest)."
)


def out_file_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--out", "out_file", type=click.Path(path_type=Path), default=None, help=help_text)


def report_problems(
    done: str,
    problems: Sequence[Problem],
    warnings: Sequence[str],
    checked_against: str,
    explain: Callable[[Problem], str] | None = None,
) -> None:
    """A validated file's outcome: the warnings, the reviewer's comments, then the problems and exit 1, or
    'valid'. With `explain`, each problem is followed by the rule it rests on."""
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False)
    rejected = [p for p in problems if p.rejects]
    comments = [p for p in problems if not p.rejects]

    def show(problem: Problem) -> None:
        click.echo(f"  {problem}")
        rule = explain(problem) if explain is not None else ""
        if rule:
            click.echo(f"      rule: {rule}")

    if comments:
        click.echo(f"{done}: {len(comments)} comment(s) a reviewer would send back (accepted on upload):")
        for problem in comments:
            show(problem)
    if rejected:
        click.echo(f"{done}: {len(rejected)} problem(s) to fix before upload:")
        for problem in rejected:
            show(problem)
        raise click.exceptions.Exit(1)
    click.echo(f"{done}: valid ({checked_against})")
