"""One request → one result: `run(request)` is the only way to an estimate (the CLI's `estimate`, `report`,
`demo` and the dashboard all call it).

Two steps, so that a caller can cache the slow one:

    estate = read_estate(request)      # the warehouse (or usage file), read once: profile, data quality,
                                       # registries, measurements, the bill, the migration plan
    result = run(request, estate)      # the scenarios, assumptions and draws over it (0.05–0.3 s, more with draws)

`read_estate` depends only on `request.estate_key()` (warehouse, usage file, date, calibration, registry,
scan paths): the dashboard keeps one per finished collection and re-runs `run` as the assumptions move.

The migration plan is built once, here, and gives the self-hosted scenarios their engineer-days; the result
holds that plan and that effort, so every output shows one figure. Nothing is added to a result after `run`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from analysis.model.assumptions import Range
from analysis.model.estimate import EmptyWarehouse, estimate, with_plan_days
from analysis.model.inputs import ModelInput, ecr_bound, from_profile, from_usage_file, usage_summary
from analysis.model.result import DataQuality as SnapshotGap
from analysis.model.result import EstimateResult, ProfileSummary
from analysis.model.scenarios import Scenario, load_scenarios, pick
from analysis.model.workload import WorkloadProfile, summary
from analysis.pipeline import plan_store
from analysis.pipeline.plan_store import PlanSummary, last_collected
from analysis.pipeline.request import EstimateRequest, apply_overrides
from analysis.pricing import Catalog, load_catalog
from analysis.pricing.catalog_files import expand_paths, shipped_files
from analysis.render.inputs import (
    DataQuality,
    Effort,
    ErrorInfo,
    PlanResult,
    RegistryStorage,
    Result,
    RunInfo,
    ScopeInfo,
)
from analysis.warehouse import Warehouse, queries

if TYPE_CHECKING:
    import pandas as pd

    from analysis.model.measured import Measurement
    from analysis.portability.plan import Plan

MAX_ERRORS = 200  # a report lists this many collection errors; the total is always given
ENGINEERING = "Migration engineering"  # the one-time component that carries the migration effort (model/migration.py)


@dataclass(frozen=True)
class Estate:
    """What the warehouse or the usage file says, independent of scenarios, assumptions and draws."""

    source: Literal["warehouse", "usage file"]
    at: datetime
    model_input: ModelInput
    summary: ProfileSummary
    workload: WorkloadProfile | None = None  # None: a usage file
    warehouse: str | None = None
    runs: list[int] = field(default_factory=list)
    gaps: list[SnapshotGap] = field(default_factory=list)  # parts of the snapshot carried or missing
    gap_notes: list[str] = field(default_factory=list)
    quality: DataQuality | None = None
    registries: list[RegistryStorage] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)  # CloudTrail / VPC (#13)
    bill: tuple[pd.DataFrame, pd.DataFrame] | None = None  # (model months, actual): with `calibrate`
    plan: Plan | None = None  # the plan itself, when built here (None: read back from the warehouse, a usage file)
    plan_summary: PlanSummary | None = None  # what the outputs take from the plan (None: a usage file or a registry)
    plan_view: PlanResult | None = None
    # The bill's NAT gateway / VPC endpoint lines per month and kind (CUR, #13): (month, kind, quantity,
    # currency, cost, estimated), a cross-check of the NAT bytes the model routes.
    network_bill: list[tuple[Any, ...]] = field(default_factory=list)
    scope_rows: list[dict[str, Any]] = field(default_factory=list)  # queries.inventory_by_scope (the Data page)


def run(
    request: EstimateRequest,
    estate: Estate | None = None,
    catalog: Catalog | None = None,
    *,
    plan_figures_only: bool = False,
) -> Result:
    """The estimate, its uncertainty, the plan and its effort, and the data quality: one result.

    `estate`: what `read_estate(request)` returned (a caller that caches it); None: read now. `catalog`: the
    parsed `request.catalogs` (a caller that keeps it); None: `catalog_of(request.catalogs)`.
    `plan_figures_only`: see `read_estate` (the result then has no plan when none was kept)."""
    request.check()
    scenarios = pick(load_scenarios(list(request.scenario_files) or None), list(request.scenarios) or None)
    scenarios = [apply_overrides(s, request.overrides) for s in scenarios]
    prices = catalog if catalog is not None else catalog_of(request.catalogs)
    estate = estate if estate is not None else read_estate(request, prices, plan_figures_only=plan_figures_only)
    scenarios, notes = _adjusted(request, estate, scenarios)
    result = estimate(
        estate.model_input,
        estate.summary,
        scenarios,
        prices,
        horizon_months=request.horizon,
        currency=request.currency,
        warehouse=estate.warehouse,
        runs=estate.runs,
        draws=request.draws,
        seed=request.seed,
        as_of=estate.at,
        workload=estate.workload,
        data_quality=estate.gaps,
        notes=[*estate.gap_notes, *notes, *bound_notes(estate.model_input, scenarios)],
    )
    if estate.network_bill:
        result = result.model_copy(update={"notes": [*result.notes, *nat_crosscheck(result, estate.network_bill)]})
    return Result(
        estimate=result,
        quality=estate.quality,
        plan=estate.plan_view,
        effort=_effort(result, scenarios, estate),
        registries=estate.registries,
    )


def catalog_of(files: tuple[Path, ...] = ()) -> Catalog:
    """`load_catalog(files)`, parsed once per process while the files stay as they are on disk: the dashboard
    re-estimates on every slider move, and parsing the twelve YAML files took 0.5 s of each (1M-image warehouse,
    load average 5). A file changed, added or removed (size or modification time) is read again."""
    try:
        stamp = catalog_stamp(files)
    except OSError:  # a file given that is not there: load_catalog says so, in its words
        return load_catalog(list(files) or None)
    return _parsed_catalog(tuple(files), stamp)


def catalog_stamp(files: tuple[Path, ...] = ()) -> tuple[tuple[str, int, int], ...]:
    """The catalog's files as they are on disk (path, size, modification time): what a parsed copy is kept by."""
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in [*shipped_files(), *expand_paths(files)])


