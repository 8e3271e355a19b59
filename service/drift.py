"""Registry drift: every field where a registry record and the trial's data or definition disagree.

`derive_drift` is one ordered list of checks, each a small function, in the order a data manager would fix them:
identity first (a record of another trial makes every other comparison meaningless), then enrollment, status,
dates, phase, arms, titles, eligibility, outcomes, and last the posted results against the current analysis.
Each difference reads "field: registry says X; the trial data say Y".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from registry.view import RegistryDate, RegistryView
from service.importing.dates import definition_date
from service.importing.records import ImportedTrial
from service.results import AnalysisResults


@dataclass(frozen=True)
class Difference:
    rank: int
    field: str
    registry: str
    trial: str
    note: str = ""

    def line(self) -> str:
        return f"{self.field}: registry says {self.registry}; the trial data say {self.trial}" + (
            f" ({self.note})" if self.note else ""
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DriftReport:
    registry: str
    source: str  # the file or URL read
    source_format: str
    record_id: str
    trial_id: str
    other_trial: bool  # the record is of another trial: no field-by-field list
    differences: tuple[Difference, ...]

    @property
    def drifted(self) -> bool:
        return self.other_trial or bool(self.differences)

    def lines(self) -> list[str]:
        head = f"{self.trial_id} against {self.record_id} ({self.source_format}, {self.source})"
        if self.other_trial:
            return [head, f"identity: the record is of {self.record_id}, another trial; nothing else was compared"]
        if not self.differences:
            return [head, "no differences"]
        return [head, *(d.line() for d in self.differences)]

    def as_dict(self) -> dict[str, Any]:
        return {"registry": self.registry, "source": self.source, "source_format": self.source_format,
                "record_id": self.record_id, "trial_id": self.trial_id, "other_trial": self.other_trial,
                "drifted": self.drifted, "differences": [d.as_dict() for d in self.differences],
                "lines": self.lines()}  # fmt: skip


Check = Callable[[RegistryView, ImportedTrial, AnalysisResults], Iterator[Difference]]


def derive_drift(view: RegistryView, data: ImportedTrial, results: AnalysisResults, source: str) -> DriftReport:
    """Compare `view` with the trial; a record whose identifiers do not include the trial's own id is another
    trial's."""
    # A PRS download of a study not yet registered has no NCT number: its Unique Protocol ID is the study_id.
    own = [i for i in (_own_id(view, data), data.definition.study_id if view.registry == "ctgov" else None) if i]
    other = bool(own) and not any(_same_id(mine, theirs) for mine in own for theirs in view.all_ids)
    differences: list[Difference] = []
    if not other:
        for check in CHECKS:
            differences.extend(check(view, data, results))
    ordered = tuple(sorted(differences, key=lambda d: d.rank))
    return DriftReport(view.registry, source, view.source_format, view.primary_id, data.trial_id, other, ordered)


def _own_id(view: RegistryView, data: ImportedTrial) -> str:
    definition = data.definition
    if view.registry == "irct":
        return definition.irct_id or ""
    return definition.nct_id or ""


def _same_id(a: str, b: str) -> bool:
    return a.strip().upper() == b.strip().upper()


# --- the checks, in rank order --------------------------------------------------------------------------------------


