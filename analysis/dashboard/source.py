"""Read the warehouse into memory for the dashboard: open read-only, read everything a page needs, close.

Why load-and-close rather than keep a connection or copy the file: DuckDB lets one process write a file, and a
read-only connection held open by the dashboard would stop the next `regcost collect` from opening it at all.
So the dashboard holds no connection between reads. A collection, in turn, holds the write lock for its whole
run; while it does, `WarehouseBusy` is raised and the dashboard keeps showing the snapshot it already has.
Copying the file instead would race the writer (the WAL is not checkpointed mid-run) and costs seconds at 1M
images; the in-memory profile is a few MB (one row per repository).

`fingerprint` is the cheap check (one small query) that says whether a new run finished since the last read.
`read_plan` follows the same pattern for the migration plan (seconds to build, so the caller caches it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.model.inputs import ModelInput, from_profile
from analysis.model.measured import Measurement, measurements
from analysis.model.result import ProfileSummary
from analysis.model.workload import WorkloadProfile, load_profile, summary
from analysis.pipeline.result import Estate, registry_runs
from analysis.warehouse import Warehouse, WarehouseError, queries
from analysis.warehouse.quality import current_data_quality

# What identifies a snapshot: the newest run and how many runs have ended (a run ending changes what
# `latest_scopes` shows without a new run id).
_FINGERPRINT = """
SELECT coalesce(max(run_id), 0), count(*) FILTER (WHERE status <> 'running'), max(finished_at)
FROM runs
"""


class WarehouseBusy(WarehouseError):
    """Another process (a collection) holds the write lock; try again later."""


class WarehouseMissing(WarehouseError):
    """No warehouse file, or not a regcost warehouse: the page says how to collect."""


@dataclass(frozen=True)
class Snapshot:
    """Everything the pages read from the warehouse, loaded once per finished run."""

    path: str
    fingerprint: tuple[Any, ...]
    loaded_at: datetime
    profile: WorkloadProfile | None  # None: nothing collected yet
    model_input: ModelInput | None
    profile_summary: ProfileSummary | None
    runs: pd.DataFrame
    scopes: pd.DataFrame
    errors: dict[int, pd.DataFrame] = field(default_factory=dict)
    # self-hosted registries (Harbor, OCI): queries.registry_storage rows, with their `explanation` lines
    registries: list[dict[str, Any]] = field(default_factory=list)
    # what `regcost estimate` reports as carried or missing parts of the snapshot (warehouse/quality.py)
    data_quality: list[dict[str, Any]] = field(default_factory=list)
    # what CloudTrail and the VPC flow logs measured (model/measured.py), read once per snapshot rather than on
    # every estimate; `measured.apply` puts them in place of the presets
    measurements: list[Measurement] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.profile is None

    @property
    def run_ids(self) -> list[int]:
        if self.profile is None:
            return []
        return sorted({int(r) for r in self.profile.scopes["run_id"].dropna()})

    @property
    def last_run_id(self) -> int:
        return int(self.fingerprint[0])

    @property
    def collected_at(self) -> datetime:
        """When the newest finished run ended: the date the migration plan is evaluated at."""
        ended = self.runs[self.runs["status"] != "running"]["finished_at"].dropna() if not self.runs.empty else []
        return pd.Timestamp(max(ended)).to_pydatetime() if len(ended) else self.loaded_at


def _open(path: str | Path) -> Warehouse:
    try:
        return Warehouse(path, read_only=True)
    except WarehouseError as exc:
        text = str(exc)
        if "locked" in text:
            raise WarehouseBusy(text) from None
        raise WarehouseMissing(text) from None


def fingerprint(path: str | Path) -> tuple[Any, ...]:
    """Identity of the warehouse's newest finished state (opens and closes the file)."""
    with _open(path) as wh:
        row = wh.query(_FINGERPRINT)[0]
    return (int(row[0]), int(row[1]), str(row[2]))


def read_snapshot(path: str | Path, *, error_runs: int = 10, estate: Estate | None = None) -> Snapshot:
    """The workload profile, model input, runs, scopes and recent runs' errors, in memory.

    `estate`: what the estimate read of the same snapshot (pipeline/result.py: read_estate); its profile, summary
    and measurements are taken rather than read again (the profile SQL is the slow part), so every page shows the
    estate as of the same date as the estimate (the last collection's end), not as of the clock."""
    with _open(path) as wh:
        row = wh.query(_FINGERPRINT)[0]
        fp = (int(row[0]), int(row[1]), str(row[2]))
        runs = pd.DataFrame(queries.recent_runs(wh, limit=50))
        scopes = pd.DataFrame(estate.scope_rows if estate else queries.inventory_by_scope(wh))
        errors = {
            int(r): pd.DataFrame(queries.run_errors(wh, int(r)))
            for r in (runs["run_id"].head(error_runs) if not runs.empty else [])
        }
        # The registry-storage query scans the self-hosted registries' blobs (a second at 1M images): only when
        # a registry was ever collected.
        registries = queries.registry_storage(wh) if registry_runs(wh) else []
        if estate is not None:  # the same reads as of the same date: taken, not repeated
            profile, found = estate.workload, estate.measurements
            quality = [g.model_dump() for g in estate.gaps]
        else:
            profile = load_profile(wh) if not scopes.empty else None
            found = measurements(wh) if profile is not None else []
            quality = current_data_quality(wh) if profile is not None else []
    if profile is not None and profile.repositories.empty:
        profile = None
    return Snapshot(
        path=str(path),
        fingerprint=fp,
        loaded_at=datetime.now(UTC),
        profile=profile,
        model_input=(estate.model_input if estate else from_profile(profile)) if profile is not None else None,
        profile_summary=(estate.summary if estate else summary(profile)) if profile is not None else None,
        runs=runs,
        scopes=scopes,
        errors=errors,
        registries=registries,
        data_quality=quality,
        measurements=found,
    )


# What the Portability page shows of a wave (the replication payloads and every name stay in `regcost plan`).
_WAVE_KEYS = (
    "wave",
    "risk",
    "repositories",
    "references",
    "pulls_per_month",
    "bytes_copied",
    "archived_bytes_left",
    "egress_cost",
    "engineering_days",
)
_DIFFERENCES = ("ecr_expires_harbor_keeps", "harbor_deletes_ecr_keeps", "ecr_archives_harbor_keeps")


def plan_view(plan: dict[str, Any]) -> dict[str, Any]:
    """The small, serialisable part of `as_dict(plan)` the dashboard shows (the same numbers, fewer rows)."""
    waves = [
        {k: w[k] for k in _WAVE_KEYS} | {"first_repositories": w["names"][:3], "names": len(w["names"])}
        for w in plan["waves"]
    ]
    differ = [r for r in plan["retention_differences"] if any(r[k] for k in _DIFFERENCES)]
    keep = ("schema_version", "at", "summary", "findings", "scores", "lifecycle", "assumptions")
    return {k: plan[k] for k in keep} | {"waves": waves, "retention_differences": differ}


def read_plan(path: str | Path, *, at: datetime, catalog: Any = None) -> dict[str, Any]:
    """`regcost plan` without a reference scan, as `plan_view`: open read-only, build the plan, close."""
    from analysis.portability.plan import as_dict, build_plan

    with _open(path) as wh:
        plan = build_plan(wh, at=at, catalog=catalog)
    return plan_view(as_dict(plan))
