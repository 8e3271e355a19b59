"""The closed summary's monitoring sentence: crossed, not crossed, between looks, crossed at an earlier look."""

from __future__ import annotations

from datetime import date

from service.reports.decision import monitoring_sentence
from service.results import MonitoringRow


def look(number: int, status: str, fraction: float, z: float | None, boundary: float | None, crossed: str
         ) -> MonitoringRow:  # fmt: skip
    tested = boundary is not None
    return MonitoringRow(number, status, date(2020, 1, number), fraction, boundary, 0.001 if tested else None,
                         0.003 if tested else None, z, crossed)  # fmt: skip


def test_a_look_that_crosses_says_so_with_its_boundary() -> None:
    text = monitoring_sentence([look(1, "done", 0.5, 1.0, 2.96, "no"), look(2, "current", 1.0, 2.5, 1.97, "yes")])
    assert text is not None and "Look 2 (information fraction 1.00): the observed z of 2.50 crosses the efficacy " \
        "boundary of 1.97" in text  # fmt: skip


def test_a_look_that_does_not_cross_says_so() -> None:
    text = monitoring_sentence([look(1, "current", 0.5, 1.2, 2.96, "no"), look(2, "planned", 1.0, None, 1.97, "")])
    assert text is not None and "the observed z of 1.20 does not cross the efficacy boundary of 2.96" in text


def test_between_looks_nothing_is_tested() -> None:
    text = monitoring_sentence([look(1, "done", 0.48, 0.91, 2.96, "no"),
                                look(2, "between looks", 0.86, 4.11, None, "not tested"),
                                look(3, "planned", 1.0, None, 1.97, "")])  # fmt: skip
    assert text is not None and "between the declared looks" in text and "not tested against a boundary" in text
    assert "the next look is at 1" in text and "crosses" not in text


def test_an_earlier_crossing_is_stated_first() -> None:
    text = monitoring_sentence([look(1, "done", 0.5, 3.2, 2.96, "yes"),
                                look(2, "between looks", 0.7, 3.0, None, "not tested")])  # fmt: skip
    assert text is not None and text.startswith("The efficacy boundary was crossed at look 1 (2020-01-01).")


def test_the_trajectory_figure_and_the_datas_precision() -> None:
    from service.importing.records import MeasurementRecord
    from service.reports.figures import trajectory_plot
    from service.reports.precision import data_precision
    from service.results import OutcomeSummaryRow

    def row(visit: str, number: float, arm: str, mean: float) -> OutcomeSummaryRow:
        return OutcomeSummaryRow("CPEPS", "C-peptide", visit, number, arm, "value", 10, mean, 0.11, mean, None, None,
                                 None, None, "ng/mL")  # fmt: skip

    rows = [
        row(v, n, a, m) for v, n in (("Baseline", 0), ("Month 6", 6)) for a, m in (("Drug", 0.52), ("Placebo", 0.5))
    ]
    figure = str(trajectory_plot(rows, ["Drug", "Placebo"], {"Drug": "Arm A", "Placebo": "Arm B"}, 2))
    assert "Arm A" in figure and "Month 6" in figure and "Mean ± SE" in figure and "Drug" not in figure
    assert trajectory_plot(rows[:2], ["Drug", "Placebo"], {}, 2) is None  # one visit: no trajectory
    data = type("D", (), {"measurements": [MeasurementRecord("S", "CPEPS", "V", value=0.52),
                                           MeasurementRecord("S", "CPEPS", "V", value=0.5),
                                           MeasurementRecord("S", "HBA1C", "V", value=7.0),
                                           MeasurementRecord("S", "QOL", "V", value=1 / 3)]})()  # fmt: skip
    assert data_precision(data.measurements) == {"CPEPS": 2, "HBA1C": 0, "QOL": 3}  # type: ignore[arg-type]


def test_baseline_values_print_to_the_datas_precision() -> None:
    from service.reports.dsmb import baseline_rows
    from service.results import SummaryRow

    row = SummaryRow("Stimulated C-peptide", "", "Drug", 10, 10, None, 0.5234, 0.1123, 0.51, 0.45, 0.6, 0.3, 0.9,
                     "ng/mL")  # fmt: skip
    lines = dict(baseline_rows([row], {"Stimulated C-peptide": 2}))
    assert lines["Stimulated C-peptide, ng/mL: mean (SD)"]["Drug"] == "0.52 (0.11)"
    assert dict(baseline_rows([row]))["Stimulated C-peptide, ng/mL: mean (SD)"]["Drug"] == "0.5 (0.1)"


def test_the_primary_sentence_names_the_difference_by_letters_to_the_tables_decimals() -> None:
    from service.reports.decision import primary_sentences
    from service.results import ComparisonRow

    difference = ComparisonRow("CPEPS", "Stimulated C-peptide", "primary", "Month 12", "a", "b", "ancova",
                               "Difference in LS means (arm − comparator)", -0.30642, -0.42011, -0.19208, 0.0004,
                               10, 11, "", estimate_kind="ls-mean-difference")  # fmt: skip
    ratio = ComparisonRow("TTE", "Time to event", "primary", "Overall", "a", "b", "cox",
                          "Hazard ratio (arm / comparator)", 0.4512, 0.0934, 2.17981, 0.331, 10, 11, "",
                          estimate_kind="hazard-ratio")  # fmt: skip
    names = {"a": "Arm A", "b": "Arm B"}
    # C-peptide recorded to 2 decimals: its estimates print to 3; a hazard ratio to 2.
    first, second = primary_sentences([difference, ratio], names, {"CPEPS": 2, "TTE": 0})
    assert first == ("Primary outcome, Stimulated C-peptide, at Month 12: difference in LS means, Arm A − Arm B, "
                     "-0.306 (95% CI -0.420 to -0.192), p < 0.001.")  # fmt: skip
    assert second == ("Primary outcome, Time to event, at Overall: hazard ratio, Arm A / Arm B, 0.45 (95% CI 0.09 "
                      "to 2.18), p = 0.331.")  # fmt: skip
    assert "control" not in first + second and "comparator" not in first + second


def test_axis_ticks_fall_on_round_steps() -> None:
    from service.reports.figures import round_ticks

    # By hand: C-peptide means ± SE from 0.45 to 0.93 → step 0.1 from 0.4 to 1.0; HbA1c 6.1–9.8 → whole numbers.
    assert round_ticks(0.45, 0.93) == ([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], 1)
    assert round_ticks(6.1, 9.8) == ([6.0, 7.0, 8.0, 9.0, 10.0], 0)
    assert round_ticks(-0.3, 0.2) == ([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2], 1)
    assert round_ticks(0, 12.5)[0] == [0.0, 2.5, 5.0, 7.5, 10.0, 12.5] and round_ticks(0, 12.5)[1] == 1
