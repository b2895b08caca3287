"""The measured network path's cost: NAT processing on the pulled layer bytes, per month, and what the ECR
interface endpoints that would remove it cost (shipped us-east-1 prices: NAT $0.045/GB, endpoint $0.01/AZ-hour)."""

from __future__ import annotations

import pytest

from analysis.model.network import RegionPath, nat_cost
from analysis.pricing import load_catalog

GB = 2**30


def path(**kw) -> RegionPath:
    fields = dict(
        region="us-east-1",
        nat_bytes=0.0,
        private_bytes=0.0,
        direct_bytes=0.0,
        unplaced_bytes=0.0,
        window_days=30,
        nat_subnets=0,
        subnets=0,
        interface_azs=0,
    )
    return RegionPath(**(fields | kw))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_nat_processing_per_month_from_the_window(catalog):
    # 200 GB through NAT in 10 days → 200 × 30 / 10 = 600 GB a month × $0.045 = $27.00
    cost = nat_cost(path(nat_bytes=200 * GB, window_days=10, interface_azs=3), catalog)
    assert cost.nat_gb_per_month == pytest.approx(600)
    assert cost.nat_cost_per_month == pytest.approx(27.0)
    assert cost.s3_gateway_endpoint_cost_per_month == 0.0
    # ecr.dkr + ecr.api in 3 AZs: 2 × 3 × $0.01 × 730 h = $43.80
    assert cost.interface_endpoints_cost_per_month == pytest.approx(43.8)
    assert cost.price_note.startswith("NAT USD 0.045/GB (")


def test_a_region_without_prices_says_so(catalog):
    cost = nat_cost(path(region="xx-nowhere-1", nat_bytes=GB), catalog)
    assert cost.nat_cost_per_month is None
    assert cost.interface_endpoints_cost_per_month is None
    assert cost.price_note == (
        "no NAT price for xx-nowhere-1 in the catalog; no interface endpoint price for xx-nowhere-1 in the catalog"
    )


def test_shares_of_the_path():
    p = path(nat_bytes=3 * GB, private_bytes=GB, direct_bytes=0, unplaced_bytes=9 * GB, nat_subnets=1, subnets=4)
    assert p.measured_nat_share == 0.75  # 3 / (3 + 1 + 0): unplaced bytes count nowhere
    assert p.topology_nat_share == 0.25
    assert path().measured_nat_share is None
    assert path().topology_nat_share is None
