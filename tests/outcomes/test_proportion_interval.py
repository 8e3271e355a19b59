"""Each arm's interval for its proportion of responders: Clopper–Pearson where declared, against R's binom.test."""

from __future__ import annotations

from typing import Any

import pytest

from service.analysis import build_analysis
from service.errors import DataError
from tests.outcomes.test_compare import outcome_trial

# The fixture's responders at week 4: Drug 3 of 4, Placebo 1 of 3. In R 4.x (percent):
#   100 * binom.test(3, 4, conf.level = 0.95)$conf.int   # 19.4120449683243 99.3690536790290
#   100 * binom.test(1, 3, conf.level = 0.95)$conf.int   #  0.840375865961264 90.570067594975384
#   100 * binom.test(3, 4, conf.level = 0.90)$conf.int   # 24.8604625730181 98.7258544901434
CLOPPER_PEARSON = {("Drug", 0.95): (19.4120449683243, 99.3690536790290),
                   ("Placebo", 0.95): (0.840375865961264, 90.570067594975384),
                   ("Drug", 0.90): (24.8604625730181, 98.7258544901434)}  # fmt: skip


def arm_rows(**spec: Any) -> dict[str, Any]:
    results = build_analysis(outcome_trial({"parameter": "RESP", "method": "fisher", "timepoint": "Week 4", **spec}))
    return {r.arm: r for r in results["outcome_estimates"].rows}


@pytest.mark.parametrize("level", [0.95, 0.90])
def test_clopper_pearson_against_r_binom_test(level: float) -> None:
    rows = arm_rows(ci_method="clopper-pearson", ci_level=level)
    for (arm, at), (low, high) in CLOPPER_PEARSON.items():
        if at == level:
            assert (rows[arm].ci_low, rows[arm].ci_high) == (
                pytest.approx(low, rel=1e-9),
                pytest.approx(high, rel=1e-9),
            )
    assert "each arm's proportion with the Clopper–Pearson exact interval" in rows["Drug"].method


def test_wilson_stays_the_default() -> None:
    # Wilson for 3 of 4 at 95%: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964
    z = 1.959963984540054
    p, n = 0.75, 4
    centre, half = (p + z * z / (2 * n)), z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    drug = arm_rows()["Drug"]
    assert (drug.ci_low, drug.ci_high) == (pytest.approx(100 * (centre - half) / (1 + z * z / n)),
                                           pytest.approx(100 * (centre + half) / (1 + z * z / n)))  # fmt: skip
    assert "Wilson score interval" in drug.method


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"parameter": "RESP", "method": "fisher", "ci_method": "exact"}, "ci_method 'exact' is not one of"),
        ({"parameter": "Y", "method": "welch", "ci_method": "clopper-pearson"}, "ci_method is each arm's interval"),
    ],
)
def test_ci_method_refused_where_it_means_nothing(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError, match=message):
        build_analysis(outcome_trial(spec))
