"""The estimate as the CLI, the reports and the dashboard ask for it: names and files in, one result out.

Above the model and the portability analysis: it reads the warehouse's calibration, measurements and migration
plan, hands them to the model as assumptions, and runs the estimate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.model.assumptions import Range
from analysis.model.estimate import DEFAULT_SEED, estimate_from_usage, estimate_from_warehouse, with_plan_days
from analysis.model.registry_workload import DEFAULT_REGION
from analysis.model.result import EstimateResult
from analysis.model.scenarios import ScenarioError, load_scenarios, pick
from analysis.portability.plan import build_plan, migration_days
from analysis.pricing import load_catalog
from analysis.warehouse import Warehouse


def run_estimate(
    db: Path | None,
    *,
    usage: Path | None = None,
    scenario: list[str] | None = None,
    scenario_file: list[Path] | None = None,
    catalog: list[Path] | None = None,
    horizon: int | None = None,
    currency: str | None = None,
    draws: int = 0,
    seed: int = DEFAULT_SEED,
    calibrate: bool = False,
    registry: str | None = None,
    region: str = DEFAULT_REGION,
    plan_days: Range | None = None,
) -> EstimateResult:
    """The estimate as the CLI, the reports and the dashboard ask for it: names and files in, result out.

    `plan_days`: the migration plan's engineer-days (a caller that built the plan passes it); none: the plan of
    the warehouse is built here (without a reference scan), so estimate, report and dashboard use one effort.

    `calibrate`: fit the layer-cache hit ratio and consumer split to the collected bill first (calibration.py).
    `registry`: estimate from a Harbor/OCI collection (its URL or id; "" = the only one) priced in ECR `region`."""
    scenarios = pick(load_scenarios(scenario_file), scenario)
    prices = load_catalog(catalog)
    options: dict[str, Any] = {"horizon_months": horizon, "currency": currency, "draws": draws, "seed": seed}
    if usage is not None:
        if registry is not None:
            raise ScenarioError("--usage replaces the warehouse: it cannot be combined with --from-registry")
        if calibrate:
            raise ScenarioError("--calibrate fits the warehouse's bill: it cannot be combined with --usage")
        return estimate_from_usage(usage, scenarios, prices, **options)
    if registry is not None:
        if calibrate:
            raise ScenarioError("--calibrate fits ECR's bill: it cannot be combined with --from-registry")
        options |= {"registry": registry, "region": region}
    with Warehouse(db, read_only=True) as wh:
        notes = []
        explicit = {s.name: set(s.assumptions.model_fields_set) for s in scenarios}  # what the files set
        if calibrate:
            from analysis.model.calibration import calibrated  # fitted assumptions replace the scenarios' own

            scenarios, note = calibrated(wh, scenarios)
            notes.append(note)
        if registry is None:
            from analysis.model.measured import measured  # CloudTrail/VPC measurements replace presets (#13)

            scenarios, measured_notes = measured(wh, scenarios, explicit)
            notes += measured_notes
        if registry is None and any(s.kind == "selfhosted" for s in scenarios):
            days = plan_days if plan_days is not None else planned_days(wh)
            if days is not None:
                scenarios, note = with_plan_days(scenarios, days)
                notes.append(note)
        result = estimate_from_warehouse(wh, scenarios, prices, **options)
        return result.model_copy(update={"notes": [*result.notes, *notes]}) if notes else result


def planned_days(wh: Warehouse) -> Range | None:
    """The engineer-days of the warehouse's migration plan (analysis/portability/plan.py), or None when the
    warehouse holds no ECR inventory to plan from."""
    plan = build_plan(wh, at=datetime.now(UTC))
    return migration_days(plan) if len(plan.waves.repositories) else None
