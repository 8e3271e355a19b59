"""The [[outcomes]] of trial.toml, checked: one SAP analysis each.

Every key but `parameter` has a default, so that an outcome declared by the first wave's five keys means what it
meant: the value at the last visit, in the ITT set, each arm against control, by Welch's t-test, 95% two-sided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.errors import DataError
from service.outcomes.criteria import Criterion, parse_criterion

# The methods for each kind of variable; the first is the default.
CONTINUOUS_METHODS = ("welch", "ancova", "mmrm", "mann-whitney")
BINARY_METHODS = ("newcombe", "miettinen-nurminen", "fisher", "chi-square", "logistic", "cmh",
                  "mh-risk-difference")  # fmt: skip
COUNT_METHODS = ("poisson", "negative-binomial")
SURVIVAL_METHODS = ("logrank", "cox")
METHODS_FOR = {
    "value": (*CONTINUOUS_METHODS, *BINARY_METHODS, *COUNT_METHODS),
    "change": CONTINUOUS_METHODS,
    "percent-change": CONTINUOUS_METHODS,
    "responder": BINARY_METHODS,
    "time-to-event": SURVIVAL_METHODS,
}
VARIABLES = tuple(METHODS_FOR)
TYPES = ("primary", "secondary", "other")
TESTS = ("superiority", "non-inferiority", "equivalence")
COMPARISONS = ("control", "pairwise")
DISPERSIONS = ("sd", "se", "ci", "iqr", "full-range")
CI_METHODS = ("wilson", "clopper-pearson")  # each arm's interval for its proportion of responders
# The MMRM's covariance structures over the visits (service.outcomes.mmrm), the first the default as SAPs name it;
# its degrees of freedom, the first the default; and its estimation.
COVARIANCES = ("unstructured", "compound-symmetry", "heterogeneous-compound-symmetry", "ar1", "heterogeneous-ar1",
               "toeplitz")  # fmt: skip
DF_METHODS = ("kenward-roger", "satterthwaite", "residual", "wald")
ESTIMATIONS = ("reml", "ml")
MMRM_KEYS = ("covariance", "df", "estimation", "fallback", "by_visit")
BASELINE = "baseline"
DEFAULT_POPULATION = "ITTFL"
SUPPLIED = "supplied"
COMPUTED = "computed"


@dataclass(frozen=True)
class OutcomeSpec:
    parameter: str
    title: str
    outcome_type: str
    method: str
    variable: str  # value, change, percent-change, responder, time-to-event
    timepoint: str | None  # the visit the SAP's primary comparison is at; default the last one
    time_frame: str
    description: str
    timepoints: tuple[str, ...] = ()  # every visit analysed; () = the timepoint only
    dataset: str | None = None
    population: str = DEFAULT_POPULATION
    records: str | None = None  # a record-selection flag (ANL01FL): only records with it set to Y
    responder: Criterion | None = None
    adjust: tuple[str, ...] = ()
    factors: tuple[str, ...] = ()  # adjusting variables taken as factors even where their values read as numbers
    comparisons: str = "control"
    dose_response: bool = False
    ci_level: float = 0.95
    ci_method: str = "wilson"  # a binary outcome's interval for each arm's proportion: wilson or clopper-pearson
    test: str = "superiority"
    margin: float | None = None
    sides: int = 2
    direction: str = "higher"  # which way is better: sets the sign of a non-inferiority margin and 1-sided tests
    results: str = COMPUTED
    results_file: str | None = None
    dispersion: str | None = None  # how the registry shows each arm's spread; default by the estimate
    covariance: str = "unstructured"  # mmrm: the covariance over the visits (COVARIANCES)
    df: str = "kenward-roger"  # mmrm: the degrees of freedom (DF_METHODS)
    estimation: str = "reml"  # mmrm: reml or ml
    fallback: tuple[str, ...] = ()  # mmrm: covariances tried in turn when the fit does not converge
    by_visit: tuple[str, ...] = ()  # mmrm: covariates with a covariate-by-visit interaction
    count: bool = False  # the value is a count of events per participant (an integer ≥ 0)
    scale: str = "linear"  # "log": analysed on the natural log, reported as geometric means and their ratio
    key_secondary: bool = False  # drawn over time in the closed report, as every primary outcome is

    @property
    def summary_statistic(self) -> str:
        """Which descriptive summary the outcome reads: the value or its change from baseline."""
        return "change" if self.variable in ("change", "percent-change") else "value"

    @property
    def supplied(self) -> bool:
        return self.results == SUPPLIED

    @property
    def baseline_adjusted(self) -> bool:
        return BASELINE in self.adjust


def parse_outcomes(raw: dict[str, Any]) -> tuple[OutcomeSpec, ...]:
    return tuple(_parse(entry, index) for index, entry in enumerate(raw.get("outcomes", []), start=1))


def _parse(entry: Any, index: int) -> OutcomeSpec:
    where = f"outcomes (entry {index})"
    if not isinstance(entry, dict) or not isinstance(entry.get("parameter"), str):
        raise _error(where, "needs a 'parameter' naming the measurement", "parameter")
    variable = _choice(entry, "variable", "value", VARIABLES, where)
    method = _choice(entry, "method", METHODS_FOR[variable][0], METHODS_FOR[variable], where)
    responder = None
    if variable == "responder":
        text = entry.get("responder")
        if not isinstance(text, str):
            raise _error(where, "variable = \"responder\" needs responder = \"AVALC == 'Y'\"-style criteria",
                         "responder")  # fmt: skip
        responder = parse_criterion(text, where)
    elif "responder" in entry:
        raise _error(where, 'responder criteria need variable = "responder"', "responder")
    timepoints = _timepoints(entry, where)
    timepoint = entry.get("timepoint")
    if timepoint is not None and not isinstance(timepoint, str):
        raise _error(where, "timepoint must be a visit label (AVISIT)", "timepoint")
    if timepoint is None and timepoints:
        timepoint = timepoints[-1]
    if timepoint is not None and timepoints and timepoint not in timepoints:
        timepoints = (*timepoints, timepoint)
    adjust = _adjust(entry, where)
    if method in ("ancova", "mmrm") and "adjust" not in entry:
        adjust = (BASELINE,)  # an ANCOVA's covariate unless the SAP says otherwise (adjust = [] is an ANOVA)
    if method in ("cmh", "mh-risk-difference") and not [a for a in adjust if a != BASELINE]:
        raise _error(where, f'{method} needs a stratification factor: adjust = ["SITEGR1"]', "adjust")
    if method in ("welch", "mann-whitney", "fisher", "chi-square", "newcombe", "miettinen-nurminen") and adjust:
        raise _error(where, f"{method} does not adjust: use ancova, logistic, cmh or cox with adjust", "adjust")
    test = _choice(entry, "test", "superiority", TESTS, where)
    margin = entry.get("margin")
    if test != "superiority":
        if not isinstance(margin, int | float) or isinstance(margin, bool) or margin <= 0:
            raise _error(where, f"a {test} test needs margin = a positive number on the estimate's scale", "margin")
    elif margin is not None:
        raise _error(where, 'a margin needs test = "non-inferiority" or "equivalence"', "test")
    sides = entry.get("sides", 1 if test == "non-inferiority" else 2)
    if sides not in (1, 2):
        raise _error(where, "sides must be 1 or 2", "sides")
    ci_level = entry.get("ci_level", 0.95)
    if not _is_number(ci_level) or not 0.5 <= ci_level < 1:
        raise _error(where, "ci_level must be a proportion such as 0.95 or 0.9685", "ci_level")
    ci_method = _choice(entry, "ci_method", CI_METHODS[0], CI_METHODS, where)
    if "ci_method" in entry and method not in BINARY_METHODS:
        raise _error(where, f"ci_method is each arm's interval for a proportion of responders: not for {method}",
                     "ci_method")  # fmt: skip
    results = _choice(entry, "results", COMPUTED, (COMPUTED, SUPPLIED), where)
    results_file = entry.get("results_file")
    if results_file is not None and (not isinstance(results_file, str) or results == COMPUTED):
        raise _error(where, 'results_file names the file of results = "supplied"', "results_file")
    dose_response = entry.get("dose_response", False)
    if not isinstance(dose_response, bool):
        raise _error(where, "dose_response must be true or false", "dose_response")
    if dose_response and method != "ancova":
        raise _error(where, "dose_response is a trend test in the ANCOVA model: needs method = \"ancova\"",
                     "dose_response")  # fmt: skip
    for key, kinds in (("dataset", str), ("records", str), ("title", str), ("description", str)):
        if key in entry and not isinstance(entry[key], kinds):
            raise _error(where, f"{key} must be text", key)
    stray = [key for key in MMRM_KEYS if key in entry]
    if stray and method != "mmrm":
        raise _error(where, f'{stray[0]} is a setting of the mixed model: needs method = "mmrm"', stray[0])
    dispersion = entry.get("dispersion")
    if dispersion is not None:
        dispersion = _choice(entry, "dispersion", "", DISPERSIONS, where)
    count = method in COUNT_METHODS or bool(entry.get("count", False))
    scale = _choice(entry, "scale", "linear", ("linear", "log"), where)
    if scale == "log" and (variable != "value" or method not in ("welch", "ancova", "mmrm") or test != "superiority"):
        raise _error(where, 'scale = "log" is for the value by welch, ancova or mmrm, in a superiority test', "scale")
    if scale == "log" and dispersion in ("sd", "se"):
        raise _error(where, "a geometric mean's spread is its interval (ci) or range: an SD or SE would be of the logs",
                     "dispersion")  # fmt: skip
    return OutcomeSpec(
        parameter=entry["parameter"],
        title=str(entry.get("title", entry["parameter"])),
        outcome_type=_choice(entry, "type", "secondary", TYPES, where),
        method=method,
        variable=variable,
        timepoint=timepoint,
        time_frame=str(entry.get("time_frame", "")),
        description=str(entry.get("description", "")),
        timepoints=timepoints,
        dataset=entry.get("dataset"),
        population=str(entry.get("population", DEFAULT_POPULATION)).upper(),
        records=entry["records"].upper() if isinstance(entry.get("records"), str) else None,
        responder=responder,
        adjust=adjust,
        factors=_factors(entry, adjust, where),
        comparisons=_choice(entry, "comparisons", "control", COMPARISONS, where),
        dose_response=dose_response,
        ci_level=float(ci_level),
        ci_method=ci_method,
        test=test,
        margin=float(margin) if margin is not None else None,
        sides=int(sides),
        direction=_choice(entry, "direction", "higher", ("higher", "lower"), where),
        results=results,
        results_file=results_file,
        dispersion=dispersion,
        covariance=_choice(entry, "covariance", COVARIANCES[0], COVARIANCES, where),
        df=_choice(entry, "df", DF_METHODS[0], DF_METHODS, where),
        estimation=_choice(entry, "estimation", ESTIMATIONS[0], ESTIMATIONS, where),
        fallback=_fallback(entry, where),
        by_visit=_by_visit(entry, adjust, where),
        count=count,
        scale=scale,
        key_secondary=entry.get("key_secondary") is True,
    )


def _timepoints(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    value = entry.get("timepoints", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(where, 'timepoints must be a list of visit labels: ["Month 6", "Month 12"]', "timepoints")
    return tuple(dict.fromkeys(value))


def _adjust(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    value = entry.get("adjust", [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(where, 'adjust must be a list: "baseline" and variable names, e.g. ["baseline", "SITEGR1"]',
                     "adjust")  # fmt: skip
    return tuple(dict.fromkeys(BASELINE if v.strip().lower() == BASELINE else v.strip().upper() for v in value))


def _fallback(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    value = entry.get("fallback", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(where, 'fallback must be a list of covariances: ["heterogeneous-toeplitz", "ar1"]', "fallback")
    named = tuple(v.strip().lower() for v in value)
    unknown = [v for v in named if v not in COVARIANCES]
    if unknown:
        raise _error(where, f"fallback '{unknown[0]}' is not one of {', '.join(COVARIANCES)}", "fallback")
    return tuple(dict.fromkeys(named))


def _by_visit(entry: dict[str, Any], adjust: tuple[str, ...], where: str) -> tuple[str, ...]:
    """Default: baseline × visit when the model adjusts for baseline (as SAPs specify an MMRM)."""
    if "by_visit" not in entry:
        return (BASELINE,) if BASELINE in adjust else ()
    value = entry["by_visit"]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(where, 'by_visit must be a list of adjusting variables: ["baseline", "SITEGR1"]', "by_visit")
    named = tuple(BASELINE if v.strip().lower() == BASELINE else v.strip().upper() for v in value)
    stray = [v for v in named if v not in adjust]
    if stray:
        raise _error(where, f"by_visit names {', '.join(stray)}, which adjust does not", "by_visit")
    return tuple(dict.fromkeys(named))


def _factors(entry: dict[str, Any], adjust: tuple[str, ...], where: str) -> tuple[str, ...]:
    value = entry.get("factors", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(where, 'factors must be a list of adjusting variables: ["SITEGR1"]', "factors")
    named = tuple(v.strip().upper() for v in value)
    stray = [v for v in named if v not in adjust]
    if stray:
        raise _error(where, f"factors names {', '.join(stray)}, which adjust does not", "factors")
    return named


def _choice(entry: dict[str, Any], key: str, default: str, allowed: tuple[str, ...], where: str) -> str:
    value = str(entry.get(key, default)).lower()
    if value not in allowed:
        raise _error(where, f"{key} '{value}' is not one of {', '.join(allowed)}", key)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def outcome_variable_names(raw: dict[str, Any]) -> tuple[str, ...]:
    """The participant- or record-level variables the outcomes adjust for or take doses from, by CDISC name."""
    names: list[str] = []
    for spec in parse_outcomes(raw):
        names.extend(a for a in spec.adjust if a != BASELINE)
        if spec.dose_response:
            names.append("TRT01PN")
    return tuple(dict.fromkeys(names))


def _error(where: str, problem: str, key: str) -> DataError:
    return DataError(f"{where}: {problem}", file="trial.toml", column=f"outcomes.{key}")
