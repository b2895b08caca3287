"""Cost Explorer: every page is a billed request, so pages are followed and closed months never re-asked."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests
from support import settings_for
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors.costs import CeRequest, plan_requests, usage_class, usage_regions, window_months
from analysis.pipeline.costs import collect_cost_explorer, plan_cost_explorer
from analysis.warehouse import Warehouse

TODAY = date(2026, 11, 27)
ACCOUNT = "111111111111"  # the emulated organization's management account (the caller)


def _group(usage_type: str, cost: float, qty: float, unit: str, account: str | None = None) -> dict:
    return {
        "Keys": [usage_type, *([account] if account else [])],
        "Metrics": {
            "UnblendedCost": {"Amount": f"{cost}", "Unit": "USD"},
            "UsageQuantity": {"Amount": f"{qty}", "Unit": unit},
        },
    }


def _period(month: date, groups: list[dict], estimated: bool = False) -> dict:
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return {
        "TimePeriod": {"Start": month.isoformat(), "End": end.isoformat()},
        "Total": {},
        "Groups": groups,
        "Estimated": estimated,
    }


def _pages(months: list[date], per_page: int) -> list[dict]:
    periods = [
        _period(
            m,
            [
                _group("TimedStorage-ByteHrs", 10.0, 100.0, "GB-Mo"),
                _group("EU-DataTransfer-Out-Bytes", 4.5, 50.0, "GB"),
                _group("USE1-EU-AWS-Out-Bytes", 0.2, 10.0, "GB"),
            ],
            estimated=m == date(TODAY.year, TODAY.month, 1),
        )
        for m in months
    ]
    chunks = [periods[i : i + per_page] for i in range(0, len(periods), per_page)]
    return [
        {
            "ResultsByTime": chunk,
            "DimensionValueAttributes": [],
            "GroupDefinitions": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
            **({"NextPageToken": f"page-{i + 1}"} if i + 1 < len(chunks) else {}),
        }
        for i, chunk in enumerate(chunks)
    ]


def inject(aws, results: list[dict], account: str = ACCOUNT) -> None:
    response = requests.post(
        f"{aws.endpoint_url}/moto-api/static/ce/cost-and-usage-results",
        json={"results": results, "account_id": account},
        timeout=10,
    )
    response.raise_for_status()


@pytest.mark.parametrize(
    ("usage_type", "cls", "region", "peer"),
    [
        ("TimedStorage-ByteHrs", "storage", "us-east-1", None),
        ("USE2-TimedStorage-ByteHrs", "storage", "us-east-2", None),
        ("EU-TimedStorage-ByteHrs", "storage", "eu-west-1", None),
        ("USE1-TimedStorage-Archive-ByteHrs", "archive", "us-east-1", None),
        ("APN1-Retrieval-Archive", "retrieval", "ap-northeast-1", None),
        ("DataTransfer-Out-Bytes", "egress-internet", "us-east-1", None),
        ("EUC1-DataTransfer-Out-Bytes", "egress-internet", "eu-central-1", None),
        ("APS2-DataXfer-Out-Bytes", "egress-internet", "ap-southeast-2", None),
        ("USE1-USW2-AWS-Out-Bytes", "inter-region-out", "us-east-1", "us-west-2"),
        ("EUC1-EU-AWS-In-Bytes", "inter-region-in", "eu-central-1", "eu-west-1"),
        ("APN1-DataTransfer-Regional-Bytes", "regional", "ap-northeast-1", None),
        ("CAN1-DataTransfer-In-Bytes", "other", "ca-central-1", None),
        ("ZZZ9-TimedStorage-ByteHrs", "storage", None, None),
    ],
)
def test_usage_types_are_matched_by_pattern_whatever_the_region_prefix(usage_type, cls, region, peer):
    assert usage_class(usage_type) == cls
    assert usage_regions(usage_type) == (region, peer)


def test_the_window_is_13_months_ending_with_the_open_one():
    months = window_months(TODAY)
    assert len(months) == 13 and months[0] == date(2025, 11, 1) and months[-1] == date(2026, 11, 1)
    assert window_months(date(2026, 11, 1))[-1] == date(2026, 10, 1)  # the 1st: nothing to ask yet
    closed = set(months[:-1]) - {date(2026, 3, 1)}
    assert plan_requests(closed, TODAY) == [
        CeRequest(date(2026, 3, 1), date(2026, 4, 1), False),
        CeRequest(date(2026, 11, 1), TODAY, False),
    ]


def test_pages_are_followed_and_a_second_run_asks_only_for_the_open_month(aws, tmp_path):
    settings = settings_for(aws)
    db = tmp_path / "w.duckdb"
    months = window_months(TODAY)
    inject(aws, _pages(months, per_page=5))  # 13 months in 3 pages
    with Warehouse(db) as wh:
        first = collect_cost_explorer(wh, settings, today=TODAY)
    assert first.status == "complete" and first.billed_requests == 3
    assert aws.call_counts()[("ce", "GetCostAndUsage")] == 3
    assert len(first.months) == 13 and first.lines == 39

    with Warehouse(db) as wh:
        stored = wh.query(
            "SELECT usage_class, region, peer_region, sum(quantity), unit, round(sum(cost), 2) "
            "FROM current_cost_lines GROUP BY ALL ORDER BY 1"
        )
        raw = wh.query("SELECT request, response FROM cost_responses ORDER BY fetched_at")
        plan = plan_cost_explorer(wh, today=TODAY)
    assert stored == [
        ("egress-internet", "eu-west-1", None, 650.0, "GB", 58.5),
        ("inter-region-out", "us-east-1", "eu-west-1", 130.0, "GB", 2.6),
        ("storage", "us-east-1", None, 1300.0, "GB-Mo", 130.0),
    ]
    assert len(raw) == 3 and json.loads(raw[1][0])["NextPageToken"] == "page-1"
    assert plan == [CeRequest(date(2026, 11, 1), TODAY, False)]  # 12 closed months are never asked again

    aws.reset_calls()
    inject(aws, _pages([date(2026, 11, 1)], per_page=5))
    with Warehouse(db) as wh:
        second = collect_cost_explorer(wh, settings, today=TODAY)
        months_now = wh.query("SELECT count(*) FROM current_cost_months WHERE source = 'ce'")[0][0]
        total = wh.query("SELECT sum(quantity) FROM current_cost_lines WHERE usage_class = 'storage'")[0][0]
    assert aws.call_counts()[("ce", "GetCostAndUsage")] == 1
    assert second.billed_requests == 1 and len(second.cached_months) == 12
    assert months_now == 13 and total == 1300.0  # the open month replaced, not added twice


def test_by_account_groups_by_linked_account_too(aws, tmp_path):
    settings = settings_for(aws)
    month = date(2026, 10, 1)
    page = {
        "ResultsByTime": [
            _period(
                month,
                [
                    _group("EU-TimedStorage-ByteHrs", 1.0, 10.0, "GB-Mo", "222222222222"),
                    _group("EU-TimedStorage-ByteHrs", 2.0, 20.0, "GB-Mo", "333333333333"),
                ],
            )
        ],
        "DimensionValueAttributes": [],
    }
    inject(aws, [page])
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_cost_explorer(wh, settings, months=2, by_account=True, today=date(2026, 11, 1))
        rows = wh.query("SELECT account_id, quantity FROM current_cost_lines ORDER BY 1")
    assert summary.source == "ce-by-account" and summary.months == ["2026-10-01"]
    assert rows == [("222222222222", 10.0), ("333333333333", 20.0)]


def test_the_cli_prints_the_billed_requests_and_their_cost(aws, tmp_path):
    inject(aws, _pages(window_months(date.today())[-2:], per_page=1), account="123456789012")  # "testing" keys
    result = CliRunner().invoke(
        app,
        [
            "collect",
            "costs",
            "--cost-explorer",
            "--months",
            "2",
            "--endpoint-url",
            aws.endpoint_url,
            "--db",
            str(tmp_path / "w.duckdb"),
        ],
        env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert result.exit_code == 0, result.output
    assert "2 billed Cost Explorer requests (USD 0.02)" in result.output
