"""AWS's own arithmetic reproduced to the cent, in three regions other than us-east-1.

The sources are documents in which AWS computed the charges (tests/fixtures/aws-examples/README.md):

* Asia Pacific (Singapore) and US West (Oregon): a real AWS bill for May 2025 (line items: rate, quantity, amount);
* China (Ningxia), in CNY: the cost table of an AWS Solutions implementation guide, June 2023;
* US East (Ohio): an exported AWS Pricing Calculator estimate (8/5/2024) and an AWS Solutions cost table (2022);
* US East (N. Virginia) → US East (Ohio): an AWS Pricing Calculator ECR row with transfer out to Ohio, the pair
  AWS prices apart ($0.01, not $0.02);
* AWS Pricing Calculator results in three more regions: Asia Pacific (Singapore) (January 2022: internet egress,
  EBS gp3), South America (São Paulo) (March 2024: the three internet egress tiers, EBS gp2, a public IPv4
  address) and Asia Pacific (Hong Kong) (June 2024: internet egress);
* AWS Solutions cost tables (AWS's arithmetic, not the calculator's): ECR images out of Europe (Ireland) and
  S3 objects out of US West (Oregon) to China (Data Transfer Hub, April 2023), and ECR storage and egress in
  China (Ningxia) in CNY (AWS AI Solution Kit, 2022).

ECR storage and inter-region transfer go through the whole estimate (`estimate`, calculator terms: no
NAT gateway, no free allowance, no growth); the other bill lines check the catalog price of the same region times
the billed quantity. AWS rounds each bill line to the cent; so do we, per line.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
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
SINGAPORE_CALCULATOR = (FIXTURES / "aws-examples" / "calculator-2022-01-singapore.md").read_text(encoding="utf-8")
SAO_PAULO_CALCULATOR = (FIXTURES / "aws-examples" / "calculator-2024-03-sao-paulo.md").read_text(encoding="utf-8")
HONG_KONG_CALCULATOR = (FIXTURES / "aws-examples" / "calculator-2024-06-hong-kong.md").read_text(encoding="utf-8")
DTH_TABLE = (FIXTURES / "aws-examples" / "dth-cost-table-2023-04.md").read_text(encoding="utf-8")
NINGXIA_TABLE_2022 = (FIXTURES / "aws-examples" / "ningxia-cost-table-2022.md").read_text(encoding="utf-8")


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


def _internet_out(tmp_path: Path, region: str, gb: float, catalog) -> tuple[float, float]:
    """The estimate's internet-egress line (month 1, 12 months) for `gb` a month pulled out of `region`."""
    body = f"    storage_gb: 0\n    transfer_gb_month: {{internet: {gb}}}\n"
    return _ecr_costs(tmp_path, region, body, catalog)["Data transfer out to the internet"]


def _at_catalog_price(price_id: str, region: str, quantity: float, catalog) -> float:
    entry = catalog.get(price_id, region=region)
    assert entry.currency == "USD" and entry.approximation is None, (price_id, region)
    return round(quantity * entry.tier_pairs()[0][1], 2)


def test_singapore_calculator_estimate(tmp_path: Path, catalog) -> None:
    # AWS Pricing Calculator, Asia Pacific (Singapore), January 2022 (the source's commit date). The catalog's
    # rates are later (egress tiers: AWS's price map of 2025-06-05; gp3: 2024-07-18) and the same.
    # "Data Transfer: 1TB out": the calculator counts 1 TB as 1,024 GB ("x 1024 GB in a TB" in its own
    # calculations) -> 1,024 x 0.12 (first 10 TB tier of ap-southeast-1) = 122.88.
    # "EBS: gp3, 16TB" -> 16,384 GB x 0.096 = 1,572.864 -> 1,572.86.
    # The EC2 line (m5.2xlarge, 350.40 = 730 h x 0.48) is not a catalog price; with it the three lines make the
    # estimate's monthly 350.40 + 1,572.86 + 122.88 = 2,046.14.
    for line in ("Singapore Region.", "Data Transfer: 1TB out", "Data Transfer cost (monthly): 122.88 USD"):
        assert line in SINGAPORE_CALCULATOR
    assert "EBS: gp3, 16TB" in SINGAPORE_CALCULATOR and "EBS pricing (monthly): 1,572.86 USD" in SINGAPORE_CALCULATOR
    assert "Monthly cost: 2,046.14 USD" in SINGAPORE_CALCULATOR
    month1, _ = _internet_out(tmp_path, "ap-southeast-1", 1024, catalog)
    assert round(month1, 2) == 122.88
    ebs = _at_catalog_price("aws.ebs.gp3", "ap-southeast-1", 16 * 1024, catalog)
    assert ebs == 1572.86
    assert round(350.40 + ebs + round(month1, 2), 2) == 2046.14


