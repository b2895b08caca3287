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


def test_a_trail_with_known_callers_gives_exactly_the_known_consumer_bytes(tmp_path):
    """Layer fetches from each kind of caller; the view places their bytes by the rules of migration 11."""
    import copy
    import json
    import uuid
    from pathlib import Path

    from analysis.collectors import cloudtrail as ct

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "cloudtrail" / "aws-docs-ecr-events.json"
    pull = next(e for e in json.loads(fixture.read_text()) if e["eventName"] == "BatchGetImage")  # us-east-2
    mib = 2**20
    sizes = {"sha256:" + "a" * 64: 100 * mib, "sha256:" + "b" * 64: 50 * mib, "sha256:" + "c" * 64: 10 * mib}
    a, b, c = sizes

    def fetch(layer: str, source_ip: str, endpoint: str | None = None) -> dict:
        # AWS publishes no GetDownloadUrlForLayer record: built from the documented pull (synthetic).
        r = copy.deepcopy(pull)
        r.update(eventID=str(uuid.uuid4()), eventName="GetDownloadUrlForLayer", sourceIPAddress=source_ip)
        r["requestParameters"] = {"registryId": "123456789012", "repositoryName": "testrepo", "layerDigest": layer}
        if endpoint:
            r["vpcEndpointId"] = endpoint
        return r

    records = [
        fetch(a, "AWS Internal", endpoint="vpce-0a1b2c3d"),  # through a VPC endpoint: same region
        fetch(b, "10.0.3.4"),  # a private address: same region
        fetch(c, "ecs-tasks.amazonaws.com"),  # an AWS service: same region
        fetch(c, "3.12.0.9"),  # 3.12.0.0/16 is us-east-2: same region
        fetch(a, "3.5.140.10"),  # 3.5.140.0/22 is ap-northeast-2: another region
        fetch(b, "203.0.113.12"),  # the documented caller, in no AWS range: outside AWS
        fetch(c, "AWS Internal"),  # the ECR proxy, no instance to place: unplaced, left out
    ]
    ct.write_trail_file(
        ct.delivery_path(tmp_path / "trail", "123456789012", "us-east-2", date(2019, 4, 15), "A"), records
    )
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with wh.transaction() as con:
            for i, (digest, size) in enumerate(sizes.items()):
                con.execute("INSERT INTO manifest_layers VALUES ('sha256:m', ?, ?, ?, NULL)", [i, digest, size])
        summary = collect_trail(wh, None, TrailRequest(date(2019, 4, 1), date(2019, 5, 1), folder=tmp_path / "trail"))
        got = dict(wh.query("SELECT consumer, bytes FROM pull_bytes_by_consumer"))
        kinds = dict(wh.query("SELECT source_ip, kind FROM current_trail_sources"))
    # same region: 100 (endpoint) + 50 (private) + 10 (service) + 10 (us-east-2 address) = 170 MiB
    assert got == {"same_region": 170 * mib, "other_region": 100 * mib, "outside_aws": 50 * mib, "unplaced": 10 * mib}
    assert kinds["203.0.113.12"] == "outside-aws" and kinds["AWS Internal"] == "aws-internal"
    assert summary.consumers == got and summary.as_dict()["consumer_bytes"] == got  # said by `collect trail`
