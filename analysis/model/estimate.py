"""Run the scenarios over one input and build the estimate.

`scenario_costs` is the vectorised core (it takes draws for the uncertainty stage); `estimate` runs the
base case of every scenario, projects it and compares each with the baseline (stay on ECR). Everything the
estimate holds is handed in or computed here: nothing is added to it afterwards. Reading the warehouse or a
usage file, and the migration plan's effort, are the pipeline's (analysis/pipeline/result.py: `run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from analysis.model.assumptions import Assumptions, Range, Share, base, field_extra
from analysis.model.costing import ScenarioCosts, scenario_costs
from analysis.model.costs import Line, OneTime, PriceRef
from analysis.model.inputs import ModelInput
from analysis.model.projection import break_even_month, cumulative, npv
from analysis.model.repositories import baseline_top_repositories
from analysis.model.result import (
    AssumptionRow,
    Component,
    DataQuality,
    EstimateResult,
    OneTimeCost,
    PriceCitation,
    ProfileSummary,
    Recommendation,
    ScenarioResult,
)
from analysis.model.scenarios import Scenario
from analysis.model.uncertainty import simulate
from analysis.model.workload import WorkloadProfile
from analysis.pricing import Catalog

DEFAULT_SEED = 20261127  # fixed, so a Monte Carlo run is reproducible unless asked otherwise


def estimate(
    inp: ModelInput,
    profile: ProfileSummary,
    scenarios: list[Scenario],
    catalog: Catalog,
    *,
    horizon_months: int | None = None,
    currency: str | None = None,
    warehouse: str | None = None,
    runs: list[int] | None = None,
    draws: int = 0,
    seed: int = DEFAULT_SEED,
    as_of: datetime | None = None,
    workload: WorkloadProfile | None = None,
    data_quality: Sequence[DataQuality] = (),
    notes: Sequence[str] = (),
) -> EstimateResult:
    """The base case of every scenario, compared with the first (the baseline); with `draws`, Monte Carlo
    percentiles, the probability of beating the baseline and a tornado as well.

    `as_of`: the date the estate is evaluated at (the growth window ends there); `workload`: the warehouse's
    profile, to rank the costliest repositories (none for a usage file); `data_quality`: the parts of the
    snapshot carried or missing; `notes`: the caller's, after the estimate's own (data quality, measurements,
    calibration, the plan's effort)."""
    baseline = scenarios[0]
    shared = baseline.assumptions
    overrides = {k: v for k, v in (("horizon_months", horizon_months), ("currency", currency)) if v is not None}
    shared = shared.model_copy(update=overrides)

    costs = [scenario_costs(s, inp, catalog, shared) for s in scenarios]
    base_cum = cumulative(costs[0].monthly_total())
    results = [_scenario_result(c, base_cum, shared, baseline=c is costs[0]) for c in costs]
    used = [p for c in costs for line in c.lines for p in line.prices] + [
        p for c in costs for o in c.one_time for p in o.prices
    ]
    priced = sorted(p.as_of for p in used)
    uncertainty = None
    if draws:
        uncertainty = simulate(inp, scenarios, catalog, shared, draws=draws, seed=seed)
    top = (  # the model input's usage is region_usage(workload): the same figures, not derived twice
        baseline_top_repositories(workload, baseline, catalog, shared.currency, usage=inp.usage)
        if workload is not None
        else []
    )
    now = datetime.now(UTC)
    return EstimateResult(
        generated_at=now,
        as_of=as_of or now,
        currency=shared.currency,
        horizon_months=shared.horizon_months,
        discount_rate_annual=base(shared.discount_rate_annual),
        warehouse=warehouse,
        runs=runs or [],
        profile=profile,
        baseline=baseline.name,
        scenarios=results,
        recommendation=_recommend(results, shared.currency, shared.horizon_months),
        assumptions=_assumption_rows(scenarios),
        catalog_files=[str(f) for f in catalog.files],
        catalog_as_of={"oldest": priced[0], "newest": priced[-1]} if priced else {},
        notes=[*inp.notes, *_approximation_notes(used), *notes],
        uncertainty=uncertainty,
        top_repositories=top,
        data_quality=list(data_quality),
    )


def _scenario_result(c: ScenarioCosts, base_cum: np.ndarray, shared: Assumptions, *, baseline: bool) -> ScenarioResult:
    """One scenario's totals over the horizon, against the baseline's cumulative cost."""
    monthly = c.monthly_total()
    one_time = float(c.one_time_total())
    cum = cumulative(monthly, one_time)
    be = 0 if baseline else int(break_even_month(cum, base_cum))
    return ScenarioResult(
        name=c.scenario.name,
        title=c.scenario.title,
        kind=c.scenario.kind,
        description=c.scenario.description,
        components=[_component(line) for line in c.lines],
        one_time=[_one_time(o) for o in c.one_time],
        monthly_total=monthly.tolist(),
        cumulative=cum.tolist(),
        horizon_tco=float(cum[-1]),
        npv=float(npv(monthly, base(shared.discount_rate_annual), one_time)),
        break_even_month=be or None,
        savings_vs_baseline=float(base_cum[-1] - cum[-1]),
    )


def _approximation_notes(used: list[PriceRef]) -> list[str]:
    """One note per price that stands in for a region without its own (catalog approximation rules)."""
    texts = sorted({p.approximation for p in used if p.approximation})
    return [f"Approximated price: {t}" for t in texts]


def _citation(p: PriceRef) -> PriceCitation:
    return p  # the cost models cite with the result's own class


def _component(line: Line) -> Component:
    monthly = np.asarray(line.monthly, dtype=float)
    return Component(
        component=line.component,
        group=line.group,
        monthly=monthly.tolist(),
        total=float(monthly.sum()),
        quantity_month1=line.quantity,
        unit=line.unit,
        cost_month1=float(monthly[0]),
        prices=[_citation(p) for p in dict.fromkeys(line.prices)],
        note=line.note,
    )


def _one_time(o: OneTime) -> OneTimeCost:
    return OneTimeCost(
        component=o.component,
        amount=float(np.asarray(o.amount, dtype=float)),
        quantity=o.quantity,
        unit=o.unit,
        prices=[_citation(p) for p in dict.fromkeys(o.prices)],
        note=o.note,
    )


def _recommend(results: list[ScenarioResult], currency: str, horizon: int) -> Recommendation:
    baseline, others = results[0], results[1:]
    best = max(others, key=lambda r: r.savings_vs_baseline, default=None)
    if best is None or best.savings_vs_baseline <= 0:
        return Recommendation(
            scenario=baseline.name,
            headline=f"{baseline.title}: no alternative is cheaper over {horizon} months",
            reason=f"{baseline.title} costs {currency} {baseline.horizon_tco:,.2f} over the horizon; the closest "
            f"alternative costs more"
            if others
            else "only the baseline was estimated",
        )
    be = f", paying back in month {best.break_even_month}" if best.break_even_month else ""
    pct = best.savings_vs_baseline / baseline.horizon_tco if baseline.horizon_tco else 0.0
    return Recommendation(
        scenario=best.name,
        headline=f"{best.title}: saves {currency} {best.savings_vs_baseline:,.2f} ({pct:.0%}) over {horizon} "
        f"months{be}",
        reason=f"{currency} {best.horizon_tco:,.2f} against {currency} {baseline.horizon_tco:,.2f} for "
        f"{baseline.title}, one-time costs included",
    )


def _assumption_rows(scenarios: list[Scenario]) -> list[AssumptionRow]:
    shared = scenarios[0].assumptions
    rows = _rows("*", shared, None)
    for s in scenarios[1:]:
        rows += _rows(s.name, s.assumptions, shared)
    return rows


# What an unset (None) assumption stands for when it is not a catalog price or parameter.
NONE_MEANS = {"migration_wave_traffic": "even waves"}


def _rows(scenario: str, a: Assumptions, shared: Assumptions | None) -> list[AssumptionRow]:
    rows = []
    for name, field in type(a).model_fields.items():
        value = getattr(a, name)
        if shared is not None and value == getattr(shared, name):
            continue
        extra = field_extra(field)
        items = (
            [(f"{name}.{k}", getattr(value, k), type(value).model_fields[k]) for k in type(value).model_fields]
            if isinstance(value, Share)
            else [(name, value, field)]
        )
        for label, v, f in items:
            e = field_extra(f) or extra
            rows.append(
                AssumptionRow(
                    scenario=scenario,
                    name=label,
                    base=NONE_MEANS.get(label, "catalog")
                    if v is None
                    else f"{base(v):g}"
                    if isinstance(v, Range | float | int) and not isinstance(v, bool)
                    else str(v),
                    low=v.low if isinstance(v, Range) else None,
                    high=v.high if isinstance(v, Range) else None,
                    unit=str(e.get("unit", "")),
                    source=v.origin if isinstance(v, Range) and v.origin else str(e.get("source", "")),
                    description=f.description or "",
                )
            )
    return rows


def with_plan_days(
    scenarios: list[Scenario], days: Range, *, scanned: bool, waves: list[float] | None = None
) -> tuple[list[Scenario], str]:
    """Self-hosted scenarios take the plan's effort unless their file sets `migration_days` itself, and the
    traffic its waves carry (`migration_wave_traffic`) unless the file sets that. The note says the effort's
    basis: without a reference scan the plan cannot count the edits of image references (unknown, not zero)."""
    out = []
    for s in scenarios:
        if s.kind == "selfhosted":
            update: dict[str, object] = {}
            if s.assumptions.migration_days is None:
                update["migration_days"] = days
            if waves and s.assumptions.migration_wave_traffic is None:
                update["migration_wave_traffic"] = waves
            s = s.model_copy(update={"assumptions": s.assumptions.model_copy(update=update)})
        out.append(s)
    basis = (
        "with the image references the scan found"
        if scanned
        else "without a reference scan: editing image references is not counted in it (unknown, not zero; "
        "--scan PATH counts it)"
    )
    note = (
        f"Migration effort: {days.base:g} engineer-days ({days.low:g}-{days.high:g}) from the migration plan "
        f"(regcost plan), {basis}, in every self-hosted scenario that does not set migration_days itself"
    )
    if waves:
        shares = ", ".join(f"{w:.0%}" for w in waves)
        note += f"; the dual run moves traffic as the plan's {len(waves)} waves carry it ({shares})"
    return out, note


class EmptyWarehouse(Exception):
    """Nothing collected yet: said to the person with what to run."""
