"""Build the reports: run the estimate (the same call as `regcost estimate`), gather the warehouse's
data-quality facts, the migration plan (as `regcost plan` builds it) and the self-hosted registries' storage,
render HTML and/or PDF, write them.

This is the only reporting code that reads the warehouse (read-only); the renderers get a ReportInputs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.model.result import EstimateResult
from analysis.pipeline.estimate import run_estimate
from analysis.render.inputs import (
    DataQuality,
    ErrorInfo,
    PlanView,
    RegistryStorage,
    ReportInputs,
    RunInfo,
    ScopeInfo,
)
from analysis.warehouse import Warehouse, queries

REPORT_FORMATS = ("html", "pdf", "both")
MAX_ERRORS = 200  # a report lists this many collection errors; the total is always given


def gather_quality(warehouse: Warehouse, result: EstimateResult) -> DataQuality:
    runs = queries.recent_runs(warehouse)
    errors: list[dict[str, Any]] = []
    for run_id in result.runs:
        errors += [{"run_id": run_id, **e} for e in queries.run_errors(warehouse, run_id)]
    return DataQuality(
        warehouse=str(warehouse.path),
        runs=[
            RunInfo(
                run_id=r["run_id"],
                source=r["source"],
                status=r["status"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                images=int((json.loads(r["counts"]) if r["counts"] else {}).get("images", 0)),
                errors=r["errors"],
            )
            for r in runs
        ],
        scopes=[ScopeInfo(**{k: s[k] for k in ScopeInfo.model_fields}) for s in queries.inventory_by_scope(warehouse)],
        errors=[ErrorInfo(**{k: e[k] for k in ErrorInfo.__dataclass_fields__}) for e in errors[:MAX_ERRORS]],
        errors_total=len(errors),
    )


def gather_plan(warehouse: Warehouse, result: EstimateResult, scan_paths: Sequence[Path] = ()) -> PlanView:
    """The migration plan exactly as `regcost plan` builds it (as of the estimate's time), as the report shows it."""
    from analysis.portability.plan import build_plan

    plan = build_plan(warehouse, scan_paths=list(scan_paths) or None, at=result.generated_at)
    return plan_view(plan, scan_paths)


def plan_view(plan: Any, scan_paths: Sequence[Path] = ()) -> PlanView:
    """A built `Plan` (e.g. the one `regcost demo` already made) as the report's serialisable view."""
    from analysis.portability.plan import as_dict

    return PlanView.from_plan_dict(
        json.loads(json.dumps(as_dict(plan), default=str)), [str(p) for p in scan_paths] if plan.scan else []
    )


def gather_registries(warehouse: Warehouse) -> list[RegistryStorage]:
    return [
        RegistryStorage(**{k: r.get(k) for k in RegistryStorage.model_fields})
        for r in queries.registry_storage(warehouse)
    ]


def build_inputs(
    db: Path | None, *, usage: Path | None = None, scan_paths: Sequence[Path] = (), **estimate_options: Any
) -> ReportInputs:
    """The estimate exactly as `regcost estimate` computes it, plus data quality, the migration plan (scanning
    `scan_paths` for references) and the self-hosted registries when a warehouse was used."""
    if usage is not None:
        return inputs_for(run_estimate(db, usage=usage, **estimate_options), None)
    from analysis.portability.plan import build_plan, migration_days

    # One migration effort everywhere: the plan the report shows gives the estimate its engineer-days.
    with Warehouse(db, read_only=True) as wh:
        plan = build_plan(wh, scan_paths=list(scan_paths) or None, at=datetime.now(UTC))
    result = run_estimate(db, plan_days=migration_days(plan), **estimate_options)
    return inputs_for(result, db, plan=plan_view(plan, scan_paths))


def inputs_for(
    result: EstimateResult, db: Path | None, *, scan_paths: Sequence[Path] = (), plan: PlanView | None = None
) -> ReportInputs:
    """Wrap a result already computed (e.g. by `regcost demo`) with the warehouse's facts: data quality, the
    migration plan (built here unless given) and the self-hosted registries' storage."""
    if result.profile.source != "warehouse":
        return ReportInputs(result=result)
    with Warehouse(db, read_only=True) as wh:
        return ReportInputs(
            result=result,
            quality=gather_quality(wh, result),
            plan=plan or gather_plan(wh, result, scan_paths),
            registries=gather_registries(wh),
        )


def formats_of(fmt: str) -> tuple[str, ...]:
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(REPORT_FORMATS)}")
    return ("html", "pdf") if fmt == "both" else (fmt,)


def write_reports(
    inputs: ReportInputs,
    out_dir: Path,
    formats: Sequence[str] = ("html", "pdf"),
    *,
    paper: str = "a4",
    name: str = "regcost-report",
) -> list[Path]:
    """Render and write each format; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "html" in formats:
        from analysis.render.html import render_html

        path = out_dir / f"{name}.html"
        path.write_text(render_html(inputs), encoding="utf-8")
        written.append(path)
    if "pdf" in formats:
        from analysis.render.pdf import render_pdf

        path = out_dir / f"{name}.pdf"
        path.write_bytes(render_pdf(inputs, paper))
        written.append(path)
    return written
