"""Possible drug-induced liver injury (FDA Standard Safety Tables and Figures IG v2.0; FDA guidance, Drug-Induced
Liver Injury: Premarketing Clinical Evaluation, 2009; eDISH, Watkins et al. 2011).

Rules, in order:
1. A participant's peak of a liver test is their highest analysis value of it divided by its upper limit of normal
   (AVAL / ANRHI, records with an ANRHI above 0), at any time during treatment. The tests are found by their codes,
   trial.toml's [labs] liver (default ALT, AST, BILI, ALP).
2. Per test and arm, of the participants with a peak (N): peak > 1.5, 3, 5 and 10 × ULN for ALT, AST, and ALT or AST
   (the higher of the two peaks); > 1.5 and 2 × ULN for total bilirubin and alkaline phosphatase.
3. Potential Hy's law: peak ALT or AST ≥ 3 × ULN and peak total bilirubin ≥ 2 × ULN, of the participants with both
   an aminotransferase and a bilirubin peak. As eDISH plots them, the peaks are at any time: concurrence (on the
   same day, or the bilirubin after the aminotransferase) is not required, and alkaline phosphatase is not
   considered; each case needs clinical review.
"""

from __future__ import annotations

import numpy as np

from service.labs.abnormal import LabAnalysis, percent
from service.labs.rows import LiverPeakRow, LiverRow
from service.results import TOTAL

TESTS = {"alt": "ALT", "ast": "AST", "bilirubin": "Total bilirubin", "alp": "ALP"}
AMINOTRANSFERASE_MULTIPLES = (1.5, 3.0, 5.0, 10.0)
OTHER_MULTIPLES = (1.5, 2.0)
HYS_LAW = "Potential Hy's law"
HYS_LAW_CODE = "HYSLAW"  # as admiral's ADLBHY names the parameter
HY_ALT, HY_BILI = 3.0, 2.0
LIVER_RULE = ("Peak: a participant's highest analysis value of the test as a multiple of its upper limit of normal "
              "(AVAL / ANRHI), at any time during treatment; N: participants with such a value. Potential Hy's law: "
              "peak ALT or AST ≥ 3×ULN and peak total bilirubin ≥ 2×ULN, the peaks at any time during treatment as "
              "FDA's eDISH plots them: not necessarily on the same day, and alkaline phosphatase not considered; "
              "each case needs clinical review (FDA, Drug-Induced Liver Injury: Premarketing Clinical Evaluation, "
              "2009).")  # fmt: skip


def peak_times_uln(labs: LabAnalysis, code: str) -> np.ndarray:
    """Rule 1 per participant (labs.subjects): the peak of the parameter `code` over ULN; NaN where none."""
    peak = np.full(len(labs.subjects), np.nan)
    position = next((i for i, p in enumerate(labs.parameters) if p.code == code), None)
    if position is None or labs.frame is None:
        return peak
    mask = labs.analysis & (labs.parameter == position)
    rows = labs.rows[mask]
    value = labs.frame["aval"].to_numpy(dtype=float, na_value=np.nan)[rows]
    uln = labs.frame["anrhi"].to_numpy(dtype=float, na_value=np.nan)[rows]
    usable = (uln > 0) & ~np.isnan(value)
    np.fmax.at(peak, labs.subject[mask][usable], value[usable] / uln[usable])
    return peak


def liver_peaks(labs: LabAnalysis) -> dict[str, np.ndarray]:
    """Each liver test's peaks, by its key in [labs] liver."""
    return {test: peak_times_uln(labs, labs.rules.liver[test]) for test in TESTS}


def summarise_liver(labs: LabAnalysis) -> tuple[LiverRow, ...]:
    """Rules 2 and 3 by arm and in total; a test the data do not hold has no rows (its footnote says so)."""
    peaks = liver_peaks(labs)
    codes = labs.rules.liver
    aminotransferase = np.fmax(peaks["alt"], peaks["ast"])
    tests = [
        ("ALT", codes["alt"], peaks["alt"], AMINOTRANSFERASE_MULTIPLES),
        ("AST", codes["ast"], peaks["ast"], AMINOTRANSFERASE_MULTIPLES),
        ("ALT or AST", f"{codes['alt']} or {codes['ast']}", aminotransferase, AMINOTRANSFERASE_MULTIPLES),
        (TESTS["bilirubin"], codes["bilirubin"], peaks["bilirubin"], OTHER_MULTIPLES),
        (TESTS["alp"], codes["alp"], peaks["alp"], OTHER_MULTIPLES),
    ]
    rows: list[LiverRow] = []
    for name, code, peak, multiples in tests:
        has = ~np.isnan(peak)
        if not has.any():
            continue
        for multiple in multiples:
            rows.extend(_rows(labs, name, code, f"> {multiple:g}×ULN", multiple, has, has & (peak > multiple)))
    both = ~np.isnan(aminotransferase) & ~np.isnan(peaks["bilirubin"])
    if both.any():
        met = both & (aminotransferase >= HY_ALT) & (peaks["bilirubin"] >= HY_BILI)
        rows.extend(_rows(labs, HYS_LAW, HYS_LAW_CODE, f"ALT or AST ≥ {HY_ALT:g}×ULN and total bilirubin ≥ "
                          f"{HY_BILI:g}×ULN", None, both, met))  # fmt: skip
    return tuple(rows)


def _rows(labs: LabAnalysis, name: str, code: str, criterion: str, multiple: float | None, has: np.ndarray,
          met: np.ndarray) -> list[LiverRow]:  # fmt: skip
    arms = labs.subject_arm
    in_set = arms >= 0
    totals = np.bincount(arms[has & in_set], minlength=len(labs.arms))
    found = np.bincount(arms[met & in_set], minlength=len(labs.arms))
    cells = [*zip(labs.arms, found, totals, strict=True), (TOTAL, found.sum(), totals.sum())]
    return [LiverRow(name, code, criterion, multiple, arm, int(n), int(total), percent(n, total))
            for arm, n, total in cells]  # fmt: skip


def list_liver_peaks(labs: LabAnalysis) -> tuple[LiverPeakRow, ...]:
    """Every participant of the safety population with a liver-test peak, by participant: the eDISH figure's
    points (rule 1)."""
    peaks = liver_peaks(labs)
    any_peak = np.zeros(len(labs.subjects), dtype=bool)
    for peak in peaks.values():
        any_peak |= ~np.isnan(peak)
    chosen = np.flatnonzero(any_peak & (labs.subject_arm >= 0))
    order = chosen[np.argsort(labs.subjects[chosen].astype(str), kind="stable")]
    return tuple(LiverPeakRow(str(labs.subjects[i]), labs.arms[labs.subject_arm[i]],
                              *(_number(peaks[test][i]) for test in TESTS)) for i in order)  # fmt: skip


def liver_notes(labs: LabAnalysis) -> tuple[str, ...]:
    """Which codes are the liver tests, and which of them the data do not hold."""
    codes = labs.rules.liver
    held = {p.code for p in labs.parameters}
    named = "; ".join(f"{TESTS[test]} = {codes[test]}" for test in TESTS)
    missing = [f"{TESTS[test]} ({codes[test]})" for test in TESTS if codes[test] not in held]
    absent = (f"Not collected in these data: {', '.join(missing)}.",) if missing and labs.collected else ()
    return (LIVER_RULE, f"Liver tests by their parameter code (trial.toml [labs] liver): {named}.", *absent)


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
