"""The CloudTrail stage runner: each source it read is named, a run that cannot start is recorded as failed, and
whether any trail can hold pulls at all. (Reading trails and Event history: tests/collectors/test_cloudtrail.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from analysis.collectors.cloudtrail import TrailError
from analysis.pipeline.trail import TrailRequest, TrailSummary, collect_trail
from analysis.warehouse import Warehouse

NOVEMBER = (date(2026, 11, 1), date(2026, 12, 1))


def test_an_empty_trail_folder_is_a_complete_run_that_measured_nothing(tmp_path):
    (tmp_path / "trail").mkdir()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_trail(wh, None, TrailRequest(*NOVEMBER, folder=tmp_path / "trail"))
        runs = wh.query("SELECT source, status FROM runs")
    assert (summary.status, summary.sources, summary.files, summary.pull_events) == ("complete", ["trail-folder"], 0, 0)
    assert summary.repositories == []
    assert runs == [("cloudtrail", "complete")]
    assert summary.as_dict()["trails"] == []


def test_s3_without_aws_access_says_how_and_the_run_is_failed(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with pytest.raises(TrailError, match=r"reading s3:// needs AWS access: pass --profile"):
            collect_trail(wh, None, TrailRequest(*NOVEMBER, s3_url="s3://logs/AWSLogs"))
        assert wh.query("SELECT source, status FROM runs") == [("cloudtrail", "failed")]


def _summary(checks: list[dict]) -> TrailSummary:
    return TrailSummary(1, "complete", [], 0, 0, 0, checks, [], [])


def test_no_trail_holds_pulls_only_when_trails_were_checked_and_none_can():
    assert not _summary([]).no_trail_holds_pulls  # nothing checked: nothing to say
    assert _summary([{"can_hold_pulls": False}, {"can_hold_pulls": False}]).no_trail_holds_pulls
    assert not _summary([{"can_hold_pulls": False}, {"can_hold_pulls": True}]).no_trail_holds_pulls
