"""Measured assumptions replace presets: the hit ratio and the NAT path from CloudTrail and the VPCs, with
ranges bootstrapped over days; a scenario file's own value is kept and said."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from support import settings_for

from analysis.demo import measurements as dm
from analysis.demo.estate import ACCOUNT_IDS
from analysis.model.assumptions import Share, base
from analysis.model.measured import bootstrap_ratio, consumer_split
from analysis.pipeline.network import collect_network
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.pipeline.trail import TrailRequest, collect_trail


def test_bootstrap_of_steady_days_is_narrow_and_of_varied_days_wide():
    # Every day 80 of 100 bytes cached: every resample gives 0.8.
    assert bootstrap_ratio(np.full(10, 80.0), np.full(10, 100.0)) == pytest.approx((0.8, 0.8, 0.8))
    # Days alternate 0.5 and 1.0 of equal weight: the window's ratio is 0.75, resamples spread around it.
    low, base, high = bootstrap_ratio(np.array([50.0, 100.0] * 5), np.full(10, 100.0))
    assert base == pytest.approx(0.75) and low < 0.75 < high and high - low < 0.5


@pytest.fixture(scope="module")
def measured_db(collected_db: Path, small_estate, tmp_path_factory) -> Path:
    """The small estate's warehouse plus a demo trail (10 days) and network, measured by the real collectors."""
    from analysis.demo.aws import EmulatedAWS
    from analysis.warehouse import Warehouse

    tmp = tmp_path_factory.mktemp("measured")
    db = tmp / "w.duckdb"
    shutil.copy(collected_db, db)
    today = datetime.now(UTC).date()
    region = small_estate.regions[0]
    with EmulatedAWS() as aws:
        aws.seed(small_estate)
        network = dm.build_network(aws.client_kwargs(region), region)
        with Warehouse(db) as wh:
            images = dm.pullable_images(wh, region)
            dm.write_trail(tmp / "trail", images, network, ACCOUNT_IDS[0], today, days=10, pulls_per_day=60)
            collect_trail(wh, None, TrailRequest(today - timedelta(days=10), today, folder=tmp / "trail"))
            collect_network(wh, settings_for(aws), [region])
    return db


def _row(result, name):
    return next(r for r in result.assumptions if r.scenario == "*" and r.name == name)


def test_measured_values_replace_presets_and_show_their_origin(measured_db):
    result = run(EstimateRequest(db=measured_db, scenarios=("ecr", "hybrid-proxy"))).estimate
    hit = _row(result, "layer_cache_hit_ratio")
    assert hit.source.startswith("measured: CloudTrail") and "10 days" in hit.source and "bootstrap" in hit.source
    # The demo's truth is 0.85 per layer (preset 0.6); 600 pulls measure it within a few points.
    assert 0.78 < float(hit.base) < 0.92
    assert hit.low <= float(hit.base) <= hit.high and hit.high - hit.low < 0.25  # narrower than the preset 0.3–0.85
    private = _row(result, "private_subnet_share")
    assert float(private.base) == 1.0 and private.source.startswith("measured")  # every demo node is private
    endpoint = _row(result, "vpc_endpoint_share")
    assert 0.5 < float(endpoint.base) < 0.9  # 70 % of the pulls are made in the VPC with the S3 endpoint
    assert any(n.startswith("measured layer_cache_hit_ratio") for n in result.notes)


def test_a_scenario_files_own_value_is_kept_and_said(measured_db, tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\ntitle: Mine\nextends: ecr\nassumptions:\n  layer_cache_hit_ratio: 0.5\n")
    result = run(EstimateRequest(db=measured_db, scenarios=("ecr", "mine"), scenario_files=(own,))).estimate
    mine = next(r for r in result.assumptions if r.scenario == "mine" and r.name == "layer_cache_hit_ratio")
    assert mine.base == "0.5" and not mine.source.startswith("measured")
    assert any(
        "mine: the scenario file sets layer_cache_hit_ratio = 0.5, overriding the measured" in n for n in result.notes
    )


def test_the_tornado_swing_of_a_measured_assumption_shrinks(measured_db, collected_db):
    def swing(db, name):
        result = run(EstimateRequest(db=db, scenarios=("ecr", "hybrid-proxy"), draws=200)).estimate
        return next(b.swing for b in result.uncertainty.tornado if b.assumption == name)

    assert swing(measured_db, "layer_cache_hit_ratio") < swing(collected_db, "layer_cache_hit_ratio")


def test_the_consumer_split_is_the_placed_bytes_by_where_the_consumer_sits():
    # 4 steady days, each: 60 GiB same region, 10 other region, 30 outside AWS, 20 unplaced (AWS Internal).
    gib = 2.0**30
    days = {k: np.full(4, v * gib) for k, v in (("same_region", 60), ("other_region", 10), ("outside_aws", 30))}
    days["unplaced"] = np.full(4, 20 * gib)
    m = consumer_split(days, "2026-11-01…2026-11-05")
    assert m is not None and m.name == "consumers" and m.days == 4
    # Placed: 60 + 10 + 30 = 100 GiB a day → 0.6 / 0.1 / 0.3; outside AWS split 15:5 as the preset (0.15, 0.05):
    # internet 0.3 × 0.75 = 0.225, other_cloud 0.3 × 0.25 = 0.075. Steady days: the bootstrap has no spread.
    assert {k: base(getattr(m.value, k)) for k in Share.model_fields} == pytest.approx(
        {"same_region": 0.6, "other_region": 0.1, "internet": 0.225, "other_cloud": 0.075}
    )
    assert m.value.same_region.low == pytest.approx(0.6) and m.value.same_region.high == pytest.approx(0.6)
    # 400 of 480 GiB placed = 83 %; the unmeasurable part of the split is said.
    assert "400.0 GiB of layer bytes placed (83% of those fetched)" in m.value.same_region.origin
    assert "split 75% / 25% as assumed" in m.value.other_cloud.origin


def test_a_split_of_too_few_placed_bytes_or_days_keeps_the_preset():
    gib = 2.0**30
    mostly_hidden = {"same_region": np.full(5, 10 * gib), "other_region": np.zeros(5), "outside_aws": np.zeros(5)}
    mostly_hidden["unplaced"] = np.full(5, 90 * gib)  # 10 % placed: not the whole's split
    assert consumer_split(mostly_hidden, "w") is None
    two_days = {k: v[:2] for k, v in mostly_hidden.items()} | {"unplaced": np.zeros(2)}
    assert consumer_split(two_days, "w") is None


def test_the_demo_consumers_are_measured_and_differ_from_the_preset(measured_db):
    result = run(EstimateRequest(db=measured_db, scenarios=("ecr", "hybrid-proxy"))).estimate
    rows = {k: _row(result, f"consumers.{k}") for k in Share.model_fields}
    assert all(r.source.startswith("measured: CloudTrail") for r in rows.values())
    # The demo's truth of the placed bytes: nodes 0.55, outside 0.30, other region 0.10 of the pulls; Fargate's
    # 0.05 is unplaced → 0.58 / 0.32 / 0.11 (preset 0.75 / 0.20 / 0.05), within the noise of 600 pulls.
    assert 0.45 < float(rows["same_region"].base) < 0.70
    assert 0.03 < float(rows["other_region"].base) < 0.20
    outside = float(rows["internet"].base) + float(rows["other_cloud"].base)
    assert 0.20 < outside < 0.45
    assert float(rows["internet"].base) == pytest.approx(outside * 0.75)
    assert any(n.startswith("measured consumers = same_region") for n in result.notes)
