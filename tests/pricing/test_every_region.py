"""Every region of the aws, aws-cn and aws-us-gov partitions where ECR exists can be estimated from a usage file.

The regions come from botocore's endpoint data, not from our catalog, so a region AWS adds shows up here first.
For each, a usage file with every kind of ECR usage (storage, archive, growth, transfer to every destination,
replication, enhanced scanning) goes through every preset scenario plus Harbor on AWS *in that region*; where the
catalog has no price of the region's own, the estimate's notes name the stand-in and the reason.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from support import estimate_from_usage
from typer.testing import CliRunner

from analysis.cli import app
from analysis.model.scenarios import load_scenarios
from analysis.pricing import load_catalog
from analysis.pricing.refresh import ecr_regions

REGIONS = ecr_regions()
USAGE = """\
repositories: 25
regions:
  {region}:
    storage_gb: 1200
    archive_gb: 300
    growth_gb_month: 40
    transfer_gb_month: {{same_region: 9000, other_region: 700, internet: 2500, other_cloud: 150}}
    replication_gb_month: 60
    scanned_pushes_month: 120
    scanned_tagged_images: 400
"""
# Every catalog id the cost model looks up by region (ECR, transfer, NAT, VPC endpoints, Harbor on AWS).
MODEL_IDS = (
    "ecr.storage.standard",
    "ecr.storage.archive",
    "aws.transfer.internet_out",
    "aws.transfer.inter_region",
    "aws.transfer.cross_az",
    "aws.nat.processing",
    "aws.nat.hourly",
    "aws.vpce.interface.hourly",
    "aws.vpce.interface.processing",
    "inspector.ecr.initial_scan",
    "inspector.ecr.rescan",
    "aws.s3.standard",
    "aws.s3.requests.get",
    "aws.s3.requests.put",
    "aws.ebs.gp3",
    "aws.ec2.m7g.large",
    "aws.rds.postgres.db.t4g.medium.multi-az",
    "aws.elasticache.cache.t4g.micro.valkey",
    "aws.eks.cluster",
    "aws.alb.hourly",
)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def presets():
    return load_scenarios()


def _in_region(presets, region: str):
    """Every preset, plus Harbor on AWS moved to `region` (its EC2, RDS, ElastiCache, EKS, ALB and S3 there)."""
    harbor = presets["harbor-aws"]
    site = harbor.selfhosted.site.model_copy(update={"region": region})
    moved = harbor.model_copy(
        update={"name": "harbor-here", "selfhosted": harbor.selfhosted.model_copy(update={"site": site})}
    )
    return [presets["ecr"], *(s for n, s in presets.items() if n != "ecr"), moved]


def test_botocore_lists_all_three_partitions() -> None:
    assert {"cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1", "eu-north-1"} <= set(REGIONS)
    assert len(REGIONS) >= 38


@pytest.mark.parametrize("region", REGIONS)
def test_every_price_the_model_needs_resolves(catalog, region: str) -> None:
    for price_id in MODEL_IDS:
        entry = catalog.get(price_id, region=region)
        assert entry.currency in ("USD", "CNY"), (price_id, region)
        if entry.region != region:  # a stand-in is always said so, never a silent us-east-1
            assert entry.approximation is not None and entry.approximation.region == region, (price_id, region)


@pytest.mark.parametrize("region", REGIONS)
def test_estimate_from_a_usage_file_succeeds_in_every_ecr_region(tmp_path: Path, catalog, presets, region) -> None:
    usage = tmp_path / "usage.yaml"
    usage.write_text(USAGE.format(region=region))
    result = estimate_from_usage(usage, _in_region(presets, region), catalog)
    assert result.profile.regions == [region]
    for s in result.scenarios:
        assert math.isfinite(s.horizon_tco) and s.horizon_tco > 0, (region, s.name)
        for c in s.components:
            assert math.isfinite(c.total) and c.total >= 0, (region, s.name, c.component)
    ecr = {c.component: c for c in result.scenario("ecr").components}
    assert ecr["ECR storage (standard)"].cost_month1 > 0
    assert ecr["Data transfer out to the internet"].cost_month1 > 0
    # Every approximation used is a note, and each note names this region.
    prices = [p for s in result.scenarios for c in s.components for p in c.prices]
    approximated = {p.approximation for p in prices if p.approximation}
    notes = [n for n in result.notes if n.startswith("Approximated price: ")]
    assert sorted(n.removeprefix("Approximated price: ") for n in notes) == sorted(approximated)
    # The usage is all in `region`; the preset Harbor on AWS lives in us-east-1, which has all its own prices.
    assert all(f" in {region}: approximated by " in n for n in notes), notes


def test_new_zealand_and_beijing_say_whose_price_they_use(tmp_path: Path, catalog, presets) -> None:
    for region, stand_in in (("ap-southeast-6", "ap-southeast-2"), ("cn-north-1", "cn-northwest-1")):
        usage = tmp_path / f"{region}.yaml"
        usage.write_text(USAGE.format(region=region))
        notes = estimate_from_usage(usage, _in_region(presets, region), catalog).notes
        assert f"Approximated price: ecr.storage.standard in {region}: approximated by {stand_in}'s price" in "\n".join(
            notes
        )


def test_china_storage_is_converted_from_renminbi(tmp_path: Path, catalog, presets) -> None:
    usage = tmp_path / "ningxia.yaml"
    usage.write_text("regions:\n  cn-northwest-1:\n    storage_gb: 1000\n")
    result = estimate_from_usage(usage, [presets["ecr"]], catalog)
    storage = next(c for c in result.scenario("ecr").components if c.component == "ECR storage (standard)")
    # 1,000 GB-month x CNY 0.69 = CNY 690 = USD 690 / 7.077 = 97.4989 -> 97.50 (CFETS central parity, 2 Jan 2026)
    assert round(storage.cost_month1, 2) == 97.50
    assert storage.prices[0].currency == "CNY" and storage.prices[0].location == "cn-northwest-1"


def test_china_and_govcloud_get_no_aws_wide_free_allowance(tmp_path: Path, catalog) -> None:
    scenario = tmp_path / "free.yaml"
    scenario.write_text(
        "name: ecr\ntitle: ECR with the free allowance\nkind: ecr\n"
        "assumptions: {free_allowance: aws_wide_100gb, private_subnet_share: 0}\n"
    )
    ecr = load_scenarios([scenario])["ecr"]
    costs = {}
    for region in ("us-gov-west-1", "eu-north-1"):
        usage = tmp_path / f"{region}.yaml"
        usage.write_text(f"regions:\n  {region}:\n    storage_gb: 0\n    transfer_gb_month: {{internet: 1000}}\n")
        result = estimate_from_usage(usage, [ecr], catalog)
        lines = {c.component: c.cost_month1 for c in result.scenario("ecr").components}
        costs[region] = lines["Data transfer out to the internet"]
    # GovCloud bills from the first GB: 1,000 x 0.155 = 155.00. Stockholm: (1,000 - 100 free) x 0.09 = 81.00.
    assert round(costs["us-gov-west-1"], 2) == 155.00
    assert round(costs["eu-north-1"], 2) == 81.00


def test_the_cli_estimates_all_regions_at_once_and_explains_the_stand_ins(tmp_path: Path) -> None:
    usage = tmp_path / "all.yaml"
    usage.write_text(
        "repositories: 40\nregions:\n"
        + "".join(
            f"  {r}:\n    storage_gb: 100\n    transfer_gb_month: {{internet: 50, same_region: 200}}\n" for r in REGIONS
        )
    )
    runner = CliRunner()
    result = runner.invoke(app, ["estimate", "--usage", str(usage), "-f", "json", "--db", str(tmp_path / "no.duckdb")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sorted(data["profile"]["regions"]) == REGIONS
    assert any("ap-southeast-6: approximated by ap-southeast-2's price" in n for n in data["notes"])
    explained = runner.invoke(
        app, ["estimate", "--usage", str(usage), "-s", "ecr", "--explain", "--db", str(tmp_path / "no.duckdb")]
    )
    assert explained.exit_code == 0, explained.output
    # Next to the price in the explain table, not only in the notes below it.
    assert "APPROXIMATED:" in explained.output
