"""Cron expressions read as cron reads them; the [scheduler] and [smtp] sections checked strictly; a fire past
its grace time recorded as missed by the executor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

from service.config import load_config
from service.errors import ConfigError
from service.scheduling.executor import run_fires
from service.scheduling.triggers import cron_trigger


def fires(cron: str, timezone: str, after: datetime, count: int) -> list[datetime]:
    trigger = cron_trigger(cron, timezone)
    out: list[datetime] = []
    previous = None
    moment = after
    while len(out) < count:
        nxt = trigger.get_next_fire_time(previous, moment)
        assert nxt is not None
        out.append(nxt)
        previous, moment = nxt, nxt + timedelta(microseconds=1)
    return out


MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_weekdays_count_from_sunday_as_in_cron() -> None:
    assert [d.strftime("%a") for d in fires("0 9 * * 1-5", "UTC", MONDAY, 5)] == ["Tue", "Wed", "Thu", "Fri", "Mon"]
    assert [d.strftime("%a") for d in fires("0 9 * * 0", "UTC", MONDAY, 2)] == ["Sun", "Sun"]
    assert [d.strftime("%a") for d in fires("0 9 * * 7", "UTC", MONDAY, 1)] == ["Sun"]
    assert [d.strftime("%a") for d in fires("0 9 * * */2", "UTC", MONDAY, 4)] == ["Tue", "Thu", "Sat", "Sun"]
    assert [d.strftime("%a") for d in fires("0 9 * * sat,sun", "UTC", MONDAY, 2)] == ["Sat", "Sun"]


def test_a_nightly_cron_fires_in_its_time_zone() -> None:
    (first,) = fires("30 1 * * *", "Asia/Tehran", MONDAY, 1)
    assert first == datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 01:30 at UTC+03:30


def test_six_fields_put_seconds_first() -> None:
    assert [d.second for d in fires("*/15 * * * * *", "UTC", MONDAY, 4)] == [0, 15, 30, 45]


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("* * *", "must have five fields"),
        ("61 * * * *", "higher than the maximum"),
        ("0 9 * * 8", "8 is not 0-7"),
        ("0 9 * * fri-mon", "not a range cron can read"),
        ("0 9 * * x", "not a number 0-7, a day name"),
    ],
)
def test_bad_cron_expressions_name_the_job(tmp_path: Path, cron: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[trials.t]\nsource = 'x'\n[jobs.j]\ntrial = 't'\ncron = '{cron}'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"\[jobs.j\]: cron '{re.escape(cron)}': .*{message}"):
        load_config(path, required=True)


SMTP = "[smtp]\nhost = 'mail.example.org'\nsender = 'r@example.org'\nrecipients = ['a@example.org']\n"


def test_smtp_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SMTP, encoding="utf-8")
    smtp = load_config(path, required=True).smtp
    assert smtp is not None
    assert (smtp.port, smtp.tls, smtp.password_env, smtp.notify_on) == (
        587,
        "starttls",
        "REGSYNC_SMTP_PASSWORD",
        ("produced", "failed", "abandoned"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[smtp]\nhost = 'h'\nsender = 's@x'\n", r"\[smtp\] needs 'recipients'"),
        (SMTP + "password = 'hunter2'\n", "a password is never written in config.toml"),
        (SMTP + "tls = 'maybe'\n", "tls 'maybe' is not one of starttls, ssl, none"),
        (SMTP + "notify_on = ['always']\n", "notify_on 'always' is not one of"),
        (SMTP.replace("['a@example.org']", "['nobody']"), "must be a list of email addresses"),
        (SMTP + "port = 0\n", "'port' must be a whole number of at least 1"),
        ("[scheduler]\nretries = -1\n", "'retries' must be a whole number of at least 0"),
        ("[scheduler]\nmisfire_grace_seconds = 'long'\n", "'misfire_grace_seconds' must be a whole number"),
        ("[scheduler]\ngrace = 5\n", r"unknown key 'grace' in \[scheduler\]"),
    ],
)
def test_bad_scheduler_and_smtp_settings(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path, required=True)


def test_the_password_given_in_config_is_not_echoed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SMTP + "password = 'hunter2'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, required=True)
    assert "hunter2" not in str(caught.value)


def test_the_executor_records_a_fire_past_its_grace_time_as_missed_and_runs_the_rest() -> None:
    now = datetime.now(UTC)
    calls: list[tuple[str, object]] = []
    runner = SimpleNamespace(record_missed=lambda job_id, at: calls.append(("missed", at)))
    job = SimpleNamespace(
        id="nightly",
        _jobstore_alias="default",
        misfire_grace_time=60,
        args=("nightly",),
        kwargs={},
        func=lambda job_id, scheduled_at, runner: calls.append(("ran", scheduled_at)),
    )
    late, recent = now - timedelta(minutes=5), now - timedelta(seconds=5)
    events = run_fires(job, [late, recent], runner, "test")  # type: ignore[arg-type]
    assert calls == [("missed", late), ("ran", recent)]
    assert [event.code for event in events] == [EVENT_JOB_MISSED, EVENT_JOB_EXECUTED]
