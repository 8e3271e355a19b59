"""PRS's pick-lists for the results upload, each with the data element it belongs to.

From ClinicalTrials.gov's Results Data Element Definitions for Interventional and Observational Studies and the
RRS upload schema's picklist names (MeasureParamTypeUtil, MeasureDispersTypeUtil, ...). PRS matches a value
exactly; one it does not know is refused on upload.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Picklist:
    element: str  # the data element, as the definitions name it
    values: tuple[str, ...]
    definition: str  # what the definitions say of it, for `validate ctgov --explain`


MEASURE_TYPES = ("Count of Participants", "Mean", "Median", "Least Squares Mean", "Geometric Mean",
                 "Geometric Least Squares Mean", "Number", "Count of Units")  # fmt: skip
OUTCOME_DISPERSIONS = ("Not Applicable", "Standard Deviation", "Standard Error", "Inter-Quartile Range", "Full Range",
                       "80% Confidence Interval", "90% Confidence Interval", "95% Confidence Interval",
                       "97.5% Confidence Interval", "99% Confidence Interval", "Other Confidence Interval Level",
                       "Geometric Coefficient of Variation")  # fmt: skip
BASELINE_DISPERSIONS = ("Not Applicable", "Standard Deviation", "Inter-Quartile Range", "Full Range",
                        "Geometric Coefficient of Variation")  # fmt: skip
SOCS = (
    "Blood and lymphatic system disorders", "Cardiac disorders", "Congenital, familial and genetic disorders",
    "Ear and labyrinth disorders", "Endocrine disorders", "Eye disorders", "Gastrointestinal disorders",
    "General disorders", "Hepatobiliary disorders", "Immune system disorders", "Infections and infestations",
    "Injury, poisoning and procedural complications", "Investigations", "Metabolism and nutrition disorders",
    "Musculoskeletal and connective tissue disorders",
    "Neoplasms benign, malignant and unspecified (incl cysts and polyps)", "Nervous system disorders",
    "Pregnancy, puerperium and perinatal conditions", "Product Issues", "Psychiatric disorders",
    "Renal and urinary disorders", "Reproductive system and breast disorders",
    "Respiratory, thoracic and mediastinal disorders", "Skin and subcutaneous tissue disorders",
    "Social circumstances", "Surgical and medical procedures", "Vascular disorders",
)  # fmt: skip
BASELINE_TITLES = ("Age, Continuous", "Age, Categorical", "Age, Customized", "Sex: Female, Male",
                   "Sex/Gender, Customized", "Race (NIH/OMB)", "Ethnicity (NIH/OMB)", "Race/Ethnicity, Customized",
                   "Race and Ethnicity Not Collected", "Region of Enrollment", "Continuous: Study-Specific Measure",
                   "Categorical: Study-Specific Measure", "Study Specific Characteristic")  # fmt: skip
AGE_TITLES = ("Age, Continuous", "Age, Categorical", "Age, Customized")
SEX_TITLES = ("Sex: Female, Male", "Sex/Gender, Customized")
# Categories PRS fixes for its predefined measures.
FIXED_CATEGORIES = {
    "Sex: Female, Male": ("Female", "Male"),
    "Age, Categorical": ("<=18 years", "Between 18 and 65 years", ">=65 years"),
    "Race (NIH/OMB)": ("American Indian or Alaska Native", "Asian", "Native Hawaiian or Other Pacific Islander",
                       "Black or African American", "White", "More than one race", "Unknown or Not Reported"),
    "Ethnicity (NIH/OMB)": ("Hispanic or Latino", "Not Hispanic or Latino", "Unknown or Not Reported"),
}  # fmt: skip
CONTINUOUS_TYPES = ("Mean", "Median", "Least Squares Mean", "Geometric Mean", "Geometric Least Squares Mean")

PICKLISTS = {
    "outcome parameterType": Picklist("Measure Type", MEASURE_TYPES,
        "Measure Type: the type of data for the outcome measure (Count of Participants, Mean, Median, Least Squares "
        "Mean, Geometric Mean, Geometric Least Squares Mean, Number, Count of Units)."),
    "baseline parameterType": Picklist("Baseline Measure Type", MEASURE_TYPES,
        "Measure Type: the type of data for the baseline measure, from the same list as outcome measures."),
    "outcome dispersionType": Picklist("Measure of Dispersion/Precision", OUTCOME_DISPERSIONS,
        "Measure of Dispersion/Precision (outcome): Not Applicable, Standard Deviation, Standard Error, "
        "Inter-Quartile Range, Full Range, a Confidence Interval (80, 90, 95, 97.5, 99% or Other level), Geometric "
        "Coefficient of Variation."),
    "baseline dispersionType": Picklist("Measure of Dispersion", BASELINE_DISPERSIONS,
        "Measure of Dispersion (baseline): Not Applicable, Standard Deviation, Inter-Quartile Range, Full Range, "
        "Geometric Coefficient of Variation. Standard errors and confidence intervals are not baseline "
        "characteristics."),
    "measureType": Picklist("Outcome Measure Type", ("Primary", "Secondary", "Other Pre-specified", "Post-Hoc"),
        "Outcome Measure Type: Primary, Secondary, Other Pre-specified or Post-Hoc."),
    "reasonType": Picklist("Reason Not Completed", ("Adverse Event", "Death", "Lack of Efficacy", "Lost to Follow-up",
                                                    "Physician Decision", "Pregnancy", "Protocol Violation",
                                                    "Withdrawal by Subject", "Other"),
        "Reason Not Completed: Adverse Event, Death, Lack of Efficacy, Lost to Follow-up, Physician Decision, "
        "Pregnancy, Protocol Violation, Withdrawal by Subject, or Other with its own name."),
    "statisticalTestType": Picklist("Type of Statistical Test", ("Superiority", "Non-Inferiority", "Equivalence",
                                                                 "Other", "Non-Inferiority or Equivalence",
                                                                 "Superiority or Other"),
        "Type of Statistical Test: Superiority, Non-Inferiority, Equivalence, Other (with an explanation), or the "
        "legacy Non-Inferiority or Equivalence / Superiority or Other."),
    "statisticalMethod": Picklist("Statistical Method", (
        "ANCOVA", "ANOVA", "Chi-squared", "Chi-squared, Corrected", "Cochran-Mantel-Haenszel", "Fisher Exact",
        "Kruskal-Wallis", "Log Rank", "Mantel Haenszel", "McNemar", "Mixed Models Analysis", "Regression, Cox",
        "Regression, Linear", "Regression, Logistic", "Sign test", "t-Test, 1 Sided", "t-Test, 2 Sided",
        "t-Test, 1-Sided", "t-Test, 2-Sided", "Wilcoxon (Mann-Whitney)", "Other"),
        "Statistical Method: ANCOVA, ANOVA, Chi-squared, Chi-squared Corrected, Cochran-Mantel-Haenszel, Fisher "
        "Exact, Kruskal-Wallis, Log Rank, Mantel Haenszel, McNemar, Mixed Models Analysis, Regression (Cox, Linear, "
        "Logistic), Sign test, t-Test (1- or 2-sided), Wilcoxon (Mann-Whitney), or Other with its name."),
    "analysis parameterType": Picklist("Estimation Parameter", (
        "Cox Proportional Hazard", "Hazard Ratio (HR)", "Hazard Ratio, log", "Mean Difference (Final Values)",
        "Mean Difference (Net)", "Median Difference (Final Values)", "Median Difference (Net)", "Odds Ratio (OR)",
        "Odds Ratio, log", "Risk Difference (RD)", "Risk Ratio (RR)", "Risk Ratio, log", "Slope", "Other"),
        "Estimation Parameter: Cox Proportional Hazard, Hazard Ratio (HR) or its log, Mean Difference (Final "
        "Values or Net), Median Difference (Final Values or Net), Odds Ratio (OR) or its log, Risk Difference (RD), "
        "Risk Ratio (RR) or its log, Slope, or Other with its name."),
    "analysis dispersionType": Picklist("Parameter Dispersion Type", ("Standard Deviation",
                                                                      "Standard Error of the Mean"),
        "Parameter Dispersion Type: Standard Deviation or Standard Error of the Mean."),
    "ciNumSides": Picklist("Confidence Interval Number of Sides", ("1-Sided", "2-Sided"),
        "Confidence Interval: Number of Sides, 1-Sided or 2-Sided."),
    "assessmentType": Picklist("Assessment Type", ("Systematic Assessment", "Non-systematic Assessment"),
        "Adverse Event Reporting, Assessment Type: Systematic Assessment or Non-systematic Assessment, for the "
        "module and, where it differs, per term."),
    "organSystemName": Picklist("Organ System", SOCS,
        "Organ System: one of ClinicalTrials.gov's organ system names (MedDRA's SOCs in its wording, e.g. "
        "'General disorders')."),
    "baseline title": Picklist("Baseline Measure", BASELINE_TITLES,
        "Baseline Measure: Age (Continuous, Categorical or Customized), Sex (Female, Male; or Sex/Gender, "
        "Customized), Race and Ethnicity (NIH/OMB, Customized, or Not Collected), Region of Enrollment, or a "
        "Study-Specific measure with its own title."),
}  # fmt: skip

# What the definitions say of the rules that are not pick-lists, for `validate ctgov --explain`.
RULES = {
    "number": "Data: each count, value, dispersion and limit is a number (a count a whole number ≥ 0); 'NA' only "
    "with its explanation (naComment).",
    "group description": "Arm/Group Description *: a brief description of each arm or group, to distinguish it from "
    "the others, in every module.",
    "group title": "Arm/Group Title *: at least 4 and at most 62 characters.",
    "age sex": "Baseline Measures *: Age and Sex/Gender are required (Age: Continuous, Categorical or Customized; Sex: "
    "Female, Male or Sex/Gender, Customized).",
    "mortality": "All-Cause Mortality § (required if the Primary Completion Date is on or after January 18, 2017): "
    "the number of deaths and of participants at risk, per group.",
    "outcome required": "Outcome Measure Title *, Time Frame *, Unit of Measure *, Measure Type * and data for each "
    "group; a Description is expected for every measure.",
    "started": "Participant Flow: STARTED * and COMPLETED * for every group of every period.",
    "reasons": "Reason Not Completed: optional; when given, the reasons of a group sum to STARTED − COMPLETED.",
    "analysed": "Number of Participants Analyzed *: per measure and group, at most the group's number; a count of "
    "participants at most the number analysed.",
    "events": "Adverse events: the number of events is at least the number of participants affected, and the number "
    "affected at most the number at risk (which a term may restrict, e.g. a sex-specific event).",
    "interval": "Confidence Interval: the lower limit at most the estimate, the estimate at most the upper limit.",
    "threshold": "Frequency Threshold for Reporting Other Adverse Events *: from 0 (every other event) to 5 percent.",
    "unit": "Unit of Measure: a Count of Participants is in Participants; other measure types in the unit of the "
    "data (a major comment when they do not fit).",
    "dispersion": "Continuous data (mean, median, LS mean, geometric mean) need a measure of dispersion or precision "
    "(a major comment when 'Not Applicable').",
    "analysis groups": "Statistical Analysis: the comparison groups are two or more of the measure's groups, and the "
    "method fits them (a 2-sided t-test or a Mann-Whitney test compares two; a major comment otherwise).",
    "across modules": "Consistency across modules: STARTED in the participant flow, the baseline's overall number and "
    "the adverse events' number at risk agree per group, or the difference is explained (the baseline and "
    "adverse event population descriptions) — a major comment otherwise.",
}
