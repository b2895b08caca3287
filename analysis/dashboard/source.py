"""Read the warehouse into memory for the dashboard: open read-only, read everything a page needs, close.

Why load-and-close rather than keep a connection or copy the file: DuckDB lets one process write a file, and a
read-only connection held open by the dashboard would stop the next `regcost collect` from opening it at all.
So the dashboard holds no connection between reads. A collection, in turn, holds the write lock for its whole
run; while it does, `WarehouseBusy` is raised and the dashboard keeps showing the snapshot it already has.
Copying the file instead would race the writer (the WAL is not checkpointed mid-run) and costs seconds at 1M
images; the in-memory profile is a few MB (one row per repository).

`fingerprint` is the cheap check (one small query) that says whether a new run finished since the last read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.model.inputs import ModelInput, from_profile
from analysis.model.result import ProfileSummary
from analysis.model.workload import WorkloadProfile, load_profile, summary
from analysis.warehouse import Warehouse, WarehouseError, queries

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


def read_snapshot(path: str | Path, *, error_runs: int = 10) -> Snapshot:
    """The workload profile, model input, runs, scopes and recent runs' errors, in memory."""
    with _open(path) as wh:
        row = wh.query(_FINGERPRINT)[0]
        fp = (int(row[0]), int(row[1]), str(row[2]))
        runs = pd.DataFrame(queries.recent_runs(wh, limit=50))
        scopes = pd.DataFrame(queries.inventory_by_scope(wh))
        errors = {
            int(r): pd.DataFrame(queries.run_errors(wh, int(r)))
            for r in (runs["run_id"].head(error_runs) if not runs.empty else [])
        }
        profile = load_profile(wh) if not scopes.empty else None
    if profile is not None and profile.repositories.empty:
        profile = None
    return Snapshot(
        path=str(path),
        fingerprint=fp,
        loaded_at=datetime.now(UTC),
        profile=profile,
        model_input=from_profile(profile) if profile is not None else None,
        profile_summary=summary(profile) if profile is not None else None,
        runs=runs,
        scopes=scopes,
        errors=errors,
    )
