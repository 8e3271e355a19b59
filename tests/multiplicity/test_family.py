"""[[multiplicity]] as trial.toml declares it: the families read, and each mistake refused with a message naming
the key (exit 2 at import, nothing stored)."""

from __future__ import annotations

from typing import Any

import pytest

from service.errors import DataError
from service.importing.definition import check_definition_keys, parse_definition
from service.multiplicity.family import parse_multiplicity
from service.results import TOTAL
from tests.monitoring.three_arms import ARMS, DOSES, OUTCOME

HIGH = {"outcome": "SCORE", "comparison": "HIGH vs PBO"}
LOW = {"outcome": "SCORE", "comparison": "Low dose versus Placebo"}


def definition(*families: dict[str, Any], outcomes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "arms": [{"code": a.code, "label": a.label, "dose": DOSES[a.code],
                  **({"control": True} if a.is_control else {})} for a in ARMS],
        "outcomes": outcomes or [OUTCOME],
        "multiplicity": list(families),
    }  # fmt: skip


def test_a_family_names_its_comparisons_by_arm_code_or_label_and_the_outcome_key_timepoint_by_default() -> None:
    (family,) = parse_multiplicity(definition({"name": "Doses", "method": "holm", "hypotheses": [HIGH, LOW]}), ARMS)
    assert (family.name, family.method) == ("Doses", "holm")
    assert [(h.parameter, h.target.arm, h.target.control, h.timepoint) for h in family.hypotheses] == [
        ("SCORE", "High dose", "Placebo", None),
        ("SCORE", "Low dose", "Placebo", None),
    ]


def test_a_graphical_family_keeps_its_weights_and_transitions_and_the_trend_is_a_hypothesis() -> None:
    trend = {"outcome": "Score", "comparison": "trend", "timepoint": "Week 12"}
    raw = definition({"name": "G", "method": "graphical", "hypotheses": [trend, HIGH], "weights": [1, 0],
                      "transitions": [[0, 1], [0, 0]]})  # fmt: skip
    (family,) = parse_multiplicity(raw, ARMS)
    assert family.weights == (1.0, 0.0) and family.transitions == ((0.0, 1.0), (0.0, 0.0))
    # Week 12 is the outcome's key timepoint: written out or not, the same comparison.
    assert (family.hypotheses[0].target.arm, family.hypotheses[0].timepoint) == (TOTAL, None)


def test_no_multiplicity_section_is_no_family() -> None:
    assert parse_multiplicity({"arms": [], "outcomes": []}, ARMS) == ()


GOOD: dict[str, Any] = {"name": "F", "method": "holm", "hypotheses": [HIGH, LOW]}


@pytest.mark.parametrize(
    ("family", "column", "message"),
    [
        ({**GOOD, "method": "sidak"}, "multiplicity.method",
         "multiplicity (entry 1): method must be one of bonferroni, holm, hochberg, fixed-sequence, graphical, "
         "dunnett, not 'sidak'"),
        ({**GOOD, "name": ""}, "multiplicity.name",
         "multiplicity (entry 1): name must be a non-empty text, the family's name in the footnotes"),
        ({**GOOD, "hypotheses": [HIGH]}, "multiplicity.hypotheses",
         "multiplicity (entry 1): hypotheses must list at least two tables { outcome = ..., comparison = ..., "
         "timepoint = ... }"),
        ({**GOOD, "hypotheses": [HIGH, {"outcome": "SCOR", "comparison": "LOW vs PBO"}]}, "multiplicity.hypotheses",
         "multiplicity (entry 1), hypothesis 2: outcome 'SCOR' is not the parameter or title of an [[outcomes]] "
         "entry (parameters: SCORE)"),
        ({**GOOD, "hypotheses": [HIGH, {"outcome": "SCORE", "comparison": "MID vs PBO"}]}, "multiplicity.hypotheses",
         "multiplicity (entry 1), hypothesis 2: comparison 'MID vs PBO' names unknown arm 'MID' (the arms: PBO "
         "(Placebo), LOW (Low dose), HIGH (High dose))"),
        ({**GOOD, "hypotheses": [HIGH, {"outcome": "SCORE"}]}, "multiplicity.hypotheses",
         "multiplicity (entry 1), hypothesis 2: name the comparison (e.g. comparison = \"HIGH vs PBO\"): the trial "
         "has 3 arms"),
        ({**GOOD, "hypotheses": [HIGH, {**LOW, "timepoint": "Week 8"}]}, "multiplicity.hypotheses",
         "multiplicity (entry 1), hypothesis 2: timepoint 'Week 8' is not one the outcome 'SCORE' analyses (Week 12)"),
        ({**GOOD, "hypotheses": [HIGH, {**LOW, "visit": "Week 12"}]}, "multiplicity.hypotheses",
         "multiplicity (entry 1), hypothesis 2: unknown key 'visit'; a hypothesis has outcome, comparison, timepoint"),
        ({**GOOD, "hypotheses": [HIGH, {"outcome": "SCORE", "comparison": "PBO vs HIGH"}]}, "multiplicity.hypotheses",
         "multiplicity (entry 1): SCORE, PBO vs HIGH is listed twice (in 'F' and 'F'); a comparison belongs to one "
         "family"),
        ({**GOOD, "weights": [0.5, 0.5]}, "multiplicity.weights",
         "multiplicity (entry 1): weights applies to method = \"graphical\" only"),
        ({**GOOD, "method": "graphical", "weights": [0.5, 0.6], "transitions": [[0, 1], [1, 0]]},
         "multiplicity.weights", "multiplicity (entry 1): weights must be 0 or more and sum to at most 1, not 1.1"),
        ({**GOOD, "method": "graphical", "weights": [1], "transitions": [[0, 1], [1, 0]]}, "multiplicity.weights",
         "multiplicity (entry 1): weights must list 2 numbers, one per hypothesis"),
        ({**GOOD, "method": "graphical", "weights": [1, 0]}, "multiplicity.transitions",
         "multiplicity (entry 1): transitions must be 2 rows of 2 numbers (row i: where H{i}'s weight goes)"),
        ({**GOOD, "method": "graphical", "weights": [1, 0], "transitions": [[1, 0], [1, 0]]},
         "multiplicity.transitions", "multiplicity (entry 1): transitions row 1 must have 0 on the diagonal (a "
         "hypothesis passes no weight to itself)"),
        ({**GOOD, "method": "graphical", "weights": [1, 0], "transitions": [[0, 1.5], [1, 0]]},
         "multiplicity.transitions",
         "multiplicity (entry 1): transitions row 1 must be 0 or more and sum to at most 1, not 1.5"),
        ({**GOOD, "method": "dunnett", "hypotheses": [HIGH, {"outcome": "SCORE", "comparison": "HIGH vs LOW"}]},
         "multiplicity.hypotheses", "multiplicity (entry 1): method \"dunnett\" compares each arm with the control "
         "arm; every comparison must name it"),
        ({**GOOD, "method": "dunnett", "hypotheses": [HIGH, {"outcome": "SCORE", "comparison": "trend"}]},
         "multiplicity.hypotheses", "multiplicity (entry 1): method \"dunnett\" compares each arm with the control "
         "arm; every comparison must name it"),
    ],
)  # fmt: skip
def test_a_bad_family_is_refused_naming_the_key(family: dict[str, Any], column: str, message: str) -> None:
    with pytest.raises(DataError) as raised:
        parse_definition(definition(family))
    assert (raised.value.problem, raised.value.file, raised.value.column) == (message, "trial.toml", column)


