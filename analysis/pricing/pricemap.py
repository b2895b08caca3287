"""Catalog entries for every AWS region from AWS's public price-map JSON (the data behind aws.amazon.com/pricing).

AWS publishes `https://b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/<service>/USD/current/<service>.json`
for the commercial and GovCloud regions (not China). Two public repositories keep copies:

* QuinnyPig/aws-price-watcher `processed/<service>.json`: `{metric: {"<Location> (<attributes>)": "price"}}`;
* yeo/ec2.shop `data/ebs/ebs.json`: the raw EBS map, `{"regions": {"<Location>": {metric: {"price": …}}}}`.

`build_entries` turns those files into catalog entries (id, region, unit, USD, price or tiers, source pinned to the
commit, as_of = the date the copy was taken, source_kind provider-price-data). The shipped
`data/pricing/aws-regions.yaml` is its output:

    python -m analysis.pricing.pricemap <aws-price-watcher processed/ dir> <ebs.json> data/pricing/aws-regions.yaml

Entries that `data/pricing/aws.yaml` already defines for the same (id, region) are left out: that file is curated
by hand and wins. Regions missing from a map stay missing here; `catalog.get` answers for them with a named
approximation (data/pricing/aws-approximations.yaml), never silently.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import yaml

# Price-map location names of the AWS regions (aws and aws-us-gov partitions). Look-alike Local Zones
# ("Asia Pacific (KDDI) - Tokyo", "US West (Verizon) - Seattle", "Taiwan (Taipei)") are not regions.
REGION_LOCATIONS: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-east-2": "Asia Pacific (Taipei)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)",
    "ap-southeast-6": "Asia Pacific (New Zealand)",
    "ap-southeast-7": "Asia Pacific (Thailand)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-central-2": "EU (Zurich)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)",
    "eu-south-2": "EU (Spain)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-south-1": "Middle East (Bahrain)",
    "me-central-1": "Middle East (UAE)",
    "mx-central-1": "Mexico (Central)",
    "sa-east-1": "South America (Sao Paulo)",
    "us-gov-west-1": "AWS GovCloud (US)",
    "us-gov-east-1": "AWS GovCloud (US-East)",
}
_REGION_OF = {name: code for code, name in REGION_LOCATIONS.items()}

WATCHER_COMMIT = "a6645eb2e53e9399396a714cdc4f3c346c7f06c0"
WATCHER_URL = f"https://github.com/QuinnyPig/aws-price-watcher/blob/{WATCHER_COMMIT}/processed/{{file}}"
EBS_COMMIT = "74c9fd8ab5acfd9511cd6535f914d47071601ad2"
EBS_URL = f"https://github.com/yeo/ec2.shop/blob/{EBS_COMMIT}/data/ebs/ebs.json"
# When each copy was taken: the commit that last changed the processed file (the map's own publication date, where
# its raw manifest is kept, is a few days later at most). EBS: the raw map's hawkFilePublicationDate.
AS_OF = {
    "ecr.json": date(2025, 6, 5),
    "datatransfer.json": date(2025, 6, 5),
    "vpc.json": date(2025, 6, 13),
    "inspectorv2.json": date(2025, 6, 17),
    "ec2.json": date(2025, 6, 13),
    "s3.json": date(2025, 6, 5),
    "rds-postgresql-ondemand.json": date(2025, 6, 5),
    "eks.json": date(2025, 6, 16),
    "elasticache.json": date(2025, 6, 5),
    "elb.json": date(2025, 6, 5),
    "ebs.json": date(2024, 7, 18),
}

# (catalog id, file, metric, unit, multiplier): one flat price per region. Multiplier turns the map's unit into ours
# (per request -> per 1,000 requests).
_FLAT: list[tuple[str, str, str, str, float]] = [
    ("ecr.storage.standard", "ecr.json", "EC2 Container Registry", "GB-month", 1.0),
    ("aws.vpce.interface.hourly", "vpc.json", "Hourly charge for VPC Endpoints per Hrs", "hour", 1.0),
    (
        "inspector.ecr.initial_scan",
        "inspectorv2.json",
        "Initial Scan on push to ECR Resource-assessment",
        "image-scan",
        1,
    ),
    ("inspector.ecr.rescan", "inspectorv2.json", "Automated re scan Resource-assessment", "image-scan", 1.0),
    ("inspector.ecr.cicd_scan", "inspectorv2.json", "CI CD scan resource assessment", "image-scan", 1.0),
    ("aws.s3.requests.get", "s3.json", "GET and all other requests per Requests", "1000-requests", 1000.0),
    ("aws.s3.requests.put", "s3.json", "PUT COPY/POST or LIST requests per Requests", "1000-requests", 1000.0),
    ("aws.eks.cluster", "eks.json", "Compute per Hours", "hour", 1.0),
    ("aws.ipv4.public", "vpc.json", "Hourly charge for In use Public IPv4 Addresses per Hrs", "hour", 1.0),
    ("aws.alb.hourly", "elb.json", "Application Load Balancer Hours", "hour", 1.0),
    ("aws.alb.lcu", "elb.json", "Application Load Balancer LCU Hours", "LCU-hour", 1.0),
    ("aws.nlb.hourly", "elb.json", "Network Load Balancer Hours", "hour", 1.0),
    (
        "aws.rds.storage.gp3",
        "rds-postgresql-ondemand.json",
        "Database Storage Single AZ General Purpose-GP3",
        "GB-month",
        1,
    ),
]
# (catalog id, file, unit, [(metric, up_to GB)]): tiered prices, bounds as in the map's StartingRange/EndingRange.
_TIERED: list[tuple[str, str, str, list[tuple[str, float | None]]]] = [
    (
        "aws.transfer.internet_out",
        "datatransfer.json",
        "GB",
        [
            ("DataTransfer External Outbound Next 10 TB", 10240),
            ("DataTransfer External Outbound Next 40 TB", 51200),
            ("DataTransfer External Outbound Next 100 TB", 153600),
            ("DataTransfer External Outbound Greater than 150 TB", None),
        ],
    ),
    (
        "aws.vpce.interface.processing",
        "vpc.json",
        "GB",
        [
            ("Charge for per GB data processed by VPC Endpoints per GB from 0 to 1048576", 1048576),
            ("Charge for per GB data processed by VPC Endpoints per GB from 1048576 to 5242880", 5242880),
            ("Charge for per GB data processed by VPC Endpoints per GB from 5242880 to Inf", None),
        ],
    ),
    (
        "aws.s3.standard",
        "s3.json",
        "GB-month",
        [
            ("Standard Storage First 50 TB per GB Mo", 51200),
            ("Standard Storage Next 450 TB per GB Mo", 512000),
            ("Standard Storage Over 500 TB per GB Mo", None),
        ],
    ),
]
EC2_TYPES = (
    "m5.large",
    "m6g.large",
    "m6i.large",
    "m6i.xlarge",
    "m7g.large",
    "m7g.xlarge",
    "m7i.large",
    "m7i.xlarge",
    "m7i-flex.large",
    "t3.large",
    "t3.micro",
    "t3.xlarge",
    "t4g.large",
)
RDS_CLASSES = ("db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.m6g.large")
CACHE_NODES = ("cache.t4g.micro", "cache.t4g.small")
CACHE_ENGINES = {"valkey": "Valkey", "redis": "Redis"}

# "<Location> (<Name>: <value>, …)"; a value may itself hold one pair of parentheses ("To Location: EU (Ireland)").
_ATTRS = re.compile(r"^(?P<location>.*?)(?: \((?P<attrs>[A-Z][A-Za-z ]+: (?:[^()]|\([^()]*\))*)\))?$")


def _split(key: str) -> tuple[str, dict[str, str]]:
    """'EU (Ireland) (To Location: US East (Ohio))' -> ('EU (Ireland)', {'To Location': 'US East (Ohio)'})."""
    match = _ATTRS.match(key)
    assert match is not None  # the pattern matches any string
    attrs: dict[str, str] = {}
    if match["attrs"]:
        for part in re.split(r", (?=[A-Z][A-Za-z ]+: )", match["attrs"]):
            name, _, value = part.partition(": ")
            attrs[name] = value
    return match["location"], attrs


def _by_region(metric: dict[str, str]) -> dict[str, tuple[float, dict[str, str]]]:
    """{region code: (price, attributes)} for the rows of one metric that are AWS regions."""
    out: dict[str, tuple[float, dict[str, str]]] = {}
    for key, value in metric.items():
        location, attrs = _split(key)
        region = _REGION_OF.get(location)
        if region is not None:
            out[region] = (float(value), attrs)
    return out


def _entry(entry_id: str, region: str, file: str, unit: str, spec: dict[str, Any], what: str) -> dict[str, Any]:
    url = EBS_URL if file == "ebs.json" else WATCHER_URL.format(file=file)
    return {
        "id": entry_id,
        "region": region,
        "unit": unit,
        "currency": "USD",
        **spec,
        "source": url,
        "as_of": AS_OF[file],
        "source_kind": "provider-price-data",
        "note": f"AWS price map ({file.removesuffix('.json')}) '{what}', {REGION_LOCATIONS[region]}.",
    }


def _rounded(value: float) -> float:
    return float(f"{value:.10g}")  # 0.0000004 x 1000 = 0.00039999999999999996 otherwise


def build_entries(maps: dict[str, dict[str, Any]], ebs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every catalog entry the maps hold for the regions in REGION_LOCATIONS, sorted by (id, region)."""
    out: list[dict[str, Any]] = []
    for entry_id, file, metric, unit, factor in _FLAT:
        for region, (price, _) in _by_region(maps[file].get(metric, {})).items():
            out.append(_entry(entry_id, region, file, unit, {"price": _rounded(price * factor)}, metric))
    for entry_id, file, unit, metrics in _TIERED:
        rows = [_by_region(maps[file].get(metric, {})) for metric, _ in metrics]
        for region in sorted(set(rows[0]).intersection(*rows[1:])):
            tiers = [{"up_to": up_to, "price": row[region][0]} for (_, up_to), row in zip(metrics, rows, strict=True)]
            out.append(_entry(entry_id, region, file, unit, {"tiers": tiers}, metrics[0][0]))
    out += _ec2(maps["ec2.json"])
    out += _rds(maps["rds-postgresql-ondemand.json"])
    out += _cache(maps["elasticache.json"])
    out += _inter_region(maps["datatransfer.json"])
    out += _ebs(ebs)
    return sorted(out, key=lambda e: (e["id"], e["region"]))


