"""`estimate`: a hand-written usage file (tests/fixtures/usage/calculator.yaml) through the whole
estimate, compared with what the AWS Pricing Calculator gives for the same inputs.

The AWS Pricing Calculator (calculator.aws, "Amazon Elastic Container Registry" plus "Data Transfer"), shipped
us-east-1 prices, one estimate line per region:

  storage        us-east-1 500 GB-month + eu-west-1 100 GB-month = 600 × $0.10                =    60.00
  internet out   us-east-1 15,000 GB: 10,240 × 0.09 + 4,760 × 0.085 = 921.60 + 404.60           = 1,326.20
                 eu-west-1 500 GB × 0.09 (its own tiers; the calculator does not pool regions)   =    45.00
  inter-region   us-east-1 → other regions (pulls) 1,000 GB × $0.02                               =    20.00
  replication    us-east-1 → eu-west-1 200 GB × $0.02 (charged once, at the source)              =     4.00
  same region    20,000 + 4,500 GB to AWS compute in the region: free                             =     0.00
                                                                                         a month  1,455.20
The calculator applies no free allowance and no NAT gateway (the scenario file calculator-parity.yaml says the
same: free_allowance none, private_subnet_share 0); growth is 0, so every month is the same.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support import estimate_from_usage

from analysis.model.costs import GIB
from analysis.model.inputs import from_usage_file
from analysis.model.scenarios import ScenarioError, load_scenarios, pick
from analysis.pricing import load_catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
USAGE = FIXTURES / "usage" / "calculator.yaml"


@pytest.fixture(scope="module")
def result():
    scenarios = pick(load_scenarios([FIXTURES / "scenarios" / "calculator-parity.yaml"]), ["ecr", "harbor-aws"])
    return estimate_from_usage(USAGE, scenarios, load_catalog())


def _month1(scenario) -> dict[str, float]:
    return {c.component: round(c.cost_month1, 2) for c in scenario.components}


def test_ecr_from_a_usage_file_matches_the_pricing_calculator(result):
    ecr = result.scenario("ecr")
    assert result.horizon_months == 12
    assert _month1(ecr) == {
        "ECR storage (standard)": 60.00,
        "Data transfer out to the internet": 1_371.20,  # 1,326.20 + 45.00, each region tiered on its own
        "Inter-region transfer (pulls)": 20.00,
        "Replication transfer": 4.00,
        "NAT gateway processing (ECR pulls)": 0.00,
    }
    assert np.round(ecr.monthly_total, 2).tolist() == [1_455.20] * 12
    assert round(ecr.horizon_tco, 2) == 17_462.40  # 12 × 1,455.20


def test_the_usage_files_split_by_destination_is_kept_per_region(result):
    # The file says where each region's bytes go. Pooled shares would send 36,000 × 15,500 / 41,000
    # = 13,609.76 GB of us-east-1's pulls to the internet instead of the 15,000 stated.
    ecr = {c.component: c for c in result.scenario("ecr").components}
    assert ecr["Data transfer out to the internet"].quantity_month1 == pytest.approx(15_500)
    assert ecr["Inter-region transfer (pulls)"].quantity_month1 == pytest.approx(1_000)
    # Harbor on AWS in us-east-1, month 3 (after the 2-month dual run every consumer has moved). Harbor's S3
    # redirects layer downloads to S3 (the preset's default): same-region pulls are free and cross no AZ. Every
    # other AWS pull now crosses regions: (20,000 + 1,000 + 4,500) − 20,000 = 5,500 GB × 0.02 = 110.00; internet
    # 15,500 GB from us-east-1: 10,240 × 0.09 + 5,260 × 0.085 = 921.60 + 447.10 = 1,368.70
    harbor = {c.component: round(c.monthly[2], 2) for c in result.scenario("harbor-aws").components}
    assert "Cross-AZ transfer" not in harbor
    assert harbor["Inter-region transfer (pulls)"] == 110.00
    assert harbor["Data transfer out to the internet"] == 1_368.70


def test_usage_file_figures():
    inp = from_usage_file(USAGE)
    assert inp.usage.regions == ["eu-west-1", "us-east-1"]
    assert inp.usage.pull_gb_month.tolist() == [5_000.0, 36_000.0]  # 4,500 + 500; 20,000 + 1,000 + 15,000
    assert inp.global_unique_gb == 600.0  # unique_gb defaults to storage_gb: 100 + 500
    assert inp.repositories == 40
    # the run-wide split, for what is not per region: same 24,500 / 41,000, other 1,000 / 41,000 …
    assert inp.consumer_override["internet"] == pytest.approx(15_500 / 41_000)


def test_the_profile_summary_of_a_usage_file(result):
    p = result.profile
    assert p.source == "usage file"
    assert p.ecr_billable_bytes == 600 * GIB
    assert p.pull_bytes_per_month == 41_000 * GIB


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad-negative.yaml", "regions.us-east-1.storage_gb: Input should be greater than or equal to 0 (got -5)"),
        ("bad-unknown-key.yaml", "regions.us-east-1.transfer_gb_month.intenret: unknown field"),
    ],
)
def test_a_bad_usage_file_is_refused(name, expected):
    path = FIXTURES / "usage" / name
    with pytest.raises(ScenarioError) as err:
        from_usage_file(path)
    assert str(err.value).startswith(f"{path}: ")
    assert expected in str(err.value)
