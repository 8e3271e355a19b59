"""The [monitoring] plan: checked at import, and turned into the looks of the closed report's monitoring table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.monitoring.plan import MonitoringPlan, parse_monitoring
from service.monitoring.rows import monitoring_rows
from service.monitoring.spending import spending_boundaries
from service.results import ComparisonRow

OUTCOMES = '\n[[outcomes]]\nparameter = "HBA1C"\ntitle = "HbA1c"\ntype = "primary"\n'
GOOD = (
    '\n[monitoring]\noutcome = "HBA1C"\nmaximum_information = 20\nplanned_fractions = [0.5, 1.0]\n'
    "[[monitoring.looks]]\ninformation_fraction = 0.5\nobserved_z = 1.0\ndate = 2020-03-01\n"
)


def comparison(
    estimate: float, p: float, n_arm: int = 8, n_control: int = 7, parameter: str = "SCORE"
) -> ComparisonRow:
    return ComparisonRow(
        parameter, "Score", "primary", "Month 6", "Active", "Placebo", "welch", "difference in means",
        estimate, None, None, p, n_arm, n_control, "",
    )  # fmt: skip


def plan(**changes: Any) -> MonitoringPlan:
    raw: dict[str, Any] = {
        "outcomes": [{"parameter": "SCORE"}],
        "monitoring": {
            "outcome": "SCORE",
            "maximum_information": 20,
            "planned_fractions": [0.5, 1.0],
            "looks": [{"information_fraction": 0.5, "observed_z": 1.0, "date": "2020-03-01"}],
            **changes,
        },
    }
    parsed = parse_monitoring(raw)
    assert parsed is not None
    return parsed


def test_between_declared_looks_the_data_are_information_with_no_test_and_no_alpha_spent() -> None:
    # This snapshot: 8 + 7 = 15 of 20 participants → 0.75, between the declared 0.5 and 1.0; p = 0.01 → z 2.5758.
    rows = monitoring_rows(plan(), [comparison(0.4, 0.01)], date(2020, 6, 1))
    assert [(r.look, r.status, r.information_fraction) for r in rows] == [
        (1, "done", 0.5),
        (2, "between looks", 0.75),
        (3, "planned", 1.0),
    ]
    bounds = spending_boundaries([0.5, 1.0], alpha=0.05, sides=2, shape="obrien-fleming")  # the declared looks only
    assert [rows[0].boundary_z, rows[2].boundary_z] == [b.z for b in bounds]
    between = rows[1]
    assert (between.boundary_z, between.nominal_p, between.alpha_spent, between.crossed) == (None, None, None,
                                                                                            "not tested")  # fmt: skip
    assert between.observed_z == pytest.approx(2.5758, abs=1e-4) and between.analysis_date == date(2020, 6, 1)
    assert rows[0].observed_z == 1.0 and rows[0].analysis_date == date(2020, 3, 1)
    assert rows[2].observed_z is None and rows[-1].alpha_spent == pytest.approx(0.05)


def test_a_snapshot_at_the_next_declared_information_is_that_look_and_is_tested() -> None:
    # 10 + 9 = 19 of 20 → 0.95, within 0.05 of the declared final look at 1.0: the final analysis.
    rows = monitoring_rows(plan(), [comparison(0.4, 0.01, 10, 9)], date(2020, 9, 1))
    assert [(r.status, r.information_fraction) for r in rows] == [("done", 0.5), ("current", 0.95)]
    bounds = spending_boundaries([0.5, 0.95], alpha=0.05, sides=2, shape="obrien-fleming")
    assert [r.boundary_z for r in rows] == [b.z for b in bounds]
    assert rows[1].crossed == ("yes" if bounds[1].z <= 2.5758 else "no")


def test_the_sign_follows_the_direction_that_favours_the_experimental_arm() -> None:
    lower = monitoring_rows(plan(direction="lower"), [comparison(-0.4, 0.01)], None)
    assert lower[1].observed_z == pytest.approx(2.5758, abs=1e-4)
    higher = monitoring_rows(plan(), [comparison(-0.4, 0.01)], None)
    assert higher[1].observed_z == pytest.approx(-2.5758, abs=1e-4)
    # One-sided, at the final look: a z against the experimental arm never crosses the efficacy boundary.
    one_sided = monitoring_rows(plan(sides=1), [comparison(-3.0, 1e-6, 10, 10)], None)
    assert one_sided[1].status == "current" and one_sided[1].crossed == "no"


def test_without_a_comparison_only_the_plan_is_shown() -> None:
    # The open edition's pooled analysis has no comparison: the looks done and planned, no current one.
    rows = monitoring_rows(plan(), [], None)
    assert [(r.status, r.information_fraction) for r in rows] == [("done", 0.5), ("planned", 1.0)]


def test_information_past_the_maximum_is_the_final_look() -> None:
    rows = monitoring_rows(plan(), [comparison(1.0, 0.2, n_arm=12, n_control=11)], None)
    assert [(r.status, r.information_fraction) for r in rows] == [("done", 0.5), ("current", 1.0)]


@pytest.mark.parametrize(
    ("section", "column", "message"),
    [
        ('outcome = "NOPE"\nmaximum_information = 20', "monitoring.outcome", "outcome 'NOPE' is not the parameter"),
        ('outcome = "HBA1C"', "monitoring.maximum_information", "maximum_information must be a positive"),
        ('outcome = "HBA1C"\nmaximum_information = 20\nspending = "haybittle"', "monitoring.spending",
         "spending 'haybittle' is not one of obrien-fleming, pocock"),
        ('outcome = "HBA1C"\nmaximum_information = 20\nalpha = 0.7', "monitoring.alpha", "alpha 0.7 is not between"),
        ('outcome = "HBA1C"\nmaximum_information = 20\nsides = 3', "monitoring.sides", "sides 3 is not 1 or 2"),
        ('outcome = "HBA1C"\nmaximum_information = 20\nplanned_fractions = [0.5, 1.5]',
         "monitoring.planned_fractions", "planned_fractions must be a list of numbers in (0, 1]"),
        ('outcome = "HBA1C"\nmaximum_information = 20\nplanned_fractions = [1.0, 0.5]',
         "monitoring.planned_fractions", "planned_fractions must increase"),
        ('outcome = "HBA1C"\nmaximum_information = 20\n[[monitoring.looks]]\ninformation_fraction = 0.5\n'
         'observed_z = "big"', "monitoring.looks.observed_z", "look 1: observed_z must be a number"),
    ],
)  # fmt: skip
def test_a_bad_plan_is_refused_at_import(run_cli, tiny: Path, section: str, column: str, message: str) -> None:  # type: ignore[no-untyped-def]
    definition = tiny / "trial.toml"
    definition.write_text(definition.read_text() + OUTCOMES + "\n[monitoring]\n" + section + "\n")
    result = run_cli("import", "tiny", "--source", str(tiny))
    assert result.exit_code == 2
    assert "trial.toml" in result.stderr and column in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert "tiny" not in run_cli("trials").stdout  # nothing was imported


def test_a_good_plan_imports(run_cli, tiny: Path) -> None:  # type: ignore[no-untyped-def]
    definition = tiny / "trial.toml"
    definition.write_text(definition.read_text() + OUTCOMES + GOOD)
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0


def test_conditional_power_futility_and_the_repeated_interval_at_a_declared_look() -> None:
    from math import sqrt

    from scipy.stats import norm

    # At the final look of a two-look O'Brien–Fleming design (α = 0.05 two-sided, t = 0.5 and 1.0), the published
    # Lan–DeMets boundaries are z = 2.963 and 1.969 (gsDesign / ldbounds; Jennison & Turnbull 2000, table 2.7).
    assert [round(b.z, 3) for b in spending_boundaries([0.5, 1.0], alpha=0.05, sides=2, shape="obrien-fleming")] \
        == [2.963, 1.969]  # fmt: skip
    # A snapshot at the first declared look (10 of 20): p = 0.2 two-sided → z = 1.2816; SE 0.5 of an estimate 0.64.
    row = comparison(0.64, 0.2, 5, 5)
    row = type(row)(**{**{f: getattr(row, f) for f in row.__dataclass_fields__}, "std_error": 0.5})
    rows = monitoring_rows(plan(looks=[], futility_conditional_power=0.2, power=0.9), [row], date(2020, 3, 1))
    current = next(r for r in rows if r.status == "current")
    z, t, c = float(norm.isf(0.1)), 0.5, 1.968595646
    b = z * sqrt(t)
    by_hand = {  # Lan & Wittes (1988): CP(θ) = 1 − Φ((c − B(t) − θ(1 − t)) / √(1 − t)), θ the drift
        "trend": 1 - norm.cdf((c - b - (z / sqrt(t)) * (1 - t)) / sqrt(1 - t)),
        # the design's drift: rpact's sqrt(getDesignCharacteristics(d2)$shift) (tests/monitoring/test_conditional)
        "design": 1 - norm.cdf((c - b - 3.247050475 * (1 - t)) / sqrt(1 - t)),
    }
    assert current.conditional_power_trend == pytest.approx(by_hand["trend"], abs=1e-6)
    assert current.conditional_power_design == pytest.approx(by_hand["design"], abs=1e-6)
    assert current.futility == ("conditional power below the futility rule" if by_hand["trend"] < 0.2 else
                                "above the futility rule")  # fmt: skip
    assert (current.rci_low, current.rci_high) == (pytest.approx(0.64 - 2.963 * 0.5, abs=1e-3),
                                                   pytest.approx(0.64 + 2.963 * 0.5, abs=1e-3))  # fmt: skip


def test_between_looks_there_is_conditional_power_but_no_repeated_interval() -> None:
    rows = monitoring_rows(plan(), [comparison(0.4, 0.01)], date(2020, 6, 1))
    between = next(r for r in rows if r.status == "between looks")
    assert between.conditional_power_trend is not None and between.rci_low is None
