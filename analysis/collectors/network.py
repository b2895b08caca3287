"""Network-path collector: per VPC and subnet, does ECR traffic go through VPC endpoints or a NAT gateway?

Read-only EC2 calls (measurement-facts.md §4.2). A private subnet pulls privately only with three endpoints:
`ecr.dkr` (private DNS), `ecr.api`, and the **S3 gateway endpoint** — layers are S3 objects, so a VPC with the
ECR endpoints but no S3 gateway endpoint still sends every layer byte through its NAT gateway (§0.8).

Per subnet, from its route table (an explicit association, else the VPC's main table — DescribeRouteTables
does not list implicit associations):

* layer path (S3): a `pl-…` route of the region's S3 prefix list to a `vpce-…` ⇒ `gateway-endpoint`; else the
  default route: `nat-…` ⇒ `nat`; `igw-…` ⇒ `internet-gateway`; `tgw-…` ⇒ `transit-gateway` (the NAT, if any,
  is in another VPC: not followed); none ⇒ `none` (pulls cannot reach S3);
* registry path (manifests, API): an `ecr.dkr` interface endpoint with private DNS in the VPC ⇒
  `interface-endpoint`; else the same default-route rule.

Instances named in pull events (an EKS/ECS node's role session is its instance id) are looked up to place
their pulls in a subnet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from analysis.collectors.aws import AwsSettings, chunks
from analysis.collectors.operations import Operations, declare

OPERATIONS = declare(
    "network",
    Operations(
        "ec2",
        "ec2",
        (
            "DescribeVpcs",
            "DescribeSubnets",
            "DescribeRouteTables",
            "DescribeVpcEndpoints",
            "DescribeNatGateways",
            "DescribePrefixLists",
            "DescribeInstances",
        ),
    ),
)

INSTANCE_IN_ARN = re.compile(r"/(i-[0-9a-f]{8,17})$")


@dataclass
class SubnetPath:
    account_id: str
    region: str
    vpc_id: str
    subnet_id: str
    availability_zone: str | None
    route_table_id: str | None
    layer_path: str  # gateway-endpoint | nat | internet-gateway | transit-gateway | none
    registry_path: str  # interface-endpoint | nat | internet-gateway | transit-gateway | none
    nat_gateway_id: str | None
    has_ecr_dkr_endpoint: bool
    has_ecr_api_endpoint: bool
    has_s3_gateway_endpoint: bool


@dataclass
class InstancePlace:
    account_id: str
    region: str
    instance_id: str
    subnet_id: str | None
    vpc_id: str | None


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        out += page.get(key, [])
    return out


def collect_network(settings: AwsSettings, session: Any, account_id: str, region: str) -> list[SubnetPath]:
    ec2 = settings.client(session, "ec2", region)
    return classify(
        account_id,
        region,
        subnets=_pages(ec2, "describe_subnets", "Subnets"),
        route_tables=_pages(ec2, "describe_route_tables", "RouteTables"),
        endpoints=_pages(ec2, "describe_vpc_endpoints", "VpcEndpoints"),
        nat_gateways=_pages(ec2, "describe_nat_gateways", "NatGateways"),
        prefix_lists=_pages(ec2, "describe_prefix_lists", "PrefixLists"),
    )


def place_instances(
    settings: AwsSettings, session: Any, account_id: str, region: str, instance_ids: list[str]
) -> list[InstancePlace]:
    """Where the instances that pulled run. An id that no longer exists (a node replaced since) is unplaced."""
    ec2 = settings.client(session, "ec2", region)
    found: dict[str, InstancePlace] = {}
    for batch in chunks(sorted(set(instance_ids)), 200):
        filters = [{"Name": "instance-id", "Values": batch}]
        for reservation in _pages(ec2, "describe_instances", "Reservations", Filters=filters):
            for i in reservation.get("Instances", []):
                iid = i["InstanceId"]
                found[iid] = InstancePlace(account_id, region, iid, i.get("SubnetId"), i.get("VpcId"))
    return [found.get(i) or InstancePlace(account_id, region, i, None, None) for i in sorted(set(instance_ids))]


def classify(
    account_id: str,
    region: str,
    *,
    subnets: list[dict[str, Any]],
    route_tables: list[dict[str, Any]],
    endpoints: list[dict[str, Any]],
    nat_gateways: list[dict[str, Any]],
    prefix_lists: list[dict[str, Any]],
) -> list[SubnetPath]:
    s3_lists = {p["PrefixListId"] for p in prefix_lists if p.get("PrefixListName") == f"com.amazonaws.{region}.s3"}
    live_nats = {n["NatGatewayId"] for n in nat_gateways if n.get("State") in (None, "available", "pending")}
    explicit: dict[str, dict[str, Any]] = {}
    main: dict[str, dict[str, Any]] = {}
    for table in route_tables:
        for assoc in table.get("Associations", []):
            if assoc.get("Main"):
                main[table["VpcId"]] = table
            elif assoc.get("SubnetId"):
                explicit[assoc["SubnetId"]] = table
    live = [e for e in endpoints if e.get("State", "available").lower() in ("available", "pending")]

    def has(vpc: str, service: str, kind: str, dns: bool = False) -> bool:
        return any(
            e["VpcId"] == vpc
            and e["ServiceName"] == f"com.amazonaws.{region}.{service}"
            and e.get("VpcEndpointType", "Gateway") == kind
            and (not dns or e.get("PrivateDnsEnabled"))
            for e in live
        )

    out: list[SubnetPath] = []
    for subnet in subnets:
        vpc = subnet["VpcId"]
        chosen = explicit.get(subnet["SubnetId"]) or main.get(vpc)
        routes = (chosen or {}).get("Routes", [])
        default_path, nat_id = _default_route(routes, live_nats)
        via_s3_endpoint = any(
            r.get("DestinationPrefixListId") in s3_lists and str(r.get("GatewayId", "")).startswith("vpce-")
            for r in routes
        )
        dkr = has(vpc, "ecr.dkr", "Interface", dns=True)
        out.append(
            SubnetPath(
                account_id=account_id,
                region=region,
                vpc_id=vpc,
                subnet_id=subnet["SubnetId"],
                availability_zone=subnet.get("AvailabilityZone"),
                route_table_id=(chosen or {}).get("RouteTableId"),
                layer_path="gateway-endpoint" if via_s3_endpoint else default_path,
                registry_path="interface-endpoint" if dkr else default_path,
                nat_gateway_id=nat_id,
                has_ecr_dkr_endpoint=dkr,
                has_ecr_api_endpoint=has(vpc, "ecr.api", "Interface"),
                has_s3_gateway_endpoint=has(vpc, "s3", "Gateway"),
            )
        )
    return out


def _default_route(routes: list[dict[str, Any]], live_nats: set[str]) -> tuple[str, str | None]:
    for r in routes:
        if r.get("DestinationCidrBlock") != "0.0.0.0/0" or r.get("State") == "blackhole":
            continue
        if r.get("NatGatewayId"):
            return ("nat", r["NatGatewayId"]) if r["NatGatewayId"] in live_nats else ("none", None)
        gateway = str(r.get("GatewayId") or "")
        if gateway.startswith("igw-"):
            return "internet-gateway", None
        if r.get("TransitGatewayId"):
            return "transit-gateway", None
    return "none", None


def instance_id(principal_arn: str | None) -> str | None:
    """`arn:aws:sts::<acct>:assumed-role/<role>/i-0abc…` → `i-0abc…` (EC2 role sessions are named after it)."""
    m = INSTANCE_IN_ARN.search(principal_arn or "")
    return m[1] if m else None
