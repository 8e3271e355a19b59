"""trial.toml is read as strictly as config.toml: an unknown key, a value of the wrong kind or out of range, and a
reference to data that are not there each stop the import with exit 2, a message naming trial.toml (or the data
file) and the key, and no change to the database. Each case edits one thing in a copy of the tiny trial."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import database_fingerprint
from tests.importing.test_bad_input import append_to, replace_in

OUTCOME = '\n[[outcomes]]\nparameter = "HBA1C"\ntitle = "HbA1c"\ntype = "primary"\n'
PLAN = '\n[monitoring]\noutcome = "HBA1C"\nmaximum_information = 20\n'


def outcome(*lines: str) -> Callable[[Path], None]:
    return append_to("trial.toml", OUTCOME + "\n".join(lines))


def plan(*lines: str) -> Callable[[Path], None]:
    return append_to("trial.toml", OUTCOME + PLAN + "\n".join(lines))


def completed(edit: Callable[[Path], None]) -> Callable[[Path], None]:
    """`edit`, in a trial whose definition says it has completed (so every visit it names must be in the data)."""

    def both(folder: Path) -> None:
        replace_in("trial.toml", "[trial]\n", '[trial]\nstatus = "Completed"\n')(folder)
        edit(folder)

    return both


def time_to_event_of(value: str) -> Callable[[Path], None]:
    """measurements.csv with a censored column and one time to event of `value` days."""

    def edit(folder: Path) -> None:
        path = folder / "measurements.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [lines[0] + ",censored", *(line + "," for line in lines[1:])]
        rows.append(f"T-01,TTE,Time to event,,,{value},days,N,2020-05-01,0")
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    return edit


T = "trial.toml, column "
STRICT = [
    # (case, edit, the message's first line, word for word)
    ("unknown key, misspelt", plan('spendng = "obrien-fleming"'),
     f"{T}monitoring.spendng: unknown key 'spendng' in [monitoring]; did you mean 'spending'?"),
    ("unknown section", append_to("trial.toml", '[adamx]\nrandomization_date = "TRTSDT"'),
     f"{T}adamx: unknown section [adamx]; did you mean [adam]?"),
    ("unknown key in an array of tables", replace_in("trial.toml", 'label = "Placebo"', 'lable = "Placebo"'),
     f"{T}arms.lable: unknown key 'lable' in [[arms]] (entry 2); did you mean 'label'?"),
    ("unknown key, nothing near", replace_in("trial.toml", "[trial]\n", '[trial]\nfavourite_colour = "blue"\n'),
     f"{T}trial.favourite_colour: unknown key 'favourite_colour' in [trial]"),
    ("unknown key in a nested table", append_to("trial.toml", '[ctgov.point_of_contact]\nemial = "a@b.org"'),
     f"{T}ctgov.point_of_contact.emial: unknown key 'emial' in [ctgov.point_of_contact]; did you mean 'email'?"),
    ("wrong type: text for a number", replace_in("trial.toml", "target_enrollment = 6", 'target_enrollment = "six"'),
     f"{T}trial.target_enrollment: target_enrollment must be a whole number from 1 to 10000000, not 'six'"),
    ("wrong type: text for true/false", append_to("trial.toml", '[disposition]\nfisher = "yes"'),
     f"{T}disposition.fisher: fisher must be true or false, not 'yes'"),
    ("wrong type: a date as text", append_to("trial.toml", '[irct]\ndate_registration = "13/08/2016"'),
     f"{T}irct.date_registration: date_registration must be a date written as 2019-02-05, not '13/08/2016'"),
    ("wrong type in an outcome", outcome('key_secondary = "yes"'),
     f"{T}outcomes.key_secondary: outcomes (entry 1): key_secondary must be true or false, not 'yes'"),
    ("not one of its values", append_to("trial.toml", '[efficacy]\nafter_death_or_withdrawal = "drop"'),
     f"{T}efficacy.after_death_or_withdrawal: after_death_or_withdrawal must be one of exclude, include, not 'drop'"),
    ("out of range: HSD gamma", plan('futility_spending = "hsd"', "futility_gamma = 1e308"),
     f"{T}monitoring.futility_gamma: monitoring: futility_gamma 1e+308 is not between -40 and 40 (the "
     "Hwang–Shih–DeCani γ; -4 is close to O'Brien–Fleming, 1 to Pocock)"),
    ("out of range: 200 planned looks", plan(f"planned_fractions = [{', '.join(str(i / 200) for i in range(1, 201))}]"),
     f"{T}monitoring.planned_fractions: monitoring: planned_fractions lists 200 looks; a group-sequential design has "
     "at most 20"),
    ("out of range: negative window", replace_in("trial.toml", "target_enrollment = 6", "teae_window_days = -30"),
     f"{T}trial.teae_window_days: teae_window_days must be a whole number from 0 to 3650, not -30"),
    ("out of range: negative dose", replace_in("trial.toml", 'code = "PBO"', 'code = "PBO"\ndose = -1'),
     f"{T}arms.dose: arms (entry 2): dose must be a number from 0 to 1e+15, not -1"),
    ("out of range: infinite margin", outcome('test = "non-inferiority"', "margin = inf"),
     f"{T}outcomes.margin: outcomes (entry 1): margin must be a number above 0 and at most 1e+15, not inf"),
    ("out of range: absurd information",
     append_to("trial.toml", OUTCOME + '\n[monitoring]\noutcome = "HBA1C"\nmaximum_information = 1000000000000'),
     f"{T}monitoring.maximum_information: monitoring: maximum_information must be a positive whole number "
     "(participants, or events for time to event)"),
    ("dangling: a timepoint no record has, the trial completed", completed(outcome('timepoint = "Month 99"')),
     f"{T}outcomes.timepoint: outcomes (entry 1): timepoint 'Month 99' is a visit no record of parameter 'HBA1C' "
     "has; did you mean 'Month 3'?"),
    ("dangling: a parameter no record has", append_to("trial.toml", OUTCOME.replace("HBA1C", "HBA1X")),
     f"{T}outcomes.parameter: outcomes (entry 1): parameter 'HBA1X' is in no record of measurements.csv; did you "
     "mean 'HBA1C'?"),
    ("dangling: a responder variable that is not one", outcome('variable = "responder"', 'responder = "HBA < 7"'),
     f"{T}outcomes.responder: outcomes (entry 1): responder rule names HBA, which is not a record variable"),
    ("dangling: a responder variable no record has", outcome('variable = "responder"', "responder = \"AVALC == 'Y'\""),
     f"{T}outcomes.responder: outcomes (entry 1): responder rule reads AVALC, which no record of parameter 'HBA1C' "
     "has"),
    ("wrong kind: time to event without censoring", outcome('variable = "time-to-event"'),
     f'{T}outcomes.variable: outcomes (entry 1): variable = "time-to-event" needs a time to event, but parameter '
     "'HBA1C' has no censoring (ADTTE CNSR, measurements.csv censored)"),
    ("dangling: a population flag", outcome('population = "FASFL"'),
     f"{T}outcomes.population: outcome HBA1C: no participant has population flag FASFL"),
    ("dangling: a flow milestone flag", append_to("trial.toml", '[[flow.periods]]\ntitle = "Study"\n'
                                                                'milestones = ["COMP24FL"]'),
     f"{T}flow.periods: flow.periods 'Study': the data have no flag COMP24FL"),
    ("dose_response without doses", outcome('method = "ancova"', "dose_response = true"),
     f"{T}arms.dose: outcome HBA1C: dose_response needs every arm's dose"),
    ("dangling: a baseline parameter", append_to("trial.toml", '[[baseline]]\nparameter = "WEIGHT"'),
     f"{T}baseline.parameter: [[baseline]] parameter 'WEIGHT' has no baseline record"),
    ("a negative time to event", time_to_event_of("-30"),
     "measurements.csv, row 6, column value: -30 is below the smallest allowed value, 0"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "edit", "message"), STRICT, ids=[c[0] for c in STRICT])
def test_a_bad_definition_exits_2_naming_the_key_and_changes_nothing(
    case: str, edit: Callable[[Path], None], message: str, tiny: Path, db_url: str, engine: Engine, run_cli
) -> None:  # type: ignore[no-untyped-def]
    good = run_cli("import", "tiny", "--source", str(tiny), db_url=db_url)
    assert good.exit_code == 0, good.stderr
    before = database_fingerprint(engine)

    edit(tiny)
    result = run_cli("import", "tiny", "--source", str(tiny), db_url=db_url)

    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines()[0] == "error: " + message
    assert database_fingerprint(engine) == before


def test_each_edit_alone_is_good_input_when_it_names_what_the_data_have(tiny: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The cases above fail for the reason they name: the same outcome with a visit the data have, and a time to
    event of +30 days analysed as one, import."""
    outcome('timepoint = "Month 3"', 'variable = "responder"', 'responder = "AVAL < 8"')(tiny)
    time_to_event_of("30")(tiny)
    append_to("trial.toml", '\n[[outcomes]]\nparameter = "TTE"\nvariable = "time-to-event"\n')(tiny)
    result = run_cli("import", "tiny", "--source", str(tiny))
    assert result.exit_code == 0, result.stderr


def test_a_trial_still_collecting_data_may_name_a_visit_not_reached_yet(tiny: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """An interim snapshot of an ongoing trial: nobody has reached the primary outcome's visit yet. The import says
    so in its notes (with the visits it has), and stores the snapshot; once the trial has completed, it is refused
    (the case above)."""
    outcome('timepoint = "Month 12"')(tiny)
    result = run_cli("import", "tiny", "--source", str(tiny))
    assert result.exit_code == 0, result.stderr
    assert ("note: trial.toml, outcomes (entry 1): timepoint 'Month 12' is a visit no record of parameter 'HBA1C' "
            "has") in result.stdout  # fmt: skip
    assert "(its visits: Baseline, Month 3); not reached yet, or misspelt" in result.stdout
