"""Pulls measured from CloudTrail: AWS's documented events, a trail folder with known pulls, the trails' selectors
and LookupEvents over the emulated AWS."""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from support import settings_for

from analysis.collectors import cloudtrail as ct
from analysis.collectors.operations import allowed_operations
from analysis.demo.aws.cloudtrail import put_lookup_events
from analysis.demo.estate import ACCOUNT_IDS
from analysis.pipeline.trail import TrailRequest, collect_trail
from analysis.warehouse import Warehouse

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "cloudtrail" / "aws-docs-ecr-events.json"
DOC_EVENTS = json.loads(FIXTURE.read_text())
DOC_PULL = next(e for e in DOC_EVENTS if e["eventName"] == "BatchGetImage")


def _pull(repo: str, registry: str, region: str, when: datetime, node: str, **image: str) -> dict:
    """AWS's documented BatchGetImage record, for another repository, time and puller."""
    r = copy.deepcopy(DOC_PULL)
    r["eventID"] = str(uuid.uuid4())
    r["eventTime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    r["awsRegion"] = region
    r["recipientAccountId"] = registry
    r["userIdentity"] = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE:{node}",
        "arn": f"arn:aws:sts::{registry}:assumed-role/node-role/{node}",
        "accountId": registry,
    }
    r["requestParameters"] = {
        "imageIds": [image],
        "acceptedMediaTypes": DOC_PULL["requestParameters"]["acceptedMediaTypes"],
        "repositoryName": repo,
        "registryId": registry,
    }
    return r


def _layer_fetch(pull: dict, digest: str) -> dict:
    """A GetDownloadUrlForLayer record. AWS publishes no example of one (tests/fixtures/cloudtrail/README.md):
    built from the pull record with the API's documented input members (registryId, repositoryName,
    layerDigest) — synthetic."""
    r = copy.deepcopy(pull)
    r["eventID"] = str(uuid.uuid4())
    r["eventName"] = "GetDownloadUrlForLayer"
    params = pull["requestParameters"]
    r["requestParameters"] = {
        "registryId": params["registryId"],
        "repositoryName": params["repositoryName"],
        "layerDigest": digest,
    }
    return r


def test_the_documented_pull_is_counted_once_and_pushes_are_not(tmp_path):
    # The same file in an account trail's and an organization trail's folder: one event (same eventID).
    for org in (None, "o-exampleorg"):
        ct.write_trail_file(
            ct.delivery_path(tmp_path, "123456789012", "us-east-2", date(2019, 4, 15), "A", org), DOC_EVENTS
        )
    table, files = ct.read_trail_folder(tmp_path, date(2019, 4, 1), date(2019, 5, 1))
    assert files == 2
    assert table.to_pylist() == [
        {
            "day": date(2019, 4, 15),
            "account_id": "123456789012",
            "region": "us-east-2",
            "repository_name": "testrepo",
            "event_name": "BatchGetImage",
            "image_tag": "latest",
            "image_digest": None,
            "layer_digest": None,
            "principal_arn": "arn:aws:sts::123456789012:user/Mary_Major",
            "principal_account_id": "123456789012",
            # The documented record's caller address is kept (where the consumer sits, #13); it names no endpoint.
            "source_ip": "203.0.113.12",
            "vpc_endpoint_id": None,
            "events": 1,
        }
    ]
    # Outside the window: nothing.
    assert ct.read_trail_folder(tmp_path, date(2019, 5, 1), date(2019, 6, 1))[0].num_rows == 0


def test_an_event_delivered_in_two_day_folders_counts_once_and_a_pull_on_each_day_once_each(tmp_path):
    # An event written just before midnight can be delivered in the next day's folder too (account and
    # organization trails deliver on their own schedules): one event. Two pulls on two days: one on each day.
    late = _pull("web", "123456789012", "us-east-2", datetime(2019, 4, 15, 23, 59), "i-0a", imageTag="v1")
    next_day = _pull("web", "123456789012", "us-east-2", datetime(2019, 4, 16, 8, 0), "i-0a", imageTag="v1")
    ct.write_trail_file(ct.delivery_path(tmp_path, "123456789012", "us-east-2", date(2019, 4, 15), "A"), [late])
    ct.write_trail_file(
        ct.delivery_path(tmp_path, "123456789012", "us-east-2", date(2019, 4, 16), "B", "o-exampleorg"),
        [late, next_day],
    )
    table, files = ct.read_trail_folder(tmp_path, date(2019, 4, 1), date(2019, 5, 1))
    assert files == 2
    assert sorted((r["day"], r["image_tag"], r["events"]) for r in table.to_pylist()) == [
        (date(2019, 4, 15), "v1", 1),
        (date(2019, 4, 16), "v1", 1),
    ]


