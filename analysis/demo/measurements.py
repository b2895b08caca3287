"""The demo's measurable truth (#13): VPCs, nodes, a CloudTrail folder of their pulls, and ECR-bound workloads.

The truth differs from the presets on purpose, so that measuring visibly changes the answer:

* nodes keep most layers: a layer is already on the node with probability `hit_ratio` (preset 0.6);
* every node runs in a private subnet; those of one VPC reach S3 through the gateway endpoint, those of the
  other VPC have the ECR interface endpoints but **no S3 gateway endpoint**, so their layers go through the NAT
  gateway (presets: 70 % private, 50 % through endpoints);
* not every pull is a node's: CI runners outside AWS (documentation addresses, RFC 5737: no cloud's), builders
  in another region (an address in AWS's published ranges of that region) and Fargate tasks (`AWS Internal`,
  placed by nothing) pull too, so the measured consumer split (≈ 58 % same region, 11 % other region, 32 %
  outside AWS of the placed bytes) differs from the preset 75 / 5 / 20;
* a Lambda image function and an App Runner service bind two repositories to ECR; an ECS service uses another.

Pulls are drawn from the collected warehouse (images with cached manifests), so bytes and hit ratios come out
of the same manifests the estimate uses. Records follow AWS's documented BatchGetImage event (ECR user guide,
tests/fixtures/cloudtrail/README.md); GetDownloadUrlForLayer records carry the API's input members.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import numpy as np

from analysis.collectors.cloudtrail import delivery_path, write_trail_file
from analysis.warehouse import Warehouse

HIT_RATIO = 0.85
NODES_PER_VPC = 6
ENDPOINT_VPC_WEIGHT = 0.7  # share of the nodes' pulls made in the VPC with the S3 gateway endpoint
# Who pulls: the VPCs' nodes, CI outside AWS, builders in another region, Fargate tasks (unplaceable).
CALLERS = {"node": 0.55, "outside": 0.30, "other_region": 0.10, "fargate": 0.05}
OUTSIDE_IPS = ("203.0.113.10", "198.51.100.7")  # RFC 5737 documentation ranges: in no cloud's published ranges
# One address of AWS's published EC2 ranges per region (data/aws/ip-ranges-2026-08-22.csv.gz): 52.4.0.0/14 is
# us-east-1, 54.247.0.0/16 eu-west-1; the builders use the one that is not the demo's region.
REGION_IPS = {"us-east-1": "52.4.0.10", "eu-west-1": "54.247.0.10"}


@dataclass
class DemoNetwork:
    region: str
    private_nodes: list[str]  # instances in the VPC with the S3 gateway endpoint
    nat_nodes: list[str]  # instances in the VPC without it (layers through the NAT gateway)


def build_network(kwargs: dict[str, Any], region: str) -> DemoNetwork:
    """Two VPCs, each a public subnet (internet + NAT gateway) and a private one routed to the NAT."""
    ec2 = boto3.client("ec2", **{**kwargs, "region_name": region})
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    nodes: list[list[str]] = []
    for i, s3_gateway in enumerate((True, False)):
        vpc = ec2.create_vpc(CidrBlock=f"10.{i + 10}.0.0/16")["Vpc"]["VpcId"]
        public = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i + 10}.0.0/24", AvailabilityZone=f"{region}a")
        private = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i + 10}.1.0/24", AvailabilityZone=f"{region}a")
        public_id, private_id = public["Subnet"]["SubnetId"], private["Subnet"]["SubnetId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public_id)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public_id, AllocationId=eip)["NatGateway"]["NatGatewayId"]
        private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private_id)
        for service in ("ecr.dkr", "ecr.api"):
            ec2.create_vpc_endpoint(
                VpcId=vpc,
                ServiceName=f"com.amazonaws.{region}.{service}",
                VpcEndpointType="Interface",
                SubnetIds=[private_id],
                PrivateDnsEnabled=True,
            )
        if s3_gateway:
            ec2.create_vpc_endpoint(
                VpcId=vpc,
                ServiceName=f"com.amazonaws.{region}.s3",
                VpcEndpointType="Gateway",
                RouteTableIds=[private_rt],
            )
        run = ec2.run_instances(ImageId=image, MinCount=NODES_PER_VPC, MaxCount=NODES_PER_VPC, SubnetId=private_id)
        nodes.append([i["InstanceId"] for i in run["Instances"]])
    return DemoNetwork(region, nodes[0], nodes[1])


def build_workloads(
    kwargs: dict[str, Any], region: str, lambda_image: str, ecs_image: str, apprunner: tuple[str, str] | None = None
) -> None:
    """A Lambda image function, an ECS service and (`apprunner`: (account, image)) an App Runner service, which
    the emulated AWS answers itself (moto has none)."""
    iam = boto3.client("iam", **kwargs)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="demo-image-function", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    boto3.client("lambda", **{**kwargs, "region_name": region}).create_function(
        FunctionName="thumbnails", Role=role, PackageType="Image", Code={"ImageUri": lambda_image}
    )
    ecs = boto3.client("ecs", **{**kwargs, "region_name": region})
    ecs.create_cluster(clusterName="demo")
    td = ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": ecs_image, "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="demo", serviceName="web", taskDefinition=td, desiredCount=2)
    if apprunner is not None:
        from analysis.demo.aws.apprunner import put_service

        put_service(apprunner[0], region, "api", apprunner[1])


def pullable_images(warehouse: Warehouse, region: str, limit: int = 200) -> list[dict[str, Any]]:
    """Tagged single-platform images of the region with their layers, the most recently pushed first."""
    rows = warehouse.query(
        """
        SELECT i.account_id, i.repository_name, i.image_tags[1], list(l.layer_digest ORDER BY l.position),
               list(l.size ORDER BY l.position)
        FROM current_ecr_images i JOIN manifests m ON m.digest = i.image_digest
        JOIN manifest_layers l ON l.manifest_digest = i.image_digest
        WHERE i.region = ? AND NOT m.is_index AND len(i.image_tags) > 0
        GROUP BY ALL ORDER BY max(i.pushed_at) DESC, i.repository_name LIMIT ?
        """,
        [region, limit],
    )
    return [{"account": a, "repo": r, "tag": t, "layers": ls, "sizes": ss} for a, r, t, ls, ss in rows]


def write_trail(
    root: Path,
    images: list[dict[str, Any]],
    network: DemoNetwork,
    caller_account: str,
    end: date,
    *,
    days: int = 30,
    pulls_per_day: int = 400,
    seed: int = 13,
) -> int:
    """One delivered file per day of pulls by the network's nodes; returns the number of records written."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(images) + 1)  # a few images are pulled most (Zipf-like)
    weights /= weights.sum()
    written = 0
    for d in range(days):
        day = end - timedelta(days=days - d)
        records: list[dict[str, Any]] = []
        picks = rng.choice(len(images), size=pulls_per_day, p=weights)
        in_endpoint_vpc = rng.random(pulls_per_day) < ENDPOINT_VPC_WEIGHT
        kinds = rng.choice(list(CALLERS), size=pulls_per_day, p=list(CALLERS.values()))
        for k, (i, private) in enumerate(zip(picks, in_endpoint_vpc, strict=True)):
            img = images[i]
            nodes = network.private_nodes if private else network.nat_nodes
            who = _caller(str(kinds[k]), nodes[int(rng.integers(len(nodes)))], network.region, k)
            when = datetime(day.year, day.month, day.day, 0, 0, 0) + timedelta(seconds=int(86_399 * k / pulls_per_day))
            pull = _record("BatchGetImage", img, who, caller_account, network.region, when)
            pull["requestParameters"]["imageIds"] = [{"imageTag": img["tag"]}]
            records.append(pull)
            fetched = rng.random(len(img["layers"])) >= HIT_RATIO
            for digest in np.asarray(img["layers"])[fetched]:
                fetch = _record("GetDownloadUrlForLayer", img, who, caller_account, network.region, when)
                fetch["requestParameters"]["layerDigest"] = str(digest)
                records.append(fetch)
        write_trail_file(delivery_path(root, caller_account, network.region, day, f"DEMO{d:04d}"), records)
        written += len(records)
    return written


def _caller(kind: str, node: str, region: str, k: int) -> tuple[str, str]:
    """(role and session, sourceIPAddress) of one puller; a node's session name is its instance id."""
    if kind == "node":
        return f"demo-node-role/{node}", "AWS Internal"
    if kind == "outside":
        return "ci-runner/build", OUTSIDE_IPS[k % len(OUTSIDE_IPS)]
    if kind == "other_region":
        return "builder/build", next(ip for r, ip in REGION_IPS.items() if r != region)
    return f"ecsTaskExecutionRole/task{k % 7}", "AWS Internal"


def _record(
    name: str, img: dict[str, Any], who: tuple[str, str], caller: str, region: str, when: datetime
) -> dict[str, Any]:
    session, source_ip = who
    return {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROADEMOROLE:{session.rsplit('/', 1)[-1]}",
            "arn": f"arn:aws:sts::{caller}:assumed-role/{session}",
            "accountId": caller,
            "invokedBy": "AWS Internal",
        },
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "ecr.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": "AWS Internal",
        "requestParameters": {"repositoryName": img["repo"], "registryId": img["account"]},
        "responseElements": None,
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": img["account"],
        "eventCategory": "Management",
    }
