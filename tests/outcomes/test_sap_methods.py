"""The SAP methods, each against an independent route: statsmodels' formula API fitted directly on the same
data, a textbook formula computed by hand here, or a likelihood maximized numerically here — never regsync's own
output."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import optimize, stats

from service.analysis import build_analysis
from service.importing.records import ArmRecord, ImportedTrial, MeasurementRecord, ParticipantRecord, TrialDefinition
from service.results import AnalysisResults
from tests.safety.test_counts import newcombe

THREE_ARMS = (ArmRecord("PBO", "Placebo", is_control=True), ArmRecord("LOW", "Low dose"),
              ArmRecord("HIGH", "High dose"))  # fmt: skip
TWO_ARMS = (ArmRecord("DRG", "Drug"), ArmRecord("PBO", "Placebo", is_control=True))


def trial(
    arms: tuple[ArmRecord, ...],
    arm_of: dict[str, str],
    measurements: list[MeasurementRecord],
    outcomes: list[dict[str, Any]],
    variables: dict[str, dict[str, Any]] | None = None,
    raw: dict[str, Any] | None = None,
) -> ImportedTrial:
    people = tuple(
        ParticipantRecord(s, randomized=True, arm_code=a, itt_population=True, variables=(variables or {}).get(s))
        for s, a in arm_of.items()
    )
    definition_raw = {"outcomes": outcomes, **(raw or {})}
    return ImportedTrial("t", "bundle", "-", TrialDefinition(arms=arms, raw=definition_raw), arms, people, (),
                         tuple(measurements))  # fmt: skip


def analyse(data: ImportedTrial) -> AnalysisResults:
    return build_analysis(data)


# --- Three arms, a site factor and baseline: ANCOVA with pairwise comparisons and a dose-response trend ---------


@pytest.fixture(scope="module")
def three_arm() -> tuple[pd.DataFrame, ImportedTrial]:
    rng = np.random.default_rng(20261201)
    rows = []
    doses = {"PBO": 0.0, "LOW": 10.0, "HIGH": 20.0}
    for arm, n in (("PBO", 14), ("LOW", 12), ("HIGH", 13)):
        for i in range(n):
            site = ["S1", "S2", "S3"][(i + len(rows)) % 3]
            base = float(rng.normal(50, 8))
            effect = {"PBO": 0.0, "LOW": 2.0, "HIGH": 5.0}[arm] + {"S1": 0.0, "S2": 1.5, "S3": -1.0}[site]
            y = 10 + 0.7 * base + effect + float(rng.normal(0, 3))
            rows.append({"subject": f"{arm}-{i}", "arm": arm, "site": site, "base": base, "y": y,
                         "dose": doses[arm]})  # fmt: skip
    frame = pd.DataFrame(rows)
    measurements = []
    for r in rows:
        measurements.append(MeasurementRecord(r["subject"], "SCORE", "Baseline", visit_number=0, value=r["base"],
                                              baseline=True))  # fmt: skip
        measurements.append(MeasurementRecord(r["subject"], "SCORE", "Week 12", visit_number=12, value=r["y"]))
    spec = {"parameter": "SCORE", "method": "ancova", "adjust": ["baseline", "SITEGR1"], "comparisons": "pairwise",
            "dose_response": True, "timepoint": "Week 12"}  # fmt: skip
    raw_arms = [{"code": a, "dose": d} for a, d in doses.items()]
    data = trial(THREE_ARMS, {r["subject"]: r["arm"] for r in rows}, measurements, [spec],
                 {r["subject"]: {"SITEGR1": r["site"]} for r in rows}, {"arms": raw_arms})  # fmt: skip
    return frame, data


def test_three_arm_pairwise_ancova_with_a_factor_and_baseline_matches_statsmodels_fitted_directly(
    three_arm: tuple[pd.DataFrame, ImportedTrial],
) -> None:
    frame, data = three_arm
    results = analyse(data)
    fit = smf.ols("y ~ C(arm, Treatment('PBO')) + C(site) + base", data=frame).fit()
    names = {"LOW": "C(arm, Treatment('PBO'))[T.LOW]", "HIGH": "C(arm, Treatment('PBO'))[T.HIGH]"}
    params, cov = fit.params, fit.cov_params()
    # LS means by hand: intercept, the arm's dummy, each site dummy weighted 1/3 (SAS's equal weights), base at mean.
    columns = list(params.index)

    def ls_vector(arm: str) -> np.ndarray:
        vector = np.zeros(len(columns))
        vector[columns.index("Intercept")] = 1
        if arm != "PBO":
            vector[columns.index(names[arm])] = 1
        for site in ("S2", "S3"):
            vector[columns.index(f"C(site)[T.{site}]")] = 1 / 3
        vector[columns.index("base")] = frame["base"].mean()
        return vector

    labels = {"PBO": "Placebo", "LOW": "Low dose", "HIGH": "High dose"}
    estimates = {r.arm: r for r in results["outcome_estimates"].rows}
    t = stats.t(fit.df_resid)
    for arm, label in labels.items():
        vector = ls_vector(arm)
        mean, se = float(vector @ params), math.sqrt(float(vector @ cov @ vector))
        row = estimates[label]
        assert row.estimate_type == "LS mean"
        assert row.estimate == pytest.approx(mean, rel=1e-9)
        assert row.std_error == pytest.approx(se, rel=1e-9)
        assert row.ci_low == pytest.approx(mean - t.ppf(0.975) * se, rel=1e-9)
        assert row.n == int((frame["arm"] == arm).sum())
    comparisons = {(r.arm, r.control): r for r in results["outcome_comparison"].rows}
    # Against placebo the placebo is the comparator; between the doses, the later arm against the earlier.
    assert set(comparisons) == {("Low dose", "Placebo"), ("High dose", "Placebo"), ("High dose", "Low dose"),
                                ("Total", "")}  # fmt: skip
    for (arm, control), contrast in ((("Low dose", "Placebo"), f"{names['LOW']} = 0"),
                                     (("High dose", "Placebo"), f"{names['HIGH']} = 0"),
                                     (("High dose", "Low dose"), f"{names['HIGH']} - {names['LOW']} = 0")):  # fmt: skip
        test = fit.t_test(contrast)
        row = comparisons[(arm, control)]
        assert row.estimate == pytest.approx(float(test.effect[0]), rel=1e-9)
        assert row.std_error == pytest.approx(float(test.sd[0][0]), rel=1e-9)
        assert row.p_value == pytest.approx(float(test.pvalue), rel=1e-7)
        low, high = test.conf_int(alpha=0.05)[0]
        assert (row.ci_low, row.ci_high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    trend = comparisons[("Total", "")]
    direct = smf.ols("y ~ dose + C(site) + base", data=frame).fit()
    assert trend.estimate_kind == "slope" and trend.context == "dose-response"
    assert trend.estimate == pytest.approx(float(direct.params["dose"]), rel=1e-9)
    assert trend.p_value == pytest.approx(float(direct.pvalues["dose"]), rel=1e-7)


def test_ancova_at_a_96_85_percent_level_widens_only_the_interval(
    three_arm: tuple[pd.DataFrame, ImportedTrial],
) -> None:
    frame, data = three_arm
    raw = dict(data.definition.raw)
    raw["outcomes"] = [{**raw["outcomes"][0], "ci_level": 0.9685, "comparisons": "control", "dose_response": False}]
    from dataclasses import replace

    results = analyse(replace(data, definition=replace(data.definition, raw=raw)))
    fit = smf.ols("y ~ C(arm, Treatment('PBO')) + C(site) + base", data=frame).fit()
    low, high = fit.conf_int(alpha=1 - 0.9685).loc["C(arm, Treatment('PBO'))[T.HIGH]"]
    (row,) = [r for r in results["outcome_comparison"].rows if r.arm == "High dose"]
    assert (row.ci_low, row.ci_high, row.ci_level) == (pytest.approx(low), pytest.approx(high), 0.9685)


# --- Non-inferiority -------------------------------------------------------------------------------------------


def test_a_welch_non_inferiority_p_is_one_sided_against_the_margin() -> None:
    drug, placebo = [5.1, 6.3, 4.8, 7.0, 5.5, 6.1], [6.0, 6.4, 5.9, 7.2, 6.6]
    arm_of = {f"D{i}": "DRG" for i in range(len(drug))} | {f"P{i}": "PBO" for i in range(len(placebo))}
    values = [MeasurementRecord(s, "Y", "Week 4", value=v) for s, v in zip(arm_of, [*drug, *placebo], strict=True)]
    spec = {"parameter": "Y", "method": "welch", "test": "non-inferiority", "margin": 1.5, "ci_level": 0.95}
    (row,) = analyse(trial(TWO_ARMS, arm_of, values, [spec]))["outcome_comparison"].rows
    difference = np.mean(drug) - np.mean(placebo)
    va, vb = np.var(drug, ddof=1) / len(drug), np.var(placebo, ddof=1) / len(placebo)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(drug) - 1) + vb**2 / (len(placebo) - 1))  # Welch–Satterthwaite by hand
    assert row.p_value == pytest.approx(float(stats.t.sf((difference + 1.5) / se, df)), rel=1e-9)
    assert row.sides == 1 and row.test == "non-inferiority" and row.margin == 1.5
    assert row.ci_low == pytest.approx(difference - stats.t.ppf(0.95, df) * se) and row.ci_high is None


# --- Binary: responders, risk difference, odds ratios ------------------------------------------------------------


def _binary_trial(method: str, **extra: Any) -> tuple[ImportedTrial, pd.DataFrame]:
    # Two strata; responders by AVAL >= 50.
    rows = []
    layout = {("DRG", "S1"): (9, 4), ("DRG", "S2"): (6, 6), ("PBO", "S1"): (5, 8), ("PBO", "S2"): (3, 9)}
    for (arm, site), (yes, no) in layout.items():
        for k in range(yes + no):
            rows.append({"subject": f"{arm}{site}{k}", "arm": arm, "site": site, "value": 60.0 if k < yes else 40.0})
    frame = pd.DataFrame(rows).assign(y=lambda f: (f["value"] >= 50).astype(float))
    values = [MeasurementRecord(r["subject"], "SCORE", "Week 8", value=r["value"]) for r in rows]
    spec = {"parameter": "SCORE", "variable": "responder", "responder": "AVAL >= 50", "method": method, **extra}
    data = trial(TWO_ARMS, {r["subject"]: r["arm"] for r in rows}, values, [spec],
                 {r["subject"]: {"SITEGR1": r["site"]} for r in rows})  # fmt: skip
    return data, frame


def test_responders_and_the_newcombe_risk_difference_are_as_by_hand() -> None:
    data, _ = _binary_trial("newcombe")
    results = analyse(data)
    drug = {r.arm: r for r in results["outcome_estimates"].rows}["Drug"]
    assert (drug.n_events, drug.n, drug.estimate_type) == (15, 25, "Responders")
    assert drug.estimate == pytest.approx(60.0)
    (row,) = results["outcome_comparison"].rows
    difference, low, high = newcombe(15, 25, 8, 25)  # tests/safety: Newcombe's method 10 from Wilson intervals
    assert row.estimate == pytest.approx(difference)
    assert (row.ci_low, row.ci_high) == (pytest.approx(low), pytest.approx(high))
    chi2 = stats.chi2_contingency([[15, 10], [8, 17]], correction=False)
    assert row.p_value == pytest.approx(float(chi2.pvalue))


def test_the_miettinen_nurminen_interval_inverts_the_score_test_maximized_by_hand() -> None:
    data, _ = _binary_trial("miettinen-nurminen")
    (row,) = analyse(data)["outcome_comparison"].rows
    x1, n1, x2, n2 = 15, 25, 8, 25

    def score(delta: float) -> float:
        # The restricted MLE of p2 given p1 - p2 = delta, found numerically (not by the closed-form cubic).
        def negative_log_likelihood(p2: float) -> float:
            p1 = p2 + delta
            return -(
                x1 * math.log(p1) + (n1 - x1) * math.log(1 - p1) + x2 * math.log(p2) + (n2 - x2) * math.log(1 - p2)
            )

        lower, upper = max(1e-9, -delta + 1e-9), min(1 - 1e-9, 1 - delta - 1e-9)
        p2 = optimize.minimize_scalar(negative_log_likelihood, bounds=(lower, upper), method="bounded",
                                      options={"xatol": 1e-12}).x  # fmt: skip
        p1 = p2 + delta
        variance = (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) * (n1 + n2) / (n1 + n2 - 1)  # MN's N/(N-1)
        return (x1 / n1 - x2 / n2 - delta) / math.sqrt(variance)

    z = stats.norm.ppf(0.975)
    low = optimize.brentq(lambda d: score(d) - z, -0.9, x1 / n1 - x2 / n2, xtol=1e-12)
    high = optimize.brentq(lambda d: score(d) + z, x1 / n1 - x2 / n2, 0.9, xtol=1e-12)
    assert row.ci_low == pytest.approx(100 * low, abs=1e-4) and row.ci_high == pytest.approx(100 * high, abs=1e-4)
    assert row.p_value == pytest.approx(2 * stats.norm.sf(abs(score(0.0))), rel=1e-5)


def test_the_miettinen_nurminen_interval_of_newcombes_published_example() -> None:
    """Newcombe (1998), Statistics in Medicine 17:873-890, Table II, example (a): 56/70 against 48/80, the
    Miettinen–Nurminen score interval 0.0528 to 0.3382."""
    from service.outcomes import score_interval

    low, high = score_interval.interval(56, 70, 48, 80, 0.95)
    assert (round(low, 4), round(high, 4)) == (0.0528, 0.3382)


def test_logistic_regression_odds_ratio_matches_statsmodels_fitted_directly() -> None:
    data, frame = _binary_trial("logistic", adjust=["SITEGR1"])
    (row,) = analyse(data)["outcome_comparison"].rows
    fit = smf.logit("y ~ C(arm, Treatment('PBO')) + C(site)", data=frame).fit(disp=0)
    name = "C(arm, Treatment('PBO'))[T.DRG]"
    assert row.estimate == pytest.approx(math.exp(fit.params[name]), rel=1e-6)
    low, high = np.exp(fit.conf_int().loc[name])
    assert (row.ci_low, row.ci_high) == (pytest.approx(low, rel=1e-6), pytest.approx(high, rel=1e-6))
    assert row.p_value == pytest.approx(float(fit.pvalues[name]), rel=1e-6)
    assert row.estimate_kind == "odds-ratio"


def test_cmh_common_odds_ratio_and_test_are_as_by_hand() -> None:
    data, _ = _binary_trial("cmh", adjust=["SITEGR1"])
    (row,) = analyse(data)["outcome_comparison"].rows
    # (a, b, c, d) = drug yes/no, placebo yes/no, per stratum; Mantel–Haenszel (1959) by hand.
    strata = [(9, 4, 5, 8), (6, 6, 3, 9)]
    numerator = sum(a * d / (a + b + c + d) for a, b, c, d in strata)
    denominator = sum(b * c / (a + b + c + d) for a, b, c, d in strata)
    assert row.estimate == pytest.approx(numerator / denominator, rel=1e-9)
    expected = sum((a + b) * (a + c) / (a + b + c + d) for a, b, c, d in strata)
    variance = sum((a + b) * (c + d) * (a + c) * (b + d) / ((a + b + c + d) ** 2 * (a + b + c + d - 1))
                   for a, b, c, d in strata)  # fmt: skip
    statistic = (sum(a for a, *_ in strata) - expected) ** 2 / variance
    assert row.p_value == pytest.approx(float(stats.chi2.sf(statistic, 1)), rel=1e-9)


# --- Time to event: Kaplan–Meier, log-rank and Cox, with ties and censoring --------------------------------------

# (time, event) per participant; ties at 4 and 8 across and within arms, censorings among them.
DRUG_TIMES = [(2, 1), (4, 1), (4, 0), (6, 1), (8, 1), (8, 1), (10, 0), (12, 0)]
PBO_TIMES = [(1, 1), (2, 1), (3, 1), (4, 1), (4, 1), (5, 0), (8, 1), (9, 0)]


def _survival_trial(method: str = "logrank") -> ImportedTrial:
    arm_of, values = {}, []
    for arm, times in (("DRG", DRUG_TIMES), ("PBO", PBO_TIMES)):
        for i, (time, event) in enumerate(times):
            subject = f"{arm}{i}"
            arm_of[subject] = arm
            values.append(MeasurementRecord(subject, "TTE", "", value=float(time), censored=not event))
    spec = {"parameter": "TTE", "variable": "time-to-event", "method": method}
    return trial(TWO_ARMS, arm_of, values, [spec])


def _km_median(times: list[tuple[int, int]]) -> float | None:
    """The product-limit estimate by hand; the median is the first time S(t) <= 0.5."""
    survival = 1.0
    for t in sorted({t for t, _ in times}):
        at_risk = sum(1 for u, _ in times if u >= t)
        deaths = sum(1 for u, e in times if u == t and e)
        survival *= 1 - deaths / at_risk
        if survival <= 0.5:
            return float(t)
    return None


def test_kaplan_meier_medians_events_and_censored_are_as_by_hand() -> None:
    estimates = {r.arm: r for r in analyse(_survival_trial())["outcome_estimates"].rows}
    # Drug: S = 7/8 at 2, x 6/7 at 4 (the censoring at 4 is at risk there) = .75, x 4/5 at 6 = .6, x 2/4 at 8 = .3
    assert _km_median(DRUG_TIMES) == 8.0
    assert estimates["Drug"].estimate == 8.0
    assert (estimates["Drug"].n_events, estimates["Drug"].n_censored) == (5, 3)
    assert estimates["Placebo"].estimate == _km_median(PBO_TIMES) == 4.0
    assert estimates["Drug"].estimate_type == "Kaplan–Meier median"


def test_the_log_rank_p_is_as_by_hand() -> None:
    (row,) = analyse(_survival_trial())["outcome_comparison"].rows
    observed_minus_expected, variance = 0.0, 0.0
    everyone = [(t, e, "D") for t, e in DRUG_TIMES] + [(t, e, "P") for t, e in PBO_TIMES]
    for t in sorted({t for t, e, _ in everyone if e}):
        at_risk = [g for u, _, g in everyone if u >= t]
        n, n1 = len(at_risk), at_risk.count("D")
        d = sum(1 for u, e, _ in everyone if u == t and e)
        d1 = sum(1 for u, e, g in everyone if u == t and e and g == "D")
        observed_minus_expected += d1 - d * n1 / n
        variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0
    assert row.p_value == pytest.approx(float(stats.chi2.sf(observed_minus_expected**2 / variance, 1)), rel=1e-9)


def test_the_cox_hazard_ratio_maximizes_efrons_partial_likelihood_written_here() -> None:
    (row,) = analyse(_survival_trial("cox"))["outcome_comparison"].rows
    everyone = [(t, e, 1.0) for t, e in DRUG_TIMES] + [(t, e, 0.0) for t, e in PBO_TIMES]

    def negative_log_partial_likelihood(beta: float) -> float:
        total = 0.0
        for t in sorted({t for t, e, _ in everyone if e}):
            dead = [x for u, e, x in everyone if u == t and e]
            risk = sum(math.exp(beta * x) for u, _, x in everyone if u >= t)
            tied = sum(math.exp(beta * x) for x in dead)
            total += beta * sum(dead)
            for k in range(len(dead)):  # Efron (1977): the tied deaths leave the risk set a fraction at a time
                total -= math.log(risk - k / len(dead) * tied)
        return -total

    beta = optimize.minimize_scalar(negative_log_partial_likelihood, bounds=(-5, 5), method="bounded",
                                    options={"xatol": 1e-10}).x  # fmt: skip
    step = 1e-4
    information = (negative_log_partial_likelihood(beta + step) - 2 * negative_log_partial_likelihood(beta)
                   + negative_log_partial_likelihood(beta - step)) / step**2  # fmt: skip
    se = 1 / math.sqrt(information)
    assert row.estimate == pytest.approx(math.exp(beta), rel=1e-5)
    assert row.ci_low == pytest.approx(math.exp(beta - stats.norm.ppf(0.975) * se), rel=1e-4)
    assert row.p_value == pytest.approx(2 * stats.norm.sf(abs(beta / se)), rel=1e-4)
    assert row.estimate_kind == "hazard-ratio"


# --- Counts and a mixed model ----------------------------------------------------------------------------------


def test_a_poisson_rate_ratio_is_the_ratio_of_means_with_the_textbook_se() -> None:
    drug, placebo = [0, 1, 2, 0, 3, 1, 0], [2, 3, 1, 4, 2, 5]
    arm_of = {f"D{i}": "DRG" for i in range(len(drug))} | {f"P{i}": "PBO" for i in range(len(placebo))}
    values = [MeasurementRecord(s, "HYPO", "Month 1", value=float(v))
              for s, v in zip(arm_of, [*drug, *placebo], strict=True)]  # fmt: skip
    results = analyse(trial(TWO_ARMS, arm_of, values, [{"parameter": "HYPO", "method": "poisson"}]))
    (row,) = results["outcome_comparison"].rows
    ratio = (sum(drug) / len(drug)) / (sum(placebo) / len(placebo))
    se = math.sqrt(1 / sum(drug) + 1 / sum(placebo))  # the Wald SE of log(rate ratio) of two Poisson totals
    assert row.estimate == pytest.approx(ratio, rel=1e-6)
    assert row.ci_high == pytest.approx(ratio * math.exp(stats.norm.ppf(0.975) * se), rel=1e-5)
    # The GLM is fitted iteratively (IRLS, deviance tolerance 1e-8): its SE agrees to about 1e-5.
    assert row.p_value == pytest.approx(2 * stats.norm.sf(abs(math.log(ratio)) / se), rel=1e-4)
    counts = {r.arm: r.n_events for r in results["outcome_estimates"].rows}
    assert counts == {"Drug": sum(drug), "Placebo": sum(placebo)}


def test_a_count_outcome_refuses_a_fractional_count() -> None:
    from service.errors import DataError

    values = [MeasurementRecord("D0", "HYPO", "Month 1", value=1.5), MeasurementRecord("P0", "HYPO", "Month 1",
                                                                                       value=1.0)]  # fmt: skip
    with pytest.raises(DataError, match="is a count"):
        analyse(trial(TWO_ARMS, {"D0": "DRG", "P0": "PBO"}, values, [{"parameter": "HYPO", "method": "poisson"}]))


def test_a_compound_symmetry_mmrm_with_wald_tests_matches_the_random_intercept_mixedlm_fitted_directly() -> None:
    # Compound symmetry with a positive correlation is a random intercept per participant: what regsync fitted
    # with statsmodels' MixedLM before the mixed model was written out (service.outcomes.mmrm).
    rng = np.random.default_rng(7)
    rows, values, arm_of = [], [], {}
    for arm in ("DRG", "PBO"):
        for i in range(15):
            subject = f"{arm}{i}"
            arm_of[subject] = arm
            base, person = float(rng.normal(20, 3)), float(rng.normal(0, 2))
            values.append(MeasurementRecord(subject, "Y", "Baseline", visit_number=0, value=base, baseline=True))
            for visit, week in (("Week 4", 4), ("Week 8", 8)):
                if arm == "PBO" and i == 3 and week == 8:
                    continue  # a missing visit: the mixed model keeps the participant's other visit
                y = 5 + 0.8 * base + person + (2.0 if arm == "DRG" else 0.0) * week / 8 + float(rng.normal(0, 1))
                values.append(MeasurementRecord(subject, "Y", visit, visit_number=week, value=y))
                rows.append({"subject": subject, "arm": arm, "visit": visit, "base": base, "y": y})
    spec = {"parameter": "Y", "method": "mmrm", "timepoints": ["Week 4", "Week 8"], "covariance": "compound-symmetry",
            "df": "wald"}  # fmt: skip
    results = analyse(trial(TWO_ARMS, arm_of, values, [spec]))
    frame = pd.DataFrame(rows)
    fit = smf.mixedlm("y ~ C(arm, Treatment('PBO')) * C(visit) + base * C(visit)", data=frame,
                      groups=frame["subject"]).fit(reml=True)  # fmt: skip
    arm = "C(arm, Treatment('PBO'))[T.DRG]"
    expected = {"Week 4": fit.fe_params[arm],
                "Week 8": fit.fe_params[arm] + fit.fe_params[f"{arm}:C(visit)[T.Week 8]"]}  # fmt: skip
    comparisons = {r.visit: r for r in results["outcome_comparison"].rows}
    # MixedLM stops its optimiser at its own tolerance: the two agree to about 1e-5.
    for visit, difference in expected.items():
        assert comparisons[visit].estimate == pytest.approx(float(difference), rel=1e-5)
    se = math.sqrt(float(fit.cov_params().loc[arm, arm]))
    assert comparisons["Week 4"].std_error == pytest.approx(se, rel=1e-4)
    assert comparisons["Week 8"].key_timepoint and not comparisons["Week 4"].key_timepoint
    assert "compound symmetry" in comparisons["Week 8"].method and "Wald z" in comparisons["Week 8"].method


def test_a_log_scale_welch_gives_geometric_means_and_their_ratio_as_by_hand() -> None:
    drug, placebo = [12.0, 30.0, 18.0, 55.0, 22.0, 9.0], [40.0, 65.0, 33.0, 90.0, 51.0]
    arm_of = {f"D{i}": "DRG" for i in range(len(drug))} | {f"P{i}": "PBO" for i in range(len(placebo))}
    values = [MeasurementRecord(s, "CRP", "Week 4", value=v) for s, v in zip(arm_of, [*drug, *placebo], strict=True)]
    results = analyse(trial(TWO_ARMS, arm_of, values, [{"parameter": "CRP", "method": "welch", "scale": "log"}]))
    logs_d, logs_p = np.log(drug), np.log(placebo)
    estimates = {r.arm: r for r in results["outcome_estimates"].rows}
    assert estimates["Drug"].estimate_type == "Geometric mean"
    assert estimates["Drug"].estimate == pytest.approx(float(stats.gmean(drug)))
    (row,) = results["outcome_comparison"].rows
    test = stats.ttest_ind(logs_d, logs_p, equal_var=False)
    interval = test.confidence_interval(0.95)
    assert row.estimate == pytest.approx(math.exp(logs_d.mean() - logs_p.mean()))
    assert (row.ci_low, row.ci_high) == (pytest.approx(math.exp(interval.low)), pytest.approx(math.exp(interval.high)))
    assert row.p_value == pytest.approx(float(test.pvalue)) and row.estimate_kind == "geometric-mean-ratio"


# --- Record selection -------------------------------------------------------------------------------------------


def test_derived_records_are_used_only_when_the_record_flag_selects_them() -> None:
    arm_of = {"D0": "DRG", "D1": "DRG", "D2": "DRG", "P0": "PBO", "P1": "PBO", "P2": "PBO"}
    observed = {"D0": 5.0, "D1": 6.0, "P0": 3.0, "P1": 2.0, "P2": 4.0}
    values = [MeasurementRecord(s, "Y", "Week 4", value=v, dataset="ADEFF", flags="ANL01FL")
              for s, v in observed.items()]  # fmt: skip
    values.append(MeasurementRecord("D2", "Y", "Week 4", value=9.0, dataset="ADEFF", dtype="LOCF", flags="ANL01FL"))
    plain = analyse(trial(TWO_ARMS, arm_of, values, [{"parameter": "Y"}]))
    (row,) = plain["outcome_comparison"].rows
    assert row.n_arm == 2
    assert any("DTYPE: 1 LOCF" in note for note in plain["outcome_comparison"].footnotes)
    chosen = analyse(trial(TWO_ARMS, arm_of, values, [{"parameter": "Y", "records": "ANL01FL"}]))
    (row,) = chosen["outcome_comparison"].rows
    assert row.n_arm == 3 and row.estimate == pytest.approx(np.mean([5, 6, 9]) - np.mean([3, 2, 4]))


def test_measurements_after_death_or_withdrawal_are_flagged_and_excluded_by_the_definitions_rule() -> None:
    from datetime import date

    arm_of = {"D0": "DRG", "D1": "DRG", "D2": "DRG", "P0": "PBO", "P1": "PBO", "P2": "PBO"}
    value = {"D0": 5.0, "D1": 6.0, "D2": 30.0, "P0": 3.0, "P1": 2.0, "P2": 4.0}
    values = [MeasurementRecord(s, "Y", "Week 4", value=v, measured_on=date(2020, 2, 1)) for s, v in value.items()]
    dead = {"D2": date(2020, 1, 20)}  # died before the week 4 measurement that the data still carry

    def with_rule(rule: str | None) -> AnalysisResults:
        raw = {"efficacy": {"after_death_or_withdrawal": rule}} if rule else {}
        data = trial(TWO_ARMS, arm_of, values, [{"parameter": "Y"}], raw=raw)
        people = tuple(p._replace(death_date=dead.get(p.subject_id)) for p in data.participants)
        from dataclasses import replace

        return analyse(replace(data, participants=people))

    excluded = with_rule(None)
    (row,) = excluded["outcome_comparison"].rows
    assert row.n_arm == 2 and row.estimate == pytest.approx(np.mean([5, 6]) - np.mean([3, 2, 4]))
    assert any("after the participant's death or withdrawal (D2) are excluded" in n
               for n in excluded["outcome_comparison"].footnotes)  # fmt: skip
    included = with_rule("include")
    (row,) = included["outcome_comparison"].rows
    assert row.n_arm == 3 and any("(D2) are included" in n for n in included["outcome_comparison"].footnotes)