def test_a_comparison_in_two_families_is_refused() -> None:
    other = {"name": "G", "method": "bonferroni", "hypotheses": [{**HIGH, "comparison": "HIGH vs LOW"}, LOW]}
    with pytest.raises(DataError) as raised:
        parse_multiplicity(definition(GOOD, other), ARMS)
    assert raised.value.problem == ("multiplicity (entry 2): SCORE, Low dose versus Placebo is listed twice (in 'F' "
                                    "and 'G'); a comparison belongs to one family")  # fmt: skip


def test_the_key_timepoint_written_out_is_the_same_comparison_as_the_default() -> None:
    other = {"name": "G", "method": "bonferroni", "hypotheses": [{**HIGH, "timepoint": "Week 12"}, {**HIGH,
             "comparison": "HIGH vs LOW"}]}  # fmt: skip
    with pytest.raises(DataError) as raised:
        parse_multiplicity(definition(GOOD, other), ARMS)
    assert raised.value.problem.startswith(
        "multiplicity (entry 2): SCORE, HIGH vs PBO is listed twice (in 'F' and 'G')"
    )


def test_a_comparison_the_outcome_does_not_make_is_refused() -> None:
    control_only = {**OUTCOME, "comparisons": "control"}
    family = {**GOOD, "hypotheses": [HIGH, {"outcome": "SCORE", "comparison": "HIGH vs LOW"}]}
    with pytest.raises(DataError, match='compares each arm with the control arm only; set comparisons = "pairwise"'):
        parse_multiplicity(definition(family, outcomes=[control_only]), ARMS)


def test_an_unknown_key_of_a_family_is_refused_by_the_strict_reading() -> None:
    with pytest.raises(DataError) as raised:
        check_definition_keys(definition({**GOOD, "alpha": 0.05}))
    assert (raised.value.problem, raised.value.column) == (
        "unknown key 'alpha' in [[multiplicity]] (entry 1)",
        "multiplicity.alpha",
    )
    with pytest.raises(DataError, match=r"unknown key 'visit' in \[\[multiplicity.hypotheses\]\]"):
        check_definition_keys(definition({**GOOD, "hypotheses": [HIGH, {**LOW, "visit": "Week 12"}]}))


def test_dunnett_needs_one_outcome_at_one_timepoint_tested_two_sided() -> None:
    two = {**OUTCOME, "timepoints": ["Week 6", "Week 12"]}
    family = {**GOOD, "method": "dunnett", "hypotheses": [HIGH, {**LOW, "timepoint": "Week 6"}]}
    with pytest.raises(DataError, match="compares arms on one outcome at one timepoint; these hypotheses name several"):
        parse_multiplicity(definition(family, outcomes=[two]), ARMS)
    one_sided = {**OUTCOME, "sides": 1}
    with pytest.raises(DataError, match="is two-sided, for superiority; the outcome 'SCORE' is tested otherwise"):
        parse_multiplicity(definition({**GOOD, "method": "dunnett"}, outcomes=[one_sided]), ARMS)