@functools.lru_cache(maxsize=8)
def _parsed_catalog(files: tuple[Path, ...], stamp: tuple[tuple[str, int, int], ...]) -> Catalog:
    return load_catalog(list(files) or None)


def _adjusted(request: EstimateRequest, estate: Estate, scenarios: list[Scenario]) -> tuple[list[Scenario], list[str]]:
    """The scenarios with what the warehouse knows: the bill's fit (`calibrate`), the measurements, the plan's
    effort. A value a scenario file (or the person, by hand) sets is theirs and stays."""
    notes: list[str] = []
    if estate.source != "warehouse":
        return scenarios, notes
    # what the files and the person set, before anything is fitted or measured
    explicit = {s.name: set(s.assumptions.model_fields_set) | set(request.overrides) for s in scenarios}
    if estate.bill is not None:
        from analysis.model.calibration import fit

        fitted = fit(*estate.bill, scenarios[0].assumptions)
        scenarios = [s.model_copy(update={"assumptions": fitted.assumptions(s.assumptions)}) for s in scenarios]
        notes.append(fitted.note())
    if estate.measurements:
        from analysis.model.measured import apply

        scenarios, measured_notes = apply(scenarios, estate.measurements, explicit)
        notes += measured_notes
    days = plan_days(estate)
    if days is not None and any(s.kind == "selfhosted" for s in scenarios):
        assert estate.plan_summary is not None  # plan_days gives days only with a plan
        waves = estate.plan_summary.plan["wave_traffic_shares"] or None  # built now or kept: the same dict
        scanned = estate.plan_summary.plan["scan"] is not None
        scenarios, note = with_plan_days(scenarios, days, scanned=scanned, waves=waves)
        notes.append(note)
    return scenarios, notes


