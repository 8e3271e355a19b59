"""The one strict reader of config.toml and trial.toml: unknown names answered with the nearest known one, and each
kind of value refusing what it is not (booleans are not numbers, nor are inf and nan)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from service.strictkeys import Kind, Named, Table, Tables, a_date, boolean, closest, find_problem, number, text, whole

SCHEMA = {
    "trial": Table({"title": text(), "target": whole(1, 100)}),
    "outcomes": Tables({"parameter": text(), "ci_level": number(0.5, 1, open_high=True)}),
    "trials": Named({"source": text()}),
}


@pytest.mark.parametrize(
    ("raw", "path", "first"),
    [
        ({"trail": {}}, "trail", "unknown section [trail]; did you mean [trial]?"),
        ({"trial": {"titel": "x"}}, "trial.titel", "unknown key 'titel' in [trial]; did you mean 'title'?"),
        ({"trial": {"zzz": 1}}, "trial.zzz", "unknown key 'zzz' in [trial]"),
        ({"outcomes": [{}, {"paramter": "X"}]}, "outcomes.paramter",
         "unknown key 'paramter' in [[outcomes]] (entry 2); did you mean 'parameter'?"),
        ({"trials": {"a": {"sorce": "x"}}}, "trials.a.sorce",
         "unknown key 'sorce' in [trials.a]; did you mean 'source'?"),
        ({"trial": {"target": 0}}, "trial.target", "target must be a whole number from 1 to 100, not 0"),
        ({"trial": {"target": True}}, "trial.target", "target must be a whole number from 1 to 100, not true"),
        ({"outcomes": [{"ci_level": 1.0}]}, "outcomes.ci_level",
         "outcomes (entry 1): ci_level must be a number at least 0.5 and below 1, not 1"),
        ({"trial": "x"}, "trial", "[trial] must be a table"),
        ({"outcomes": {"parameter": "X"}}, "outcomes", "outcomes must be a list of tables ([[outcomes]])"),
    ],
)  # fmt: skip
def test_the_first_problem_is_named_with_its_key(raw: dict[str, Any], path: str, first: str) -> None:
    problem = find_problem(raw, SCHEMA)
    assert problem is not None
    assert (problem.path, problem.first) == (path, first)


def test_a_good_file_has_no_problem() -> None:
    raw = {"trial": {"title": "T", "target": 100}, "outcomes": [{"ci_level": 0.5}], "trials": {"a": {"source": "x"}}}
    assert find_problem(raw, SCHEMA) is None


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (number(-40, 40), [-40, 0, 40.0], [41, float("inf"), float("nan"), True, "1"]),
        (number(0, 1, open_low=True), [1e-9, 1], [0, -1]),
        (boolean(), [True, False], ["true", 1]),
        (a_date(), [date(2020, 2, 29), "2020-02-29"], ["2019-02-29", "29/02/2020", 20200229]),
    ],
)  # fmt: skip
def test_each_kind_takes_its_values_only(kind: Kind, good: list[Any], bad: list[Any]) -> None:
    assert [kind.accepts(v) for v in good] == [True] * len(good)
    assert [kind.accepts(v) for v in bad] == [False] * len(bad)


def test_the_nearest_name_ignores_case_and_gives_up_when_nothing_is_near() -> None:
    assert closest("SPENDNG", ["spending", "sides"]) == "spending"
    assert closest("colour", ["spending", "sides"]) is None
