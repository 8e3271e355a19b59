"""The Cochran–Mantel–Haenszel row-mean-scores statistic, checked against an independent computation: Landis,
Heyman & Koch (1978) in their own matrix form (Kronecker products over each stratum's whole table), itself checked
against published numbers (R's mantelhaen.test on the Koch & Edwards arthritis data; Stokes, Davis & Koch's PROC FREQ
output of the same data), and against the Kruskal–Wallis statistic it equals for one stratum with rank scores."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from service.labs.shift import cmh_row_mean_scores

# Koch & Edwards (1988) rheumatoid arthritis trial (R vcd::Arthritis): Treatment × Improved (None, Some, Marked) by Sex.
ARTHRITIS = np.array(
    [
        [[6, 5, 16], [19, 7, 6]],  # Female: Treated, Placebo
        [[7, 2, 5], [10, 0, 1]],  # Male
    ]
)


def lhk_statistics(tables: np.ndarray, scores: np.ndarray) -> dict[str, tuple[float, int]]:
    """Landis, Heyman & Koch (1978), equations as written there: for stratum h, the table as one vector n_h (rows ×
    columns, row by row), m_h = n_h (p_h* ⊗ p_*h) its expectation, V_h = n_h² / (n_h − 1) ((D_p − p pᵀ) ⊗ (D_q − q qᵀ))
    its covariance; Q = Gᵀ (Σ A V_h Aᵀ)⁻¹ G with G = Σ A (n_h − m_h). A = [I, 0] ⊗ aᵀ gives the row mean scores
    statistic (df rows − 1); A = [I, 0] ⊗ [I, 0] the general association statistic (df (rows − 1)(columns − 1))."""
    s, c = tables.shape[1:]
    drop_row = np.hstack([np.eye(s - 1), np.zeros((s - 1, 1))])
    drop_column = np.hstack([np.eye(c - 1), np.zeros((c - 1, 1))])
    matrices = {"row_means": np.kron(drop_row, scores[None, :]), "general": np.kron(drop_row, drop_column)}
    found = {}
    for name, a in matrices.items():
        g = np.zeros(a.shape[0])
        v = np.zeros((a.shape[0], a.shape[0]))
        for table in tables.astype(float):
            n = table.sum()
            if n < 2:
                continue
            p, q = table.sum(axis=1) / n, table.sum(axis=0) / n
            m = n * np.kron(p, q)
            cov = n**2 / (n - 1) * np.kron(np.diag(p) - np.outer(p, p), np.diag(q) - np.outer(q, q))
            g += a @ (table.ravel() - m)
            v += a @ cov @ a.T
        found[name] = (float(g @ np.linalg.solve(v, g)), a.shape[0])
    return found


def test_the_independent_computation_gives_the_published_arthritis_statistics() -> None:
    found = lhk_statistics(ARTHRITIS, np.array([1.0, 2.0, 3.0]))
    # Computed with R 4.2.2 outside the project (2026-12-08):
    #   x <- array(c(6,19,5,7,16,6, 7,10,2,0,5,1), dim = c(2,3,2))   # [treatment, improved, sex], as ARTHRITIS
    #   mantelhaen.test(x)$statistic                                # 14.63226531, df 2 (general association)
    #   row mean scores with scores 1, 2, 3, by Landis et al.'s formula summed over the two strata in R:
    #   num <- 0; v <- 0; for (h in 1:2) { t <- x[,,h]; n <- sum(t); rs <- rowSums(t); cs <- colSums(t); s <- 1:3
    #     num <- num + sum(t[1,]*s) - rs[1]*sum(cs*s)/n
    #     v <- v + rs[1]*rs[2]*(sum(cs*s^2) - sum(cs*s)^2/n)/n/(n-1) }; num^2/v   # 14.63194014, df 1
    # (Stokes, Davis & Koch print the same row mean scores statistic, 14.6319, for PROC FREQ on these data.)
    assert found["general"][0] == pytest.approx(14.632, abs=5e-4)
    assert found["general"][1] == 2
    assert found["row_means"][0] == pytest.approx(14.6319, abs=5e-5)
    assert found["row_means"][1] == 1


def test_two_arms_give_the_published_row_mean_scores_statistic() -> None:
    statistic, df, p = cmh_row_mean_scores(ARTHRITIS, (1, 2, 3)) or (0.0, 0, 1.0)
    assert statistic == pytest.approx(14.6319, abs=5e-5)
    assert df == 1
    assert p == pytest.approx(stats.chi2.sf(14.6319, 1), rel=1e-4)  # PROC FREQ prints Prob 0.0001


@pytest.mark.parametrize("arms", [3, 5])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_many_arms_match_the_independent_computation(arms: int, seed: int) -> None:
    """Baseline categories LOW, NORMAL, HIGH, MISSING as strata, arms as rows, worst category as columns."""
    rng = np.random.default_rng(seed)
    tables = rng.integers(0, 12, size=(4, arms, 3))
    expected, df = lhk_statistics(tables, np.array([1.0, 2.0, 3.0]))["row_means"]
    statistic, found_df, p = cmh_row_mean_scores(tables, (1, 2, 3)) or (0.0, 0, 1.0)
    assert statistic == pytest.approx(expected, rel=1e-10)
    assert found_df == df == arms - 1
    assert p == pytest.approx(stats.chi2.sf(expected, arms - 1), rel=1e-10)


def test_one_stratum_with_rank_scores_is_the_kruskal_wallis_statistic() -> None:
    """With midranks as the column scores, the row mean scores statistic of one stratum is Kruskal–Wallis's H,
    corrected for ties (Stokes, Davis & Koch, ch. 7): an independent published statistic for df = arms − 1."""
    table = np.array([[3, 5, 2], [1, 4, 6], [6, 2, 1]])  # three arms; columns LOW, NORMAL, HIGH
    columns = table.sum(axis=0)
    midranks = np.cumsum(columns) - (columns - 1) / 2  # LOW 1..10 → 5.5; NORMAL 11..21 → 16; HIGH 22..30 → 26
    assert list(midranks) == [5.5, 16.0, 26.0]
    samples = [np.repeat([1, 2, 3], row) for row in table]
    h, p_kw = stats.kruskal(*samples)
    statistic, df, p = cmh_row_mean_scores(table[None, :, :], midranks) or (0.0, 0, 1.0)
    assert statistic == pytest.approx(h, rel=1e-12)
    assert df == 2
    assert p == pytest.approx(p_kw, rel=1e-12)


def test_strata_of_one_and_empty_arms_are_left_out() -> None:
    tables = np.array([[[2, 1, 0], [0, 1, 2], [0, 0, 0]], [[1, 0, 0], [0, 0, 0], [0, 0, 0]]])
    # The second stratum has one participant and the third arm none: the test is the first stratum's two arms.
    expected, _ = lhk_statistics(tables[:1, :2], np.array([1.0, 2.0, 3.0]))["row_means"]
    statistic, df, _ = cmh_row_mean_scores(tables, (1, 2, 3)) or (0.0, 0, 1.0)
    assert statistic == pytest.approx(expected)
    assert df == 1


@pytest.mark.parametrize(
    "tables",
    [
        np.zeros((4, 3, 3)),  # no participant
        np.array([[[3, 0, 0], [0, 0, 0]]]),  # one arm only
        np.array([[[0, 3, 0], [0, 2, 0]]]),  # every participant in one category: no variation of the scores
    ],
)
def test_nothing_to_test_gives_no_statistic(tables: np.ndarray) -> None:
    assert cmh_row_mean_scores(tables, (1, 2, 3)) is None
