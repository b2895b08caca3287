"""The report's "top repositories": per-repository month-1 cost at the baseline's prices, from the model.

Attributed, not invented: over all repositories, storage and transfer add up to the baseline's own month-1
bill lines (no free allowance in the default scenario, so nothing is left to apportion)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.model.costs import Ctx
from analysis.model.repositories import TOP, repository_costs
from analysis.model.resolved import ResolvedAssumptions
from analysis.model.scenarios import load_scenarios, pick
from analysis.model.workload import load_profile
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.pricing import load_catalog
from analysis.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]


def test_repository_costs_add_up_to_the_baseline_bill_lines(collected_db: Path):
    result = run(EstimateRequest(db=collected_db)).estimate
    baseline = result.scenario(result.baseline)
    with Warehouse(collected_db, read_only=True) as wh:
        profile = load_profile(wh, now=result.as_of)
    scenario = pick(load_scenarios(None), ["ecr"])[0]
    ctx = Ctx(load_catalog(None), ResolvedAssumptions.of(scenario.assumptions), np.arange(1.0, 37.0))
    costs = repository_costs(profile, ctx)

    storage = sum(c.cost_month1 for c in baseline.components if c.group == "storage")
    transfer = sum(c.cost_month1 for c in baseline.components if c.group in ("transfer", "aws-side"))
    assert costs["storage_cost_month1"].sum() == pytest.approx(storage, abs=0.01)
    assert costs["transfer_cost_month1"].sum() == pytest.approx(transfer, abs=0.01)

    top = result.top_repositories
    assert len(top) == min(TOP, len(costs))
    assert [t.cost_month1 for t in top] == sorted((t.cost_month1 for t in top), reverse=True)
    assert top[0].cost_month1 == pytest.approx(costs["cost_month1"].max())
    assert all(t.cost_month1 == pytest.approx(t.storage_cost_month1 + t.transfer_cost_month1) for t in top)


def test_a_usage_file_has_no_repositories_to_rank():
    result = run(EstimateRequest(usage=ROOT / "docs" / "examples" / "usage.yaml")).estimate
    assert result.top_repositories == []
