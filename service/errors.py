"""The one family of errors regsync raises; only the CLI and the job runner catch them."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error regsync reports to a person."""

    exit_code = 2


class ConfigError(ServiceError):
    """config.toml (or an option) is wrong."""


class DataError(ServiceError):
    """Imported data is wrong: names the trial, file, row and column, then says what to do.

    Rows are counted as a spreadsheet shows them: the header is row 1, the first record row 2
    (for SAS transport files, which have no header row, the first record is row 1).
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
        trial: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.hint = hint
        self.trial = trial
        super().__init__(self.message)

    @property
    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        head = f"{self.where}: {self.problem}" if self.where else self.problem
        return f"{head}\n  {self.hint}" if self.hint else head


class RenderError(ServiceError):
    """A report could not be rendered (exit code 3: the output could not be produced)."""

    exit_code = 3


class RegistryError(ServiceError):
    """A registry target failed; only transient (permanent=False) failures are retried."""

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        self.permanent = permanent
        super().__init__(message)
