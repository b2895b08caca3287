"""Resuming an interrupted collection run: which of its scopes are already loaded, and reopening it.

A run interrupted by an exception (Ctrl-C, a lost network) ends 'failed' with the scopes it finished loaded; a
run killed outright stays 'running' in the last copy the writer published (`Warehouse.publish`, every
PUBLISH_EVERY_S of a collection). Either is resumable when it is the newest run of its source and was asked the
same thing (the same scope description): it becomes 'running' again, keeps its loaded scopes, and forgets
what it recorded for the scopes it had not finished (their errors and carried-scope rows), which the resumed
run reads and records anew. The finished run is then the same as one that was never interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.warehouse.db import Warehouse

PUBLISH_EVERY_S = 30.0  # a killed run loses at most this long of finished scopes


@dataclass
class Resumed:
    run_id: int
    done: dict[tuple[str, str], str]  # (account, region) → the status it was loaded with
    counts: dict[str, int]


def resume_run(warehouse: Warehouse, source: str, scope: Mapping[str, Any]) -> Resumed | None:
    """Reopen the newest run of `source` if it was interrupted and asked for `scope`; None otherwise."""
    rows = warehouse.query(
        "SELECT run_id, status, scope, counts FROM runs WHERE source = ? ORDER BY run_id DESC LIMIT 1", [source]
    )
    if not rows:
        return None
    run_id, status, asked, counts = rows[0]
    if status not in ("running", "failed") or json.loads(asked) != json.loads(json.dumps(scope, sort_keys=True)):
        return None
    warehouse.abandon_stale_runs(keep=run_id)
    done = {
        (a, r): s
        for a, r, s in warehouse.query("SELECT account_id, region, status FROM run_scopes WHERE run_id = ?", [run_id])
    }
    unfinished = (
        "run_id = $run AND NOT EXISTS (SELECT 1 FROM run_scopes s WHERE s.run_id = $run "
        "AND s.account_id IS NOT DISTINCT FROM t.account_id AND s.region IS NOT DISTINCT FROM t.region)"
    )
    with warehouse.transaction() as con:
        con.execute(f"DELETE FROM collection_errors t WHERE {unfinished}", {"run": run_id})
        con.execute(f"DELETE FROM carried_parts t WHERE part = 'scope' AND {unfinished}", {"run": run_id})
        con.execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE run_id = ?", [run_id])
    return Resumed(int(run_id), done, {k: int(v) for k, v in json.loads(counts or "{}").items()})
