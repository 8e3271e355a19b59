"""Shapes of real ClinicalTrials.gov records regsync writes: three arms, a treatment period then follow-up, a
baseline measure as median and full range, an LS-mean outcome with its ANCOVA and a Kaplan–Meier outcome with its
hazard ratio. The document passes every rule, and reading it back gives the analysis numbers."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from lxml import etree

from registry.ctgov.build import build_result
from registry.ctgov.validate import validate_result
from service.analysis import build_analysis
from service.importing.records import ArmRecord, ImportedTrial, MeasurementRecord, ParticipantRecord, TrialDefinition
from service.results import AnalysisResults
from tests.analysis_fixture import ae

ARMS = (
    ArmRecord("PBO", "Placebo", "Matching placebo tablets once daily for 12 weeks.", "Placebo Comparator", True),
    ArmRecord("LOW", "Low dose", "Study drug 10 mg once daily for 12 weeks.", "Experimental"),
    ArmRecord("HIGH", "High dose", "Study drug 20 mg once daily for 12 weeks.", "Experimental"),
)
DEFINITION = {
    "flow": {"periods": [{"title": "Treatment", "completed": "COMP12FL", "milestones": ["treated"]},
                         {"title": "Follow-up"}]},
    "baseline": [{"parameter": "BMI", "title": "Body mass index", "dispersion": "full-range"}],
    "outcomes": [
        {"parameter": "SCORE", "title": "Symptom score at week 12", "type": "primary", "method": "ancova",
         "timepoint": "Week 12", "time_frame": "Baseline and week 12", "description": "ANCOVA on baseline."},
        {"parameter": "TTE", "title": "Time to relapse", "type": "secondary", "variable": "time-to-event",
         "method": "logrank", "time_frame": "Up to 24 weeks", "description": "Kaplan–Meier; Cox hazard ratio."},
    ],
    "ctgov": {"ae_time_frame": "24 weeks", "ae_description": "Treatment-emergent AEs.", "limitations_and_caveats": "-",
              "point_of_contact": {"title": "Statistician", "organization": "CTU", "email": "s@example.org"},
              "certain_agreement": {"pi_sponsor_employee": "Yes"}},
    "safety": {"meddra_version": "26.0"},
}  # fmt: skip


@pytest.fixture(scope="module")
def three_arms() -> tuple[ImportedTrial, AnalysisResults, etree._Element]:
    rng = np.random.default_rng(17)
    start = date(2021, 3, 1)
    people, measurements, events = [], [], []
    for i in range(36):
        arm = ARMS[i % 3].code
        subject = f"S{i:02d}"
        stops = i % 7
        status = "completed" if stops not in (1, 2, 5) else "ongoing" if stops == 5 else "discontinued"
        reason = {1: "Adverse Event", 2: "Withdrawal by Subject"}.get(stops)
        treatment_done = stops not in (1,)  # an early discontinuation: did not complete the treatment period
        people.append(ParticipantRecord(
            subject, age=30 + i, sex="F" if i % 2 else "M", randomized=True, arm_code=arm, actual_arm_code=arm,
            randomization_date=start, first_dose_date=start if i != 4 else None, safety_population=i != 4,
            itt_population=True, disposition=status, disposition_reason=reason,
            disposition_date=start + timedelta(days=150) if status != "ongoing" else None,
            populations={"ITTFL": True, "SAFFL": i != 4, "COMP12FL": treatment_done},
        ))  # fmt: skip
        base = float(rng.normal(50, 6))
        effect = {"PBO": 0.0, "LOW": -2.0, "HIGH": -4.0}[arm]
        measurements += [
            MeasurementRecord(subject, "BMI", "Baseline", visit_number=0, value=round(float(rng.normal(26, 3)), 1),
                              unit="kg/m2", baseline=True),
            MeasurementRecord(subject, "SCORE", "Baseline", visit_number=0, value=base, unit="points", baseline=True),
            MeasurementRecord(subject, "SCORE", "Week 12", visit_number=12, unit="points",
                              value=base * 0.8 + effect + float(rng.normal(0, 2))),
            MeasurementRecord(subject, "TTE", "", value=float(7 * (1 + i % 20)), unit="days",
                              censored=i % 3 == 0 or i % 4 == 0),
        ]  # fmt: skip
        if i % 4 == 0 and i != 4:
            events.append(ae(subject, 1, "Nervous system disorders", "Headache", 1, "MILD",
                             start=start + timedelta(days=10)))  # fmt: skip
    data = ImportedTrial("three", "bundle", "-", TrialDefinition(arms=ARMS, raw=DEFINITION), ARMS, tuple(people),
                         tuple(events), tuple(measurements))  # fmt: skip
    results = build_analysis(data)
    return data, results, build_result(data, results).root


def test_the_three_arm_two_period_document_passes_every_rule(three_arms) -> None:  # type: ignore[no-untyped-def]
    _, _, root = three_arms
    assert [str(p) for p in validate_result(root)] == []
    assert [p.findtext("title") for p in root.iterfind("participantFlow/periods/period")] == ["Treatment",
                                                                                            "Follow-up"]  # fmt: skip


def test_the_flow_reads_back_period_by_period(three_arms) -> None:  # type: ignore[no-untyped-def]
    data, results, root = three_arms
    groups = {g.get("id"): g.findtext("title") for g in root.iterfind("participantFlow/participantFlowGroups/*")}
    table = {(r.period_title, r.kind, r.category, r.arm): r.n for r in results["participant_flow"].rows}
    for period in root.iterfind("participantFlow/periods/period"):
        title = period.findtext("title")
        for tag, kind, category in (("startedMilestone", "started", "STARTED"),
                                    ("completedMilestone", "completed", "COMPLETED")):  # fmt: skip
            for a in period.iterfind(f"{tag}/milestoneAchievements/milestoneAchievement"):
                arm = groups[a.findtext("reportingGroupId")]
                assert int(a.findtext("subjectsAchieve")) == table[(title, kind, category, arm)]
        for reason in period.iterfind("dropWithdrawReasons/dropWithdrawReason"):
            name = reason.findtext("otherReasonName") or reason.findtext("reasonType")
            for detail in reason.iterfind("dropWithdrawReasonDetails/reasonDetail"):
                arm = groups[detail.findtext("reportingGroupId")]
                assert int(detail.findtext("subjectsAffected")) == table[(title, "reason", name, arm)]
    # By hand: the follow-up starts with those who completed the treatment; COMPLETED at the end is the study's.
    for arm in ("Placebo", "Low dose", "High dose"):
        code = next(a.code for a in ARMS if a.label == arm)
        members = [p for p in data.participants if p.arm_code == code]
        assert table[("Treatment", "started", "STARTED", arm)] == len(members)
        treated = sum(1 for p in members if p.disposition == "completed" or p.populations["COMP12FL"])
        assert table[("Treatment", "completed", "COMPLETED", arm)] == table[("Follow-up", "started", "STARTED", arm)]
        assert table[("Follow-up", "started", "STARTED", arm)] == treated
        assert table[("Follow-up", "completed", "COMPLETED", arm)] == sum(p.disposition == "completed" for p in members)
        assert table[("Treatment", "milestone", "Received treatment", arm)] == sum(
            p.first_dose_date is not None for p in members
        )


def test_the_median_and_full_range_baseline_measure_reads_back(three_arms) -> None:  # type: ignore[no-untyped-def]
    data, _, root = three_arms
    bmi = next(m for m in root.iterfind("baseline/baselineMeasures/baselineMeasure")
               if m.findtext("otherTitle") == "Body mass index")  # fmt: skip
    assert (bmi.findtext("parameterType"), bmi.findtext("dispersionType")) == ("Median", "Full Range")
    groups = {g.get("id"): g.findtext("title") for g in root.iterfind("baseline/baselineReportingGroups/*")}
    groups[root.find("baseline/totalBaselineReportingGroup").get("id")] = "Total"
    for value in bmi.iterfind("measureRows/measureRow/reportedValues/reportedValue"):
        arm = groups[value.findtext("reportingGroupId")]
        entry = value.find("reportedEntries/reportedEntry")
        code = next((a.code for a in ARMS if a.label == arm), None)
        values = sorted(m.value for m in data.measurements if m.parameter == "BMI" and (code is None or next(
            p.arm_code for p in data.participants if p.subject_id == m.subject_id) == code))  # fmt: skip
        assert float(entry.findtext("parameterValue")) == pytest.approx(float(np.median(values)), abs=1e-4)
        assert (float(entry.findtext("dispersionLowerLimit")), float(entry.findtext("dispersionUpperLimit"))) == (
            values[0],
            values[-1],
        )


def test_the_ls_mean_and_hazard_ratio_outcomes_read_back(three_arms) -> None:  # type: ignore[no-untyped-def]
    _, results, root = three_arms
    measures = {m.findtext("title"): m for m in root.iterfind("outcomeMeasures/outcomeMeasure")}
    score = measures["Symptom score at week 12"]
    assert (score.findtext("parameterType"), score.findtext("dispersionType")) == ("Least Squares Mean",
                                                                                 "Standard Error")  # fmt: skip
    groups = {g.get("id"): g.findtext("title") for g in score.iterfind("outcomeReportingGroups/*")}
    estimates = {r.arm: r for r in results["outcome_estimates"].rows if r.parameter == "SCORE"}
    for value in score.iterfind("measureRows/measureRow/reportedValues/reportedValue"):
        row = estimates[groups[value.findtext("reportingGroupId")]]
        entry = value.find("reportedEntries/reportedEntry")
        assert float(entry.findtext("parameterValue")) == pytest.approx(row.estimate, abs=1e-4)
        assert float(entry.findtext("dispersionSpread")) == pytest.approx(row.std_error, abs=1e-4)
    analyses = score.findall("outcomeMeasureAnalyses/measureAnalysis")
    compared = [r for r in results["outcome_comparison"].rows if r.parameter == "SCORE"]
    assert len(analyses) == len(compared) == 2
    for analysis, row in zip(analyses, compared, strict=True):
        assert analysis.findtext("statisticalMethod") == "ANCOVA"
        assert float(analysis.findtext("parameterValue")) == pytest.approx(row.estimate, abs=1e-4)
        assert [groups[g.text] for g in analysis.iterfind("outcomeReportingGroups/*")] == [row.arm, row.control]
    survival = measures["Time to relapse"]
    assert survival.findtext("parameterType") == "Median"
    hazard = [r for r in results["outcome_comparison"].rows if r.parameter == "TTE"]
    for analysis, row in zip(survival.findall("outcomeMeasureAnalyses/measureAnalysis"), hazard, strict=True):
        assert analysis.findtext("parameterType") == "Hazard Ratio (HR)"
        assert analysis.findtext("statisticalMethod") == "Log Rank"
        assert float(analysis.findtext("parameterValue")) == pytest.approx(row.estimate, abs=1e-4)
        assert float(analysis.findtext("ciLowerLimit")) == pytest.approx(row.ci_low, abs=1e-4)


def test_a_sex_specific_term_has_its_own_number_at_risk_and_its_own_assessment_type() -> None:
    from tests.analysis_fixture import hand_trial

    trial = hand_trial(safety={"sex_specific_terms": {"Nausea": "F"}, "meddra_version": "26.0"},
                       ctgov={"term_assessment_types": {"Nausea": "Non-systematic Assessment"}})  # fmt: skip
    results = build_analysis(trial)
    safety_f = {}
    labels = trial.arm_labels
    for p in trial.participants:
        if p.safety_population and p.actual_arm_code:
            arm = labels[p.actual_arm_code]
            safety_f[arm] = safety_f.get(arm, 0) + (p.sex == "F")
    rows = [r for r in (*results["ae_registry_other"].rows, *results["ae_registry_serious"].rows) if r.pt == "Nausea"]
    assert rows and all(r.n_at_risk == safety_f.get(r.arm, 0) for r in rows)
    headache = [r for r in results["ae_registry_serious"].rows if r.pt == "Headache"]
    group_at_risk = {g.arm: g.n_at_risk for g in results["ae_registry_groups"].rows}
    assert headache and all(r.n_at_risk == group_at_risk[r.arm] for r in headache)  # unrestricted terms as before
    assert any(rows[i].n_at_risk < group_at_risk[rows[i].arm] for i in range(len(rows)))
    root = build_result(trial, results).root
    nausea = next(e for e in root.iterfind("reportedEvents/*/*") if e.findtext("term") == "Nausea")
    assert nausea.findtext("assessmentType") == "Non-systematic Assessment"
    assert not [str(p) for p in validate_result(root) if p.rejects and "Nausea" in p.where]
