"""The analysis populations (ADaMIG population flags): how many of each randomized arm each one holds."""

from __future__ import annotations

from service.importing.participant_level import population_label, population_sort_key
from service.importing.records import ImportedTrial, ParticipantRecord
from service.results import TOTAL, PopulationRow
from service.stats import percent

POPULATIONS_RULES = (
    "Arms are the randomized (planned) arms; percentages are of the arm's participants. A participant never "
    "assigned an arm (a screen failure) is in no arm and is not counted here; see the participant flow.",
    "Populations as the data flag them (ADSL ...FL; for a bundle its safety, itt and per_protocol columns); where "
    "the data have no flag: randomized = assigned an arm, intention-to-treat = randomized, safety = received at "
    "least one dose.",
)


def population_flags_of(person: ParticipantRecord) -> dict[str, bool]:
    """A participant's population flags: those the data give, over the three every import derives."""
    derived = {"RANDFL": person.randomized, "ITTFL": person.itt_population, "SAFFL": person.safety_population}
    return derived | (person.populations or {})


def summarise_populations(data: ImportedTrial) -> tuple[PopulationRow, ...]:
    labels = data.arm_labels
    assigned = [(labels[p.arm_code], population_flags_of(p)) for p in data.participants if p.arm_code is not None]
    flags = sorted({flag for _, person_flags in assigned for flag in person_flags}, key=population_sort_key)
    n_arm = {arm: sum(1 for a, _ in assigned if a == arm) for arm in labels.values()}
    n_arm[TOTAL] = len(assigned)
    rows = []
    for flag in flags:
        counts = {arm: sum(1 for a, f in assigned if a == arm and f.get(flag)) for arm in labels.values()}
        counts[TOTAL] = sum(counts.values())
        rows += [
            PopulationRow(flag, population_label(flag), arm, counts[arm], n_arm[arm], percent(counts[arm], n_arm[arm]))
            for arm in counts
        ]
    return tuple(rows)
