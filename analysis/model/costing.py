"""One scenario's cost lines and one-time costs over the horizon: the step the estimate and the Monte Carlo share."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from analysis.model.assumptions import Assumptions, Share
from analysis.model.costs import Ctx, Line, OneTime
from analysis.model.ecr import EcrOptions, bound_storage_lines, ecr_costs
from analysis.model.inputs import ModelInput
from analysis.model.migration import dual_run, migration_costs, move_traffic, proxy_setup
from analysis.model.resolved import ResolvedAssumptions
from analysis.model.scenarios import Scenario
from analysis.model.selfhosted import selfhosted_costs
from analysis.pricing import Catalog


@dataclass
class ScenarioCosts:
    scenario: Scenario
    lines: list[Line]
    one_time: list[OneTime]

    def monthly_total(self) -> np.ndarray:
        # Lines mix (months,) and (draws, months) shapes under Monte Carlo: add them by broadcasting.
        return functools.reduce(np.add, (np.asarray(line.monthly, dtype=float) for line in self.lines))

    def one_time_total(self) -> np.ndarray | float:
        return sum((np.asarray(o.amount, dtype=float) for o in self.one_time), np.asarray(0.0))


def effective_assumptions(scenario: Scenario, inp: ModelInput, shared: Assumptions) -> Assumptions:
    """The scenario's assumptions with the run-wide ones (horizon, currency, discount rate) and a usage file's
    measured transfer split imposed, so every scenario is compared on the same terms."""
    update = {k: getattr(shared, k) for k in ("horizon_months", "currency", "discount_rate_annual")}
    if inp.consumer_override is not None:
        update["consumers"] = Share(**inp.consumer_override)
        update["layer_cache_hit_ratio"] = 0.0
    return scenario.assumptions.model_copy(update=update)


def scenario_costs(
    scenario: Scenario,
    inp: ModelInput,
    catalog: Catalog,
    shared: Assumptions,
    n: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> ScenarioCosts:
    assumptions = effective_assumptions(scenario, inp, shared)
    ctx = Ctx(
        catalog, ResolvedAssumptions.of(assumptions, n, rng), np.arange(1, assumptions.horizon_months + 1, dtype=float)
    )
    a = ctx.a
    if scenario.kind == "ecr":
        return ScenarioCosts(scenario, ecr_costs(inp.usage, ctx), [])
    if scenario.kind == "ecr-cleanup":
        return ScenarioCosts(scenario, ecr_costs(inp.usage, ctx, EcrOptions(cleanup=True)), [])
    sh = scenario.selfhosted
    assert sh is not None  # validated: selfhosted and hybrid scenarios have a site
    if scenario.kind == "hybrid":
        # Repositories an ECR-only service uses stay on ECR alone: the proxy neither caches nor serves them.
        bound = inp.ecr_bound
        kept = 1.0 - a.proxied_consumer_share * a.proxy_hit_ratio * (1.0 - (bound.pull_share if bound else 0.0))
        lines = ecr_costs(inp.usage, ctx, EcrOptions(egress_factor=kept))
        cacheable = max(inp.global_unique_gb - (bound.unique_gb if bound else 0.0), 0.0)
        proxy = selfhosted_costs(inp, sh, ctx, proxy_gb=cacheable * a.proxy_cache_share)
        for line in proxy:
            line.component = f"Proxy cache: {line.component}"
        return ScenarioCosts(scenario, lines + proxy, [proxy_setup(sh, ctx)])
    lines = selfhosted_costs(inp, sh, ctx)
    move_traffic(lines, ctx)  # during the dual run ECR still serves part of the pulls: each is paid once
    lines.append(dual_run(ecr_costs(inp.usage, ctx), ctx))
    if inp.ecr_bound is not None:  # what ECR-only services use cannot move: ECR keeps storing it (#13)
        lines += bound_storage_lines(inp.ecr_bound.standard_gb_by_region, ctx)
    return ScenarioCosts(scenario, lines, migration_costs(inp, sh, ctx))
