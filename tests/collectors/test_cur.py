"""CUR 2.0, legacy CUR (Parquet and CSV.gz) and FOCUS exports: the same bill reads the same, whatever the
column set; a foreign or broken file is refused by name and leaves nothing behind."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import settings_for

from analysis.collectors.cur import CurError, NoEcrLines
from analysis.pipeline.costs import collect_cur
from analysis.warehouse import Warehouse

TODAY = date(2026, 11, 27)
OCT = date(2026, 10, 1)

# (account, usage type, quantity per month, unit, cost per month); storage lines are spread over the month's
# days as CUR writes them, so their daily GB-Mo must add up to the month's GB-months.
BILL = [
    ("111111111111", "TimedStorage-ByteHrs", 310.0, "GB-Mo", 31.0),
    ("111111111111", "EU-TimedStorage-ByteHrs", 62.0, "GB-Mo", 6.2),
    ("222222222222", "EUC1-TimedStorage-ByteHrs", 31.0, "GB-Mo", 3.1),
    ("222222222222", "USE1-TimedStorage-Archive-ByteHrs", 93.0, "GB-Mo", 9.3),
    ("111111111111", "DataTransfer-Out-Bytes", 1000.0, "GB", 90.0),
    ("111111111111", "APN1-DataTransfer-Out-Bytes", 100.0, "GB", 11.4),
    ("111111111111", "USE1-EU-AWS-Out-Bytes", 500.0, "GB", 10.0),
]
EXPECTED = [
    ("archive", "us-east-1", None, 93.0, 9.3),
    ("egress-internet", "ap-northeast-1", None, 100.0, 11.4),
    ("egress-internet", "us-east-1", None, 1000.0, 90.0),
    ("inter-region-out", "us-east-1", "eu-west-1", 500.0, 10.0),
    ("storage", "eu-central-1", None, 31.0, 3.1),
    ("storage", "eu-west-1", None, 62.0, 6.2),
    ("storage", "us-east-1", None, 310.0, 31.0),
]


def _rows() -> list[dict]:
    """Daily lines of October for the ECR bill, plus EC2 and S3 lines and a tax line the filter must skip."""
    rows = []
    for acct, ut, qty, unit, cost in BILL:
        for d in range(31):
            day = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=d)
            rows.append(dict(acct=acct, product="AmazonECR", ut=ut, qty=qty / 31, cost=cost / 31, unit=unit, start=day))
    for d in range(31):
        day = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=d)
        rows.append(
            dict(
                acct="111111111111", product="AmazonEC2", ut="BoxUsage:m7g.large", qty=24, cost=2, unit="Hrs", start=day
            )
        )
        rows.append(
            dict(
                acct="111111111111",
                product="AmazonS3",
                ut="TimedStorage-ByteHrs",
                qty=9,
                cost=0.2,
                unit="GB-Mo",
                start=day,
            )
        )
        # The network lines the NAT cross-check reads (usage types as real CUR extracts name them,
        # measurement-facts.md §4.3; the values are made up): NAT processing in eu-west-1 (EU-), an interface
        # endpoint's hours there, and endpoint bytes in us-east-1 (USE1-).
        for product, ut, qty, unit, cost in (
            ("AmazonEC2", "EU-NatGateway-Bytes", 10.0, "GB", 0.48),
            ("AmazonVPC", "EU-VpcEndpoint-Hours", 72.0, "Hrs", 0.792),
            ("AmazonVPC", "USE1-VpcEndpoint-Bytes", 3.0, "GB", 0.03),
        ):
            rows.append(dict(acct="111111111111", product=product, ut=ut, qty=qty, cost=cost, unit=unit, start=day))
    rows.append(
        dict(
            acct="111111111111",
            product="AmazonECR",
            ut="DataTransfer-Out-Bytes",
            qty=0,
            cost=7.5,
            unit="GB",
            start=datetime(2026, 10, 31, tzinfo=UTC),
            kind="Tax",
        )
    )
    return rows


def write_cur2(path: Path) -> Path:
    rows = _rows()
    table = pa.table(
        {
            "bill_payer_account_id": ["999999999999"] * len(rows),
            "line_item_usage_account_id": [r["acct"] for r in rows],
            "line_item_line_item_type": [r.get("kind", "Usage") for r in rows],
            "line_item_usage_start_date": pa.array([r["start"] for r in rows], pa.timestamp("ms", tz="UTC")),
            "line_item_product_code": [r["product"] for r in rows],
            "line_item_usage_type": [r["ut"] for r in rows],
            "line_item_usage_amount": [float(r["qty"]) for r in rows],
            "line_item_unblended_cost": [float(r["cost"]) for r in rows],
            "pricing_unit": [r["unit"] for r in rows],
            "product": pa.array([[("region", "x")]] * len(rows), pa.map_(pa.string(), pa.string())),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_legacy_parquet(path: Path) -> Path:
    rows = _rows()
    table = pa.table(
        {
            "identity_line_item_id": [f"id{i}" for i in range(len(rows))],
            "line_item_usage_account_id": [r["acct"] for r in rows],
            "line_item_line_item_type": [r.get("kind", "Usage") for r in rows],
            # Athena-style legacy exports often carry timestamps without a zone
            "line_item_usage_start_date": pa.array([r["start"].replace(tzinfo=None) for r in rows], pa.timestamp("s")),
            "line_item_product_code": [r["product"] for r in rows],
            "line_item_usage_type": [r["ut"] for r in rows],
            "line_item_usage_amount": [float(r["qty"]) for r in rows],
            "line_item_unblended_cost": [float(r["cost"]) for r in rows],
            "product_product_name": ["Amazon EC2 Container Registry (ECR)"] * len(rows),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_legacy_csv_gz(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [
        "identity/LineItemId",
        "lineItem/UsageAccountId",
        "lineItem/LineItemType",
        "lineItem/UsageStartDate",
        "lineItem/ProductCode",
        "lineItem/UsageType",
        "lineItem/UsageAmount",
        "lineItem/UnblendedCost",
        "pricing/unit",
    ]
    with gzip.open(path, "wt", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, r in enumerate(_rows()):
            w.writerow(
                [f"id{i}", r["acct"], r.get("kind", "Usage"), r["start"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                 r["product"], r["ut"], repr(float(r["qty"])), repr(float(r["cost"])), r["unit"]]
            )  # fmt: skip
    return path


def write_focus(path: Path) -> Path:
    rows = _rows()
    names = {
        "AmazonECR": "Amazon EC2 Container Registry (ECR)",
        "AmazonEC2": "Amazon Elastic Compute Cloud",
        "AmazonS3": "Amazon Simple Storage Service",
        "AmazonVPC": "Amazon Virtual Private Cloud",
    }
    table = pa.table(
        {
            "BillingAccountId": ["999999999999"] * len(rows),
            "SubAccountId": [r["acct"] for r in rows],
            "ChargeCategory": ["Tax" if r.get("kind") == "Tax" else "Usage" for r in rows],
            "ChargePeriodStart": pa.array([r["start"] for r in rows], pa.timestamp("ms", tz="UTC")),
            "ServiceName": [names[r["product"]] for r in rows],
            "x_ServiceCode": [r["product"] for r in rows],
            "x_UsageType": [r["ut"] for r in rows],
            "ConsumedQuantity": [float(r["qty"]) for r in rows],
            "ConsumedUnit": [r["unit"] for r in rows],
            "BilledCost": [float(r["cost"]) for r in rows],
            "BillingCurrency": ["USD"] * len(rows),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def _stored(wh: Warehouse) -> list[tuple]:
    return [
        (c, r, p, round(q, 6), round(cost, 6))
        for c, r, p, q, cost in wh.query(
            "SELECT usage_class, region, peer_region, sum(quantity), sum(cost) FROM current_cost_lines "
            "WHERE source = 'cur' GROUP BY ALL ORDER BY 1, 2"
        )
    ]


@pytest.mark.parametrize(
    ("writer", "name", "label"),
    [
        (write_cur2, "cur2/data/BILLING_PERIOD=2026-10/part-0.snappy.parquet", "CUR 2.0"),
        (write_legacy_parquet, "legacy/20261001-20261101/part-0.parquet", "legacy CUR (Parquet)"),
        (write_legacy_csv_gz, "legacy-csv/report-00001.csv.gz", "legacy CUR (CSV)"),
        (write_focus, "focus/data/part-0.parquet", "FOCUS 1.x (AWS)"),
    ],
)
def test_every_export_format_reads_as_the_same_bill(tmp_path, writer, name, label):
    path = writer(tmp_path / name)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_cur(wh, None, str(tmp_path / name.split("/")[0]), today=TODAY)
        assert summary.status == "complete" and summary.files[0]["format"] == label
        assert summary.months == ["2026-10-01"]
        # storage lines are GB-months: 31 daily lines of 10 GB-Mo are 310 GB-months, not 10 GB stored
        assert _stored(wh) == EXPECTED, path
        assert wh.query("SELECT DISTINCT estimated FROM current_cost_lines") == [(False,)]
        # 31 daily lines each: NAT 31 × 10 GB = 310 GB (31 × 0.48 = 14.88 USD), endpoint hours 31 × 72 = 2,232 h,
        # endpoint bytes 31 × 3 = 93 GB — kept beside ECR's lines, by kind and region.
        network = wh.query(
            "SELECT kind, region, usage_type, round(quantity, 6), round(cost, 6) FROM current_network_bill ORDER BY 1"
        )
        assert network == [
            ("endpoint-bytes", "us-east-1", "USE1-VpcEndpoint-Bytes", 93.0, 0.93),
            ("endpoint-hours", "eu-west-1", "EU-VpcEndpoint-Hours", 2232.0, 24.552),
            ("nat-bytes", "eu-west-1", "EU-NatGateway-Bytes", 310.0, 14.88),
        ], path


def test_a_foreign_file_is_refused_naming_what_is_missing_and_nothing_is_loaded(tmp_path):
    folder = tmp_path / "export"
    write_cur2(folder / "good.parquet")
    pq.write_table(
        pa.table({"date": ["2026-10-01"], "amount": [1.0], "line_item_usage_type": ["x"]}), folder / "x.parquet"
    )
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with pytest.raises(CurError, match=r"x\.parquet|good\.parquet") as err:
            collect_cur(wh, None, str(folder), today=TODAY)
        assert "line_item_product_code" in str(err.value) and "missing" in str(err.value)
        assert wh.query("SELECT count(*) FROM cost_lines")[0][0] == 0
        assert wh.query("SELECT count(*) FROM cost_months")[0][0] == 0
        assert wh.query("SELECT status FROM runs") == [("failed",)]
        assert wh.query("SELECT operation, error_code FROM collection_errors") == [("cur:read", "InvalidExport")]


def test_a_broken_file_is_refused_by_name(tmp_path):
    bad = tmp_path / "export" / "part-7.parquet"
    bad.parent.mkdir()
    bad.write_bytes(b"PAR1 this is not parquet")
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(CurError, match="part-7.parquet: cannot be read"):
        collect_cur(wh, None, str(bad.parent), today=TODAY)


def test_a_csv_without_the_cost_columns_names_them(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("lineItem/UsageType,lineItem/UsageAmount\nTimedStorage-ByteHrs,1\n")
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(CurError) as err:
        collect_cur(wh, None, str(path), today=TODAY)
    assert "legacy CUR (CSV)" in str(err.value) and "lineItem/UnblendedCost" in str(err.value)


def test_an_s3_export_is_downloaded_with_declared_reads_then_read_locally(aws, tmp_path):
    settings = settings_for(aws)
    local = write_cur2(tmp_path / "src.parquet")
    s3 = boto3.client("s3", **aws.client_kwargs())
    s3.create_bucket(Bucket="billing")
    s3.upload_file(str(local), "billing", "cur2/ecr/data/BILLING_PERIOD=2026-10/part-0.parquet")
    s3.put_object(Bucket="billing", Key="cur2/ecr/metadata/manifest.json", Body=b"{}")
    aws.reset_calls()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_cur(wh, settings, "s3://billing/cur2/ecr", today=TODAY)
        assert _stored(wh) == EXPECTED
    assert summary.status == "complete"
    calls = aws.call_counts()
    assert set(calls) == {("s3", "ListObjectsV2"), ("s3", "GetObject")} and calls[("s3", "GetObject")] == 1


# -- real exports nobody here wrote (tests/fixtures/bills/README.md) ----------------------------------------
BILLS = Path(__file__).resolve().parent.parent / "fixtures" / "bills"


def test_a_real_focus_export_without_x_usage_type_loads_its_ecr_lines(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_cur(wh, None, str(BILLS / "focus-1.0-aws-sample-ecr.csv"), today=TODAY)
        assert summary.files[0]["format"] == "FOCUS 1.x (usage type from ChargeDescription)"
        assert summary.months == ["2024-09-01"]
        got = wh.query(
            "SELECT account_id, usage_type, usage_class, region, round(quantity, 10), round(cost, 10) "
            "FROM current_cost_lines WHERE source = 'cur' ORDER BY account_id"
        )
    # The file's 5 ECR lines ("$0.10 per GB-month of data storage", "USD 0.1 per GB-Mo for TimedStorage-ByteHrs
    # in EU (Stockholm)", unit GB-Months) are storage in the line's RegionId; the 6 EC2/ELB/SQS lines are not ECR.
    # eu-north-1's two hourly lines add up: 0.0001111681 + 0.000111175 = 0.0002223431 GB-Mo, cost
    # 0.0000111168 + 0.0000111175 = 0.0000222343
    assert got == [
        ("24333871086", "EU-TimedStorage-ByteHrs", "storage", "eu-west-1", 0.0005297618, 0.0000529762),
        ("55441562023", "EUN1-TimedStorage-ByteHrs", "storage", "eu-north-1", 0.0002223431, 0.0000222343),
        ("69460568468", "USW2-TimedStorage-ByteHrs", "storage", "us-west-2", 0.0005018337, 0.0000501834),
        ("85742851457", "USW2-TimedStorage-ByteHrs", "storage", "us-west-2", 0.0016377574, 0.0001637757),
    ]


def test_a_real_focus_exports_nat_gateway_lines_are_read_from_their_charge_description(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        collect_cur(wh, None, str(BILLS / "focus-1.0-aws-sample-nat.csv"), today=TODAY)
        network = wh.query(
            "SELECT account_id, kind, region, usage_type, round(quantity, 10), unit, round(cost, 10) "
            "FROM current_network_bill ORDER BY account_id"
        )
    # The sample's 4 "$0.045 per GB Data Processed by NAT Gateways" lines (GB, one hour each), one per account, as
    # billed; its 2 "$0.045 per NAT Gateway Hour" lines are hours, not bytes, and are not among them. RegionId
    # gives the region (us-east-1 → USE1, us-west-2 → USW2); 0.0469039492 GB × 0.045 = 0.0021106777 USD.
    assert network == [
        ("27702429184", "nat-bytes", "us-west-2", "USW2-NatGateway-Bytes", 0.0000000373, "GB", 0.0000000017),
        ("57437203586", "nat-bytes", "us-east-1", "USE1-NatGateway-Bytes", 0.0000000745, "GB", 0.0000000034),
        ("69918885631", "nat-bytes", "us-west-2", "USW2-NatGateway-Bytes", 0.0469039492, "GB", 0.0021106777),
        ("86366525267", "nat-bytes", "us-west-2", "USW2-NatGateway-Bytes", 0.0000000373, "GB", 0.0000000017),
    ]


def test_a_bill_without_ecr_lines_says_so_and_loads_nothing(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with pytest.raises(NoEcrLines) as err:
            collect_cur(wh, None, str(BILLS / "focus-1.0-aws-sample-no-ecr.csv"), today=TODAY)
        message = str(err.value)
        assert "no ECR lines" in message and "Nothing was loaded" in message
        # it names what the export does hold, so the person sees it is another account's or service's bill
        assert "Elastic Load Balancing (3 lines)" in message
        assert wh.query("SELECT count(*) FROM cost_lines")[0][0] == 0
        assert wh.query("SELECT operation, error_code FROM collection_errors") == [("cur:read", "NoEcrLines")]


FOCUS_DESCRIPTIONS = [
    # (ChargeDescription as AWS writes it, ConsumedUnit, the usage class it must land in)
    ("$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier", "GB", "egress-internet"),
    ("$0.020 per GB - US East (Northern Virginia) data transfer to EU (Ireland)", "GB", "inter-region-out"),
    ("$0.00 per GB - EU (Ireland) data transfer from US East (Northern Virginia)", "GB", "inter-region-in"),
    ("$0.01 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB", "GB", "regional"),
    ("$0.10 per GB-month of data storage", "GB-Months", "storage"),
    ("an unknown charge", "Requests", "other"),
]


def test_standard_focus_descriptions_map_to_usage_classes(tmp_path):
    header = (BILLS / "focus-1.0-aws-sample-ecr.csv").read_text(encoding="utf-8").splitlines()[0]
    columns = [c.strip('"') for c in header.split(",")]
    path = tmp_path / "focus.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for i, (text, unit, _) in enumerate(FOCUS_DESCRIPTIONS):
            row = dict.fromkeys(columns, "")
            row |= {
                "ServiceName": "Amazon EC2 Container Registry (ECR)",
                "ChargeCategory": "Usage",
                "ChargeDescription": text,
                "ConsumedUnit": unit,
                "ConsumedQuantity": str(i + 1),
                "BilledCost": "1",
                "ChargePeriodStart": "2024-09-10 00:00:00",
                "SubAccountId": "111111111111",
                "RegionId": "us-east-1",
                "SkuId": f"SKU{i}",
                "BillingCurrency": "USD",
            }
            writer.writerow(row)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        collect_cur(wh, None, str(path), today=TODAY)
        got = dict(wh.query("SELECT quantity, usage_class FROM current_cost_lines"))
    assert got == {float(i + 1): cls for i, (_, _, cls) in enumerate(FOCUS_DESCRIPTIONS)}


def test_standard_focus_vpc_endpoint_lines_are_read_from_their_charge_description(tmp_path):
    # The real sample has no VPC endpoint lines: these two use the price list's texts for the SKUs (synthetic)
    header = (BILLS / "focus-1.0-aws-sample-ecr.csv").read_text(encoding="utf-8").splitlines()[0]
    columns = [c.strip('"') for c in header.split(",")]
    lines = [
        ("Amazon EC2 Container Registry (ECR)", "$0.10 per GB-month of data storage", "GB-Months", "5", "0.5"),
        ("Amazon Virtual Private Cloud", "$0.01 per VPC Endpoint Hour", "Hours", "72", "0.72"),
        ("Amazon Virtual Private Cloud", "$0.01 per GB Data Processed by VPC Endpoints", "GB", "3", "0.03"),
    ]
    path = tmp_path / "focus.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for service, text, unit, quantity, cost in lines:
            row = dict.fromkeys(columns, "")
            row |= {"ServiceName": service, "ChargeCategory": "Usage", "ChargeDescription": text}
            row |= {"ConsumedUnit": unit, "ConsumedQuantity": quantity, "BilledCost": cost, "BillingCurrency": "USD"}
            row |= {"ChargePeriodStart": "2026-10-05 00:00:00", "SubAccountId": "111111111111", "RegionId": "eu-west-1"}
            writer.writerow(row)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        collect_cur(wh, None, str(path), today=TODAY)
        got = wh.query("SELECT kind, region, usage_type, quantity, cost FROM current_network_bill ORDER BY 1")
    assert got == [
        ("endpoint-bytes", "eu-west-1", "EU-VpcEndpoint-Bytes", 3.0, 0.03),
        ("endpoint-hours", "eu-west-1", "EU-VpcEndpoint-Hours", 72.0, 0.72),
    ]


ZONE_FREE_CUR = """\
lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageStartDate,\
lineItem/UsageAmount,pricing/unit,lineItem/UnblendedCost,lineItem/CurrencyCode
111111111111,Usage,AmazonECR,DataTransfer-Out-Bytes,2026-09-30T23:00:00,10,GB,0.9,USD
111111111111,Usage,AmazonECR,DataTransfer-Out-Bytes,2026-10-01T00:30:00,20,GB,1.8,USD
111111111111,Usage,AmazonECR,DataTransfer-Out-Bytes,2026-10-31 23:59:59,40,GB,3.6,USD
111111111111,Usage,AmazonECR,DataTransfer-Out-Bytes,2026-11-01T08:30:00+09:00,80,GB,7.2,USD
"""
MONTHS_OF = """\
import json, sys
from pathlib import Path
from analysis.collectors.cur import scan
groups, rows, names = scan(Path(sys.argv[1]))
print(json.dumps(sorted((str(r[names.index("month")]), r[names.index("quantity")]) for r in rows)))
"""


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
def test_zone_free_start_times_are_utc_whatever_the_machines_time_zone(tmp_path, zone):
    import json
    import os
    import subprocess
    import sys

    path = tmp_path / "cur.csv"
    path.write_text(ZONE_FREE_CUR)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", MONTHS_OF, str(path)],
        env={**os.environ, "TZ": zone, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Billing time is UTC: 23:00 on 30 September is September everywhere; 00:30 and 23:59:59 are October; a
    # value with its own offset (08:30+09:00 = 23:30 UTC on 31 October) is converted, not re-read.
    assert json.loads(out) == [["2026-09-01", 10.0], ["2026-10-01", 140.0]]
