"""The cost stage runner: what it asks Cost Explorer for (each request is billed), how a denied call is recorded,
and the summary a user reads. The full round trip over the emulated AWS is tests/collectors/test_costs.py."""

from __future__ import annotations

from datetime import date

import botocore.exceptions
import pytest

from analysis.collectors.aws import AwsSettings
from analysis.pipeline.costs import CostRunSummary, collect_cost_explorer, plan_cost_explorer
from analysis.warehouse import Warehouse

TODAY = date(2026, 11, 27)


class DeniedSettings(AwsSettings):
    """Every Cost Explorer call is refused (as for a role without ce:GetCostAndUsage)."""

    def client(self, session, service, region, budget=None):
        class Ce:
            def get_cost_and_usage(self, **kw):
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "GetCostAndUsage"
                )

        return Ce()


def test_a_new_warehouse_asks_for_the_whole_window_in_one_request(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        (request,) = plan_cost_explorer(wh, today=TODAY)
        # 13 months: November 2025 to the open month, which ends today
        assert (request.start, request.end, request.by_account) == (date(2025, 11, 1), TODAY, False)
        (short,) = plan_cost_explorer(wh, months=2, by_account=True, today=TODAY)
        assert (short.start, short.by_account) == (date(2026, 10, 1), True)


def test_a_denied_call_fails_the_run_and_says_why(tmp_path):
    settings = DeniedSettings(static_credentials={"aws_access_key_id": "x", "aws_secret_access_key": "y"})
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_cost_explorer(wh, settings, today=TODAY)
        runs = wh.query("SELECT source, status FROM runs ORDER BY run_id")
    assert (summary.status, summary.months, summary.lines, summary.billed_requests) == ("failed", [], 0, 0)
    (error,) = summary.as_dict()["errors"]
    assert (error["operation"], error["error_code"], error["message"]) == (
        "ce:GetCostAndUsage",
        "AccessDeniedException",
        "not authorized",
    )
    assert runs == [("costs-ce", "failed")]


def test_the_summary_prices_the_billed_requests():
    summary = CostRunSummary(1, "ce", "complete", ["2026-10-01"], 39, billed_requests=3)
    # $0.01 per GetCostAndUsage request: 3 × 0.01 = $0.03
    assert summary.request_cost_usd == pytest.approx(0.03)
    assert summary.as_dict()["request_cost_usd"] == 0.03
