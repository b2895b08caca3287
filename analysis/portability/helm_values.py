"""Templated references in a Helm chart resolved against the chart's own values.yaml."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from analysis.portability.reference import Reference


def resolve_chart_values(refs: list[Reference], root: Path) -> list[Reference]:
    """Helm template parts `.Values.a.b` read from the chart's values.yaml (the folder above `templates/`): the
    chart's default registry becomes known, so the reference joins the estate and counts for its repository."""
    out = []
    cache: dict[Path, dict] = {}
    for ref in refs:
        rel = Path(ref.file)
        if not ref.parts or "templates" not in rel.parts:
            out.append(ref)
            continue
        chart = root / Path(*rel.parts[: rel.parts.index("templates")])
        if chart not in cache:
            try:
                loaded = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                loaded = None
            cache[chart] = loaded if isinstance(loaded, dict) else {}
        values = {}
        for part in ref.parts:
            name, _, expr = part.partition("=")
            v = _lookup_values(cache[chart], expr)
            if v is not None:
                values[name] = str(v)
        if not values:
            out.append(ref)
            continue
        out.append(
            replace(
                ref,
                account_id=ref.account_id or values.get("account"),
                region=ref.region or values.get("region"),
                fips=ref.fips or "-fips" in values.get("endpoint", ""),
                china=ref.china or values.get("domain", "").endswith(".cn"),
                resolved=all(p.partition("=")[0] in values for p in ref.parts),
            )
        )
    return out


def _lookup_values(values: dict, expr: str) -> Any:
    if not expr.startswith(".Values."):
        return None
    node: Any = values
    for key in expr.removeprefix(".Values.").split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, str | int) else None
