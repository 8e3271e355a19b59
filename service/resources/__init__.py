"""The files regsync ships with its code: report templates and fonts, the example trial, registry schemas.

They are found through importlib.resources, never through paths relative to a checkout, so an installed wheel
and a checkout find the same files. In the wheel, templates/ is the package `service.resources.templates` and
examples/ is `service.resources.examples` (pyproject.toml maps the two folders); an editable install maps them
to the checkout's folders.

regsync reads these as ordinary files (Jinja2's loader, WeasyPrint's fetcher, lxml, the importers take paths),
so a distribution unpacked into a zip archive is not supported: `resource_dir` says so rather than failing later.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

EXAMPLE_TRIAL = "msc-t1d"


def resource_dir(package: str, *parts: str) -> Path:
    """The folder `parts` inside `package`, as a file-system path."""
    root = files(package)
    if not isinstance(root, Path):
        raise RuntimeError(f"{package} is not installed as plain files ({root!r}); reinstall regsync with pip")
    return root.joinpath(*parts)


def templates_dir() -> Path:
    return resource_dir("service.resources.templates")


def example_trial_dir() -> Path:
    return resource_dir("service.resources.examples", EXAMPLE_TRIAL)


def migrations_dir() -> Path:
    return resource_dir("service", "migrations")


def migration_head() -> str:
    """The newest migration's revision, read from the file names ("0007_adverse_event_groups.py": each revision
    names its file; tests/test_migrations.py checks this is Alembic's head) without importing Alembic."""
    return max(p.name.split("_", 1)[0] for p in (migrations_dir() / "versions").iterdir() if p.name[:4].isdigit())


def schemas_dir(registry_package: str) -> Path:
    """`registry_package`'s schemas folder (registry.ctgov, registry.irct)."""
    return resource_dir(registry_package, "schemas")