def test_a_folder_that_is_not_there_is_said_plainly(tmp_path):
    with pytest.raises(ct.TrailError, match="not a folder"):
        ct.read_trail_folder(tmp_path / "missing", date(2019, 4, 1), date(2019, 5, 1))


@pytest.fixture()
def measured_db(collected_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    shutil.copy(collected_db, db)
    return db


def _image_with_layers(db: Path) -> tuple[str, str, str, str, str, list[tuple[str, int]]]:
    with Warehouse(db, read_only=True) as wh:
        account, region, repo, digest, tag = wh.query(
            """
            SELECT i.account_id, i.region, i.repository_name, i.image_digest, i.image_tags[1]
            FROM current_ecr_images i JOIN manifests m ON m.digest = i.image_digest
            WHERE NOT m.is_index AND len(i.image_tags) = 1
              AND (SELECT count(*) FROM manifest_layers l WHERE l.manifest_digest = i.image_digest) >= 3
            ORDER BY i.repository_name, i.image_digest LIMIT 1
            """
        )[0]
        layers = wh.query(
            "SELECT layer_digest, size FROM manifest_layers WHERE manifest_digest = ? ORDER BY position", [digest]
        )
    return account, region, repo, digest, tag, [(d, int(s)) for d, s in layers]


def test_a_trail_folder_with_known_pulls_gives_the_known_bytes_and_hit_ratio(measured_db, tmp_path):
    account, region, repo, _digest, tag, layers = _image_with_layers(measured_db)
    day = datetime(2026, 11, 3, 9, tzinfo=UTC)
    records = []
    # Node 1 pulls the image cold: every layer. Nodes 2-4 had all but the top layer cached: one fetch each.
    for n, node in enumerate(("i-0001", "i-0002", "i-0003", "i-0004")):
        pull = _pull(repo, account, region, day + timedelta(minutes=n), node, imageTag=tag)
        records.append(pull)
        wanted = layers if n == 0 else layers[-1:]
        records += [_layer_fetch(pull, d) for d, _ in wanted]
    denied = _pull(repo, account, region, day, "i-0009", imageTag=tag)
    denied["errorCode"] = "AccessDenied"  # a refused pull downloaded nothing
    records.append(denied)
    ct.write_trail_file(ct.delivery_path(tmp_path / "trail", account, region, day.date(), "X"), records)

    with Warehouse(measured_db) as wh:
        summary = collect_trail(wh, None, TrailRequest(date(2026, 11, 1), date(2026, 12, 1), folder=tmp_path / "trail"))
        row = wh.query(
            "SELECT pulls, layer_fetches, layers_requested, bytes_pulled, bytes_requested, hit_ratio_count, "
            "hit_ratio_bytes, principals, unresolved_pulls, unsized_fetches FROM pull_measurements "
            "WHERE repository_name = ? AND day = ?",
            [repo, day.date()],
        )[0]
    total = sum(s for _, s in layers)
    top = layers[-1][1]
    n_layers = len(layers)
    # 4 pulls × n layers requested; n + 3 fetched. Bytes: every layer once, the top one 3 more times.
    assert row[:5] == (4, n_layers + 3, 4 * n_layers, total + 3 * top, 4 * total)
    assert row[5] == pytest.approx(1 - (n_layers + 3) / (4 * n_layers))
    assert row[6] == pytest.approx(1 - (total + 3 * top) / (4 * total))
    assert row[7:] == (4, 0, 0)  # four nodes; every pull resolved, every layer sized
    assert summary.pull_events == 4 + n_layers + 3
    assert summary.repositories[0]["repository"] == repo


def test_a_layer_missing_from_the_manifest_cache_is_unsized_not_zero(measured_db, tmp_path):
    account, region, repo, _digest, tag, _layers = _image_with_layers(measured_db)
    day = datetime(2026, 11, 3, 9, tzinfo=UTC)
    pull = _pull(repo, account, region, day, "i-1", imageTag="no-such-tag")
    records = [pull, _layer_fetch(pull, "sha256:" + "f" * 64)]
    ct.write_trail_file(ct.delivery_path(tmp_path / "t", account, region, day.date(), "X"), records)
    with Warehouse(measured_db) as wh:
        collect_trail(wh, None, TrailRequest(date(2026, 11, 1), date(2026, 12, 1), folder=tmp_path / "t"))
        row = wh.query(
            "SELECT pulls, unresolved_pulls, layer_fetches, unsized_fetches, bytes_pulled, hit_ratio_count "
            "FROM pull_measurements WHERE repository_name = ?",
            [repo],
        )[0]
    assert row == (1, 1, 1, 1, 0, None)  # no ratio claimed from an image the warehouse does not know


# ---- trail selectors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("selectors", "holds"),
    [
        ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]}, True),
        ({"EventSelectors": [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]}, True),
        ({"EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]}, False),
        ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False}]}, False),
        (
            {
                "AdvancedEventSelectors": [
                    {
                        "Name": "writes",
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Management"]},
                            {"Field": "readOnly", "Equals": ["false"]},
                        ],
                    }
                ]
            },
            False,
        ),
        (
            {"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]},
            True,
        ),
        (
            {
                "AdvancedEventSelectors": [
                    {
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Management"]},
                            {"Field": "eventSource", "NotEquals": ["ecr.amazonaws.com"]},
                        ]
                    }
                ]
            },
            False,
        ),
    ],
)
def test_selectors_say_whether_a_trail_can_hold_pulls(selectors, holds):
    assert ct.selectors_hold_pulls(selectors)[1] is holds


