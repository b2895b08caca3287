"""ECR costs through `ecr_costs`, each expected value computed by hand from the shipped us-east-1 prices
(storage $0.10/GB-month; internet egress 0.09 to 10,240 GB, 0.085 to 51,200, 0.07 to 153,600, then 0.05;
inter-region $0.02/GB; NAT processing $0.045/GB, eu-west-1 $0.048/GB; archive 0.10 to 153,600 GB-month then 0.07;
Inspector $0.09 a first scan, $0.01 a rescan) and one price of our own (eu-west-1 inter-region $0.05/GB).
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions
from analysis.model.costs import GIB, Ctx
from analysis.model.ecr import EcrOptions, RegionUsage, ecr_costs
from analysis.model.resolved import ResolvedAssumptions
from analysis.pricing import load_catalog

OWN_PRICES = """\
catalog_version: 1
prices:
  - id: aws.transfer.inter_region
    region: eu-west-1
    unit: GB
    currency: USD
    price: 0.05
    source: https://example.com/test-prices
    as_of: 2026-01-01
    note: a round rate of our own, to show that the SOURCE region's rate is used
"""

FIELDS = [
    "standard_gb",
    "archive_gb",
    "growth_gb_month",
    "untagged_gb",
    "never_pulled_gb",
    "pull_gb_month",
    "pull_through_cache_gb",
    "replication_gb_month",
    "scanned_pushes_month",
    "scanned_tagged_images",
]
# Every pulled byte goes to the internet, none is cached on the node: egress = pulls.
ALL_OUT = {
    "consumers": {"same_region": 0, "other_region": 0, "internet": 1, "other_cloud": 0},
    "layer_cache_hit_ratio": 0,
}


@pytest.fixture(scope="module")
def shipped():
    return load_catalog()


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    path = tmp_path_factory.mktemp("prices") / "own.yaml"
    path.write_text(OWN_PRICES)
    return load_catalog([path])


def usage(**regions: dict[str, float]) -> RegionUsage:
    names = sorted(r.replace("_", "-") for r in regions)
    by_name = {r.replace("_", "-"): v for r, v in regions.items()}
    cols = {f: np.array([by_name[r].get(f, 0.0) for r in names], dtype=float) for f in FIELDS}
    return RegionUsage(regions=names, **cols)


def ctx(catalog, months: int = 12, **assumptions) -> Ctx:
    return Ctx(catalog, ResolvedAssumptions.of(Assumptions(**assumptions)), np.arange(1, months + 1, dtype=float))


def lines(u: RegionUsage, c: Ctx, options: EcrOptions = EcrOptions()) -> dict:
    return {line.component: line for line in ecr_costs(u, c, options)}


def cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 2)


# -- storage -----------------------------------------------------------------------------------------


def test_storage_byte_hours_become_gb_months_at_mid_month(shipped):
    # 1,073,741,824,000 bytes = 1000 × 2^30 = 1000 GB, growing 10 GB a month
    u = usage(us_east_1={"standard_gb": 1_073_741_824_000 / GIB, "growth_gb_month": 10})
    line = lines(u, ctx(shipped, storage_growth_factor=1.0))["ECR storage (standard)"]
    # month m bills the mid-month stock (1000 + 10 × (m − 0.5)) GB-months × $0.10
    assert cents(line.monthly[0]) == 100.50  # (1000 + 10 × 0.5) × 0.10
    assert cents(line.monthly[1]) == 101.50  # (1000 + 10 × 1.5) × 0.10
    assert cents(line.monthly[11]) == 111.50  # (1000 + 10 × 11.5) × 0.10
    assert line.quantity == pytest.approx(1005.0)
    assert line.unit == "GB-month"
    # the growth factor scales measured growth: (1000 + 15 × 0.5) × 0.10 = 100.75
    faster = lines(u, ctx(shipped, storage_growth_factor=1.5))["ECR storage (standard)"]
    assert cents(faster.monthly[0]) == 100.75


def test_archive_storage_is_tiered_above_150_tb(shipped):
    u = usage(us_east_1={"archive_gb": 163_600})
    line = lines(u, ctx(shipped))["ECR storage (archive)"]
    # 153,600 × 0.10 + 10,000 × 0.07 = 15,360 + 700 = 16,060.00, every month (no growth in archive)
    assert cents(line.monthly) == pytest.approx([16_060.00] * 12)


def test_lifecycle_cleanup_removes_untagged_bytes_and_their_share_of_growth(shipped):
    u = usage(us_east_1={"standard_gb": 1000, "untagged_gb": 200, "never_pulled_gb": 500, "growth_gb_month": 10})
    c = ctx(shipped, storage_growth_factor=1.0, untagged_cleanup_share=1.0)
    cleaned = lines(u, c, EcrOptions(cleanup=True))["ECR storage (standard)"]
    # 1000 − 200 = 800 GB; growth 10 × (1 − 200/1000) = 8: month 1 (800 + 8 × 0.5) × 0.10 = 80.40
    assert cents(cleaned.monthly[0]) == 80.40
    # also archiving never-pulled images: 500 − 200 already removed = 300 GB move to archive
    c = ctx(shipped, storage_growth_factor=1.0, untagged_cleanup_share=1.0, cleanup_archives_never_pulled=True)
    both = lines(u, c, EcrOptions(cleanup=True))
    assert cents(both["ECR storage (standard)"].monthly[0]) == 50.40  # (500 + 8 × 0.5) × 0.10
    assert cents(both["ECR storage (archive)"].monthly[0]) == 30.00  # 300 × 0.10 (first archive tier)


# -- internet egress, tiered per region after the account's other egress -----------------------------------


def test_egress_across_tier_boundaries(shipped):
    u = usage(us_east_1={"pull_gb_month": 60_000})
    line = lines(u, ctx(shipped, **ALL_OUT))["Data transfer out to the internet"]
    # 10,240 × 0.09 + 40,960 × 0.085 + 8,800 × 0.07 = 921.60 + 3,481.60 + 616.00 = 5,019.20
    assert cents(line.monthly[0]) == 5_019.20
    assert line.quantity == pytest.approx(60_000)


def test_the_accounts_other_egress_moves_the_registry_into_cheaper_tiers(shipped):
    u = usage(us_east_1={"pull_gb_month": 60_000})
    line = lines(u, ctx(shipped, other_internet_egress_gb_month=9_000, **ALL_OUT))["Data transfer out to the internet"]
    # the other 9,000 GB fill the first tier first: the registry's 60,000 GB sit at 9,000 … 69,000
    # 1,240 × 0.09 + 40,960 × 0.085 + 17,800 × 0.07 = 111.60 + 3,481.60 + 1,246.00 = 4,839.20
    assert cents(line.monthly[0]) == 4_839.20


def test_each_region_is_tiered_separately(shipped):
    u = usage(us_east_1={"pull_gb_month": 60_000}, eu_west_1={"pull_gb_month": 5_000})
    line = lines(u, ctx(shipped, **ALL_OUT))["Data transfer out to the internet"]
    # us-east-1 5,019.20 (above) + eu-west-1 5,000 × 0.09 = 450.00 → 5,469.20
    # (65,000 GB in one set of tiers would be 921.60 + 3,481.60 + 13,800 × 0.07 = 5,369.20)
    assert cents(line.monthly[0]) == 5_469.20
    assert {p.location for p in line.prices} == {"us-east-1", "eu-west-1"}


def test_the_free_allowance_switch(shipped):
    u = usage(us_east_1={"pull_gb_month": 5_000})

    def egress(**kw) -> float:
        return float(lines(u, ctx(shipped, **ALL_OUT, **kw))["Data transfer out to the internet"].monthly[0])

    assert round(egress(free_allowance="none"), 2) == 450.00  # 5,000 × 0.09
    assert round(egress(free_allowance="aws_wide_100gb"), 2) == 441.00  # (5,000 − 100) × 0.09
    # the account's other 30 GB use the allowance first: (5,000 − 70) × 0.09 = 443.70
    assert round(egress(free_allowance="aws_wide_100gb", other_internet_egress_gb_month=30), 2) == 443.70
    assert round(egress(free_allowance="ecr_page_1gb"), 2) == 449.91  # (5,000 − 1) × 0.09


def test_an_account_wide_allowance_left_over_by_one_region_serves_the_next(shipped):
    u = usage(us_east_1={"pull_gb_month": 60}, eu_west_1={"pull_gb_month": 50})
    line = lines(u, ctx(shipped, free_allowance="aws_wide_100gb", **ALL_OUT))["Data transfer out to the internet"]
    # us-east-1 (most traffic) uses 60 of the 100 free GB; eu-west-1 gets the other 40: (50 − 40) × 0.09 = 0.90
    assert cents(line.monthly[0]) == 0.90


def test_egress_after_the_node_cache_with_the_default_consumer_split_and_pull_growth(shipped):
    u = usage(us_east_1={"pull_gb_month": 10_000})
    c = ctx(shipped, layer_cache_hit_ratio=0.6, pull_growth_monthly=0.1)
    line = lines(u, c)["Data transfer out to the internet"]
    # 10,000 × (1 − 0.6) = 4,000 GB transferred; internet 0.15 + other cloud 0.05 = 800 GB × 0.09 = 72.00
    assert cents(line.monthly[0]) == 72.00
    assert cents(line.monthly[1]) == 79.20  # pulls grow 10 %: 880 GB × 0.09


# -- inter-region pulls, replication, NAT, scanning ----------------------------------------------------------

SPLIT = {"same_region": 0.8, "other_region": 0.1, "internet": 0.1, "other_cloud": 0.0}


def _two_regions() -> RegionUsage:
    return usage(
        us_east_1={"pull_gb_month": 10_000, "replication_gb_month": 300},
        eu_west_1={"pull_gb_month": 2_000, "replication_gb_month": 100},
    )


def test_inter_region_pulls_and_replication_pay_the_source_regions_rate_once(own):
    c = ctx(own, consumers=SPLIT, layer_cache_hit_ratio=0.5, storage_growth_factor=1.0)
    got = lines(_two_regions(), c)
    # pulls after the cache: us-east-1 5,000, eu-west-1 1,000 GB; 10 % from other regions
    # us-east-1 500 × 0.02 + eu-west-1 100 × 0.05 (our price) = 10.00 + 5.00 = 15.00
    assert cents(got["Inter-region transfer (pulls)"].monthly[0]) == 15.00
    # replication: us-east-1 300 × 0.02 + eu-west-1 100 × 0.05 = 6.00 + 5.00 = 11.00
    assert cents(got["Replication transfer"].monthly[0]) == 11.00
    assert got["Replication transfer"].quantity == pytest.approx(400)


def test_inter_region_transfer_is_priced_by_source_and_destination(shipped):
    from pathlib import Path

    from analysis.model.inputs import from_usage_file

    inp = from_usage_file(Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "destinations.yaml")
    c = ctx(shipped, months=1, storage_growth_factor=1.0, layer_cache_hit_ratio=0.0, consumers=inp.consumer_override)
    got = lines(inp.usage, c)
    # AWS's price map (aws-regional-prices.md §3, 2025-06-05) prices these pairs apart from the source's usual rate:
    # eu-west-1 → ca-west-1 0.05, eu-west-1 → ap-southeast-7 0.08, us-east-1 → us-east-2 0.01; the rest are usual
    # (eu-west-1 → us-east-1 / eu-central-1 0.02).
    # replication: eu-west-1 100 × 0.05 + 300 × 0.02 = 5.00 + 6.00; us-east-1 1,000 × 0.01 = 10.00 → 21.00
    # (at the source's usual rate it would be 1,400 × 0.02 = 28.00)
    assert cents(got["Replication transfer"].monthly[0]) == 21.00
    assert got["Replication transfer"].quantity == pytest.approx(1_400)
    # pulls by workloads in other regions, from eu-west-1: 50 × 0.08 + 150 × 0.02 = 4.00 + 3.00 = 7.00
    assert cents(got["Inter-region transfer (pulls)"].monthly[0]) == 7.00
    cited = {(p.id, p.location) for p in got["Replication transfer"].prices}
    assert ("aws.transfer.inter_region.to.ca-west-1", "eu-west-1") in cited
    assert ("aws.transfer.inter_region.to.us-east-2", "us-east-1") in cited


def test_the_repositories_replication_destinations_become_source_destination_pairs():
    import pandas as pd

    from analysis.model.ecr import _by_destination

    repos = pd.DataFrame(
        {
            "region": ["eu-west-1", "eu-west-1", "us-east-1"],
            "growth_bytes_per_month": [2 * GIB, 1 * GIB, 4 * GIB],
            "replication_destinations": [["ca-west-1", "us-east-1"], [], ["us-east-2"]],
        }
    )
    # a repository's new bytes go once to each destination its rules name: 2 GiB to each of two, 4 GiB to one
    assert _by_destination(repos, ["eu-west-1", "us-east-1"]) == [
        {"ca-west-1": 2.0, "us-east-1": 2.0},
        {"us-east-2": 4.0},
    ]


def test_a_destination_that_is_no_ecr_region_is_refused(tmp_path):
    from analysis.model.inputs import from_usage_file
    from analysis.model.scenarios import ScenarioError

    bad = tmp_path / "bad.yaml"
    bad.write_text("regions:\n  eu-west-1:\n    storage_gb: 1\n    replication_to: {eu-west1: 10}\n")
    with pytest.raises(ScenarioError, match=r"regions.eu-west-1.replication_to: not an ECR region: eu-west1"):
        from_usage_file(bad)
    both = tmp_path / "both.yaml"
    both.write_text(
        "regions:\n  eu-west-1:\n    storage_gb: 1\n    replication_gb_month: 5\n    replication_to: {us-east-1: 10}\n"
    )
    with pytest.raises(ScenarioError, match="not both"):
        from_usage_file(both)


def test_inter_region_at_internet_rates_on_both_sides(own):
    c = ctx(
        own,
        consumers=SPLIT,
        layer_cache_hit_ratio=0.5,
        storage_growth_factor=1.0,
        inter_region_charging="internet_rate_both_sides",
    )
    got = lines(_two_regions(), c)
    # the first internet tier of the source region, twice: 2 × 0.09 = 0.18/GB in both regions
    assert cents(got["Inter-region transfer (pulls)"].monthly[0]) == 108.00  # (500 + 100) × 0.18
    assert cents(got["Replication transfer"].monthly[0]) == 72.00  # (300 + 100) × 0.18


def test_nat_processing_without_vpc_endpoints(own):
    c = ctx(own, consumers=SPLIT, layer_cache_hit_ratio=0.5, private_subnet_share=0.5, vpc_endpoints="none")
    line = lines(_two_regions(), c)["NAT gateway processing (ECR pulls)"]
    # Rule 5, no endpoints: every private pull crosses the NAT, same-region (0.8) and cross-region (0.1) alike.
    # us-east-1 5,000 × 0.5 × 0.9 = 2,250 GB × 0.045 = 101.25; eu-west-1 1,000 × 0.5 × 0.9 = 450 × 0.048 = 21.60
    assert cents(line.monthly[0]) == 122.85
    assert line.quantity == pytest.approx(2_700)


def test_nat_processing_with_the_s3_gateway_endpoint_in_a_quarter_of_the_vpcs(own):
    c = ctx(
        own,
        consumers=SPLIT,
        layer_cache_hit_ratio=0.5,
        private_subnet_share=0.5,
        vpc_endpoints="s3-gateway",
        vpc_endpoint_share=0.25,
        api_bytes_share=0.001,
    )
    got = lines(_two_regions(), c)
    line = got["NAT gateway processing (ECR pulls)"]
    # Rule 5, S3 gateway: in 25 % of VPCs the layers take the free gateway, only the API share (0.1 %) crosses NAT.
    # us-east-1 same-region private 5,000 × 0.5 × 0.8 = 2,000 × (1 − 0.25 × 0.999) = 1,500.5, + cross-region
    # 5,000 × 0.5 × 0.1 = 250 → 1,750.5 GB × 0.045 = 78.7725
    # eu-west-1 400 × 0.75025 = 300.1 + 50 = 350.1 GB × 0.048 = 16.8048; total 95.5773
    assert cents(line.monthly[0]) == 95.58
    assert line.quantity == pytest.approx(2_100.6)
    assert not any(name.startswith("VPC interface endpoints") for name in got)
    # the gateway endpoint is free, and its line shows what it carries instead of the NAT:
    # (2,000 + 400) same-region private GB × 0.25 of VPCs × (1 − 0.001) = 599.4 GB at 0.00
    gateway = got["S3 gateway endpoint (layer bytes, no charge)"]
    assert gateway.quantity == pytest.approx(599.4)
    assert cents(gateway.monthly) == pytest.approx([0.0] * 12)


def test_ecr_interface_endpoints_cost_hours_per_az_per_vpc_and_remove_nat(shipped):
    u = usage(us_east_1={"pull_gb_month": 10_000})
    c = ctx(
        shipped,
        consumers=SPLIT,
        layer_cache_hit_ratio=0.5,
        private_subnet_share=0.5,
        vpc_endpoints="ecr-interface",
        vpc_endpoint_share=1.0,
        api_bytes_share=0.001,
        endpoint_azs=3,
        endpoint_vpcs_per_region=2,
    )
    got = lines(u, c)
    # Rule 5, interface endpoints: 2 endpoints (ecr.api, ecr.dkr) × 3 AZs × 2 VPCs × 730 h = 8,760 h × 0.01 = 87.60
    hours = got["VPC interface endpoints ecr.api + ecr.dkr (hours)"]
    assert cents(hours.monthly) == pytest.approx([87.60] * 12)
    assert hours.quantity == pytest.approx(8_760)
    # per GB: same-region private 5,000 × 0.5 × 0.8 = 2,000 GB, of which the API share 0.1 % = 2 GB × 0.01 = 0.02
    assert cents(got["VPC interface endpoints (data processed)"].monthly[0]) == 0.02
    # NAT: same-region pulls no longer cross it; cross-region 5,000 × 0.5 × 0.1 = 250 GB × 0.045 = 11.25
    assert cents(got["NAT gateway processing (ECR pulls)"].monthly[0]) == 11.25


def test_enhanced_scanning_rescans_only_within_inspectors_duration(shipped):
    u = usage(us_east_1={"scanned_pushes_month": 100, "scanned_tagged_images": 1_000})

    def scanning(duration: str) -> float:
        c = ctx(shipped, rescans_per_image_month=0.5, inspector_rescan_duration=duration)
        return float(lines(u, c)["Enhanced scanning (Amazon Inspector)"].monthly[0])

    # Rule 6. LIFETIME: 100 first scans × 0.09 + 1,000 images × 0.5 rescans × 0.01 = 9.00 + 5.00 = 14.00
    assert round(scanning("LIFETIME"), 2) == 14.00
    # 14 days (Inspector's default): images pushed in the last 14 days = 100 × 14 / 30.4375 = 45.996;
    # 9.00 + 45.996 × 0.5 × 0.01 = 9.00 + 0.23 = 9.23
    assert round(scanning("DAYS_14"), 2) == 9.23
    # 180 days: 100 × 180 / 30.4375 = 591.38 images; 9.00 + 591.38 × 0.005 = 9.00 + 2.96 = 11.96
    assert round(scanning("DAYS_180"), 2) == 11.96


def test_enhanced_scanning_is_priced_in_each_repositorys_region(shipped):
    # Inspector's per-scan price differs by region (AWS's price map: initial scan 0.09 in us-east-1, 0.11 in
    # Tokyo; rescans 0.01 in both). The same estate in both regions, every tagged image monitored (LIFETIME):
    # us-east-1 100 × 0.09 + 1,000 × 0.5 × 0.01 = 9.00 + 5.00 = 14.00
    # Tokyo     100 × 0.11 + 1,000 × 0.5 × 0.01 = 11.00 + 5.00 = 16.00   → 30.00 a month
    estate = {"scanned_pushes_month": 100, "scanned_tagged_images": 1_000}
    u = usage(us_east_1=estate, ap_northeast_1=estate)
    c = ctx(shipped, rescans_per_image_month=0.5, inspector_rescan_duration="LIFETIME")
    line = lines(u, c)["Enhanced scanning (Amazon Inspector)"]
    assert round(float(line.monthly[0]), 2) == 30.00
    assert {ref.location for ref in line.prices} >= {"us-east-1", "ap-northeast-1"}


def test_enhanced_scanning_filters_match_as_ecr_wildcards():
    import json

    import pandas as pd

    from analysis.model.ecr import _enhanced

    rules = [{"repositoryFilters": [{"filter": "prod-*", "filterType": "WILDCARD"}, {"filter": "team/a?p"}]}]
    scopes = pd.DataFrame(
        {
            "account_id": ["1", "1"],
            "region": ["eu-west-1", "us-east-1"],
            "scanning_configuration": [json.dumps({"scanType": "ENHANCED", "rules": rules}), None],
        }
    )
    names = ["prod-api", "Prod-api", "team/app", "team/apps", "dev", "prod-x"]
    repos = pd.DataFrame({"account_id": "1", "region": ["eu-west-1"] * 5 + ["us-east-1"], "repository_name": names})
    # case-sensitive, `?` one character, the whole name; the unreadable (NULL) settings of us-east-1 match nothing
    assert _enhanced(repos, scopes).tolist() == [True, False, True, False, False, False]
