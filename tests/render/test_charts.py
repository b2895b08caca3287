"""The report's charts read the result and nothing else: the baseline's month-1 bars, the cumulative lines and
the labels a user's text becomes (escaped, since plotly reads HTML in labels).

Result: tests/fixtures/usage/calculator.yaml priced on calculator terms (tests/model/test_estimate.py gives the
arithmetic): Stay on ECR costs 1,455.20 a month — storage 60.00, internet out 1,371.20 (1,326.20 + 45.00),
inter-region 20.00, replication 4.00, NAT 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import estimate_from_usage

from analysis.model.scenarios import load_scenarios, pick
from analysis.pricing import load_catalog
from analysis.render.charts import (
    cumulative_tco,
    figures,
    group_colour,
    group_name,
    label,
    monthly_by_group,
    spend_by_component,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def result():
    scenarios = pick(load_scenarios([FIXTURES / "scenarios" / "calculator-parity.yaml"]), ["ecr", "harbor-aws"])
    return estimate_from_usage(FIXTURES / "usage" / "calculator.yaml", scenarios, load_catalog())


def test_user_text_is_escaped_and_wrapped():
    assert label("<a href='x'>team</a>") == "&lt;a href='x'&gt;team&lt;/a&gt;"
    assert label("payments api gateway", 10) == "payments<br>api<br>gateway"
    assert label("") == ""


def test_groups_have_names_and_colours_and_unknown_ones_a_readable_fallback():
    assert (group_name("aws-side"), group_colour("storage")) == ("AWS-side (NAT gateway, endpoints)", "#0072B2")
    assert (group_name("edge-cache"), group_colour("edge-cache")) == ("Edge cache", "#7f7f7f")


def test_the_baselines_month_one_by_component_largest_on_top(result):
    (bars,) = spend_by_component(result).data
    assert list(bars.text) == ["0.00", "4.00", "20.00", "60.00", "1,371.20"]  # plotly draws the last on top
    assert bars.y[-1] == "Data transfer out to the<br>internet"


def test_month_one_and_the_last_month_stack_to_each_scenarios_total(result):
    fig = monthly_by_group(result)
    for col, month in (("x", 0), ("x2", -1)):
        bars = [t for t in fig.data if t.xaxis == col]
        for i, s in enumerate(reversed(result.scenarios)):
            assert sum(t.x[i] for t in bars) == pytest.approx(s.monthly_total[month])


def test_cumulative_lines_end_at_each_scenarios_tco(result):
    lines = [t for t in cumulative_tco(result).data if t.mode == "lines"]
    assert [t.name for t in lines] == ["Stay on ECR (calculator terms) (baseline)", "Harbor on AWS (EKS, us-east-1)"]
    assert lines[0].y[-1] == pytest.approx(17_462.40)  # 12 × 1,455.20
    assert lines[0].line.dash == "dash"
    assert lines[1].y[-1] == pytest.approx(result.scenario("harbor-aws").horizon_tco)


def test_without_draws_there_is_no_fan_and_no_tornado(result):
    assert set(figures(result)) == {"spend_by_component", "monthly_by_group", "cumulative_tco"}