def test_a_write_only_trail_is_reported_over_the_emulator(aws, tmp_path):
    import boto3

    kwargs = aws.client_kwargs("eu-west-1")
    s3 = boto3.client("s3", **kwargs)
    s3.create_bucket(Bucket="trail-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    trails = boto3.client("cloudtrail", **kwargs)
    trails.create_trail(Name="writes", S3BucketName="trail-bucket")
    trails.put_event_selectors(
        TrailName="writes", EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]
    )
    aws.reset_calls()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_trail(
            wh, settings_for(aws), TrailRequest(date(2026, 11, 1), date(2026, 12, 1), check_regions=["eu-west-1"])
        )
    # read-only: the check made only declared reads (the allow-list of regcost iam-policy)
    assert all(op in allowed_operations(svc) for svc, op in aws.call_counts())
    assert summary.no_trail_holds_pulls
    assert summary.checks[0]["name"] == "writes" and summary.checks[0]["read_write"] == "WriteOnly"
    assert "write-only" in summary.checks[0]["reason"]
    assert ("cloudtrail", "GetEventSelectors") in aws.call_counts()


# ---- LookupEvents ---------------------------------------------------------------------------------------------
def _history(n_pulls: int, n_fetches: int, end: datetime) -> list[dict]:
    records = []
    for i in range(n_pulls):
        records.append(
            _pull("app", "123456789012", "eu-west-1", end - timedelta(seconds=30 * i + 1), f"i-{i % 7}", imageTag="v1")
        )
    for i in range(n_fetches):
        pull = records[i % n_pulls]
        records.append(_layer_fetch(pull, f"sha256:{i % 40:064x}"))
    return records


