"""The mixed model for repeated measures against R: nlme::gls for the fit, emmeans for the LS means, pbkrtest for
the Kenward–Roger adjustment and degrees of freedom, and the observed information by numDeriv for Satterthwaite's.

The data are made here (`_data`, deterministic) and were written to CSV for R. The R code that made every number
below (R 4.2, nlme 3.1, emmeans, pbkrtest 0.5, numDeriv), for structure `s` in us, cs, csh, ar1, arh1, toep:

    d <- read.csv("data.csv"); d <- d[order(d$id, d$visitn), ]
    d$arm <- factor(d$arm, levels = c("PBO", "DRG")); d$visit <- factor(d$visit); d$sex <- factor(d$sex)
    f <- y ~ arm * visit + base * visit + sex
    fit <- gls(f, d, method = "REML", correlation = ..., weights = ...)
    #   us:   corSymm(form = ~ visitn | id) and varIdent(form = ~ 1 | visit)
    #   cs:   corCompSymm(form = ~ visitn | id)      csh:  the same and varIdent(form = ~ 1 | visit)
    #   ar1:  corAR1(form = ~ visitn | id)           arh1: the same and varIdent(form = ~ 1 | visit)
    #   toep: corARMA(form = ~ visitn | id, p = 3)   (an AR(3) correlation is any Toeplitz one of 4 visits)
    S <- as.matrix(getVarCov(fit, individual = <a participant with every visit>))
    # G: the derivatives of S in a parameterisation of the structure (the first-order Kenward–Roger adjustment
    # does not depend on which): us, cs, toep in their linear parameters; csh, ar1, arh1 in (sd, rho).
    V <- bdiag(<S[v, v] per participant>); GG <- <the same for each G>; X <- model.matrix(f, d); Phi <- vcov(fit)
    PhiA <- pbkrtest:::vcovAdj_internal(Phi, list(Sigma = V, G = GG, n.ggamma = length(GG)), X)
    L <- emmeans(fit, ~ arm | visit, mode = "df.error")@linfct   # LS mean vectors; a difference is L_DRG - L_PBO
    df_kr <- pbkrtest:::Lb_ddf(l, Phi, PhiA); se_kr <- sqrt(l %*% PhiA %*% t(l))
    # Satterthwaite: W = solve(-numDeriv::hessian(reml, par)) with reml() the REML log-likelihood of S(par)
    # written out; g = numDeriv::grad(function(par) l %*% phi_of(par) %*% t(l), par); df = 2 (l Phi l')^2 / g'Wg
    p <- 2 * pt(-abs(estimate / se), df)

Each tuple: LS means (estimate, SE, Satterthwaite df, Kenward–Roger SE, Kenward–Roger df); differences DRG − PBO
(estimate, SE, Satterthwaite df, its p, Kenward–Roger SE, Kenward–Roger df, its p).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from service.errors import DataError
from service.importing.records import ArmRecord, MeasurementRecord
from service.outcomes.data import collect_outcome
from service.outcomes.definition import parse_outcomes
from service.outcomes.mmrm import degrees, model
from service.outcomes.mmrm.fit import NotConverged
from tests.outcomes.test_sap_methods import analyse, trial

ARMS = (ArmRecord("DRG", "Drug"), ArmRecord("PBO", "Placebo", is_control=True))
VISITS = 4


def _data() -> tuple[list[MeasurementRecord], dict[str, str], dict[str, dict[str, Any]]]:
    """80 participants, 4 visits, an unstructured truth; dropout and an intermittent missed visit."""
    rng = np.random.default_rng(20261207)
    truth = np.array([[16, 9, 7, 5], [9, 20, 11, 8], [7, 11, 25, 14], [5, 8, 14, 30]], float)
    chol = np.linalg.cholesky(truth)
    records, arm_of, variables = [], {}, {}
    for arm in ("PBO", "DRG"):
        for i in range(40):
            subject = f"{arm}{i:02d}"
            base = round(float(rng.normal(50, 6)), 2)
            sex = "F" if rng.random() < 0.5 else "M"
            errors = chol @ rng.normal(size=VISITS)
            last = VISITS if rng.random() < 0.7 else int(rng.integers(1, VISITS))
            arm_of[subject], variables[subject] = arm, {"SEX": sex}
            records.append(MeasurementRecord(subject, "Y", "Baseline", visit_number=0, value=base, baseline=True))
            for v in range(VISITS):
                if v >= last:
                    break
                if v == 1 and rng.random() < 0.1:
                    continue
                mean = 2 + 0.5 * base + (1.5 if sex == "M" else 0) + v * (0.8 if arm == "DRG" else 0.2)
                records.append(MeasurementRecord(subject, "Y", f"V{v + 1}", visit_number=v + 1,
                                                 value=round(mean + float(errors[v]), 3)))  # fmt: skip
    return records, arm_of, variables


R: dict[str, Any] = {
    "unstructured": (
        -812.994017862,
        {
            ("PBO", "V1"): (27.63467802, 0.6213411291, 76.61224838, 0.6214283326, 76.22501637),
            ("DRG", "V1"): (28.91496744, 0.621889053, 76.64469188, 0.6219959635, 76.25770508),
            ("PBO", "V2"): (27.32206451, 0.6916255782, 69.06887708, 0.6926854022, 71.77097739),
            ("DRG", "V2"): (29.69129827, 0.7078798553, 71.37893721, 0.7100432951, 73.98617834),
            ("PBO", "V3"): (26.84840689, 0.8318540638, 69.83899293, 0.8341073672, 69.08899806),
            ("DRG", "V3"): (29.65895913, 0.8220019608, 69.60931299, 0.8234915788, 68.84512922),
            ("PBO", "V4"): (26.96672985, 0.9350043185, 64.23284493, 0.9393144561, 66.8763808),
            ("DRG", "V4"): (30.33365831, 0.9226896781, 63.69672451, 0.9260149497, 66.40734837),
        },
        {
            "V1": (1.280289415, 0.8778193563, 76.46856624, 0.1488012487, 0.8778200729, 76.08026103, 0.1488224165),
            "V2": (2.369233755, 0.9925715046, 70.21596171, 0.01968501802, 0.9949731502, 72.84477141, 0.01987135851),
            "V3": (2.810552241, 1.170669065, 69.72686647, 0.01903052169, 1.173282027, 68.97589779, 0.01931831773),
            "V4": (3.366928465, 1.316700146, 64.12027567, 0.01293166063, 1.32225295, 66.81102129, 0.01319700576),
        },
    ),
    "compound-symmetry": (
        -826.218589739,
        {
            ("PBO", "V1"): (27.6280438, 0.7284745721, 200.2062779, 0.7284753606, 199.655503),
            ("DRG", "V1"): (28.90761845, 0.7290545273, 200.0983007, 0.7290554941, 199.5470522),
            ("PBO", "V2"): (27.30409183, 0.7556214638, 209.9821747, 0.7558600349, 209.4778667),
            ("DRG", "V2"): (29.63069343, 0.7770441125, 217.6565119, 0.7774422655, 217.1935041),
            ("PBO", "V3"): (26.84667465, 0.7712812708, 215.7917433, 0.7716557911, 215.3183098),
            ("DRG", "V3"): (29.63920161, 0.7630920848, 211.1683564, 0.7634205488, 210.6701532),
            ("PBO", "V4"): (27.15288841, 0.7902463466, 223.7735174, 0.7907242352, 223.3464735),
            ("DRG", "V4"): (30.21940018, 0.7805348522, 218.6972231, 0.7809672279, 218.2401458),
        },
        {
            "V1": (1.279574642, 1.029565016, 200.6832263, 0.2153805079, 1.029565022, 200.1345588, 0.215384481),
            "V2": (2.326601598, 1.088027593, 215.7965064, 0.03361096344, 1.088516852, 215.3230995, 0.03369243247),
            "V3": (2.79252696, 1.085806638, 214.3608124, 0.01079197224, 1.086322806, 213.8795489, 0.01083049861),
            "V4": (3.066511762, 1.113234071, 222.478651, 0.006362779241, 1.113912886, 222.0437676, 0.006395367967),
        },
    ),
    "heterogeneous-compound-symmetry": (
        -821.363107333,
        {
            ("PBO", "V1"): (27.6354205, 0.6271868892, 76.89239807, 0.627236859, 78.04569949),
            ("DRG", "V1"): (28.91578991, 0.6277301983, 76.92669859, 0.6277914621, 78.08149303),
            ("PBO", "V2"): (27.33294085, 0.6837406044, 72.09896617, 0.684117894, 71.8054583),
            ("DRG", "V2"): (29.62718306, 0.7030873136, 73.44160119, 0.7037615053, 73.12707752),
            ("PBO", "V3"): (26.83925539, 0.8218724989, 72.94077124, 0.8224887558, 71.3636091),
            ("DRG", "V3"): (29.63425581, 0.8128949789, 72.75961506, 0.8134551144, 71.16115228),
            ("PBO", "V4"): (27.11258051, 0.9230897853, 67.9018364, 0.9240031768, 68.31550248),
            ("DRG", "V4"): (30.2174589, 0.9114449741, 67.63382036, 0.9122816501, 68.04491041),
        },
        {
            "V1": (1.280369409, 0.886139091, 76.74058894, 0.152561105, 0.8861395016, 77.88728996, 0.1525015326),
            "V2": (2.29424221, 0.9842057816, 72.56559352, 0.0225317871, 0.9848995172, 72.25215603, 0.02263596061),
            "V3": (2.795000426, 1.156904638, 72.85017888, 0.01820277584, 1.157723599, 71.26673796, 0.01833910794),
            "V4": (3.104878392, 1.299995827, 67.91884077, 0.01970875102, 1.301276952, 68.33190585, 0.01980783504),
        },
    ),
    "ar1": (
        -821.001271446,
        {
            ("PBO", "V1"): (27.62294656, 0.7320853548, 196.7034973, 0.7320869897, 198.3660163),
            ("DRG", "V1"): (28.90197202, 0.7326569298, 196.6190965, 0.7326589343, 198.2826633),
            ("PBO", "V2"): (27.33214879, 0.7553677817, 208.0702871, 0.755550143, 209.578101),
            ("DRG", "V2"): (29.73635592, 0.773241106, 217.0866852, 0.7735462764, 218.4527428),
            ("PBO", "V3"): (26.82788334, 0.7753920452, 209.2137621, 0.7757125664, 210.7045294),
            ("DRG", "V3"): (29.68896074, 0.7687822587, 204.008043, 0.7690360512, 205.5742231),
            ("PBO", "V4"): (27.09142252, 0.800479667, 209.7739162, 0.8008799208, 211.2562331),
            ("DRG", "V4"): (30.2969423, 0.7889066244, 206.3680865, 0.7892130014, 207.9007728),
        },
        {
            "V1": (1.279025463, 1.034738378, 197.0762641, 0.2178978925, 1.034738392, 198.7341345, 0.2178856418),
            "V2": (2.404207138, 1.084479414, 214.692637, 0.02767733906, 1.084853535, 216.097973, 0.02772357617),
            "V3": (2.861077408, 1.093103841, 207.1347113, 0.009514191636, 1.093520383, 208.6562702, 0.009536266545),
            "V4": (3.205519777, 1.126989095, 208.733945, 0.0048934704, 1.127510128, 210.2318978, 0.004909693293),
        },
    ),
    "heterogeneous-ar1": (
        -816.456831869,
        {
            ("PBO", "V1"): (27.62908199, 0.6141308007, 82.30755944, 0.6141797688, 80.96896451),
            ("DRG", "V1"): (28.90876849, 0.6146642618, 82.34388438, 0.6147242973, 81.00482881),
            ("PBO", "V2"): (27.34173556, 0.7080884217, 69.03330734, 0.7085254093, 74.59321151),
            ("DRG", "V2"): (29.73744237, 0.7245710211, 70.94590272, 0.7253414741, 76.48019679),
            ("PBO", "V3"): (26.81826711, 0.8448910297, 71.2510656, 0.8454764725, 73.48014626),
            ("DRG", "V3"): (29.69168357, 0.8374639215, 70.70759598, 0.8379379903, 72.95936809),
            ("PBO", "V4"): (27.06639113, 0.9162993574, 70.19785188, 0.916928226, 69.51998097),
            ("DRG", "V4"): (30.30665875, 0.9028593077, 70.03770073, 0.90338914, 69.36651756),
        },
        {
            "V1": (1.279686496, 0.8676832984, 82.14683332, 0.1440803373, 0.8676837007, 80.81032281, 0.1441435708),
            "V2": (2.395706811, 1.016287106, 69.9381546, 0.02121122172, 1.017129563, 75.44808314, 0.02110513978),
            "V3": (2.873416455, 1.191030679, 70.96465015, 0.01842825398, 1.191757047, 73.20069906, 0.01841582595),
            "V4": (3.240267624, 1.289824615, 70.21820518, 0.01429957215, 1.290676776, 69.54214181, 0.01438438238),
        },
    ),
    "toeplitz": (
        -819.932874801,
        {
            ("PBO", "V1"): (27.62320533, 0.73436452, 185.1700575, 0.7343735701, 189.483135),
            ("DRG", "V1"): (28.90225867, 0.7349504633, 185.0842447, 0.7349615597, 189.3939316),
            ("PBO", "V2"): (27.30125391, 0.7576927351, 196.6940458, 0.7580560472, 200.8092816),
            ("DRG", "V2"): (29.70314938, 0.7757654983, 205.8093339, 0.7765052468, 209.6463334),
            ("PBO", "V3"): (26.82924495, 0.776105428, 199.874559, 0.7768988836, 203.6559655),
            ("DRG", "V3"): (29.66127551, 0.7693002149, 194.9630875, 0.7698789062, 198.7512207),
            ("PBO", "V4"): (27.06685696, 0.8005016783, 201.4540247, 0.8031464939, 205.2228835),
            ("DRG", "V4"): (30.29861244, 0.7900694169, 196.7093839, 0.7921726788, 201.0173063),
        },
        {
            "V1": (1.279053342, 1.037881275, 185.5488707, 0.2193703375, 1.03788135, 189.8768438, 0.219334879),
            "V2": (2.401895463, 1.087848035, 203.3873709, 0.02836646648, 1.088702306, 207.355336, 0.02846786497),
            "V3": (2.832030563, 1.093704546, 198.099982, 0.01032812549, 1.094685433, 201.8532469, 0.01038208866),
            "V4": (3.231755481, 1.127714043, 199.7768437, 0.004605452304, 1.131196844, 203.8787085, 0.004720843852),
        },
    ),
}


def _spec(covariance: str, df: str, **more: Any) -> dict[str, Any]:
    return {"parameter": "Y", "method": "mmrm", "adjust": ["baseline", "SEX"], "covariance": covariance, "df": df,
            "timepoints": [f"V{v + 1}" for v in range(VISITS)], **more}  # fmt: skip


def _outcome(spec: dict[str, Any]) -> Any:
    records, arm_of, variables = _data()
    data = trial(ARMS, arm_of, records, [spec], variables)
    return collect_outcome(data, parse_outcomes(data.definition.raw)[0])


@pytest.mark.parametrize("covariance", list(R))
@pytest.mark.parametrize("df", ["kenward-roger", "satterthwaite"])
def test_mmrm_ls_means_and_differences_agree_with_r(covariance: str, df: str) -> None:
    records, arm_of, variables = _data()
    results = analyse(trial(ARMS, arm_of, records, [_spec(covariance, df)], variables))
    _, means, differences = R[covariance]
    kr = df == "kenward-roger"
    for row in results["outcome_estimates"].rows:
        expected = means[({"Drug": "DRG", "Placebo": "PBO"}[row.arm], row.visit)]
        assert row.estimate == pytest.approx(expected[0], rel=1e-6)
        assert row.std_error == pytest.approx(expected[3] if kr else expected[1], rel=1e-4)
    for row in results["outcome_comparison"].rows:
        estimate, se, _, p, se_kr, _, p_kr = differences[row.visit]
        assert row.estimate == pytest.approx(estimate, rel=1e-6)
        assert row.std_error == pytest.approx(se_kr if kr else se, rel=1e-4)
        assert row.p_value == pytest.approx(p_kr if kr else p, rel=1e-4)


@pytest.mark.parametrize("covariance", list(R))
def test_mmrm_likelihood_and_degrees_of_freedom_agree_with_r(covariance: str) -> None:
    outcome = _outcome(_spec(covariance, "kenward-roger"))
    data, factors, numerics, _ = model.long_frame(outcome)
    design = model.design(outcome, data, factors, numerics)
    fit, used, failed = model.fit_with_fallback(outcome, data, design)
    assert fit is not None and used == covariance and not failed
    log_likelihood, means, differences = R[covariance]
    assert -fit.minus_two_ll / 2 == pytest.approx(log_likelihood, rel=1e-8)
    satterthwaite, kenward_roger = degrees.inferential(fit, "satterthwaite"), degrees.inferential(fit, "kenward-roger")
    for visit in (f"V{v + 1}" for v in range(VISITS)):
        drug, placebo = design.vectors[("Drug", visit)], design.vectors[("Placebo", visit)]
        assert satterthwaite.df(drug - placebo) == pytest.approx(differences[visit][2], rel=1e-4)
        assert kenward_roger.df(drug - placebo) == pytest.approx(differences[visit][5], rel=1e-4)
        assert satterthwaite.df(drug) == pytest.approx(means[("DRG", visit)][2], rel=1e-4)
        assert kenward_roger.df(drug) == pytest.approx(means[("DRG", visit)][4], rel=1e-4)
    assert degrees.inferential(fit, "residual").df(drug) == len(data) - design.x.shape[1]  # emmeans' df.error: 268


def test_a_fit_that_does_not_converge_falls_back_and_the_footnote_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    real = model.fit

    def failing(data: Any, structure: str, reml: bool, empirical: Any) -> Any:
        if structure == "unstructured":
            raise NotConverged("iteration limit")
        return real(data, structure, reml, empirical)

    monkeypatch.setattr(model, "fit", failing)
    records, arm_of, variables = _data()
    spec = _spec("unstructured", "kenward-roger", fallback=["toeplitz", "ar1"])
    (row, *_) = analyse(trial(ARMS, arm_of, records, [spec], variables))["outcome_comparison"].rows
    assert row.estimate == pytest.approx(R["toeplitz"][2][row.visit][0], rel=1e-6)
    assert "covariance over the visits: Toeplitz (fallback: unstructured did not converge)" in row.method


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"covariance": "banded"}, "covariance 'banded' is not one of unstructured, compound-symmetry"),
        ({"df": "containment"}, "df 'containment' is not one of kenward-roger, satterthwaite, residual, wald"),
        ({"estimation": "bayes"}, "estimation 'bayes' is not one of reml, ml"),
        ({"fallback": ["ar2"]}, "fallback 'ar2' is not one of unstructured"),
        ({"by_visit": ["AGE"]}, "by_visit names AGE, which adjust does not"),
        ({"method": "ancova", "df": "wald"}, 'df is a setting of the mixed model: needs method = "mmrm"'),
    ],
)
def test_the_mixed_model_keys_are_checked(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError, match=message) as raised:
        parse_outcomes({"outcomes": [{"parameter": "Y", "method": "mmrm", **entry}]})
    assert (
        raised.value.file == "trial.toml" and raised.value.column == f"outcomes.{next(iter(entry.keys() - {'method'}))}"
    )
