"""The ECR stage runner: a run's status and exit code as a scheduler reads them, what was not read grouped into
one closing line per cause, and one scope per account and region."""

from __future__ import annotations

from datetime import UTC, datetime

from support import run_collection

from analysis.collectors.aws import Unread
from analysis.collectors.records import ErrorRecord
from analysis.pipeline.ecr import RunSummary, _run_status, _skipped

AT = datetime(2026, 6, 1, tzinfo=UTC)


def error(op: str = "ecr:DescribeImages") -> ErrorRecord:
    return ErrorRecord("111111111111", "us-east-1", None, op, "AccessDenied", "no", AT)


def test_status_complete_partial_failed_and_their_exit_codes():
    ok, bad = {"status": "complete"}, {"status": "failed"}
    assert _run_status([ok, ok], []) == "complete"
    assert _run_status([ok, bad], [error()]) == "partial"
    assert _run_status([bad, bad], [error()]) == "failed"
    assert _run_status([], [error("run")]) == "failed"  # nothing could start (no identity)
    exits = {s: RunSummary(1, s, {}, [], []).exit_code for s in ("complete", "partial", "failed")}
    assert exits == {"complete": 0, "partial": 3, "failed": 1}  # docs/reliability.md


def test_what_was_not_read_is_one_line_per_cause():
    denied = [
        ("111111111111", "us-east-1", Unread("pulls", name, "cloudwatch:GetMetricData", "AccessDenied", "no"))
        for name in ("a", "b", "c")
    ]
    registry = (
        "111111111111",
        "us-east-1",
        Unread("registry:DescribeRegistry", None, "ecr:DescribeRegistry", "X", "m"),
    )
    lines = _skipped([*denied, registry])
    assert [(g["part"], g["error_code"], g["repositories"]) for g in lines] == [
        ("pulls", "AccessDenied", 3),
        ("registry:DescribeRegistry", "X", 0),  # registry-wide: no repository counted
    ]


def test_the_summary_as_json():
    summary = RunSummary(7, "partial", {"images": 10}, [], [error()])
    d = summary.as_dict()
    assert (d["run_id"], d["status"], d["exit_code"]) == (7, "partial", 3)
    assert d["errors"] == [
        {
            "account_id": "111111111111",
            "region": "us-east-1",
            "repository": None,
            "operation": "ecr:DescribeImages",
            "error_code": "AccessDenied",
            "message": "no",
        }
    ]


def test_a_collection_has_one_complete_scope_per_account_and_region(aws, small_estate, tmp_path):
    summary = run_collection(aws, small_estate, tmp_path / "w.duckdb")
    assert (summary.status, summary.exit_code, summary.errors, summary.skipped) == ("complete", 0, [], [])
    scopes = {(s["account_id"], s["region"]) for s in summary.scopes}
    assert scopes == {(a, r) for a in small_estate.accounts for r in small_estate.regions}
    assert all(s["status"] == "complete" for s in summary.scopes)
    assert summary.counts["images"] == len(small_estate.images)
