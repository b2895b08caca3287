"""The network stage runner over the emulated AWS: the subnets it reads are stored, each region gets its path
and NAT cost, and the summary a user reads joins the two. (The paths themselves: tests/collectors/test_network.py.)"""

from __future__ import annotations

import pytest
from support import settings_for

from analysis.model.network import NatCost, RegionPath
from analysis.pipeline.network import NetworkSummary, collect_network
from analysis.warehouse import Warehouse

REGION = "us-east-1"


def test_subnets_are_stored_and_each_region_priced(aws, tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_network(wh, settings_for(aws), [REGION])
        stored = wh.query("SELECT count(*) FROM current_network_subnets WHERE region = ?", [REGION])[0][0]
        runs = wh.query("SELECT source, status FROM runs")
    assert summary.status == "complete" and summary.errors == []
    assert runs == [("network", "complete")]
    assert stored == len(summary.subnets) > 0  # the emulated account's default VPC has subnets
    (path,) = summary.regions
    assert path.region == REGION and path.subnets == stored
    assert path.nat_bytes == 0 and path.window_days == 0  # no trail collected: nothing measured
    (cost,) = summary.costs
    assert cost.nat_gb_per_month == 0 and cost.nat_cost_per_month == 0


def test_the_summary_joins_each_regions_path_and_cost():
    path = RegionPath("eu-west-1", 3.0, 1.0, 0.0, 0.0, 30, 1, 4, 2)
    cost = NatCost("eu-west-1", 90.0, 4.05, 0.0, 29.2, "NAT USD 0.045/GB")
    (region,) = NetworkSummary(1, "complete", [], [path], [cost]).as_dict()["regions"]
    assert region["measured_nat_share"] == 0.75  # 3 / (3 + 1)
    assert region["topology_nat_share"] == 0.25  # 1 of 4 subnets
    assert (region["region"], region["nat_cost_per_month"], region["price_note"]) == (
        "eu-west-1",
        pytest.approx(4.05),
        "NAT USD 0.045/GB",
    )
