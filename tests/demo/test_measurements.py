"""The demo's measurable truth: a trail of pulls drawn as documented (a layer cached with probability HIT_RATIO,
70 % of pulls in the VPC with the S3 gateway endpoint), two VPCs that differ only by that endpoint, and the
images the pulls are drawn from."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime

import boto3
import pytest

from analysis.demo import measurements as dm
from analysis.warehouse import Warehouse

ACCOUNT = "111122223333"
LAYERS = ["sha256:" + c * 64 for c in "abcd"]


def _images() -> list[dict]:
    return [
        {"account": ACCOUNT, "repo": "shop/web", "tag": "v1", "layers": LAYERS, "sizes": [1, 2, 3, 4]},
        {"account": ACCOUNT, "repo": "shop/api", "tag": "v2", "layers": LAYERS[:2], "sizes": [1, 2]},
    ]


def _read(root) -> dict[str, list[dict]]:
    return {p.name: json.loads(gzip.open(p).read())["Records"] for p in sorted(root.rglob("*.json.gz"))}


@pytest.fixture()
def trail(tmp_path):
    network = dm.DemoNetwork("eu-west-1", ["i-0private1", "i-0private2"], ["i-0nat1"])
    written = dm.write_trail(tmp_path, _images(), network, ACCOUNT, date(2026, 5, 11), days=10, pulls_per_day=200)
    return written, _read(tmp_path)


def test_one_delivered_file_per_day_before_the_end(trail):
    written, files = trail
    # the 10 days before 2026-05-11: May 1 … May 10, in CloudTrail's delivery layout
    assert [name.rsplit("_", 1)[0] for name in files] == [
        f"{ACCOUNT}_CloudTrail_eu-west-1_202605{d:02d}T0000Z" for d in range(1, 11)
    ]
    assert written == sum(len(records) for records in files.values())
    for name, records in files.items():
        day = datetime.strptime(name.split("_")[3][:8], "%Y%m%d").date()
        assert {datetime.fromisoformat(r["eventTime"].rstrip("Z")).date() for r in records} == {day}


def test_pulls_follow_the_documented_truth(trail):
    _, files = trail
    records = [r for day in files.values() for r in day]
    pulls = [r for r in records if r["eventName"] == "BatchGetImage"]
    fetches = [r for r in records if r["eventName"] == "GetDownloadUrlForLayer"]
    assert len(pulls) == 10 * 200 and len(pulls) + len(fetches) == len(records)
    # each pull names its image by tag; each fetch names a layer of the image pulled
    assert {
        (p["requestParameters"]["repositoryName"], p["requestParameters"]["imageIds"][0]["imageTag"]) for p in pulls
    } <= {
        ("shop/web", "v1"),
        ("shop/api", "v2"),
    }
    assert {f["requestParameters"]["layerDigest"] for f in fetches} <= set(LAYERS)
    # a layer is fetched when not cached: with HIT_RATIO 0.85, about 15 % of the layers pulled
    layers_pulled = sum(4 if p["requestParameters"]["repositoryName"] == "shop/web" else 2 for p in pulls)
    assert len(fetches) / layers_pulled == pytest.approx(1 - dm.HIT_RATIO, abs=0.03)
    # 55 % of pulls are the nodes'; 70 % of those are made in the VPC with the S3 gateway endpoint
    nodes = [p for p in pulls if "/demo-node-role/" in p["userIdentity"]["arn"]]
    assert len(nodes) / len(pulls) == pytest.approx(dm.CALLERS["node"], abs=0.03)
    private = sum(p["userIdentity"]["principalId"].endswith(("i-0private1", "i-0private2")) for p in nodes)
    assert private / len(nodes) == pytest.approx(dm.ENDPOINT_VPC_WEIGHT, abs=0.05)
    # the others: CI outside AWS (documentation addresses), builders in another region, Fargate (AWS Internal)
    by_ip: dict[str, int] = {}
    for p in pulls:
        by_ip[p["sourceIPAddress"]] = by_ip.get(p["sourceIPAddress"], 0) + 1
    outside = sum(by_ip.get(ip, 0) for ip in dm.OUTSIDE_IPS)
    assert outside / len(pulls) == pytest.approx(dm.CALLERS["outside"], abs=0.03)
    assert by_ip.get("52.4.0.10", 0) / len(pulls) == pytest.approx(dm.CALLERS["other_region"], abs=0.02)
    # the Zipf-like weights: the first image (weight 1) is pulled about twice as often as the second (weight 1/2)
    first = sum(p["requestParameters"]["repositoryName"] == "shop/web" for p in pulls)
    assert first / len(pulls) == pytest.approx(2 / 3, abs=0.05)


def test_records_read_like_aws_documents_them(trail):
    _, files = trail
    record = next(iter(files.values()))[0]
    assert record["eventSource"] == "ecr.amazonaws.com" and record["eventType"] == "AwsApiCall"
    assert record["readOnly"] is True and record["managementEvent"] is True
    assert record["userIdentity"]["type"] == "AssumedRole" and record["recipientAccountId"] == ACCOUNT
    assert record["awsRegion"] == "eu-west-1"


def test_the_same_seed_writes_the_same_trail(tmp_path):
    network = dm.DemoNetwork("eu-west-1", ["i-0a"], ["i-0b"])
    counts = [
        dm.write_trail(tmp_path / str(n), _images(), network, ACCOUNT, date(2026, 5, 11), days=2, pulls_per_day=50)
        for n in range(2)
    ]
    assert counts[0] == counts[1]
    strip = lambda records: [(r["eventName"], r["eventTime"], r["userIdentity"]["arn"]) for r in records]  # noqa: E731
    a, b = _read(tmp_path / "0"), _read(tmp_path / "1")
    assert [strip(r) for r in a.values()] == [strip(r) for r in b.values()]


def test_two_vpcs_differ_only_by_the_s3_gateway_endpoint(aws):
    region = "us-east-1"
    kwargs = aws.client_kwargs(region)
    network = dm.build_network(kwargs, region)
    assert len(network.private_nodes) == len(network.nat_nodes) == dm.NODES_PER_VPC
    ec2 = boto3.client("ec2", **kwargs)
    nodes = network.private_nodes[:1] + network.nat_nodes[:1]
    vpc_of = {
        i["InstanceId"]: i["VpcId"]
        for r in ec2.describe_instances(InstanceIds=nodes)["Reservations"]
        for i in r["Instances"]
    }
    endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]

    tight, leaky = vpc_of[network.private_nodes[0]], vpc_of[network.nat_nodes[0]]
    assert {e["ServiceName"] for e in endpoints if e["VpcId"] == leaky} == {
        f"com.amazonaws.{region}.ecr.dkr",
        f"com.amazonaws.{region}.ecr.api",
    }
    assert {e["ServiceName"] for e in endpoints if e["VpcId"] == tight} == {
        f"com.amazonaws.{region}.ecr.dkr",
        f"com.amazonaws.{region}.ecr.api",
        f"com.amazonaws.{region}.s3",
    }


def test_pullable_images_are_tagged_single_platform_newest_first(collected_db):
    with Warehouse(collected_db, read_only=True) as wh:
        region = wh.query("SELECT region FROM current_ecr_images GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
        images = dm.pullable_images(wh, region, limit=25)
        pushed = {
            (a, r, t): p
            for a, r, t, p in wh.query(
                "SELECT account_id, repository_name, image_tags[1], pushed_at FROM current_ecr_images WHERE region = ?",
                [region],
            )
        }
    assert 0 < len(images) <= 25
    for image in images:
        assert image["tag"] and len(image["layers"]) == len(image["sizes"]) > 0
    times = [pushed[(i["account"], i["repo"], i["tag"])] for i in images]
    assert times == sorted(times, reverse=True)