def test_sao_paulo_calculator_egress_tiers_ebs_and_ipv4(tmp_path: Path, catalog) -> None:
    # AWS Pricing Calculator, South America (São Paulo), "as of March 2024" (catalog: price map of 2025-06-05
    # for egress and IPv4 of 2025-06-13, EBS of 2024-07-18; the same rates). 148,325 GB out to the internet
    # crosses three tiers: 10,240 x 0.15 = 1,536.00; 40,960 x 0.138 = 5,652.48; 97,125 x 0.126 = 12,237.75;
    # total 19,426.23 (one flat first-tier rate would give 22,248.75).
    # EBS "for SSD": 1,024 GB x 0.19 = 194.56, the gp2 rate of sa-east-1 (gp3 there is 0.152).
    # One in-use public IPv4 address: 730 h x 0.005 = 3.65.
    assert "**Data Transfer cost (monthly): 19,426.23 USD**" in SAO_PAULO_CALCULATOR
    assert "Using AWS pricing calculator -- as of March 2024--" in SAO_PAULO_CALCULATOR
    assert "1,024 GB x 1.00 instance months x 0.19 USD = 194.56 USD (EBS Storage Cost)" in SAO_PAULO_CALCULATOR
    assert "x 730 hours in a month x 0.005 USD = 3.65 USD" in SAO_PAULO_CALCULATOR
    month1, _ = _internet_out(tmp_path, "sa-east-1", 148_325, catalog)
    assert round(month1, 2) == 19426.23
    assert _at_catalog_price("aws.ebs.gp2", "sa-east-1", 1024, catalog) == 194.56
    assert _at_catalog_price("aws.ipv4.public", "sa-east-1", 730, catalog) == 3.65


def test_hong_kong_calculator_egress(tmp_path: Path, catalog) -> None:
    # AWS Pricing Calculator prices "as of June 20, 2024, in the Hong Kong region" (catalog: price map of
    # 2025-06-05, the same rate): 1,225 GB out to the internet x 0.12 (first 10 TB tier of ap-east-1) = 147.00.
    assert "as of June 20, 2024, in the Hong Kong region" in HONG_KONG_CALCULATOR
    assert "Internet: 1225 GB x 0.12 USD per GB = 147.00 USD" in HONG_KONG_CALCULATOR
    month1, _ = _internet_out(tmp_path, "ap-east-1", 1225, catalog)
    assert round(month1, 2) == 147.00


@pytest.mark.parametrize(
    ("region", "gb", "source_row", "amount"),
    [
        # Example 3, "27 Amazon ECR images (~3 GB in total size) from AWS Ireland Region (eu-west-1)" to Beijing:
        # leaving the aws partition is internet egress, 3 x 0.09 = 0.27.
        ("eu-west-1", 3, "| Data Transfer Out | 0.09 per GB | $0.27", 0.27),
        # Example 1, "1 TB of S3 files from AWS Oregon Region (us-west-2)": 1,024 GB x 0.09 = 92.16.
        ("us-west-2", 1024, "| Data Transfer Out | 0.09 per GB | $92.16", 92.16),
    ],
)
def test_data_transfer_hub_cost_table(tmp_path: Path, catalog, region, gb, source_row, amount) -> None:
    # AWS Solutions cost table (Data Transfer Hub), "As of April 2023" - AWS's arithmetic, not the calculator's.
    # Catalog: AWS's price map of 2025-06-05, first tier $0.09 in both regions; calculator terms (no free 100 GB).
    assert source_row in DTH_TABLE and "As of April 2023" in DTH_TABLE
    month1, _ = _internet_out(tmp_path, region, gb, catalog)
    assert round(month1, 2) == amount


def _cents_half_up(value: float) -> Decimal:
    """A table's cent, rounded half up from the decimal value (round() on the binary float can round 0.345 down)."""
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_ningxia_ecr_storage_and_egress_in_renminbi(catalog) -> None:
    # AWS Solutions cost table (AWS AI Solution Kit, 2022), China (Ningxia) - AWS's arithmetic, in CNY:
    # "0.5GB storage, ¥0.69/GB each month | ¥0.35": 0.5 x 0.69 = 0.345 -> 0.35 (half up).
    # "100KB data output each time, ¥0.933/GB | ¥93.3" for "1 million invocations": 1,000,000 x 100 KB = 100 GB
    # (decimal, as the table counts) x 0.933 = 93.30 - the internet egress rate of cn-northwest-1, which the
    # catalog holds from a third-party page of 2021 (aws-china.yaml); this AWS table of 2022 agrees.
    assert (
        "|Amazon Elastic Container Registry| 0.5GB storage, ¥0.69/GB each month     | ¥0.35    |" in NINGXIA_TABLE_2022
    )
    assert "100KB data output each time, ¥0.933/GB | ¥93.3 " in NINGXIA_TABLE_2022
    assert "1 million invocations" in NINGXIA_TABLE_2022
    ecr = catalog.get("ecr.storage.standard", region="cn-northwest-1")
    egress = catalog.get("aws.transfer.internet_out", region="cn-northwest-1")
    assert ecr.currency == egress.currency == "CNY"
    assert _cents_half_up(0.5 * ecr.tier_pairs()[0][1]) == Decimal("0.35")
    assert _cents_half_up(100 * egress.tier_pairs()[0][1]) == Decimal("93.30")


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
