"""config.toml: strict, documented, and minimal configurations work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.config import KNOWN_KEYS, load_config
from service.errors import ConfigError
from tests.conftest import REPO


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_with_only_a_database_url_is_valid(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[database]\nurl = "sqlite:///var/x.db"\n'), required=True)
    assert config.database_url == f"sqlite:///{tmp_path / 'var' / 'x.db'}"
    assert (config.trials, config.jobs) == ({}, {})


def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[trials.t]\nsource = "data/t"\n[output]\ndir = "o"\n'), required=True)
    assert config.trials["t"].source == tmp_path / "data" / "t"
    assert config.output_dir == tmp_path / "o"


def test_the_environment_overrides_the_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGSYNC_DATABASE_URL", "postgresql://u@h/db")
    assert load_config(write(tmp_path, "[database]\nurl = 'sqlite:///x.db'\n"), required=True).database_url == (
        "postgresql://u@h/db"
    )


def test_the_shipped_config_declares_the_example_trial_with_a_nightly_job() -> None:
    config = load_config(REPO / "config.toml", required=True)
    assert config.trials["msc-t1d"].source == REPO / "examples" / "msc-t1d"
    job = next(iter(config.jobs.values()))
    assert (job.trial_id, job.cron.split()[2:], job.timezone) == ("msc-t1d", ["*", "*", "*"], "Asia/Tehran")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[databse]\nurl = 'x'\n", r"unknown section \[databse\]"),
        ("[database]\nuri = 'x'\n", r"unknown key 'uri' in \[database\]"),
        ("[databse]\nurl = 'x'\n", r"unknown section \[databse\]; did you mean \[database\]\?\n  Known sections: "),
        ("[smtp]\nhost = 'h'\nrecipient = 'a'\n", r"unknown key 'recipient' in \[smtp\]; did you mean 'recipients'\?"),
        ("[trials.t]\nformat = 'bundle'\n", r"\[trials.t\] needs 'source'"),
        ("[trials.t]\nsource = 'x'\nformat = 'excel'\n", r"format 'excel' is not one of"),
        ("[jobs.j]\ntrial = 't'\ncron = '* * * * *'\n", r"trial 't' is not declared"),
        ("[trials.t]\nsource='x'\n[jobs.j]\ntrial = 't'\ncron = '* * *'\n", r"must have five fields"),
        ("[trials.t]\nsource='x'\n[jobs.j]\ntrial='t'\ncron='0 1 * * *'\ntimezone='Mars/Base'\n", "unknown time zone"),
        ("[trials.t]\nsource='x'\n[jobs.j]\ntrial='t'\ncron='0 1 * * *'\noutputs=['pdf']\n", "unknown output 'pdf'"),
        ("[database\n", "not valid TOML"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), required=True)


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "missing.toml", required=True)


def test_every_config_key_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    for section, keys in KNOWN_KEYS.items():
        for key in keys:
            assert re.search(rf"`{section}(\.[A-Z]+)?\.{key}`", reference), f"README does not document {section}.{key}"