def plan_days(estate: Estate) -> Range | None:
    """The plan's engineer-days, or None when there is no plan or nothing in it to migrate."""
    return estate.plan_summary.days if estate.plan_summary is not None else None


def _effort(result: EstimateResult, scenarios: list[Scenario], estate: Estate) -> Effort | None:
    """The recommended scenario's migration effort (or the first self-hosted one's), and where it comes from."""
    by_name = {s.name: s for s in scenarios}
    candidates = [result.scenario(result.recommendation.scenario), *result.scenarios]
    for s in candidates:
        engineering = next((o for o in s.one_time if o.component == ENGINEERING and o.quantity is not None), None)
        if engineering is None:
            continue
        assert engineering.quantity is not None
        days = by_name[s.name].assumptions.migration_days
        planned = plan_days(estate)
        if planned is not None and isinstance(days, Range) and days == planned:
            return Effort(
                scenario=s.name, days=engineering.quantity, low=days.low, high=days.high, source="migration plan"
            )
        if days is not None:
            return Effort(scenario=s.name, days=engineering.quantity, source="scenario file")
        return Effort(scenario=s.name, days=engineering.quantity, source="scenario assumptions")
    return None


# -- reading the estate ---------------------------------------------------------------------------------
def read_estate(
    request: EstimateRequest,
    catalog: Catalog | None = None,
    *,
    full_plan: bool = False,
    plan_figures_only: bool = False,
) -> Estate:
    """Everything the estimate reads: the usage file, or the warehouse (read-only, opened once).

    The migration plan's figures come from the warehouse when a collection kept them for this snapshot and these
    options (analysis/pipeline/plan_store.py), else the plan is built here; `full_plan`: always build it and keep
    the `Plan` itself in the estate (the demo writes its files); `plan_figures_only` (an output that shows only
    the effort, not the plan): when no plan was kept, derive only the engineer-days and the waves' traffic shares
    (`plan_store.figures`), and the estate has no plan view."""
    request.check()
    if request.usage is not None:
        inp = from_usage_file(request.usage)
        return Estate(
            source="usage file", at=request.at or datetime.now(UTC), model_input=inp, summary=usage_summary(inp)
        )
    with Warehouse(request.db, read_only=True) as wh:
        at = request.at or last_collected(wh)
        workload = _workload(wh, request, at)
        runs = sorted({int(r) for r in workload.scopes["run_id"].dropna()})
        ecr = request.registry is None
        gaps = _gaps(wh, at) if ecr else []
        plan, kept = _plan(wh, request, at, catalog, full_plan, plan_figures_only) if ecr else (None, None)
        scopes = queries.inventory_by_scope(wh)
        return Estate(
            source="warehouse",
            at=at,
            model_input=_with_bound(from_profile(workload), workload, wh) if ecr else from_profile(workload),
            summary=summary(workload),
            workload=workload,
            warehouse=str(wh.path),
            runs=runs,
            gaps=[g for g, _ in gaps],
            gap_notes=[n for _, n in gaps],
            quality=gather_quality(wh, runs, scopes),
            scope_rows=scopes,
            registries=gather_registries(wh),
            measurements=_measurements(wh) if ecr else [],  # CloudTrail / VPC (#13)
            bill=_bill(wh) if request.calibrate else None,
            network_bill=_network_bill(wh) if ecr else [],
            plan=plan,
            plan_summary=kept,
            plan_view=_plan_result(kept, request.scan_paths) if kept is not None and kept.whole else None,
        )


def _with_bound(inp: ModelInput, workload: WorkloadProfile, wh: Warehouse) -> ModelInput:
    """The model input with the repositories the workloads run found bound to ECR (#13)."""
    rows = wh.query("SELECT account_id, region, repository_name, services FROM ecr_bound_repositories")
    bound = ecr_bound(workload, [(a, r, n, list(s)) for a, r, n, s in rows])
    return dataclasses.replace(inp, ecr_bound=bound) if bound else inp


