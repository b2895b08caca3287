"""Uncertainty: Monte Carlo over every assumption given as a range, and a tornado of their swings.

Vectorised over draws: each assumption is an array of shape (draws, 1) and the same cost functions as the
estimate run once per scenario — no Python loop per draw. Common random numbers: an assumption draws the same
values in every scenario (resolved.Sampler), so "scenario X beats the baseline" compares like with like.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.model.assumptions import CATALOG_PARAMETERS, Assumptions, Range, Share, base
from analysis.model.costing import scenario_costs
from analysis.model.inputs import ModelInput
from analysis.model.projection import break_even_month
from analysis.model.result import Band, ScenarioUncertainty, TornadoBar, UncertaintyResult
from analysis.model.scenarios import Scenario
from analysis.pricing import Catalog

PERCENTILES = (10, 50, 90)


def _shape(x: Any, n: int, months: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=float), (n, months))


def _per_draw(x: Any, n: int) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    return np.broadcast_to(arr.reshape(-1) if arr.size == n else arr, (n,))


def _band(values: np.ndarray) -> Band:
    p = np.percentile(values, PERCENTILES, axis=0)
    return Band(p10=p[0].tolist(), p50=p[1].tolist(), p90=p[2].tolist())


def simulate(
    inp: ModelInput,
    scenarios: list[Scenario],
    catalog: Catalog,
    shared: Assumptions,
    *,
    draws: int = 10_000,
    seed: int = 20261127,
    with_tornado: bool = True,
) -> UncertaintyResult:
    months = shared.horizon_months
    totals: dict[str, np.ndarray] = {}
    for s in scenarios:
        c = scenario_costs(s, inp, catalog, shared, n=draws, rng=seed)
        monthly = _shape(c.monthly_total(), draws, months)
        one_time = _per_draw(c.one_time_total(), draws)
        totals[s.name] = np.cumsum(monthly, axis=1) + one_time[:, None]
        totals[s.name + "/monthly"] = monthly

    base_cum = totals[scenarios[0].name]
    out = []
    for s in scenarios:
        cum, monthly = totals[s.name], totals[s.name + "/monthly"]
        tco = cum[:, -1]
        is_base = s is scenarios[0]
        be = break_even_month(cum, base_cum) if not is_base else np.zeros(draws)
        hit = be[be > 0]
        out.append(
            ScenarioUncertainty(
                name=s.name,
                monthly=_band(monthly),
                cumulative=_band(cum),
                horizon_tco={
                    "p10": float(np.percentile(tco, 10)),
                    "p50": float(np.percentile(tco, 50)),
                    "p90": float(np.percentile(tco, 90)),
                    "mean": float(tco.mean()),
                },
                p_beats_baseline=None if is_base else float(np.mean(tco < base_cum[:, -1])),
                savings=None if is_base else _percentiles(base_cum[:, -1] - tco),
                break_even={
                    "p10": float(np.percentile(hit, 10)) if hit.size else None,
                    "p50": float(np.percentile(hit, 50)) if hit.size else None,
                    "p90": float(np.percentile(hit, 90)) if hit.size else None,
                    "never": float(np.mean(be == 0)) if not is_base else None,
                },
            )
        )
    target = _tornado_target(inp, scenarios, catalog, shared)
    return UncertaintyResult(
        draws=draws,
        seed=seed,
        ranged_assumptions=sorted({name for s in scenarios for name, _ in _ranges(s.assumptions, catalog)}),
        scenarios=out,
        tornado_scenario=target.name,
        tornado=tornado(inp, scenarios[0], target, catalog, shared) if with_tornado else [],
    )


def _percentiles(values: np.ndarray) -> dict[str, float]:
    """P10 / P50 / P90 of one figure per draw (per draw: a difference of two totals is not the difference of
    their percentiles)."""
    return {f"p{q}": float(np.percentile(values, q)) for q in PERCENTILES}


def _tornado_target(inp: ModelInput, scenarios: list[Scenario], catalog: Catalog, shared: Assumptions) -> Scenario:
    """The alternative with the best base-case savings: the one the recommendation names (or, when no alternative
    is cheaper, the nearest to being so), so the tornado explains the decision the report makes."""
    others = scenarios[1:] or scenarios
    return max(others, key=lambda s: _savings(inp, scenarios[0], s, catalog, shared))


def _ranges(a: Assumptions, catalog: Catalog) -> list[tuple[str, Range]]:
    """Every assumption given as a range, including those whose range comes from a catalog parameter."""
    found: list[tuple[str, Range]] = []
    for name in type(a).model_fields:
        value = getattr(a, name)
        if value is None and name in CATALOG_PARAMETERS:
            low, mid, high = catalog.parameter(CATALOG_PARAMETERS[name]).low_base_high()
            value = Range(low=low, base=mid, high=high)
        if isinstance(value, Range) and value.low != value.high:
            found.append((name, value))
        elif isinstance(value, Share):
            found += [(f"{name}.{k}", v) for k in type(value).model_fields if isinstance(v := getattr(value, k), Range)]
    return found


def _with(a: Assumptions, name: str, value: float) -> Assumptions:
    if "." in name:
        outer, inner = name.split(".", 1)
        share = getattr(a, outer)
        values = {k: base(getattr(share, k)) for k in type(share).model_fields}
        # The other shares make room (or fill the gap) in proportion to their base values, as the Monte Carlo's
        # renormalisation does, so the four still add up to 1 and none goes below 0.
        rest = {k: v for k, v in values.items() if k != inner}
        total = sum(rest.values())
        scale = {k: (v / total if total else 1 / len(rest)) for k, v in rest.items()}
        values = {inner: value, **{k: (1.0 - value) * w for k, w in scale.items()}}
        return a.model_copy(update={outer: Share(**values)})
    return a.model_copy(update={name: value})


def _savings(inp: ModelInput, baseline: Scenario, target: Scenario, catalog: Catalog, shared: Assumptions) -> float:
    def tco(s: Scenario) -> float:
        c = scenario_costs(s, inp, catalog, shared)
        return float(np.sum(c.monthly_total()) + np.sum(c.one_time_total()))

    return tco(baseline) - tco(target)


def tornado(
    inp: ModelInput, baseline: Scenario, target: Scenario, catalog: Catalog, shared: Assumptions
) -> list[TornadoBar]:
    """Swing of the target's savings vs the baseline when one ranged assumption goes from low to high.

    An assumption both scenarios share moves in both (as it would in reality); one only the target has
    moves there alone. Ranked by swing, largest first.
    """
    shared_names = dict(_ranges(baseline.assumptions, catalog))
    names = {**shared_names, **dict(_ranges(target.assumptions, catalog))}
    bars = []
    for name, rng in names.items():
        results = []
        for value in (rng.low, rng.high):
            b = baseline.model_copy(update={"assumptions": _with(baseline.assumptions, name, value)})
            t = target.model_copy(update={"assumptions": _with(target.assumptions, name, value)})
            results.append(_savings(inp, b, t, catalog, shared))
        bars.append(
            TornadoBar(
                assumption=name,
                scenario="*" if name in shared_names else target.name,
                low=rng.low,
                high=rng.high,
                savings_at_low=results[0],
                savings_at_high=results[1],
                swing=abs(results[1] - results[0]),
            )
        )
    return sorted(bars, key=lambda b: -b.swing)
