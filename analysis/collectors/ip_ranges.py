"""Where a CloudTrail `sourceIPAddress` sits: in a VPC, an AWS service, an AWS region's public ranges, or outside AWS.

The recipe is measurement-facts.md §1.4 and §2:

* not an address: `AWS Internal…` (the ECR proxy hides the caller: Docker/containerd pulls) → `aws-internal`,
  a service DNS name (`lambda.amazonaws.com`, `ecs-tasks.amazonaws.com`) → `aws-service`;
* RFC 1918, 100.64.0.0/10 (shared address space) or fc00::/7 → `private` (a call made through a VPC endpoint);
* longest-prefix match in AWS's published ranges → `aws` with the range's region (NAT gateway EIPs and instance
  public IPs are in the EC2 ranges); `GLOBAL` ranges (CloudFront, Route 53 edges) say no region;
* any other address → `outside-aws`. Another cloud and an office are both "outside AWS" here: AWS publishes
  its ranges, the classifier knows no one else's, so the two are never told apart by address.

The ranges are a dated snapshot shipped in data/aws/ (its header names the source file, sync token and commit);
ranges change, so every classification carries the snapshot's date.
"""

from __future__ import annotations

import gzip
import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analysis.resources import shipped_data

SNAPSHOT = "ip-ranges-2026-08-22.csv.gz"
PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


@dataclass(frozen=True)
class Source:
    kind: str  # private | aws | aws-service | aws-internal | outside-aws | unknown
    region: str | None  # the AWS region of an `aws` range (None: GLOBAL or not AWS)


@dataclass(frozen=True)
class Ranges:
    """AWS's prefixes per IP version and prefix length: {network address as an int: region}."""

    snapshot: str
    by_length: dict[int, dict[int, dict[int, str]]]  # version → prefix length → network → region

    def region_of(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None | bool:
        """The region of the most specific AWS prefix holding `address` (None: GLOBAL); False: no prefix holds it."""
        bits = address.max_prefixlen
        value = int(address)
        # Longest prefix first: one dict look-up per prefix length AWS uses (a few dozen), exact for nested ranges.
        for length in sorted(self.by_length[address.version], reverse=True):
            network = value >> (bits - length) << (bits - length)
            region = self.by_length[address.version][length].get(network)
            if region is not None:
                return None if region == "GLOBAL" else region
        return False


def load(path: Path | None = None) -> Ranges:
    path = path or shipped_data() / "aws" / SNAPSHOT
    by_length: dict[int, dict[int, dict[int, str]]] = {4: {}, 6: {}}
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("#") or line.startswith("prefix,"):
                continue
            prefix, region = line.rstrip("\n").split(",")
            net = ipaddress.ip_network(prefix)
            by_length[net.version].setdefault(net.prefixlen, {})[int(net.network_address)] = region
    return Ranges(path.name, by_length)


@lru_cache(maxsize=1)
def shipped() -> Ranges:
    return load()


def classify(source_ip: str | None, ranges: Ranges | None = None) -> Source:
    """What a `sourceIPAddress` value says about where the call came from."""
    value = (source_ip or "").strip()
    if not value:
        return Source("unknown", None)
    if value.startswith("AWS Internal"):
        return Source("aws-internal", None)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        # AWS services appear by DNS name (CloudTrail record contents: "For services in AWS, only the DNS name").
        return Source("aws-service" if value.endswith(".amazonaws.com") else "unknown", None)
    if any(address in net for net in PRIVATE if net.version == address.version):
        return Source("private", None)
    region = (ranges or shipped()).region_of(address)
    if region is False:
        return Source("outside-aws", None)
    return Source("aws", region if isinstance(region, str) else None)
