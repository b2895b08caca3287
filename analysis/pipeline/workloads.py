"""Run a workloads inventory: which ECS/Lambda/App Runner/Batch/SageMaker/EKS/EMR Serverless workloads use
which images, per region; load it in one transaction. The only module that knows both that collector and the
warehouse."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from analysis.collectors import workloads as wl
from analysis.collectors.accounts import caller_account
from analysis.collectors.aws import AwsSettings
from analysis.collectors.records import ErrorRecord, to_table
from analysis.warehouse import Warehouse, with_run_id

REF_SCHEMA = pa.schema(
    [(f, pa.bool_() if f in ("is_ecr", "bound_to_ecr") else pa.string()) for f in wl.WorkloadRef.__dataclass_fields__]
)


@dataclass
class WorkloadsSummary:
    run_id: int
    status: str
    refs: list[dict[str, Any]]
    bound: list[dict[str, Any]]
    errors: list[ErrorRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "workloads": self.refs,
            "bound_to_ecr": self.bound,
            "errors": [
                {k: getattr(e, k) for k in ("account_id", "region", "operation", "error_code", "message")}
                for e in self.errors
            ],
        }


def collect_workloads(
    warehouse: Warehouse, settings: AwsSettings, regions: list[str], services: list[str] | None = None
) -> WorkloadsSummary:
    run_id = warehouse.start_run("workloads", {"regions": regions, "services": services})
    refs: list[wl.WorkloadRef] = []
    errors: list[ErrorRecord] = []
    try:
        session = settings.base_session()
        account = caller_account(settings, session)
        for region in regions:
            found, failed = wl.collect_workloads(settings, session, account, region, services)
            refs += found
            errors += failed
        with warehouse.transaction() as con:
            table = pa.Table.from_pylist([asdict(r) for r in refs], schema=REF_SCHEMA)
            warehouse.insert(con, "workload_refs", with_run_id(table, run_id))
            if errors:
                warehouse.insert(con, "collection_errors", with_run_id(to_table(errors, ErrorRecord), run_id))
    except BaseException:
        warehouse.finish_run(run_id, "failed", {})
        raise
    status = "partial" if errors else "complete"
    warehouse.finish_run(run_id, status, {"workloads": len(refs)})
    return WorkloadsSummary(run_id, status, [asdict(r) for r in refs], bound_repositories(warehouse), errors)


def bound_repositories(warehouse: Warehouse) -> list[dict[str, Any]]:
    rows = warehouse.query("SELECT * FROM ecr_bound_repositories ORDER BY account_id, region, repository_name")
    keys = ("account_id", "region", "repository", "services", "workloads")
    return [dict(zip(keys, r, strict=True)) for r in rows]
