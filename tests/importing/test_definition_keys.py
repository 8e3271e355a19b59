"""Every trial.toml key the README documents is one regsync accepts, and every key it accepts is documented (as
datasette checks its settings): the README's TOML examples are read as TOML and walked beside the schema."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

from service.importing.definition_schema import TRIAL_TOML
from service.strictkeys import Kind, Spec, Table
from tests.conftest import REPO

# Keys documented in prose rather than in a TOML example, with the words that document them.
IN_PROSE = {"safety_arm": "also accepted\n                                      # at the top level of the file"}


def readme_definition_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    definition = readme.split("### The trial definition: `trial.toml`", 1)[1].split("\n### ", 1)[0]
    cutoff = readme.split("### As of the cut-off", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```toml\n(.*?)```", definition + cutoff, re.DOTALL)


def documented_keys(table: Mapping[str, Any], schema: Mapping[str, Spec], path: str = "") -> Iterator[str]:
    """The dotted keys of a README example; a key whose value is a table of the data's own keys (a Kind in the
    schema, such as sex_specific_terms) is one key."""
    for key, value in table.items():
        dotted = f"{path}{key}"
        spec = schema.get(key)
        entries = value if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) else None
        if isinstance(value, dict) and not isinstance(spec, Kind):
            yield from documented_keys(value, spec.keys if spec is not None else {}, dotted + ".")
        elif entries is not None and not isinstance(spec, Kind):
            for entry in entries:
                yield from documented_keys(entry, spec.keys if spec is not None else {}, dotted + ".")
        else:
            yield dotted


def schema_keys(schema: Mapping[str, Spec], path: str = "") -> Iterator[str]:
    for key, spec in schema.items():
        if isinstance(spec, Kind):
            yield f"{path}{key}"
        else:
            yield from schema_keys(spec.keys, f"{path}{key}.")


def test_every_documented_trial_toml_key_is_accepted_and_every_accepted_key_documented() -> None:
    documented: set[str] = set()
    for block in readme_definition_blocks():
        documented |= set(documented_keys(tomllib.loads(block), TRIAL_TOML))
    accepted = set(schema_keys(TRIAL_TOML))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for key, words in IN_PROSE.items():
        assert words in readme, f"README no longer documents {key} ({words!r})"
        documented.add(key)
    assert sorted(documented - accepted) == [], "documented in README.md but refused by trial.toml's schema"
    assert sorted(accepted - documented) == [], "accepted by trial.toml's schema but not documented in README.md"


def test_the_walk_sees_nested_tables_and_arrays_of_tables() -> None:
    """The comparison above is only as good as this walk: a nested table and an array of tables are entered."""
    example = tomllib.loads("[a]\nx = 1\n[a.b]\ny = 2\n[[c]]\nz = 3\n[[c]]\nw = 4\n")
    assert sorted(documented_keys(example, {"a": Table({})})) == ["a.b.y", "a.x", "c.w", "c.z"]
