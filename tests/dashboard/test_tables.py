"""The dashboard's tables read as the report's: money with the currency symbol to the unit, "—" where a value
does not apply, the report's break-even words (no percentiles from the few draws that break even).

Result: tests/dashboard/conftest.py (Stay on ECR 1,455.20 a month for 12 months; Harbor on AWS as the model
prices it, 45,734.01 over 12 months).
"""

from __future__ import annotations

from analysis.dashboard.tables import summary_frame, uncertainty_frame


def test_summary_one_row_per_scenario_as_the_report_words_it(calculator_result):
    ecr, harbor = summary_frame(calculator_result).to_dict("records")
    assert ecr == {
        "Scenario": "Stay on ECR (calculator terms) (baseline)",
        "Month 1": "$1,455",  # 1,455.20 to the unit
        "Month 12": "$1,455",
        "One-time": "$0",
        "12-month TCO": "$17,462",  # 12 × 1,455.20 = 17,462.40
        "Saves vs baseline": "—",  # the baseline saves nothing against itself: not "$0", not "None"
        "Break-even": "baseline",
        "NPV": "$16,754",
    }
    # 17,462.40 − 45,734.01 = −28,271.61: Harbor costs more, with a minus a reader sees (U+2212)
    assert harbor["Saves vs baseline"] == "−$28,272"
    assert harbor["Break-even"] == "not within horizon"


def test_uncertainty_percentiles_and_shares(uncertain):
    ecr, harbor = uncertainty_frame(uncertain(0.004)).to_dict("records")
    assert ecr["P10 12-month TCO"] == "$17,000"
    assert (ecr["P50"], ecr["P90"]) == ("$17,462", "$18,000")
    assert (ecr["P(beats ECR)"], ecr["Break-even month"], ecr["Never breaks even"]) == ("—", "baseline", "—")
    assert harbor["P(beats ECR)"] == "0.5%"  # not "0%": a few draws do beat ECR
    # 10,000 × (1 − 0.004) = 9,960 draws break even: enough for percentiles
    assert harbor["Break-even month"] == "P10 7 · P50 9 · P90 11 (9,960 of 10,000 draws break even)"
    assert harbor["Never breaks even"] == "0.4%"


def test_no_break_even_percentiles_from_two_draws(uncertain):
    # 10,000 × (1 − 0.9998) = 2 draws break even: their "P10" would be one of the two (the CLI's words too)
    frame = uncertainty_frame(uncertain(0.9998))
    assert frame["Break-even month"][1] == "2 of 10,000 draws break even: too few for percentiles"
