"""regsync as a trial unit installs it: a wheel, installed (not editable) into a fresh virtual environment, run
from a folder that has nothing to do with the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

MAPPED = {"service.resources.templates": "templates", "service.resources.examples": "examples"}


def _pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_of_the_checkout_is_listed_for_the_wheel() -> None:
    found = {
        ".".join(folder.relative_to(REPO).parts)
        for top in ("service", "registry")
        for folder in [REPO / top, *(REPO / top).rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
    }
    setuptools = _pyproject()["tool"]["setuptools"]  # type: ignore[index]
    assert set(setuptools["packages"]) == found | set(MAPPED)  # type: ignore[index]
    assert setuptools["package-dir"] == MAPPED  # type: ignore[index]


def _checkout_copy(target: Path) -> Path:
    """The files a clone would have (tracked, or new and not ignored), without the checkout's venv or outputs."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            capture_output=True, check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.slow
def test_the_installed_wheel_runs_demo_validate_and_verify_from_another_folder(tmp_path: Path) -> None:
    source = _checkout_copy(tmp_path / "source")
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "REGSYNC_CONFIG",
                                                                                  "REGSYNC_DATABASE_URL")}  # fmt: skip
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(source)], check=True, env=environment)
    (wheel,) = (tmp_path / "dist").glob("regsync-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r",
                    str(REPO / "requirements.lock"), str(wheel)], check=True, env=environment)  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def regsync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv / "bin" / "regsync"), *args], cwd=elsewhere, capture_output=True, text=True,
                              env=environment, check=False)  # fmt: skip

    where = subprocess.run([str(python), "-c", "import service, templates; print(service.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True, env=environment, check=False)  # fmt: skip
    assert where.returncode != 0 and "No module named 'templates'" in where.stderr  # mapped, not a top-level package
    located = subprocess.run([str(python), "-c", "import service.resources as r; print(r.templates_dir())"],
                             cwd=elsewhere, capture_output=True, text=True, env=environment, check=True)  # fmt: skip
    assert located.stdout.startswith(str(venv))  # the package's own files, not the checkout's

    demo = regsync("demo")
    assert demo.returncode == 0, demo.stderr
    out = elsewhere / "out" / "msc-t1d"
    for name in ("open/dsmb-open.pdf", "closed/dsmb-closed.pdf", "closed/tables/ae_soc_pt.csv",
                 "closed/tables/ard.csv", "closed/tables/ars.json",
                 "registry/ctgov-results.xml", "registry/irct.xml", "registry/irct-entry-sheet.pdf"):  # fmt: skip
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    irct = regsync("validate", "irct", str(out / "registry" / "irct.xml"))
    assert irct.returncode == 0 and "valid (2017 WHO DTD and ICTRP XSD)" in irct.stdout, irct.stdout + irct.stderr
    ctgov = regsync("validate", "ctgov", str(out / "registry" / "ctgov-results.xml"))
    assert ctgov.returncode == 0, ctgov.stdout
    tables = regsync("validate", "tables", str(out / "closed" / "tables"))  # ars.json against the packaged schema
    assert tables.returncode == 0 and "CDISC ARS v1.0 schema" in tables.stdout, tables.stdout + tables.stderr
    verified = regsync("verify")
    assert verified.returncode == 0 and " 0 missing or changed" in verified.stdout, verified.stdout
    assert regsync("--version").stdout.strip() == "regsync, version " + _pyproject()["project"]["version"]  # type: ignore[index]
