"""The data quality of the current snapshot (analysis/warehouse/quality.py): which parts are carried forward from
an earlier read or missing, what each feeds, what the estimate assumes, and the line a person reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from analysis.warehouse import ScopeKey, Warehouse
from analysis.warehouse.quality import current_data_quality, note
from tests.warehouse.test_warehouse import _tables

READ = ScopeKey("111111111111", "eu-west-1")  # read in run 1; its pulls fail in run 2
NEVER = ScopeKey("111111111111", "us-east-1")  # denied in run 2, never read before


@pytest.fixture()
def warehouse(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        r1 = wh.start_run("ecr", {})
        wh.load_scope(r1, READ, "complete", _tables(r1, 3))
        wh.finish_run(r1, "complete", {})
        r2 = wh.start_run("ecr", {})
        unread = pa.table(
            {
                "part": ["pulls"],
                "repository": ["team/app"],
                "operation": ["GetMetricData"],
                "error_code": ["Throttling"],
                "message": ["Rate exceeded"],
            }
        )
        wh.load_scope(r2, READ, "partial", _tables(r2, 3), unread=unread)
        wh.record_failed_scope(r2, NEVER, "DescribeRepositories", "AccessDeniedException", "not authorized")
        wh.finish_run(r2, "partial", {})
        yield wh


def test_everything_read_means_nothing_to_say(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert current_data_quality(wh) == []
        r1 = wh.start_run("ecr", {})
        wh.load_scope(r1, READ, "complete", _tables(r1, 3))
        wh.finish_run(r1, "complete", {})
        assert current_data_quality(wh) == []


def test_a_part_that_failed_is_carried_from_the_last_good_read(warehouse: Warehouse):
    carried, _ = current_data_quality(warehouse)
    assert (carried["state"], carried["part"], carried["from_run_id"], carried["failed_run_id"]) == (
        "carried",
        "pulls",
        1,
        2,
    )
    assert carried["affects"] == ["transfer", "pulls"] and carried["assumed"] is None
    # its age is counted from run 1's read: 36 hours later it is 1.5 days old
    later = current_data_quality(warehouse, now=carried["read_at"] + timedelta(hours=36))[0]
    assert later["age_days"] == 1.5
    assert note(later) == (
        "carried forward: pulls of 1 repository in 111111111111/eu-west-1 from run 1 (1.5 days old): "
        "GetMetricData failed in run 2 (Throttling)"
    )


def test_a_region_never_read_is_missing_and_says_what_the_estimate_assumes(warehouse: Warehouse):
    _, missing = current_data_quality(warehouse)
    assert (missing["state"], missing["part"], missing["read_at"], missing["age_days"]) == (
        "missing",
        "scope",
        None,
        None,
    )
    assert missing["affects"] == ["storage", "transfer", "pulls"]
    assert note(missing) == (
        "missing: scope in 111111111111/us-east-1 never read: DescribeRepositories failed in run 2 "
        "(AccessDeniedException); the region is left out of the estimate: every cost is a lower bound"
    )


def test_the_line_counts_repositories_in_the_plural(warehouse: Warehouse):
    carried = {**current_data_quality(warehouse)[0], "repositories": 1_204, "age_days": 2.0}
    assert note(carried).startswith(
        "carried forward: pulls of 1,204 repositories in 111111111111/eu-west-1 from run 1 (2 days old)"
    )
