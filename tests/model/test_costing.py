"""One scenario's lines and one-time costs, the step the estimate and the Monte Carlo share: each kind of
scenario gets the lines its registry pays, on the run-wide terms (horizon, currency, discount rate).

Input: tests/fixtures/usage/calculator.yaml (600 GB stored, 41,000 GB pulled a month, 40 repositories).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions
from analysis.model.costing import effective_assumptions, scenario_costs
from analysis.model.inputs import from_usage_file
from analysis.model.scenarios import load_scenarios
from analysis.pricing import load_catalog

USAGE = Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "calculator.yaml"
SHARED = Assumptions(horizon_months=6)


@pytest.fixture(scope="module")
def inp():
    return from_usage_file(USAGE)


@pytest.fixture(scope="module")
def scenarios():
    return load_scenarios()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_run_wide_terms_and_the_usage_files_transfer_are_imposed(inp, scenarios):
    a = effective_assumptions(scenarios["harbor-aws"], inp, SHARED)
    assert a.horizon_months == 6
    assert a.currency == SHARED.currency
    # of the 41,000 GB pulled a month: same region 20,000 + 4,500, internet 15,000 + 500
    assert a.consumers.same_region == pytest.approx(24_500 / 41_000)
    assert a.consumers.internet == pytest.approx(15_500 / 41_000)
    assert a.layer_cache_hit_ratio == 0.0  # the file states bytes after caching


def test_staying_on_ecr_has_no_one_time_cost(inp, scenarios, catalog):
    costs = scenario_costs(scenarios["ecr"], inp, catalog, SHARED)
    assert costs.one_time == []
    assert costs.one_time_total() == 0
    assert costs.monthly_total().shape == (6,)
    assert {line.group for line in costs.lines} >= {"storage", "transfer"}


def test_leaving_pays_the_copy_out_the_engineering_and_ecr_during_the_dual_run(inp, scenarios, catalog):
    costs = scenario_costs(scenarios["harbor-aws"], inp, catalog, SHARED)
    assert [o.component for o in costs.one_time] == ["Copy-out egress (migration)", "Migration engineering"]
    assert "ECR during the dual run" in [line.component for line in costs.lines]
    total = costs.monthly_total()
    assert total.shape == (6,)
    assert np.isclose(total.sum(), sum(np.asarray(line.monthly).sum() for line in costs.lines))


def test_hybrid_keeps_ecr_and_adds_a_proxy_cache(inp, scenarios, catalog):
    costs = scenario_costs(scenarios["hybrid-proxy"], inp, catalog, SHARED)
    assert [o.component for o in costs.one_time] == ["Proxy cache set-up"]
    proxy = [line.component for line in costs.lines if line.component.startswith("Proxy cache: ")]
    assert proxy and len(proxy) < len(costs.lines)


def test_monte_carlo_lines_broadcast_to_draws_by_months(inp, scenarios, catalog):
    costs = scenario_costs(scenarios["harbor-aws"], inp, catalog, SHARED, n=50, rng=np.random.default_rng(1))
    assert costs.monthly_total().shape == (50, 6)
    assert np.shape(costs.one_time_total()) == (50, 1)
