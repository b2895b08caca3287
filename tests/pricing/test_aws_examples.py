"""AWS's own arithmetic reproduced to the cent, in three regions other than us-east-1.

The sources are documents in which AWS computed the charges (tests/fixtures/aws-examples/README.md):

* Asia Pacific (Singapore) and US West (Oregon): a real AWS bill for May 2025 (line items: rate, quantity, amount);
* China (Ningxia), in CNY: the cost table of an AWS Solutions implementation guide, June 2023;
* US East (Ohio): an exported AWS Pricing Calculator estimate (8/5/2024) and an AWS Solutions cost table (2022);
* US East (N. Virginia) → US East (Ohio): an AWS Pricing Calculator ECR row with transfer out to Ohio, the pair
  AWS prices apart ($0.01, not $0.02).

ECR storage and inter-region transfer go through the whole estimate (`estimate`, calculator terms: no
NAT gateway, no free allowance, no growth); the other bill lines check the catalog price of the same region times
the billed quantity. AWS rounds each bill line to the cent; so do we, per line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import estimate_from_usage

from analysis.model.scenarios import load_scenarios, pick
from analysis.pricing import load_catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BILL = (FIXTURES / "aws-examples" / "bill-2025-05-singapore.md").read_text(encoding="utf-8")
NINGXIA = (FIXTURES / "aws-examples" / "ningxia-cost-table-2023-06.md").read_text(encoding="utf-8")
OHIO_CALCULATOR = (FIXTURES / "aws-examples" / "calculator-2024-08-ohio.md").read_text(encoding="utf-8")
TO_OHIO_CALCULATOR = (FIXTURES / "aws-examples" / "calculator-virginia-to-ohio.md").read_text(encoding="utf-8")
OHIO_TABLE = (FIXTURES / "aws-examples" / "ohio-cost-table-2022.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _billed(quantity: str, amount: str, text: str = BILL) -> None:
    """The quantity and amount are in the source, one after the other, as the test uses them."""
    assert f"{quantity}\n\nUSD {amount}" in text, (quantity, amount)


def _ecr_month1(tmp_path: Path, region: str, body: str, catalog) -> dict[str, float]:
    return {c: round(month1, 2) for c, (month1, _) in _ecr_costs(tmp_path, region, body, catalog).items()}


def _ecr_costs(tmp_path: Path, region: str, body: str, catalog) -> dict[str, tuple[float, float]]:
    """Each ECR line's month-1 cost and its 12-month total (calculator terms: 12 equal months), unrounded."""
    usage = tmp_path / f"{region}.yaml"
    usage.write_text(f"regions:\n  {region}:\n{body}")
    scenarios = pick(load_scenarios([FIXTURES / "scenarios" / "calculator-parity.yaml"]), ["ecr"])
    result = estimate_from_usage(usage, scenarios, catalog)
    return {c.component: (c.cost_month1, c.total) for c in result.scenario("ecr").components}


def test_singapore_ecr_storage_and_inter_region_transfer_as_billed(tmp_path: Path, catalog) -> None:
    # Bill, Asia Pacific (Singapore): "APS1-TimedStorage-ByteHrs $0.10 per GB-month of data storage 119.357 GB-Mo
    # USD 11.94" -> 119.357 x 0.10 = 11.9357 -> 11.94 (the 0.5 GB-Mo free tier is a separate $0 line, so the
    # calculator-terms estimate without the free tier bills the same 119.357).
    # "APS1-USW2-AWS-Out-Bytes $0.09 per GB ... to US West (Oregon) 1.556 GB USD 0.14" -> 1.556 x 0.09 = 0.14004.
    # Singapore's inter-region rate is $0.09, not the US/EU $0.02; the bill names the destination (USW2), and
    # AWS prices Singapore → Oregon at Singapore's usual rate (only Malaysia and Thailand are $0.08).
    _billed("119.357 GB-Mo", "11.94")
    _billed("1.556 GB", "0.14")
    month1 = _ecr_month1(
        tmp_path,
        "ap-southeast-1",
        "    storage_gb: 119.357\n    transfer_gb_month: {other_region_to: {us-west-2: 1.556}}\n",
        catalog,
    )
    assert month1["ECR storage (standard)"] == 11.94
    assert month1["Inter-region transfer (pulls)"] == 0.14


def test_oregon_ecr_storage_as_billed(tmp_path: Path, catalog) -> None:
    # Bill, US West (Oregon): "USW2-TimedStorage-ByteHrs $0.10 per GB-month 6.185 GB-Mo USD 0.62"
    # -> 6.185 x 0.10 = 0.6185 -> 0.62.
    _billed("6.185 GB-Mo", "0.62")
    month1 = _ecr_month1(tmp_path, "us-west-2", "    storage_gb: 6.185\n", catalog)
    assert month1["ECR storage (standard)"] == 0.62