def bound_notes(inp: ModelInput, scenarios: list[Scenario]) -> list[str]:
    """What each scenario does with the repositories that cannot leave ECR: the hybrid keeps them there, a full
    migration cannot move them and pays their ECR storage (model/ecr.py bound_storage_lines)."""
    b = inp.ecr_bound
    if b is None:
        return []
    what = (
        f"{len(b.repositories)} repositories used by {'/'.join(b.services)} (ECR-only services: {b.unique_gb:,.1f} "
        f"GB stored, {b.pull_share:.1%} of pulled bytes)"
    )
    notes = []
    for s in scenarios:
        if s.kind == "hybrid":
            notes.append(f"{s.name}: {what} stay on ECR — the proxy cache neither holds nor serves them")
        elif s.kind == "selfhosted":
            notes.append(
                f"{s.name}: {what} cannot leave ECR — this scenario keeps them there: their ECR storage is a line "
                "of its own for the whole horizon (Harbor's storage still includes them: slightly overstated)"
            )
    return notes


def _network_bill(wh: Warehouse) -> list[tuple[Any, ...]]:
    return wh.query(
        "SELECT month, kind, sum(quantity), arbitrary(currency), sum(cost), bool_or(estimated) "
        "FROM current_network_bill WHERE kind <> 'other' GROUP BY month, kind ORDER BY month, kind"
    )


def nat_crosscheck(result: EstimateResult, bill: list[tuple[Any, ...]]) -> list[str]:
    """The bill's NAT gateway and VPC endpoint lines of its newest closed month beside the layer bytes the
    baseline routes through NAT. A NAT gateway bills every byte that crosses it, ECR's and everything else's: the
    bill bounds the model's NAT bytes from above; a model above the bill means the NAT share or the pulled bytes
    are too high."""
    closed = [r for r in bill if not r[5]] or bill
    month = max(r[0] for r in closed)
    got = {kind: (qty, currency or "USD", cost) for m, kind, qty, currency, cost, _ in closed if m == month}
    parts = [
        f"{label} {_amount(got[kind][0])} {unit} ({got[kind][1]} {got[kind][2]:,.2f})"
        for kind, label, unit in (
            ("nat-bytes", "NatGateway-Bytes", "GB"),
            ("endpoint-hours", "VpcEndpoint-Hours", "h"),
            ("endpoint-bytes", "VpcEndpoint-Bytes", "GB"),
        )
        if kind in got
    ]
    note = f"Bill cross-check ({month:%Y-%m}, CUR): {', '.join(parts)}"
    base = result.scenario(result.baseline)
    nat = next((c for c in base.components if c.component.startswith("NAT gateway processing")), None)
    shares = {r.name: r for r in result.assumptions if r.scenario == "*"}
    if nat is not None and nat.quantity_month1 is not None:
        how = (
            "measured"
            if shares.get("private_subnet_share") and shares["private_subnet_share"].source.startswith("measured")
            else "assumed"
        )
        note += f"; the model routes {nat.quantity_month1:,.0f} GB/month of ECR layer bytes through NAT ({how} share)"
        if "nat-bytes" in got:
            billed = got["nat-bytes"][0]
            note += (
                f" — within the bill's {_amount(billed)} GB (all traffic through the gateways)"
                if nat.quantity_month1 <= billed
                else f" — more than the bill's {_amount(billed)} GB: the NAT share or the pulled bytes are too high"
            )
    return [note]


def _amount(value: float) -> str:
    """A billed quantity: whole units, or 3 significant digits below 1 (a small bill's 0.0469 GB is not 0)."""
    return f"{value:,.0f}" if abs(value) >= 1 or value == 0 else f"{value:.3g}"