def _ec2(ec2: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for itype in EC2_TYPES:
        metric = f"OnDemand Linux-instancetype-{itype}"
        for region, (price, _) in _by_region(ec2.get(metric, {})).items():
            out.append(_entry(f"aws.ec2.{itype}", region, "ec2.json", "hour", {"price": price}, metric))
    return out


def _rds(rds: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for klass in RDS_CLASSES:
        for az, suffix in (("Single-AZ", "single-az"), ("Multi-AZ", "multi-az")):
            metric = (
                f"Database Instance PostgreSQL No license required db {klass.removeprefix('db.')} "
                f"General purpose {az} Current Generation"
            )
            for region, (price, _) in _by_region(rds.get(metric, {})).items():
                out.append(
                    _entry(
                        f"aws.rds.postgres.{klass}.{suffix}",
                        region,
                        "rds-postgresql-ondemand.json",
                        "hour",
                        {"price": price},
                        metric,
                    )
                )
    return out


def _cache(cache: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for node in CACHE_NODES:
        for engine, label in CACHE_ENGINES.items():
            metric = (
                f"[OnDemand Cache Instance Standard {label} Current Generation] OnDemand Cache Instance Standard "
                f"cache {node.removeprefix('cache.')} {label} Current Generation"
            )
            for region, (price, _) in _by_region(cache.get(metric, {})).items():
                out.append(
                    _entry(
                        f"aws.elasticache.{node}.{engine}", region, "elasticache.json", "hour", {"price": price}, metric
                    )
                )
    return out


def _ebs(ebs: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    specs = [
        ("aws.ebs.gp3", "Storage General Purpose gp3 GB Mo", "GB-month", 1.0),
        ("aws.ebs.gp2", "Storage General Purpose gp2 GB Mo", "GB-month", 1.0),
    ]
    for location, metrics in ebs.get("regions", {}).items():
        region = _REGION_OF.get(location)
        if region is None:
            continue
        for entry_id, metric, unit, factor in specs:
            if metric in metrics:
                price = _rounded(float(metrics[metric]["price"]) * factor)
                out.append(_entry(entry_id, region, "ebs.json", unit, {"price": price}, metric))
    return out


def _inter_region(dt: dict[str, Any]) -> list[dict[str, Any]]:
    """`aws.transfer.inter_region` at the source's most common rate, `…to.<dst>` for destinations priced otherwise.

    AWS charges inter-region transfer once, at the source region (ecr-facts.md); the map lists a rate per
    (source, destination) pair in the `InterRegion Outbound to <destination>` metrics.
    """
    rates: dict[str, dict[str, float]] = {}
    for metric, rows in dt.items():
        if not metric.startswith("DataTransfer InterRegion Outbound to "):
            continue
        for region, (price, attrs) in _by_region(rows).items():
            destination = _REGION_OF.get(attrs.get("To Location", ""))
            if destination is None or destination == region:
                continue
            previous = rates.setdefault(region, {}).get(destination)
            if previous is not None and previous != price:
                raise ValueError(f"inter-region {region}->{destination}: two rates {previous} and {price}")
            rates[region][destination] = price
    out = []
    for region, by_dst in rates.items():
        counts = Counter(by_dst.values())
        common = max(counts, key=lambda p: (counts[p], p))  # ties: the higher rate, so the default never understates
        main = _entry(
            "aws.transfer.inter_region",
            region,
            "datatransfer.json",
            "GB",
            {"price": common},
            "DataTransfer InterRegion Outbound",
        )
        others = sorted(d for d, p in by_dst.items() if p != common)
        main["note"] += (
            f" Charged once, at the source region. The rate to {counts[common]} of {len(by_dst)} destination regions"
            + (f"; aws.transfer.inter_region.to.<region> for {', '.join(others)}." if others else ".")
        )
        out.append(main)
        for destination in others:
            out.append(
                _entry(
                    f"aws.transfer.inter_region.to.{destination}",
                    region,
                    "datatransfer.json",
                    "GB",
                    {"price": by_dst[destination]},
                    f"DataTransfer InterRegion Outbound to {REGION_LOCATIONS[destination]}",
                )
            )
    return out


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(entries: list[dict[str, Any]]) -> str:
    """The YAML text of the shipped file: a header saying how it was made, one flow mapping per entry."""
    header = (
        "# GENERATED by `python -m analysis.pricing.pricemap` from AWS's public price maps (the JSON behind\n"
        "# aws.amazon.com/<service>/pricing, b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/…) as committed in\n"
        f"# QuinnyPig/aws-price-watcher@{WATCHER_COMMIT[:12]} processed/*.json and yeo/ec2.shop@{EBS_COMMIT[:12]}\n"
        "# data/ebs/ebs.json. AWS's numbers in a third party's custody: source_kind provider-price-data.\n"
        "# Every commercial and GovCloud region the maps list; China is not in them (aws-china.yaml). Entries that\n"
        "# aws.yaml defines for the same (id, region) are left out (that file wins). Do not edit: regenerate.\n"
        "catalog_version: 1\nprices:\n"
    )
    lines = []
    for e in entries:
        flow = yaml.dump(e, Dumper=_Dumper, default_flow_style=True, sort_keys=False, width=10_000).strip()
        lines.append(f"  - {flow}")
    return header + "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m analysis.pricing.pricemap <processed-dir> <ebs.json> <out.yaml>", file=sys.stderr)
        return 2
    processed, ebs_path, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    maps = {f: json.loads((processed / f).read_text()) for f in AS_OF if f != "ebs.json"}
    entries = build_entries(maps, json.loads(ebs_path.read_text()))
    from analysis.pricing.catalog_files import read_catalog_file, shipped_dir

    curated = {(e.id, e.location) for e in read_catalog_file(shipped_dir() / "aws.yaml").prices}
    kept = [e for e in entries if (e["id"], e["region"]) not in curated]
    out.write_text(render(kept), encoding="utf-8")
    print(f"{out}: {len(kept)} entries ({len(entries) - len(kept)} left to aws.yaml)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
