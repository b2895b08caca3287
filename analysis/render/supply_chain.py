"""Supply-chain artifacts (signatures, SBOMs, attestations) per registry source, as `status` and `plan` show them.

Rows come from `warehouse.supply_chain.supply_chain_artifacts`: {source, registry, kind, count, bytes, subjects}.
Every source (Harbor accessories, ECR referrers) is shown alike, so a migration sees all it must carry.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from analysis.render.units import human_bytes


def supply_chain_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(
        title="Supply-chain artifacts: signatures, SBOMs, attestations (a migration must carry them)",
        title_justify="left",
        caption="bytes: the artifacts' own manifests, configs and layers; counted in unique blobs.",
        caption_justify="left",
    )
    for col in ("source", "registry", "kind", "count", "subjects", "bytes"):
        table.add_column(col, justify="right" if col in ("count", "subjects", "bytes") else "left")
    for r in rows:
        table.add_row(
            r["source"], r["registry"], r["kind"], f"{r['count']:,}", f"{r['subjects']:,}", human_bytes(r["bytes"])
        )
    return table


def print_supply_chain(console: Console, rows: list[dict[str, Any]]) -> None:
    """The table, or nothing when no source has any (an estate without signatures is not an error)."""
    if rows:
        console.print(supply_chain_table(rows))