class _FakeClock:
    """The pacer's clock and sleep: the test checks the pacing without waiting for it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def test_lookup_events_reads_10000_events_in_the_minimum_calls_at_2_per_second(aws, tmp_path):
    end = datetime.now(UTC).replace(microsecond=0)
    put_lookup_events(ACCOUNT_IDS[0], "eu-west-1", _history(5_000, 5_000, end))
    client = settings_for(aws).client(settings_for(aws).base_session(), "cloudtrail", "eu-west-1")
    clock = _FakeClock()
    seen = []
    state = ct.lookup_pull_events(
        client,
        tmp_path / "spool.ndjson",
        end - timedelta(days=3),
        end + timedelta(seconds=1),
        pacer=ct.Pacer(ct.LOOKUP_RATE, clock.clock, clock.sleep),
        progress=seen.append,
    )
    minimum = 2 * -(-5_000 // 50)  # ceil(5,000 / 50) per event name = 200 calls
    assert state.events == 10_000
    assert minimum <= state.calls <= 1.05 * minimum
    assert clock.slept == pytest.approx((state.calls - 1) / ct.LOOKUP_RATE)  # never faster than 2 calls/s
    assert seen[-1].covered == 1.0 and seen[len(seen) // 4].eta_seconds is not None
    table = ct.read_lookup_spool(
        tmp_path / "spool.ndjson", (end - timedelta(days=3)).date(), end.date() + timedelta(days=1)
    )
    assert sum(table.column("events").to_pylist()) == 10_000


def test_an_interrupted_lookup_resumes_without_reading_a_page_twice(aws, tmp_path):
    end = datetime.now(UTC).replace(microsecond=0)
    put_lookup_events(ACCOUNT_IDS[0], "eu-west-1", _history(260, 140, end))
    settings = settings_for(aws)
    client = settings.client(settings.base_session(), "cloudtrail", "eu-west-1")
    spool = tmp_path / "spool.ndjson"
    start = end - timedelta(days=1)

    class Interrupt(Exception):
        pass

    def stop_after_three(p: ct.LookupProgress) -> None:
        if p.calls == 3:
            raise Interrupt

    with pytest.raises(Interrupt):
        ct.lookup_pull_events(client, spool, start, end, pacer=ct.Pacer(1e9), progress=stop_after_three)
    state = ct.lookup_pull_events(client, spool, start, end, pacer=ct.Pacer(1e9))
    assert state.events == 400  # 260 pulls + 140 fetches, each once
    assert state.calls == 6 + 3  # ceil(260/50) + ceil(140/50) = 9: the 3 calls before the stop are not repeated
    rows = ct.read_lookup_spool(spool, start.date(), end.date() + timedelta(days=1))
    assert sum(rows.column("events").to_pylist()) == 400


def test_the_emulated_lookup_answer_follows_botocores_model(aws):
    import botocore.session

    end = datetime.now(UTC).replace(microsecond=0)
    put_lookup_events(ACCOUNT_IDS[0], "eu-west-1", _history(3, 2, end))
    settings = settings_for(aws)
    client = settings.client(settings.base_session(), "cloudtrail", "eu-west-1")
    raw: list[dict] = []
    client.meta.events.register(
        "after-call.cloudtrail.LookupEvents", lambda http_response, **_: raw.append(json.loads(http_response.content))
    )
    client.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "BatchGetImage"}], MaxResults=2
    )
    shape = botocore.session.get_session().get_service_model("cloudtrail").operation_model("LookupEvents").output_shape
    _conforms(raw[0], shape)
    assert len(raw[0]["Events"]) == 2 and "NextToken" in raw[0]
    assert json.loads(raw[0]["Events"][0]["CloudTrailEvent"])["eventName"] == "BatchGetImage"


def _conforms(value, shape, path="$"):
    """Every key the emulator sends is a member of botocore's shape (botocore drops unknown keys silently)."""
    if shape.type_name == "structure":
        assert isinstance(value, dict), path
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{path}: {unknown} not in {shape.name}"
        for k, v in value.items():
            _conforms(v, shape.members[k], f"{path}.{k}")
    elif shape.type_name == "list":
        assert isinstance(value, list), path
        for i, v in enumerate(value):
            _conforms(v, shape.member, f"{path}[{i}]")
    elif shape.type_name == "timestamp":
        assert isinstance(value, int | float), path
    elif shape.type_name == "string":
        assert isinstance(value, str), path


def test_an_organization_trail_in_s3_is_read_like_a_folder(aws, tmp_path):
    import boto3

    kwargs = aws.client_kwargs("us-east-2")
    s3 = boto3.client("s3", **kwargs)
    s3.create_bucket(Bucket="org-logs", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    local = ct.delivery_path(tmp_path / "src", "123456789012", "us-east-2", date(2019, 4, 15), "A", "o-abc123def4")
    ct.write_trail_file(local, DOC_EVENTS)
    key = "central/" + local.relative_to(tmp_path / "src").as_posix()
    s3.put_object(Bucket="org-logs", Key=key, Body=local.read_bytes())
    s3.put_object(Bucket="org-logs", Key=key.replace("2019/04/15", "2019/03/01"), Body=local.read_bytes())  # outside
    aws.reset_calls()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_trail(
            wh,
            settings_for(aws),
            TrailRequest(date(2019, 4, 1), date(2019, 5, 1), s3_url="s3://org-logs/central", check_regions=[]),
        )
    assert (summary.files, summary.pull_events) == (1, 1)
    made = aws.call_counts()
    assert made[("s3", "GetObject")] == 1  # only the window's day folders are fetched
    assert set(op for svc, op in made if svc == "s3") == {"ListObjectsV2", "GetObject"}


def test_collect_trail_cli_prints_json_and_refuses_a_missing_source(tmp_path):
    from typer.testing import CliRunner

    from analysis.cli import app

    ct.write_trail_file(
        ct.delivery_path(tmp_path / "t", "123456789012", "us-east-2", date(2019, 4, 15), "A"), DOC_EVENTS
    )
    db = str(tmp_path / "w.duckdb")
    args = ["collect", "trail", "--folder", str(tmp_path / "t"), "--start", "2019-04-01", "--end", "2019-05-01"]
    result = CliRunner().invoke(app, [*args, "--db", db, "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["pull_events"] == 1 and out["repositories"][0]["repository"] == "testrepo"
    result = CliRunner().invoke(app, ["collect", "trail", "--db", db])
    assert result.exit_code == 2 and "--folder PATH" in result.output
