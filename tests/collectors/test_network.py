"""The network path of pulls over the emulated AWS: a VPC with the ECR endpoints but no S3 gateway endpoint still
pays NAT for layers; measured pull bytes are split by the path their node's subnet takes."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import boto3
import pytest
from support import settings_for
from test_cloudtrail import _layer_fetch, _pull

from analysis.collectors import cloudtrail as ct
from analysis.collectors import network as net
from analysis.collectors.operations import allowed_operations
from analysis.demo import measurements as dm
from analysis.demo.estate import ACCOUNT_IDS
from analysis.pipeline.network import collect_network
from analysis.pipeline.trail import TrailRequest, collect_trail
from analysis.warehouse import Warehouse

REGION = "us-east-1"


def test_classify_reads_the_main_route_table_for_unassociated_subnets():
    paths = net.classify(
        "1" * 12,
        REGION,
        subnets=[{"SubnetId": "subnet-1", "VpcId": "vpc-1"}],
        route_tables=[
            {
                "RouteTableId": "rtb-main",
                "VpcId": "vpc-1",
                "Associations": [{"Main": True}],
                "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}],
            }
        ],
        endpoints=[],
        nat_gateways=[],
        prefix_lists=[],
    )
    assert (paths[0].route_table_id, paths[0].layer_path, paths[0].registry_path) == (
        "rtb-main",
        "internet-gateway",
        "internet-gateway",
    )


@pytest.fixture()
def measured_db(collected_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    shutil.copy(collected_db, db)
    return db


def test_a_vpc_without_the_s3_gateway_endpoint_pays_nat_for_layers(aws, measured_db, tmp_path):
    # Two VPCs with the ECR interface endpoints; only the first has the S3 gateway endpoint (the demo's network).
    network = dm.build_network(aws.client_kwargs(REGION), REGION)
    node_tight, node_leaky = network.private_nodes[0], network.nat_nodes[0]
    ec2 = boto3.client("ec2", **aws.client_kwargs(REGION))
    place = {
        i["InstanceId"]: (i["SubnetId"], i["VpcId"])
        for r in ec2.describe_instances(InstanceIds=[node_tight, node_leaky])["Reservations"]
        for i in r["Instances"]
    }
    (leaky_subnet, leaky_vpc), (tight_subnet, tight_vpc) = place[node_leaky], place[node_tight]

    with Warehouse(measured_db, read_only=True) as wh:
        repo, digest_tag, layers = _an_image(wh)
    caller = ACCOUNT_IDS[0]
    day = datetime(2026, 11, 3, 9, tzinfo=UTC)
    records = []
    # The leaky VPC's node pulls cold (every layer); the other node had all but the top layer cached.
    for node, wanted in ((node_leaky, layers), (node_tight, layers[-1:])):
        pull = _pull(repo[2], repo[0], REGION, day, node, imageTag=digest_tag)
        pull["userIdentity"]["accountId"] = caller
        pull["userIdentity"]["arn"] = f"arn:aws:sts::{caller}:assumed-role/node-role/{node}"
        records += [pull, *(_layer_fetch(pull, d) for d, _ in wanted)]
    ct.write_trail_file(ct.delivery_path(tmp_path / "trail", repo[0], REGION, day.date(), "X"), records)

    aws.reset_calls()
    with Warehouse(measured_db) as wh:
        collect_trail(wh, None, TrailRequest(date(2026, 11, 1), date(2026, 12, 1), folder=tmp_path / "trail"))
        summary = collect_network(wh, settings_for(aws), [REGION])
    by_subnet = {s["subnet_id"]: s for s in summary.subnets}
    assert by_subnet[leaky_subnet]["layer_path"] == "nat"
    assert by_subnet[leaky_subnet]["registry_path"] == "interface-endpoint"  # manifests private, layers not
    assert by_subnet[tight_subnet]["layer_path"] == "gateway-endpoint"
    assert (by_subnet[leaky_subnet]["vpc_id"], by_subnet[tight_subnet]["vpc_id"]) == (leaky_vpc, tight_vpc)

    region = next(r for r in summary.regions if r.region == REGION)
    total, top = sum(s for _, s in layers), layers[-1][1]
    # Through NAT: every layer once (the leaky node); privately: the top layer once.
    assert (region.nat_bytes, region.private_bytes, region.unplaced_bytes) == (total, top, 0)
    assert region.measured_nat_share == pytest.approx(total / (total + top))
    cost = next(c for c in summary.costs if c.region == REGION)
    # 30-day window → a month: NAT GB × USD 0.045 (aws.nat.processing us-east-1); the S3 gateway endpoint is free.
    assert cost.nat_cost_per_month == pytest.approx(total / 2**30 * 0.045)
    assert cost.s3_gateway_endpoint_cost_per_month == 0
    # read-only: only declared EC2 reads were made
    made = aws.call_counts()
    assert ("ec2", "DescribeInstances") in made and ("ec2", "DescribeRouteTables") in made
    assert all(op in allowed_operations(svc) for svc, op in made)


def _an_image(wh: Warehouse) -> tuple[tuple[str, str, str], str, list[tuple[str, int]]]:
    account, region, repo, digest, tag = wh.query(
        """
        SELECT i.account_id, i.region, i.repository_name, i.image_digest, i.image_tags[1]
        FROM current_ecr_images i JOIN manifests m ON m.digest = i.image_digest
        WHERE NOT m.is_index AND len(i.image_tags) = 1 AND i.region = ?
          AND (SELECT count(*) FROM manifest_layers l WHERE l.manifest_digest = i.image_digest) >= 3
        ORDER BY i.repository_name, i.image_digest LIMIT 1
        """,
        [REGION],
    )[0]
    layers = wh.query(
        "SELECT layer_digest, size FROM manifest_layers WHERE manifest_digest = ? ORDER BY position", [digest]
    )
    return (account, region, repo), tag, [(d, int(s)) for d, s in layers]
