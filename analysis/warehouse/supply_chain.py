"""Supply-chain artifacts — signatures, SBOMs, attestations — per registry source: what a migration must carry.

One row per (source, registry, kind): `count` artifacts of `bytes` (their own manifests, configs and layers as
the registry reports them). Harbor's accessories come from `current_registry_accessories`; other sources (ECR
referrers) add their rows with their own `source` through `SOURCES`, so status, findings and the plan present
every source alike.
"""

from __future__ import annotations

from typing import Any

from analysis.warehouse.db import Warehouse

KINDS = ("signature", "sbom", "attestation", "other")

# source → SQL giving (registry, kind, count, bytes, subjects) over the current snapshot.
SOURCES: dict[str, str] = {
    "harbor": """
        SELECT registry, kind, count(DISTINCT (repository_name, accessory_digest)) AS count,
               coalesce(sum(size_bytes), 0) AS bytes, count(DISTINCT subject_digest) AS subjects
        FROM current_registry_accessories GROUP BY registry, kind
    """,
}


def supply_chain_artifacts(warehouse: Warehouse) -> list[dict[str, Any]]:
    """[{source, registry, kind, count, bytes, subjects}], ordered by source, registry and KINDS."""
    rows: list[dict[str, Any]] = []
    for source, sql in SOURCES.items():
        for registry, kind, count, size, subjects in warehouse.con.execute(sql).fetchall():
            rows.append(
                {
                    "source": source,
                    "registry": registry,
                    "kind": kind,
                    "count": int(count),
                    "bytes": int(size),
                    "subjects": int(subjects),
                }
            )
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(rows, key=lambda r: (r["source"], r["registry"], order.get(r["kind"], len(KINDS))))


def summary_line(rows: list[dict[str, Any]], registry: str | None = None) -> str | None:
    """`2 supply-chain artifacts (1 signature 1.2 KiB, 1 sbom 47.1 KiB) on 1 subject` — None when there are none."""
    from analysis.render.units import human_bytes

    mine = [r for r in rows if registry is None or r["registry"] == registry]
    if not mine:
        return None
    parts = ", ".join(f"{r['count']:,} {r['kind']} {human_bytes(r['bytes'])}" for r in mine)
    total = sum(r["count"] for r in mine)
    return f"{total:,} supply-chain artifact(s) ({parts})"
