"""The one request every estimate starts from: validated once, keyed cheaply for a cache, and refusing the
combinations that cannot be estimated before anything is read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from analysis.model.scenarios import ScenarioError, load_scenarios
from analysis.pipeline.request import EstimateRequest, apply_overrides


def test_a_key_reads_back_as_the_same_request():
    request = EstimateRequest(db=Path("w.duckdb"), scenarios=("ecr", "harbor-aws"), draws=200, overrides={"x": 1})
    assert EstimateRequest.from_key(request.key()) == request


def test_what_the_warehouse_read_depends_on_leaves_out_scenarios_draws_and_edits():
    base = EstimateRequest(db=Path("w.duckdb"))
    moved = base.model_copy(update={"scenarios": ("ecr",), "draws": 10_000, "overrides": {"horizon_months": 60}})
    assert moved.estate_key() == base.estate_key() and moved.key() != base.key()
    assert base.model_copy(update={"at": datetime(2026, 1, 1, tzinfo=UTC)}).estate_key() != base.estate_key()


def test_a_date_without_a_zone_is_utc():
    assert EstimateRequest(at=datetime(2026, 11, 1)).at == datetime(2026, 11, 1, tzinfo=UTC)


def test_an_unknown_currency_is_refused():
    with pytest.raises(ValidationError, match="USD or EUR"):
        EstimateRequest(currency="GBP")


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"usage": Path("u.yaml"), "registry": ""}, "--usage replaces the warehouse"),
        ({"usage": Path("u.yaml"), "calibrate": True}, "--calibrate fits the warehouse's bill"),
        ({"registry": "", "calibrate": True}, "--calibrate fits ECR's bill"),
    ],
)
def test_combinations_that_cannot_be_estimated(fields: dict, says: str):
    with pytest.raises(ScenarioError, match=says):
        EstimateRequest(**fields).check()


def test_an_edit_keeps_a_ranges_bounds_widened_to_the_value():
    ecr = load_scenarios()["ecr"]
    before = ecr.assumptions.layer_cache_hit_ratio
    edited = apply_overrides(ecr, {"layer_cache_hit_ratio": 0.95})
    after = edited.assumptions.layer_cache_hit_ratio
    assert after.base == 0.95 and after.low == before.low and after.high == max(before.high, 0.95)