def test_ohio_calculator_estimate_of_ecr_storage(tmp_path: Path, catalog) -> None:
    # AWS Pricing Calculator export, US East (Ohio), 8/5/2024: Amazon Elastic Container Registry, "Amount of data
    # stored" 0.012 GB per month, DT Outbound not selected -> monthly 0.00, upfront 0.00, 12 months 0.01.
    # 0.012 x 0.10 = 0.0012 a month -> 0.00; the calculator's 12-month column is 12 x the unrounded month:
    # 12 x 0.0012 = 0.0144 -> 0.01. (Inbound transfer, 1 GB, is free and not a usage-file figure.)
    assert "|Amazon Elastic Container Registry|US East (Ohio)||0.00|0.00|0.01|" in OHIO_CALCULATOR
    assert "|0.012 GB per month|" in OHIO_CALCULATOR
    month1, year = _ecr_costs(tmp_path, "us-east-2", "    storage_gb: 0.012\n", catalog)["ECR storage (standard)"]
    assert round(month1, 2) == 0.00
    assert round(year, 2) == 0.01


def test_calculator_ecr_row_with_transfer_out_to_ohio(tmp_path: Path, catalog) -> None:
    # AWS Pricing Calculator, US East (N. Virginia), Amazon Elastic Container Registry: "Amount of data stored
    # (50 GB per month)", "DT Outbound: US East (Ohio) (5 gb_month)", "Data transfer cost (0.05)" -> monthly 5.05,
    # 12 months 60.60. 50 x 0.10 = 5.00 storage + 5 x 0.01 = 0.05 (us-east-1 -> us-east-2 is priced apart at $0.01;
    # the source's usual $0.02 would give 0.10 and 5.10) = 5.05; 12 x 5.05 = 60.60.
    assert "|Amazon Elastic Container Registry|0|5.05|60.60|USD|" in TO_OHIO_CALCULATOR
    assert "DT Outbound: US East (Ohio) (5 gb_month)" in TO_OHIO_CALCULATOR
    costs = _ecr_costs(
        tmp_path,
        "us-east-1",
        "    storage_gb: 50\n    transfer_gb_month: {other_region_to: {us-east-2: 5}}\n",
        catalog,
    )
    storage, transfer = costs["ECR storage (standard)"], costs["Inter-region transfer (pulls)"]
    assert round(transfer[0], 2) == 0.05  # the calculator's "Data transfer cost (0.05)"
    assert round(storage[0] + transfer[0], 2) == 5.05
    assert round(storage[1] + transfer[1], 2) == 60.60


def test_ohio_solutions_cost_table(tmp_path: Path, catalog) -> None:
    # AWS Solutions cost table, US East (Ohio): "Amazon Elastic Container Registry | 0.5GB ... $0.1/GB each month |
    # $0.05" -> 0.5 x 0.10 = 0.05. "Amazon API Gateway | 100KB data output each time, $0.09/GB | $9": 1 million
    # requests x 100 KB = 100 GB (decimal, as the table counts) x 0.09 = 9.00 — the first internet-egress tier of
    # us-east-2, the rate ECR pulls to the internet pay too (no free allowance on calculator terms).
    assert "| Amazon Elastic Container Registry | 0.5GB" in OHIO_TABLE and "| $0.05   |" in OHIO_TABLE
    assert "$0.09/GB | $9 " in OHIO_TABLE
    month1 = _ecr_month1(
        tmp_path, "us-east-2", "    storage_gb: 0.5\n    transfer_gb_month: {internet: 100}\n", catalog
    )
    assert month1["ECR storage (standard)"] == 0.05
    assert month1["Data transfer out to the internet"] == 9.00


