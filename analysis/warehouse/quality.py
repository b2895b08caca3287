"""Data quality of the current snapshot: which parts are carried from an earlier read, or missing.

Read from `current_carried_parts` (migration 7) and grouped the way a person reads it: per account, region,
part and original read, with how many repositories it covers. The model copies these into the result object
(`EstimateResult.data_quality`) and every renderer shows them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from analysis.warehouse.db import Warehouse

_CURRENT = """
SELECT account_id, region, part, operation, error_code, any_value(message) AS message,
       from_run_id, min(read_at) AS read_at, max(run_id) AS failed_run_id,
       count(repository) AS repositories
FROM current_carried_parts
GROUP BY account_id, region, part, operation, error_code, from_run_id
ORDER BY account_id, region, part, from_run_id NULLS FIRST
"""

# What each part feeds, and what the estimate assumes when it was never read.
AFFECTS = {
    "scope": ("storage", "transfer", "pulls"),
    "images": ("storage", "growth"),
    "pulls": ("transfer", "pulls"),
    "lifecycle_policy": ("lifecycle simulation",),
    "repository_policy": ("portability findings",),
    "tags": ("portability findings",),
}
ASSUMED_WHEN_MISSING = {
    "scope": "the region is left out of the estimate: every cost is a lower bound",
    "images": "these repositories count no images: storage is a lower bound",
    "pulls": "these repositories count no pulls: transfer costs are a lower bound",
    "lifecycle_policy": "the lifecycle simulation treats these repositories as having no policy",
    "repository_policy": "no repository policy is assumed",
    "tags": "no tags are assumed",
}


def current_data_quality(warehouse: Warehouse, now: datetime | None = None) -> list[dict[str, Any]]:
    """One entry per carried or missing part of the current snapshot (empty when everything was read)."""
    if not _has_table(warehouse):
        return []
    now = now or datetime.now(UTC)
    cur = warehouse.cursor()
    rel = cur.execute(_CURRENT)
    names = [d[0] for d in rel.description]
    out = []
    for row in rel.fetchall():
        d = dict(zip(names, row, strict=True))
        state = "carried" if d["from_run_id"] is not None else "missing"
        d["state"] = state
        d["age_days"] = round((now - d["read_at"]).total_seconds() / 86_400, 1) if d["read_at"] else None
        d["affects"] = list(AFFECTS.get(d["part"], ("registry settings",)))
        d["assumed"] = (
            None if state == "carried" else ASSUMED_WHEN_MISSING.get(d["part"], "the setting is taken as not set")
        )
        out.append(d)
    cur.close()
    return out


def note(d: dict[str, Any]) -> str:
    """One line for a person: what, where, since when and why."""
    what = d["part"].replace("_", " ")
    if d["repositories"]:
        what = f"{what} of {d['repositories']:,} repositor{'y' if d['repositories'] == 1 else 'ies'}"
    where = f"{d['account_id']}/{d['region']}"
    why = f"{d['operation']} failed in run {d['failed_run_id']} ({d['error_code']})"
    if d["state"] == "carried":
        return f"carried forward: {what} in {where} from run {d['from_run_id']} ({d['age_days']:g} days old): {why}"
    return f"missing: {what} in {where} never read: {why}; {d['assumed']}"


def _has_table(warehouse: Warehouse) -> bool:
    return bool(
        warehouse.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'current_carried_parts'")[0][
            0
        ]
    )
