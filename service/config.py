"""config.toml: read once, checked strictly, returned as frozen dataclasses.

Every key is documented in README.md (a test checks that). Relative paths are taken from the
folder the configuration file is in, so `regsync --config /etc/regsync/config.toml` behaves the
same from any working directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from service.errors import ConfigError
from service.strictkeys import Named, Spec, Table, anything, find_problem

DEFAULT_DATABASE_URL = "sqlite:///var/regsync.db"
SOURCE_FORMATS = ("auto", "bundle", "sdtm", "adam")

# Section -> the keys it may hold. Tables of named entries ([trials.ID], [jobs.ID]) list the keys of one entry.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "database": ("url",),
    "organisation": ("name",),
    "output": ("dir",),
    "reports": ("render_memory_mb",),
    "trials": ("source", "format", "control", "ctgov_record", "irct_record"),
    "registries": ("ctgov_api", "prs_url", "timeout_seconds", "retries", "max_bytes", "run_timeout_seconds"),
    "deadlines": ("notify_days",),
    "jobs": ("trial", "cron", "timezone", "outputs"),
    "scheduler": ("misfire_grace_seconds", "retries", "retry_backoff_seconds"),
    "smtp": (
        "host",
        "port",
        "tls",
        "username",
        "password_env",
        "sender",
        "recipients",
        "notify_on",
        "ca_file",
        "timeout_seconds",
    ),
}
# The same keys as a schema (service.strictkeys); each value is checked by its section's reader below.
CONFIG_SCHEMA: dict[str, Spec] = {
    section: (Named if section in ("trials", "jobs") else Table)({key: anything("") for key in keys})
    for section, keys in KNOWN_KEYS.items()
}
TLS_MODES = ("starttls", "ssl", "none")
# What a run ends as (service.scheduling.records); notify_on picks among the ones worth a message.
NOTIFY_STATUSES = ("produced", "skipped", "failed", "abandoned")


@dataclass(frozen=True)
class TrialSource:
    trial_id: str
    source: Path
    format: str = "auto"
    control: str | None = None
    ctgov_record: Path | None = None  # a ClinicalTrials.gov record file to compare with (else fetched by NCT id)
    irct_record: Path | None = None  # a WHO ICTRP / IRCT record file to compare with


@dataclass(frozen=True)
class RegistriesConfig:
    ctgov_api: str = "https://clinicaltrials.gov/api/v2"
    prs_url: str = "https://register.clinicaltrials.gov"
    timeout_seconds: int = 30
    retries: int = 2
    max_bytes: int = 16 * 1024 * 1024
    run_timeout_seconds: int = 120  # every registry request of one run, retries and waits included


@dataclass(frozen=True)
class JobConfig:
    job_id: str
    trial_id: str
    cron: str
    timezone: str = "UTC"
    outputs: tuple[str, ...] = field(default_factory=lambda: output_kinds())  # every output unless named


@dataclass(frozen=True)
class SchedulerConfig:
    misfire_grace_seconds: int = 6 * 3600
    retries: int = 3
    retry_backoff_seconds: int = 60


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 587
    tls: str = "starttls"
    username: str | None = None
    password_env: str = "REGSYNC_SMTP_PASSWORD"  # the name of the variable holding the password, not the password
    notify_on: tuple[str, ...] = ("produced", "failed", "abandoned")
    ca_file: Path | None = None
    timeout_seconds: int = 30


@dataclass(frozen=True)
class Config:
    path: Path | None
    database_url: str
    organisation: str = ""
    output_dir: Path = Path("out")
    render_memory_mb: int = 1024
    trials: dict[str, TrialSource] = field(default_factory=dict)
    jobs: dict[str, JobConfig] = field(default_factory=dict)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    smtp: SmtpConfig | None = None
    registries: RegistriesConfig = field(default_factory=RegistriesConfig)
    deadline_notice_days: tuple[int, ...] = (90, 30, 7)


def load_config(path: Path | None, *, required: bool, check_schedules: bool = True) -> Config:
    """Read the configuration at `path`; without a file (and not `required`), the defaults.

    Without `check_schedules`, the jobs' cron expressions are read but not parsed (APScheduler, which parses them,
    costs a tenth of a second to import): for the listing commands that never schedule anything."""
    if path is None or not path.exists():
        if required:
            raise ConfigError(f"{path}: configuration file not found\n  Pass an existing file with --config.")
        base = Path.cwd()
        return Config(path=None, database_url=_database_url({}, base), output_dir=base / "out")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(raw, path, check_schedules=check_schedules)


def parse_config(raw: dict[str, Any], path: Path, *, check_schedules: bool = True) -> Config:
    base = path.parent.resolve()
    _check_keys(raw, path)
    database = raw.get("database", {})
    trials = {tid: _trial(tid, entry, base, path) for tid, entry in raw.get("trials", {}).items()}
    jobs = {jid: _job(jid, entry, trials, path, check_schedules) for jid, entry in raw.get("jobs", {}).items()}
    return Config(
        path=path,
        database_url=_database_url(database, base),
        organisation=str(raw.get("organisation", {}).get("name", "")),
        output_dir=base / str(raw.get("output", {}).get("dir", "out")),
        render_memory_mb=_positive_int(raw.get("reports", {}), "render_memory_mb", 1024, path),
        trials=trials,
        jobs=jobs,
        scheduler=_scheduler(raw.get("scheduler", {}), path),
        smtp=_smtp(raw["smtp"], base, path) if "smtp" in raw else None,
        registries=_registries(raw.get("registries", {}), path),
        deadline_notice_days=_notice_days(raw.get("deadlines", {}), path),
    )


def _check_keys(raw: dict[str, Any], path: Path) -> None:
    smtp = raw.get("smtp")
    if isinstance(smtp, dict) and "password" in smtp:
        raise ConfigError(
            f"{path}: [smtp] password: a password is never written in config.toml\n"
            "  Put it in an environment variable and name the variable in password_env."
        )
    reports = raw.get("reports")
    if isinstance(reports, dict) and "allow_masking_key" in reports:
        raise ConfigError(
            f"{path}: [reports] allow_masking_key: the masking key is no longer revealed by a setting here\n"
            "  Remove it: revealing needs the trial's key file, named by REGSYNC_MASKING_KEY_FILE (README.md, "
            "'The masking key')."
        )
    problem = find_problem(raw, CONFIG_SCHEMA)
    if problem is not None:
        raise ConfigError(f"{path}: {problem.first}" + (f"\n  {problem.hint}" if problem.hint else ""))


def _database_url(section: dict[str, Any], base: Path) -> str:
    # The environment wins so that a password need never be written into config.toml.
    url = os.environ.get("REGSYNC_DATABASE_URL") or str(section.get("url", DEFAULT_DATABASE_URL))
    _check_credentials_encoded(url)
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        file = Path(url[len(prefix) :])
        if not file.is_absolute():
            url = prefix + str(base / file)
    return url


def _check_credentials_encoded(url: str) -> None:
    """A password holding an unencoded `@` splits the URL at the wrong place: the rest of the password would be
    taken for the host, and a failed connection would print it. Refused, without printing the URL."""
    _, separator, rest = url.partition("://")
    authority = rest.split("/", 1)[0] if separator else ""
    if authority.count("@") > 1:
        raise ConfigError(
            "the database URL ([database] url or REGSYNC_DATABASE_URL) has more than one '@' before the host\n"
            "  Write an '@' in the user name or password as %40 (and ':' as %3A, '/' as %2F)."
        )


def _trial(trial_id: str, entry: dict[str, Any], base: Path, path: Path) -> TrialSource:
    if "source" not in entry:
        raise ConfigError(f"{path}: [trials.{trial_id}] needs 'source' (the folder to import)")
    fmt = str(entry.get("format", "auto"))
    if fmt not in SOURCE_FORMATS:
        raise ConfigError(f"{path}: [trials.{trial_id}] format '{fmt}' is not one of {', '.join(SOURCE_FORMATS)}")
    control = entry.get("control")
    records = {key: base / str(entry[key]) for key in ("ctgov_record", "irct_record") if entry.get(key)}
    return TrialSource(trial_id, base / str(entry["source"]), fmt, str(control) if control else None,
                       records.get("ctgov_record"), records.get("irct_record"))  # fmt: skip


def _registries(section: dict[str, Any], path: Path) -> RegistriesConfig:
    defaults = RegistriesConfig()
    urls = {}
    for key in ("ctgov_api", "prs_url"):
        value = str(section.get(key, getattr(defaults, key)))
        if not value.startswith(("https://", "http://")):
            raise ConfigError(f"{path}: [registries] {key} must be an http(s) URL, not '{value}'")
        urls[key] = value.rstrip("/")
    return RegistriesConfig(
        urls["ctgov_api"], urls["prs_url"],
        _positive_int(section, "timeout_seconds", defaults.timeout_seconds, path),
        _positive_int(section, "retries", defaults.retries, path, minimum=0),
        _positive_int(section, "max_bytes", defaults.max_bytes, path),
        _positive_int(section, "run_timeout_seconds", defaults.run_timeout_seconds, path),
    )  # fmt: skip


def _notice_days(section: dict[str, Any], path: Path) -> tuple[int, ...]:
    days = section.get("notify_days", [90, 30, 7])
    if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in days):
        raise ConfigError(f"{path}: [deadlines] notify_days must be whole numbers of days, such as [90, 30, 7]")
    return tuple(sorted(set(days), reverse=True))


def _job(
    job_id: str, entry: dict[str, Any], trials: dict[str, TrialSource], path: Path, check_schedule: bool
) -> JobConfig:
    where = f"{path}: [jobs.{job_id}]"
    for key in ("trial", "cron"):
        if key not in entry:
            raise ConfigError(f"{where} needs '{key}'")
    trial_id = str(entry["trial"])
    if trial_id not in trials:
        raise ConfigError(f"{where}: trial '{trial_id}' is not declared\n  Add a [trials.{trial_id}] section.")
    cron = str(entry["cron"])
    timezone = str(entry.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where}: unknown time zone '{timezone}'") from exc
    if check_schedule:
        from service.scheduling.triggers import cron_trigger

        try:
            cron_trigger(cron, timezone)
        except ValueError as exc:
            raise ConfigError(f"{where}: cron '{cron}': {exc}") from exc
    kinds = output_kinds()
    outputs = tuple(str(o) for o in entry.get("outputs", kinds))
    for output in outputs:
        if output not in kinds:
            raise ConfigError(f"{where}: unknown output '{output}'\n  Known: {', '.join(kinds)}.")
    return JobConfig(job_id, trial_id, cron, timezone, outputs)


def output_kinds() -> tuple[str, ...]:
    """The kinds a job may list: the outputs dictionary's (read when a configuration is, not frozen at import)."""
    from service.outputs import OUTPUTS

    return tuple(OUTPUTS)