def _plan(
    wh: Warehouse,
    request: EstimateRequest,
    at: datetime,
    catalog: Catalog | None,
    full_plan: bool,
    figures_only: bool = False,
) -> tuple[Plan | None, PlanSummary]:
    """The plan's summary kept by the collection (no scan asked for, same date, catalog and code), else built
    (`figures_only`: else only its figures derived)."""
    prices = catalog or catalog_of()
    if not request.scan_paths and not full_plan:
        kept = plan_store.stored(wh, at, prices)
        if kept is not None:
            return None, kept
        if figures_only:
            return None, plan_store.figures(wh)
    plan, seconds = plan_store.build(wh, at, prices, list(request.scan_paths) or None)
    return plan, plan_store.summarize(plan, seconds)


def _measurements(wh: Warehouse) -> list[Measurement]:
    from analysis.model.measured import measurements

    return measurements(wh)


def _workload(wh: Warehouse, request: EstimateRequest, at: datetime) -> WorkloadProfile:
    if request.registry is not None:
        from analysis.model.registry_workload import RegistryNotFound, load_registry_profile

        try:
            profile = load_registry_profile(wh, request.registry or None, region=request.region, now=at)
        except RegistryNotFound as exc:
            raise EmptyWarehouse(f"{wh.path}: {exc}") from None
    else:
        from analysis.model.workload import load_profile

        profile = load_profile(wh, now=at)
    if profile.repositories.empty:
        raise EmptyWarehouse(
            f"{wh.path} holds no collected repositories of {request.registry} yet: run `regcost collect harbor`"
            if request.registry is not None
            else f"{wh.path} holds no collected repositories yet: run `regcost collect ecr` or `regcost demo`"
        )
    return profile


def _gaps(wh: Warehouse, at: datetime) -> list[tuple[SnapshotGap, str]]:
    from analysis.warehouse.quality import current_data_quality, note

    return [
        (SnapshotGap(**{k: d[k] for k in SnapshotGap.model_fields}), note(d)) for d in current_data_quality(wh, now=at)
    ]


def _bill(wh: Warehouse) -> tuple[pd.DataFrame, pd.DataFrame]:
    from analysis.model.calibration import load_frames

    return load_frames(wh)


def gather_quality(
    warehouse: Warehouse, runs_used: list[int], scopes: list[dict[str, Any]] | None = None
) -> DataQuality:
    """Runs, scopes and errors as the outputs list them; `scopes`: `queries.inventory_by_scope`, if read already."""
    runs = queries.recent_runs(warehouse)
    scopes = queries.inventory_by_scope(warehouse) if scopes is None else scopes
    errors: list[dict[str, Any]] = []
    for run_id in runs_used:
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
        scopes=[ScopeInfo(**{k: s[k] for k in ScopeInfo.model_fields}) for s in scopes],
        errors=[ErrorInfo(**{k: e[k] for k in ErrorInfo.__dataclass_fields__}) for e in errors[:MAX_ERRORS]],
        errors_total=len(errors),
    )


def registry_runs(warehouse: Warehouse) -> int:
    """How many runs collected a self-hosted registry (Harbor, OCI): none, and there is no registry to read."""
    return int(warehouse.query(_REGISTRY_RUNS)[0][0])


_REGISTRY_RUNS = """
SELECT count(*) FROM runs WHERE source NOT IN ('ecr', 'costs-cur', 'costs-ce', 'cloudtrail', 'network', 'workloads')
"""


def gather_registries(warehouse: Warehouse) -> list[RegistryStorage]:
    # The registry-storage query scans the registries' blobs (a second at 1M images), even when there are none.
    if not registry_runs(warehouse):
        return []
    return [
        RegistryStorage.model_validate({k: r.get(k) for k in RegistryStorage.model_fields})
        for r in queries.registry_storage(warehouse)
    ]


def _plan_result(kept: PlanSummary, scan_paths: tuple[Path, ...] | list[Path] = ()) -> PlanResult:
    """The plan's summary as the result's typed plan (what the outputs show of `regcost plan`)."""
    scanned = [str(p) for p in scan_paths] if kept.plan.get("scan") is not None else []
    return PlanResult.from_plan_dict(kept.plan, scanned)
