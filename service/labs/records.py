"""The laboratory or vital-sign records the displays over time read: one domain's observed records of the safety
population, each with its arm, and its keys (parameter, timepoint, visit) as integer codes so that millions of
records group in a second (service.labs.frame holds the frame's contract).

Observed records only: a record derived by the source (DTYPE LOCF, AVERAGE, ...) is not a measurement.
Vital signs keep each position and timepoint apart (ATPT, VSPOS): a supine and a standing blood pressure are two
measurements, never averaged, and [vitals] positions / timepoints may choose among them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from service.labs.vitals_options import VitalsOptions
from service.safety.population import SafetySet

OBSERVED_RULE = "Observed records only (DTYPE empty): records the source derived (LOCF, AVERAGE, ...) are not counted."


@dataclass(frozen=True)
class Records:
    """`frame` columns: subject, arm, param, timepoint, visit (integer codes into the tuples below; arm indexes
    `arms`), visitnum, aval, chg, base, ablfl, ontrtfl (bool; ontrtfl False where not given), adt, ady, analysed
    (the record a by-visit summary counts: ANL01FL = Y where its dataset flags records, else every one), valued
    (a result is given: AVAL, or AVALC for a character result)."""

    frame: pd.DataFrame
    arms: tuple[str, ...]
    subjects: tuple[str, ...]
    paramcds: tuple[str, ...]
    params: tuple[str, ...]  # PARAM by parameter code, with its unit
    timepoints: tuple[str, ...]
    visits: tuple[str, ...]
    anl01fl: bool = False  # some dataset flags its analysis records
    ontrtfl: bool = False  # some record carries ONTRTFL
    left_out: dict[str, int] = field(default_factory=dict)  # position / timepoint not shown -> records

    @property
    def empty(self) -> bool:
        return self.frame.empty

    def visit_order(self) -> list[int]:
        """Visit codes by AVISITN (a visit without one last, by name)."""
        numbers = self.frame.groupby("visit", sort=False)["visitnum"].min()
        return sorted(numbers.index, key=lambda code: (np.isnan(numbers[code]), numbers[code], self.visits[code]))


def _codes(values: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes of text values, in sorted order; a missing value is "" (one code with a given "")."""
    codes, uniques = pd.factorize(values, sort=True)
    labels = [str(u).strip() for u in uniques]
    if (codes < 0).any():
        if "" not in labels:
            labels.append("")
        codes = np.where(codes < 0, labels.index(""), codes)
    return codes.astype(np.int32), tuple(labels)


