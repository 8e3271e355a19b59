"""The `regsync` command line (DESIGN.md, 'Command line contract').

Exit codes: 0 success, 1 output produced but failed validation, 2 bad input or usage, 3 the output could not be
produced (a report render stopped at its memory cap, or an unexpected failure), 130 stopped by Ctrl-C.

The commands are found, not imported: each is named here or by an output (service.outputs.OUTPUTS) as
"module:name" with its one-line help, and its module is imported only when that command runs. So `--help`,
`--version` and the listing commands start without pandas, SciPy or the analysis.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from service import __version__
from service.cli.context import AppContext, err
from service.errors import ServiceError
from service.outputs.base import CommandSpot, load_object

# The commands that are not an output's: name -> ("module:command", one-line help).
BUILT_IN: dict[str, tuple[str, str]] = {
    "import": ("service.cli.data:import_command", "Bring a data snapshot in, all or nothing."),
    "trials": ("service.cli.listing:trials_command", "List the trials in the database."),
    "snapshots": ("service.cli.listing:snapshots_command", "List a trial's snapshots, oldest first."),
    "demo": ("service.cli.demo:demo_command", "Load the bundled example trial and write every output once."),
    "artifacts": ("service.cli.artifacts:artifacts_command", "List what was produced for a trial."),
    "verify": (
        "service.cli.artifacts:verify_command",
        "Re-hash every recorded artifact; exit 1 if any is missing or changed.",
    ),
    "serve": ("service.cli.jobs:serve_command", "Run the scheduled jobs until stopped."),
    "jobs": ("service.cli.listing:jobs_command", "List the configured jobs with their next fire time."),
    "runs": ("service.cli.jobs:runs_command", "List recent runs, newest first."),
    "run": ("service.cli.jobs:run_command", "Fire JOB once now, in this process, as the scheduler would."),
    "status": ("service.cli.listing:status_command", "Each job's last run; exit 1 when any failed."),
    "deadlines": (
        "service.cli.deadlines:deadlines_command",
        "Each registry duty (FDAAA results, WHO/IRCT results) with its due date and days left.",
    ),
    "masking-key": (
        "service.cli.masking:masking_key_command",
        "Which letter is which arm in a trial's masked reports (the unblinded only).",
    ),
}
GROUPS: dict[str, str] = {
    "report": "Render reports.",
    "registry": "Write registry files.",
    "validate": "Check an output's file against its schema and rules.",
}


def output_spots(group: str | None) -> dict[str, CommandSpot]:
    """The outputs' commands in `group`, by name (two outputs may share one command: the DSMB editions)."""
    from service.outputs import OUTPUTS

    return {spot.name: spot for output in OUTPUTS.values() for spot in output.commands if spot.group == group}


class LazyGroup(click.Group):
    """A group whose commands are imported when run; `--help` lists them from their stored one-line help."""

    def __init__(self, *args: object, lazy: Callable[[], dict[str, tuple[str, str]]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        found = self.lazy().get(name)
        if found is None:
            return None
        target, help_text = found
        if target.startswith("group:"):
            group = target.removeprefix("group:")
            command: click.Command = LazyGroup(name=group, help=help_text, lazy=lambda: _group_commands(group))
        else:
            command = load_object(target)
        self.commands[name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in sorted(self.lazy().items())]
        rows += [(name, cmd.get_short_help_str()) for name, cmd in self.commands.items() if name not in self.lazy()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


def _top_commands() -> dict[str, tuple[str, str]]:
    commands = dict(BUILT_IN)
    commands.update({name: (f"group:{name}", help_text) for name, help_text in GROUPS.items()})
    commands.update(_group_commands(None))
    return commands


def _group_commands(group: str | None) -> dict[str, tuple[str, str]]:
    return {name: (spot.command, spot.help) for name, spot in output_spots(group).items()}


@click.group(cls=LazyGroup, lazy=_top_commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Configuration file (default ./config.toml, or $REGSYNC_CONFIG).",
)
@click.option("--debug", is_flag=True, help="On an unexpected failure, print the traceback.")
@click.version_option(__version__, prog_name="regsync")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """regsync: DSMB reports and registry results from one frozen snapshot of a trial's data."""
    env_path = os.environ.get("REGSYNC_CONFIG")
    explicit = config_path is not None or bool(env_path)
    path = config_path or (Path(env_path) if env_path else Path("config.toml"))
    ctx.obj = AppContext(path, explicit, debug)


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, standalone_mode=False, prog_name="regsync")
        if isinstance(code, int) and code:
            sys.exit(code)  # click returns a command's Exit code, unraised, outside standalone mode
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 2 or isinstance(exc, click.UsageError) else exc.exit_code)
    except ServiceError as exc:
        from service.redact import redact_text

        err.print(f"error: {redact_text(str(exc))}", markup=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # anything else is regsync's fault, not the user's: one line, and exit 3
        sys.exit(report_unexpected(exc, argv if argv is not None else sys.argv[1:]))


def report_unexpected(exc: BaseException, argv: list[str]) -> int:
    """One line naming what failed; the traceback only with --debug. Exit 3: nothing was produced (1 means a
    file was produced but failed validation, which this is not)."""
    from service.redact import describe_error

    command = " ".join(_command_words(argv)) or "regsync"
    if "--debug" in argv:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    err.print(
        f"error: regsync {command} failed unexpectedly: {describe_error(exc)[:300]}"
        + ("" if "--debug" in argv else " (run again with --debug for the traceback)"),
        markup=False,
    )
    return 3


def _command_words(argv: list[str]) -> list[str]:
    """The command's name in argv (`report dsmb`, `tables`), not its arguments, which may be paths or ids."""
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--config":
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
            if len(words) == 2 or words[0] not in GROUPS:
                break
    return words
