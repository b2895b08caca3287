"""The migration plan's summary kept with the snapshot it was built from (table `plan_summaries`, migration 11).

`basis` names the snapshot: the newest run, how many runs have ended and when the last ended. Any run ending
changes it, so a summary is read back only while no collection has finished since it was built (a stale row is
never read: it is replaced by the next one written). What the summary holds and when it may be used (`options`)
is decided by analysis/pipeline/plan_store.py; this module only stores and finds rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from analysis.warehouse.db import Warehouse

# The same identity the dashboard checks between reads (analysis/dashboard/source.py: fingerprint).
BASIS = """
SELECT coalesce(max(run_id), 0), count(*) FILTER (WHERE status <> 'running'), max(finished_at)
FROM runs
"""


@dataclass(frozen=True)
class StoredSummary:
    repositories: int
    days: tuple[float, float, float]  # low, base, high engineer-days
    plan_json: str
    built_at: datetime
    build_seconds: float


def basis(warehouse: Warehouse) -> str:
    """The snapshot's identity as text: `run <newest>/<ended> <last end>`."""
    newest, ended, last = warehouse.query(BASIS)[0]
    return f"run {int(newest)}/{int(ended)} {last}"


def find(warehouse: Warehouse, options: str) -> StoredSummary | None:
    """The summary built for the current snapshot with these options, or None (never built, or stale)."""
    rows = warehouse.query(
        "SELECT repositories, days_low, days_base, days_high, plan_json, built_at, build_seconds "
        "FROM plan_summaries WHERE basis = ? AND options = ?",
        [basis(warehouse), options],
    )
    if not rows:
        return None
    repos, low, base, high, plan_json, built_at, seconds = rows[0]
    return StoredSummary(int(repos), (float(low), float(base), float(high)), plan_json, built_at, float(seconds))


def keep(warehouse: Warehouse, options: str, summary: StoredSummary) -> None:
    """Store the summary for the current snapshot (a writer); rows of earlier snapshots go, they are never read."""
    with warehouse.transaction() as con:
        con.execute("DELETE FROM plan_summaries")
        con.execute(
            "INSERT INTO plan_summaries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                basis(warehouse),
                options,
                summary.built_at.astimezone(UTC),
                summary.build_seconds,
                summary.repositories,
                *summary.days,
                summary.plan_json,
            ],
        )