@pytest.mark.parametrize(
    ("price_id", "region", "quantity", "billed_quantity", "amount"),
    [
        # "$0.059 per GB Data Processed by NAT Gateways 301.134 GB USD 17.77": 301.134 x 0.059 = 17.767906
        ("aws.nat.processing", "ap-southeast-1", 301.134, "301.134 GB", "17.77"),
        # "$0.059 per NAT Gateway Hour 106 Hrs USD 6.25": 106 x 0.059 = 6.254
        ("aws.nat.hourly", "ap-southeast-1", 106, "106 Hrs", "6.25"),
        # "$0.096 per GB-month of General Purpose (gp3) provisioned storage 363.772 GB-Mo USD 34.92": 34.922112
        ("aws.ebs.gp3", "ap-southeast-1", 363.772, "363.772 GB-Mo", "34.92"),
        # "$0.138 per GB-month of provisioned GP3 storage running PostgreSQL 119.382 GB-Mo USD 16.47": 16.474716
        ("aws.rds.storage.gp3", "ap-southeast-1", 119.382, "119.382 GB-Mo", "16.47"),
        # "$0.09 per Resource-assessment for container-image-initial-scan 62 USD 5.58": 62 x 0.09 = 5.58
        ("inspector.ecr.initial_scan", "ap-southeast-1", 62, "62 Resource-assessment", "5.58"),
        # "$0.01 per Resource-assessment for container-image-re-scan 5,901 USD 59.01": 5,901 x 0.01 = 59.01
        ("inspector.ecr.rescan", "ap-southeast-1", 5_901, "5,901 Resource-assessment", "59.01"),
        # "$0.0252 per Application LoadBalancer-hour 838 Hrs USD 21.12": 838 x 0.0252 = 21.1176
        ("aws.alb.hourly", "ap-southeast-1", 838, "838 Hrs", "21.12"),
        # "$0.025 per GB - first 50 TB / month of storage used 14.045 GB-Mo USD 0.35": 14.045 x 0.025 = 0.351125
        ("aws.s3.standard", "ap-southeast-1", 14.045, "14.045 GB-Mo", "0.35"),
        # "$0.005 per 1,000 PUT, COPY, POST, or LIST requests 108,205 Requests USD 0.54": 108.205 x 0.005 = 0.541
        ("aws.s3.requests.put", "ap-southeast-1", 108.205, "108,205 Requests", "0.54"),
        # "$0.004 per 10,000 GET and all other requests 67,069 Requests USD 0.03": 67.069 x 0.0004 = 0.0268
        ("aws.s3.requests.get", "ap-southeast-1", 67.069, "67,069 Requests", "0.03"),
        # "$0.010 per GB - regional data transfer - in/out/between EC2 AZs 354.966 GB USD 3.55": 3.54966. Our
        # Singapore cross-AZ price is a named approximation (us-east-1's $0.01): the bill confirms it.
        ("aws.transfer.cross_az", "ap-southeast-1", 354.966, "354.966 GB", "3.55"),
    ],
)
def test_singapore_bill_lines_at_catalog_prices(catalog, price_id, region, quantity, billed_quantity, amount) -> None:
    _billed(billed_quantity, amount)
    entry = catalog.get(price_id, region=region)
    assert entry.currency == "USD"
    assert round(quantity * entry.tier_pairs()[0][1], 2) == float(amount)


@pytest.mark.parametrize(
    ("price_id", "quantity", "source_row", "amount"),
    [
        # "CNY 0.37 per GB Data Processed by NAT Gateways | 30 GB-Mo | 11.1": 30 x 0.37 = 11.10
        ("aws.nat.processing", 30, "|30 GB-Mo\t|11.1\t|", 11.10),
        # "0.37 CNY per NAT Gateway Hour | 720 Hrs | 266.4": 720 x 0.37 = 266.40
        ("aws.nat.hourly", 720, "|720 Hrs\t|266.4\t|", 266.40),
        # "CNY 0.156 per Application load balancer-hour | 10 Hrs | 1.56": 10 x 0.156 = 1.56
        ("aws.alb.hourly", 10, "|10 Hrs\t|1.56\t|", 1.56),
    ],
)
def test_ningxia_cost_table_in_renminbi(catalog, price_id, quantity, source_row, amount) -> None:
    assert source_row in NINGXIA
    entry = catalog.get(price_id, region="cn-northwest-1")
    assert entry.currency == "CNY" and entry.approximation is None
    assert round(quantity * entry.price, 2) == amount


def test_ningxia_s3_requests_to_the_table_s_own_precision(catalog) -> None:
    # "CNY 0.00405 PUT ... (per 1,000 requests) | 2,000 Requests | 0.0081": 2 x 0.00405 = 0.0081
    # "CNY 0.0135 per 10,000 requests | 4,000 Requests | 0.0054": 4 x 0.00135 = 0.0054
    assert "|2,000 Requests\t|0.0081\t|" in NINGXIA and "|4,000 Requests\t|0.0054\t|" in NINGXIA
    put = catalog.get("aws.s3.requests.put", region="cn-northwest-1")
    get = catalog.get("aws.s3.requests.get", region="cn-northwest-1")
    assert round(2 * put.price, 4) == 0.0081 and round(4 * get.price, 4) == 0.0054
