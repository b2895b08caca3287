"""The ECR stage runner: a run's status and exit code as a scheduler reads them, what was not read grouped into
one closing line per cause, and one scope per account and region."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from support import imported_by, run_collection, settings_for

from analysis.collectors.aws import Unread
from analysis.collectors.ecr import EcrOptions
from analysis.collectors.records import ErrorRecord
from analysis.pipeline.ecr import EcrRequest, RunSummary, _run_status, _skipped, collect_ecr
from analysis.warehouse import Warehouse

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


class _Interrupted(Exception):
    """Stands for Ctrl-C midway through an organization run."""


def _snapshot(db) -> dict[str, list[tuple]]:
    """What a reader sees as current, without run ids or read times (those differ between any two runs)."""
    with Warehouse(db, read_only=True) as wh:
        return {
            "repositories": wh.query(
                "SELECT account_id, region, repository_name, lifecycle_policy_text, repository_policy_text "
                "FROM current_ecr_repositories ORDER BY ALL"
            ),
            "images": wh.query(
                "SELECT account_id, region, repository_name, image_digest, image_size_bytes "
                "FROM current_ecr_images ORDER BY ALL"
            ),
            "pulls": wh.query(
                "SELECT account_id, region, repository_name, day, pulls FROM ecr_pull_counts p "
                "JOIN latest_scopes USING (run_id, account_id, region) ORDER BY ALL"
            ),
            "errors": wh.query("SELECT account_id, region, operation FROM collection_errors ORDER BY ALL"),
            "runs": wh.query("SELECT source, status FROM runs ORDER BY run_id"),
        }


def _wait_for_stragglers() -> None:
    """Calls the interrupted run had already started finish on their own threads; wait them out so that the
    resumed run's calls are counted alone."""
    deadline = time.monotonic() + 60
    while any(t.name.startswith(("call", "scope")) for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)


def _killed_then_resumed(aws, request: EcrRequest, db, after: int) -> RunSummary:
    """A run interrupted once `after` scopes are loaded, then resumed on the same warehouse; the emulator's call
    log holds the resumed run's calls alone."""
    finished: list[int] = []

    def interrupt(event: str, n: int) -> None:
        if event == "scope_done":
            finished.append(n)
            if len(finished) == after:
                raise _Interrupted

    with pytest.raises(_Interrupted), Warehouse(db) as wh:
        collect_ecr(wh, settings_for(aws), request, interrupt)
    _wait_for_stragglers()
    aws.reset_calls()
    with Warehouse(db) as wh:
        return collect_ecr(wh, settings_for(aws), replace(request, resume=True))


def test_an_interrupted_run_resumes_with_only_the_scopes_it_had_not_finished(aws, small_estate, tmp_path):
    whole = tmp_path / "whole.duckdb"
    assert run_collection(aws, small_estate, whole).status == "complete"

    request = EcrRequest(regions=list(small_estate.regions), organization_role="OrganizationAccountAccessRole")
    cut = tmp_path / "cut.duckdb"
    resumed = _killed_then_resumed(aws, request, cut, after=3)

    scopes = len(small_estate.accounts) * len(small_estate.regions)  # 3 accounts × 3 regions = 9
    assert resumed.status == "complete"
    assert sum(1 for s in resumed.scopes if s.get("resumed")) == 3
    # Only the 6 scopes the first run had not loaded are listed again.
    assert aws.call_counts()[("ecr", "DescribeRepositories")] == scopes - 3
    assert _snapshot(cut) == {**_snapshot(whole), "runs": [("ecr", "complete")]}


def _calls_by_scope(aws) -> Counter[tuple[str, str, str, str]]:
    with aws._calls_lock:
        return Counter((c.service, c.operation, c.account_id, c.region) for c in aws.calls)


def test_a_resumed_run_makes_exactly_the_calls_of_the_scopes_the_killed_one_had_not_finished(
    aws, small_estate, tmp_path
):
    request = EcrRequest(
        regions=list(small_estate.regions),
        organization_role="OrganizationAccountAccessRole",
        options=EcrOptions(manifests=False),  # manifests are shared across scopes: their calls depend on order
    )
    aws.reset_calls()
    with Warehouse(tmp_path / "whole.duckdb") as wh:
        assert collect_ecr(wh, settings_for(aws), request).status == "complete"
    whole = _calls_by_scope(aws)

    resumed = _killed_then_resumed(aws, request, tmp_path / "cut.duckdb", after=4)
    again = _calls_by_scope(aws)

    assert resumed.status == "complete"
    done = {(s["account_id"], s["region"]) for s in resumed.scopes if s.get("resumed")}
    assert len(done) == 4
    per_scope = {k: n for k, n in whole.items() if k[0] in ("ecr", "cloudwatch")}
    # Every ECR and CloudWatch call of the 5 unfinished scopes, operation by operation, as many times as the whole
    # run made it; none for the 4 finished ones.
    expected = {k: n for k, n in per_scope.items() if (k[2], k[3]) not in done}
    assert {k: n for k, n in again.items() if k[0] in ("ecr", "cloudwatch")} == expected
    assert sum(expected.values()) < sum(per_scope.values())
    # The account calls are made again: who am I, the accounts, a fresh role session per member account.
    account_calls: Counter[tuple[str, str]] = Counter()
    for k, n in again.items():
        if k[0] in ("sts", "organizations"):
            account_calls[k[:2]] += n
    assert account_calls == {
        ("sts", "GetCallerIdentity"): 1,
        ("organizations", "ListAccounts"): 1,
        ("sts", "AssumeRole"): len(small_estate.accounts) - 1,
    }


def test_an_account_and_region_over_its_quota_slows_down_and_loses_nothing(aws, small_estate, tmp_path):
    quota = aws.limit_in_flight(2)  # a third call at once in one account and region is throttled
    request = EcrRequest(
        regions=list(small_estate.regions), organization_role="OrganizationAccountAccessRole", max_concurrency=32
    )
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_ecr(wh, settings_for(aws), request)
    assert quota.throttled > 0  # each scope starts at 4 calls in flight: over the quota of 2
    assert (summary.status, summary.counts["images"]) == ("complete", len(small_estate.images))
    assert summary.counts["throttles"] > 0  # seen by the pace, which halved those scopes' limits


def test_what_a_collection_does_before_its_calls_loads_no_arrow_numpy_or_model(tmp_path):
    """Everything `collect ecr` does before its first ECR call — its modules, a new warehouse opened, the run started,
    what earlier runs hold read — pays for none of the libraries it needs only later (Arrow and numpy: ~0.25 s of
    CPU, the model's pydantic: ~0.2 s), which would delay the first call by as much (docs/benchmarks.md)."""
    code = (
        "import analysis.cli, analysis.pipeline.ecr, analysis.collectors.ecr, analysis.collectors.cloudwatch\n"
        "from analysis.warehouse import Warehouse\n"
        f"wh = Warehouse({str(tmp_path / 'new.duckdb')!r})\n"
        "wh.start_run('ecr', {}); wh.known_manifest_digests(); wh.latest_repository_settings()\n"
        "wh.latest_registry_settings(); wh.close()"
    )
    heavy = ("numpy", "pyarrow", "pandas", "pydantic", "analysis.model", "analysis.pricing")
    assert imported_by(code, heavy) == []