def timepoint_labels(position: np.ndarray, tpt: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each vital-sign record's timepoint as shown, as codes into the labels: its ATPT, with the position before it
    where the source gives both and the timepoint does not already name it ("SUPINE, 5 MIN"); the position alone
    where there is no timepoint."""
    p_codes, p_labels = _codes(position)
    t_codes, t_labels = _codes(tpt)
    pairs, first = np.unique(p_codes.astype(np.int64) * len(t_labels) + t_codes, return_inverse=True)
    labels = []
    for pair in pairs:
        p, t = p_labels[pair // len(t_labels)], t_labels[pair % len(t_labels)]
        labels.append(f"{p}, {t}" if p and t and p.upper() not in t.upper() else (t or p))
    return _codes(np.asarray(labels, dtype=object)[first])


def _chosen(position: np.ndarray, tpt: np.ndarray, options: VitalsOptions) -> np.ndarray:
    keep = np.ones(len(position), dtype=bool)
    if options.positions:
        # A record without a position of its own is chosen by its timepoint (the frame puts VSPOS there when the
        # source has no ATPT), so a list of positions works for either way of writing them.
        p_codes, p_labels = _codes(position)
        t_codes, t_labels = _codes(tpt)
        wanted_p = np.array([label.upper() in options.positions for label in p_labels])
        wanted_t = np.array([label.upper() in options.positions for label in t_labels])
        given = np.array([label != "" for label in p_labels])
        keep &= np.where(given[p_codes], wanted_p[p_codes], wanted_t[t_codes])
    if options.timepoints:
        t_codes, t_labels = _codes(tpt)
        keep &= np.array([label.upper() in options.timepoints for label in t_labels])[t_codes]
    return keep


def _flag(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=bool, na_value=False)


def load_records(
    frame: pd.DataFrame | None, safety: SafetySet, domain: str, options: VitalsOptions | None = None
) -> Records:
    """The domain's observed records of the safety population ("LB" or "VS"); for vital signs, only the
    positions and timepoints `options` choose."""
    arms = safety.arms
    if frame is None or frame.empty:
        return _empty(arms)
    dtype = frame["dtype"]
    keep = (frame["domain"] == domain).to_numpy() & (dtype.isna() | (dtype == "")).to_numpy()
    subject_codes, subjects = pd.factorize(frame["subject_id"].to_numpy())
    position = {label: i for i, label in enumerate(arms)}
    arm_of_subject = np.array([position.get(safety.arm_of.get(s, ""), -1) for s in subjects], dtype=np.int32)
    arm = arm_of_subject[subject_codes] if len(subjects) else np.zeros(0, dtype=np.int32)
    keep &= arm >= 0
    left_out: dict[str, int] = {}
    if domain == "VS":
        where = np.flatnonzero(keep)
        positions, tpts = frame["position"].to_numpy()[where], frame["tpt"].to_numpy()[where]
        timepoint_codes, timepoints = timepoint_labels(positions, tpts)
        if options is not None and (options.positions or options.timepoints):
            chosen = _chosen(positions, tpts, options)
            dropped = np.bincount(timepoint_codes[~chosen], minlength=len(timepoints))
            left_out = {label: int(n) for label, n in sorted(zip(timepoints, dropped, strict=True)) if n}
            keep[where[~chosen]] = False
            timepoint_codes = timepoint_codes[chosen]
    else:
        timepoint_codes, timepoints = np.zeros(int(keep.sum()), dtype=np.int32), ("",)
    if not keep.any():
        return _empty(arms, left_out)

    def column(name: str) -> np.ndarray:
        return frame[name].to_numpy()[keep]

    param_codes, paramcds = _codes(column("paramcd"))
    visit_codes, visits = _codes(column("visit"))
    anl = frame["anl01fl"][keep]
    dataset = frame["dataset"][keep]
    flagged = dataset[anl.notna().to_numpy()].unique()
    analysed = _flag(anl) | ~dataset.isin(flagged).to_numpy()
    avalc = frame["avalc"][keep]
    given = avalc.notna().to_numpy()
    valued = ~np.isnan(column("aval").astype(float))
    if given.any():
        valued[given] |= avalc[given].astype(str).str.strip().to_numpy() != ""
    ontrt = frame["ontrtfl"][keep]
    records = pd.DataFrame(
        {
            "subject": subject_codes[keep].astype(np.int32),
            "arm": arm[keep],
            "param": param_codes,
            "timepoint": timepoint_codes,
            "visit": visit_codes,
            "visitnum": column("visitnum").astype(float),
            "aval": column("aval").astype(float),
            "chg": column("chg").astype(float),
            "base": column("base").astype(float),
            "ablfl": _flag(frame["ablfl"][keep]),
            "ontrtfl": _flag(ontrt),
            "adt": column("adt"),
            "ady": column("ady").astype(float),
            "analysed": analysed,
            "valued": valued,
        }
    )
    _, first = np.unique(param_codes, return_index=True)
    names = column("param")[first]
    params = tuple(str(name) if isinstance(name, str) and name else code
                   for name, code in zip(names, paramcds, strict=True))  # fmt: skip
    return Records(records, arms, tuple(str(s) for s in subjects), paramcds, params, timepoints, visits,
                   anl01fl=len(flagged) > 0, ontrtfl=bool(ontrt.notna().any()), left_out=left_out)  # fmt: skip


def _empty(arms: tuple[str, ...], left_out: dict[str, int] | None = None) -> Records:
    columns = {name: pd.Series(dtype=dtype) for name, dtype in (
        ("subject", "int32"), ("arm", "int32"), ("param", "int32"), ("timepoint", "int32"), ("visit", "int32"),
        ("visitnum", "float64"), ("aval", "float64"), ("chg", "float64"), ("base", "float64"), ("ablfl", "bool"),
        ("ontrtfl", "bool"), ("adt", "datetime64[s]"), ("ady", "float64"), ("analysed", "bool"),
        ("valued", "bool"))}  # fmt: skip
    return Records(pd.DataFrame(columns), arms, (), (), (), (), (), left_out=left_out or {})