def _scheduler(section: dict[str, Any], path: Path) -> SchedulerConfig:
    defaults = SchedulerConfig()
    return SchedulerConfig(
        misfire_grace_seconds=_positive_int(section, "misfire_grace_seconds", defaults.misfire_grace_seconds, path),
        retries=_positive_int(section, "retries", defaults.retries, path, minimum=0),
        retry_backoff_seconds=_positive_int(section, "retry_backoff_seconds", defaults.retry_backoff_seconds, path),
    )


def _smtp(section: dict[str, Any], base: Path, path: Path) -> SmtpConfig:
    where = f"{path}: [smtp]"
    for key in ("host", "sender", "recipients"):
        if key not in section:
            raise ConfigError(f"{where} needs '{key}'")
    recipients = section["recipients"]
    if isinstance(recipients, str):
        recipients = [recipients]
    if (
        not isinstance(recipients, list)
        or not recipients
        or not all(isinstance(r, str) and "@" in r for r in recipients)
    ):
        raise ConfigError(f"{where}: 'recipients' must be a list of email addresses, not {section['recipients']!r}")
    tls = str(section.get("tls", "starttls"))
    if tls not in TLS_MODES:
        raise ConfigError(f"{where}: tls '{tls}' is not one of {', '.join(TLS_MODES)}")
    notify_on = tuple(str(s) for s in section.get("notify_on", SmtpConfig.notify_on))
    for status in notify_on:
        if status not in NOTIFY_STATUSES:
            raise ConfigError(f"{where}: notify_on '{status}' is not one of {', '.join(NOTIFY_STATUSES)}")
    ca_file = section.get("ca_file")
    username = section.get("username")
    return SmtpConfig(
        host=str(section["host"]),
        sender=str(section["sender"]),
        recipients=tuple(recipients),
        port=_positive_int(section, "port", 587 if tls == "starttls" else 465 if tls == "ssl" else 25, path),
        tls=tls,
        username=str(username) if username else None,
        password_env=str(section.get("password_env", SmtpConfig.password_env)),
        notify_on=notify_on,
        ca_file=base / str(ca_file) if ca_file else None,
        timeout_seconds=_positive_int(section, "timeout_seconds", 30, path),
    )


def _positive_int(section: dict[str, Any], key: str, default: int, path: Path, *, minimum: int = 1) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{path}: '{key}' must be a whole number of at least {minimum}, not {value!r}")
    return value
