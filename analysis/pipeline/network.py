"""Run a network-path measurement: classify every subnet, place the instances that pulled, load, summarise.

The only module that knows both the network collector and the warehouse. Instances to place are the callers of
the current CloudTrail measurement (`regcost collect trail` first; without it only the topology is measured).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from analysis.collectors import network as net
from analysis.collectors.accounts import caller_account
from analysis.collectors.aws import AwsSettings, error_record
from analysis.collectors.records import ErrorRecord, to_table
from analysis.model.network import NatCost, RegionPath, nat_cost
from analysis.warehouse import Warehouse, with_run_id

SUBNET_SCHEMA = pa.schema(
    [(f, pa.bool_() if f.startswith("has_") else pa.string()) for f in net.SubnetPath.__dataclass_fields__]
)
INSTANCE_SCHEMA = pa.schema([(f, pa.string()) for f in net.InstancePlace.__dataclass_fields__])


@dataclass
class NetworkSummary:
    run_id: int
    status: str
    subnets: list[dict[str, Any]]
    regions: list[RegionPath]
    costs: list[NatCost]
    errors: list[ErrorRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "regions": [
                {
                    **asdict(r),
                    "measured_nat_share": r.measured_nat_share,
                    "topology_nat_share": r.topology_nat_share,
                    **{k: v for k, v in asdict(c).items() if k != "region"},
                }
                for r, c in zip(self.regions, self.costs, strict=True)
            ],
            "subnets": self.subnets,
            "errors": [
                {k: getattr(e, k) for k in ("account_id", "region", "operation", "error_code", "message")}
                for e in self.errors
            ],
        }


def collect_network(warehouse: Warehouse, settings: AwsSettings, regions: list[str]) -> NetworkSummary:
    from analysis.pricing.catalog import load_catalog

    run_id = warehouse.start_run("network", {"regions": regions})
    errors: list[ErrorRecord] = []
    subnets: list[net.SubnetPath] = []
    places: list[net.InstancePlace] = []
    try:
        session = settings.base_session()
        account = caller_account(settings, session)
        for region in regions:
            try:
                subnets += net.collect_network(settings, session, account, region)
                ids = _pulling_instances(warehouse, account, region)
                if ids:
                    places += net.place_instances(settings, session, account, region, ids)
            except Exception as exc:  # a region we may not read is recorded, the others still count
                errors.append(error_record(exc, "ec2:DescribeRouteTables", account_id=account, region=region))
        with warehouse.transaction() as con:
            warehouse.insert(con, "network_subnets", with_run_id(_table(subnets, SUBNET_SCHEMA), run_id))
            warehouse.insert(con, "network_instances", with_run_id(_table(places, INSTANCE_SCHEMA), run_id))
            if errors:
                warehouse.insert(con, "collection_errors", with_run_id(to_table(errors, ErrorRecord), run_id))
    except BaseException:
        warehouse.finish_run(run_id, "failed", {})
        raise
    status = "partial" if errors else "complete"
    warehouse.finish_run(run_id, status, {"subnets": len(subnets), "instances": len(places)})
    paths = region_paths(warehouse)
    catalog = load_catalog()
    costs = [nat_cost(p, catalog) for p in paths]
    return NetworkSummary(run_id, status, [asdict(s) for s in subnets], paths, costs, errors)


def _pulling_instances(warehouse: Warehouse, account: str, region: str) -> list[str]:
    rows = warehouse.query(
        "SELECT DISTINCT regexp_extract(principal_arn, '/(i-[0-9a-f]{8,17})$', 1) FROM current_trail_pull_events "
        "WHERE region = ? AND principal_account_id = ?",
        [region, account],
    )
    return sorted(r[0] for r in rows if r[0])


def _table(records: list[Any], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([asdict(r) for r in records], schema=schema)


def region_paths(warehouse: Warehouse) -> list[RegionPath]:
    """Per region: measured layer bytes by path (window from the trail run) and the subnet topology."""
    window = warehouse.query(
        "SELECT coalesce(date_diff('day', CAST(scope->>'start' AS DATE), CAST(scope->>'end' AS DATE)), 0) "
        "FROM latest_trail_run"
    )
    days = int(window[0][0]) if window else 0
    by_path: dict[str, dict[str, float]] = {}
    for region, path, nbytes in warehouse.query(
        "SELECT region, layer_path, sum(bytes) FROM pull_bytes_by_path GROUP BY ALL"
    ):
        by_path.setdefault(region, {})[path] = float(nbytes)
    topology = warehouse.query(
        """
        SELECT region, count(*) FILTER (WHERE layer_path = 'nat'), count(*),
               count(DISTINCT availability_zone) FILTER (WHERE layer_path = 'nat')
        FROM current_network_subnets GROUP BY region ORDER BY region
        """
    )
    out = []
    for region, nat_subnets, subnets, azs in topology:
        b = by_path.get(region, {})
        out.append(
            RegionPath(
                region=region,
                nat_bytes=b.get("nat", 0.0),
                private_bytes=b.get("gateway-endpoint", 0.0),
                direct_bytes=sum(v for k, v in b.items() if k in ("internet-gateway", "transit-gateway", "none")),
                unplaced_bytes=b.get("unplaced", 0.0),
                window_days=days,
                nat_subnets=int(nat_subnets),
                subnets=int(subnets),
                interface_azs=int(azs),
            )
        )
    return out
