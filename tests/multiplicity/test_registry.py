"""ClinicalTrials.gov's analysis of a comparison in a family states its adjustment for multiple comparisons in the
P-Value Comments (PRS data element definitions: "whether or not the p-value is adjusted for multiple comparisons")."""

from __future__ import annotations

from registry.ctgov.build import build_result
from registry.ctgov.validate import check_schema
from service.analysis import build_analysis
from tests.multiplicity.test_apply import HIGH, LOW, comparison, with_families


def test_the_p_value_comment_names_the_method_family_and_adjusted_p_and_the_upload_stays_valid() -> None:
    data = with_families({"name": "Doses", "method": "holm", "hypotheses": [HIGH, LOW]})
    results = build_analysis(data)
    high = comparison(results["outcome_comparison"].rows, "High dose", "Placebo")
    root = build_result(data, results).root
    comments = [e.text for e in root.iter("pValueComment")]
    assert check_schema(root) == []
    assert len(comments) == 2  # the two doses against placebo; the trend and high-versus-low are in no family
    assert high.p_adjusted is not None
    shown = "<0.001" if high.p_adjusted < 0.001 else f"= {high.p_adjusted:.3f}"
    assert (
        f"Unadjusted. Adjusted for multiple comparisons by the Holm method within the family 'Doses': p {shown}."
        in (comments)
    )