def check_identity(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    if not _own_id(view, data):
        yield Difference(
            0,
            "identity",
            view.primary_id,
            "no registry id",
            f"the trial definition names no {'irct_id' if view.registry == 'irct' else 'nct_id'}",
        )
    study_id = data.definition.study_id
    if view.registry == "ctgov" and study_id and view.ids and not any(_same_id(study_id, i) for i in view.ids):
        yield Difference(0, "org study id", ", ".join(view.ids), study_id)


def check_enrollment(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    """Actual enrollment is the participants randomized (assigned); an anticipated one, the target."""
    if view.enrollment is None:
        return
    randomized = sum(1 for p in data.participants if p.randomized)
    kind = view.enrollment_type.lower()
    registered = f"{view.enrollment} ({view.enrollment_type or 'type not stated'})"
    if kind == "actual" or (not kind and randomized):
        if view.enrollment != randomized:
            yield Difference(1, "enrollment", registered, f"{randomized} randomized")
    else:
        target = data.definition.target_enrollment
        if randomized and _finished_recruiting(data):
            yield Difference(1, "enrollment", registered, f"{randomized} randomized, recruitment over",
                             "an anticipated enrollment should become the actual one")  # fmt: skip
        elif target is not None and view.enrollment != target:
            yield Difference(1, "enrollment", registered, f"a target of {target}")


def check_status(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    if not view.status:
        return
    stated = _trial_value(data, "status")
    trial_status = stated or _derived_status(data)
    if _status_group(view.status) != _status_group(trial_status):
        yield Difference(2, "status", view.status, trial_status, "" if stated else "derived from the participants")


def check_dates(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    first = min((p.randomization_date for p in data.participants if p.randomization_date), default=None)
    actual = view.start is not None and view.start.type.lower() in ("actual", "")
    if actual and view.start is not None and first is not None and view.start.value is not None \
            and not view.start.same_as(first):  # fmt: skip
        yield Difference(3, "start date", _date_words(view.start), f"first randomization {first.isoformat()}")
    if view.start is not None and first is not None and view.start.type.lower() in ("anticipated", "estimated"):
        yield Difference(3, "start date type", f"{view.start.type} ({view.start.text})",
                         f"actual: first randomization {first.isoformat()}")  # fmt: skip
    for key, registered, label in (("primary_completion_date", view.primary_completion, "primary completion date"),
                                   ("completion_date", view.completion, "completion date")):  # fmt: skip
        stated = _trial_date(data, key)
        if stated is not None and registered is not None and not registered.same_as(stated):
            yield Difference(3, label, _date_words(registered), stated.isoformat())
        elif stated is not None and registered is None and view.registry == "ctgov":  # ICTRP has no such field
            yield Difference(3, label, "nothing", stated.isoformat())


def check_phase(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    phase = data.definition.phase
    if phase and view.phase and phase_set(view.phase) != phase_set(phase):
        yield Difference(4, "phase", view.phase, phase)


def check_arms(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    if not view.arms or not data.arms:
        return
    if view.registry == "irct":  # IRCT's arms are its free-text "Intervention n: …" lines: only their number compares
        if len(view.arms) != len(data.arms):
            yield Difference(5, "number of interventions", str(len(view.arms)), f"{len(data.arms)} arms")
        return
    ours = {_key(a.label): a for a in data.arms}
    theirs = {_key(a.title): a for a in view.arms}
    if len(view.arms) != len(data.arms):
        yield Difference(5, "number of arms", str(len(view.arms)), str(len(data.arms)))
    for key, arm in theirs.items():
        if key not in ours:
            yield Difference(5, "arm title", f"'{arm.title}'", "no arm of that name",
                             f"trial arms: {', '.join(a.label for a in data.arms)}")  # fmt: skip
        elif arm.type and ours[key].arm_type and _key(arm.type) != _key(ours[key].arm_type):
            yield Difference(5, f"arm type ({arm.title})", arm.type, ours[key].arm_type)
    for key, own in ours.items():
        if key not in theirs:
            yield Difference(5, "arm title", "no arm of that name", f"'{own.label}'")


def check_titles(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    definition = data.definition
    for label, registered, ours in (("brief title", view.brief_title, definition.public_title),
                                    ("official title", view.official_title, definition.title),
                                    ("acronym", view.acronym, definition.acronym or "")):  # fmt: skip
        if registered and ours and _key(registered) != _key(ours):
            yield Difference(6, label, f"'{registered}'", f"'{ours}'")


def check_eligibility(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    """Participants outside the registered ages or sex."""
    ages = [p.age for p in data.participants if p.randomized and p.age is not None and (p.age_unit or "YEARS")
            .upper().startswith("Y")]  # fmt: skip
    low, high = _years(view.minimum_age), _years(view.maximum_age)
    if ages and low is not None and min(ages) < low:
        yield Difference(7, "minimum age", view.minimum_age, f"youngest randomized participant {min(ages):g} years")
    if ages and high is not None and max(ages) > high:
        yield Difference(7, "maximum age", view.maximum_age, f"oldest randomized participant {max(ages):g} years")
    sexes = {(p.sex or "").upper()[:1] for p in data.participants if p.randomized and p.sex}
    only = {"female": "F", "male": "M"}.get(view.sex.strip().lower())
    if only and sexes - {only}:
        yield Difference(7, "sex", view.sex, f"randomized participants of sex {', '.join(sorted(sexes))}")


def check_outcomes(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    planned = [o for o in data.definition.raw.get("outcomes", []) if isinstance(o, dict)]
    ours = [str(o.get("title", "")) for o in planned if str(o.get("type", "")).lower() == "primary"]
    theirs = [o.title for o in view.outcomes if o.type == "primary"]
    if ours and theirs and len(ours) != len(theirs):
        yield Difference(8, "primary outcomes", f"{len(theirs)}: {'; '.join(theirs)}",
                         f"{len(ours)}: {'; '.join(ours)}")  # fmt: skip


def check_results(view: RegistryView, data: ImportedTrial, results: AnalysisResults) -> Iterator[Difference]:
    """Posted results against the current analysis, group by group (a group is matched to an arm by its title)."""
    posted = view.results
    if posted is None:
        return
    arms = {_key(label): label for label in data.arm_labels.values()}

    def arm_of(title: str) -> str | None:
        return arms.get(_key(title))

    flow = results.tables["participant_flow"].rows if "participant_flow" in results.tables else ()
    ours_started = {r.arm: r.n for r in flow if r.period == 1 and r.kind == "started"}
    ours_completed = {r.arm: r.n for r in flow if r.period == 1 and r.kind == "completed"}
    events = results.tables["ae_registry_groups"].rows if "ae_registry_groups" in results.tables else ()
    groups = {r.arm: r for r in events}
    for label, registered, ours in (("results: participants started", posted.started, ours_started),
                                    ("results: participants completed", posted.completed, ours_completed)):  # fmt: skip
        for title, number in registered.items():
            arm = arm_of(title)
            if arm is not None and arm in ours and ours[arm] != number:
                yield Difference(9, f"{label} ({title})", str(number), str(ours[arm]))
    baseline = results.tables["baseline"].denominators if "baseline" in results.tables else {}
    for title, number in posted.baseline_n.items():
        arm = "Total" if _key(title) == "total" else arm_of(title)
        if arm is not None and arm in baseline and baseline[arm] != number:
            yield Difference(9, f"results: baseline participants analysed ({title})", str(number), str(baseline[arm]))
    for title, (affected, at_risk) in posted.serious_affected.items():
        arm = arm_of(title)
        if arm is not None and arm in groups:
            row = groups[arm]
            if (affected, at_risk) != (row.n_serious_affected, row.n_at_risk):
                yield Difference(9, f"results: serious adverse events ({title})", f"{affected} of {at_risk}",
                                 f"{row.n_serious_affected} of {row.n_at_risk}")  # fmt: skip
    for title, (died, _at_risk) in posted.deaths.items():
        arm = arm_of(title)
        if arm is not None and arm in groups and died != groups[arm].n_deaths:
            yield Difference(9, f"results: deaths ({title})", str(died), str(groups[arm].n_deaths))
    unmatched = [t for t in posted.groups if arm_of(t) is None and _key(t) != "total"]
    if unmatched and posted.started:
        yield Difference(9, "results: groups", ", ".join(unmatched), "no arm of that name",
                         "posted numbers of these groups were not compared")  # fmt: skip


CHECKS: tuple[Check, ...] = (check_identity, check_enrollment, check_status, check_dates, check_phase, check_arms,
                             check_titles, check_eligibility, check_outcomes, check_results)  # fmt: skip


# --- helpers --------------------------------------------------------------------------------------------------------


def phase_set(text: str) -> frozenset[str]:
    """The phases a text names, whatever the registry's words: "Phase 1/Phase 2", "PHASE1, PHASE2", "2-3", "N/A"."""
    lowered = text.lower()
    if re.search(r"n/?a\b|not applicable", lowered) and not re.search(r"\d", lowered):
        return frozenset({"NA"})
    found = set(re.findall(r"\d", lowered))
    if "early" in lowered:
        found = {f"early {n}" for n in found}
    return frozenset(found)


STATUS_GROUPS = {
    "not yet recruiting": "pending", "pending": "pending",
    "recruiting": "recruiting", "enrolling by invitation": "recruiting",
    "active, not recruiting": "active", "completed": "completed", "complete": "completed",
    "suspended": "suspended", "terminated": "stopped", "withdrawn": "stopped",
}  # fmt: skip


def _status_group(status: str) -> str:
    return STATUS_GROUPS.get(" ".join(status.lower().split()), status.lower())


def _derived_status(data: ImportedTrial) -> str:
    randomized = [p for p in data.participants if p.randomized]
    if not randomized:
        return "Not yet recruiting"
    if not _finished_recruiting(data):
        return "Recruiting"
    if all((p.disposition or "").strip() for p in randomized):
        return "Completed"
    return "Active, not recruiting"


def _finished_recruiting(data: ImportedTrial) -> bool:
    target = data.definition.target_enrollment
    randomized = sum(1 for p in data.participants if p.randomized)
    return target is None or randomized >= target


def _trial_value(data: ImportedTrial, key: str) -> str:
    value = data.definition.raw.get("trial", {}).get(key)
    return str(value) if value else ""


def _trial_date(data: ImportedTrial, key: str) -> date | None:
    return definition_date(data.definition.raw.get("trial", {}).get(key))


def _date_words(registered: RegistryDate) -> str:
    return f"{registered.text}" + (f" ({registered.type})" if registered.type else "")


def _years(text: str) -> float | None:
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*(years?|months?|weeks?|days?)?", text.lower())
    if not match:
        return None
    number, unit = float(match.group(1)), (match.group(2) or "years")
    return number / {"y": 1, "m": 12, "w": 52.1775, "d": 365.25}[unit[0]]


def _key(text: str) -> str:
    return " ".join(text.lower().split())
