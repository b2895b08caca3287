"""One-time costs of leaving ECR: copying the estate out, engineering effort, and running both side by side.

Copy-out transfers every globally unique blob once (Harbor's replication skips blobs the target already has,
harbor-facts §1.6), from the region that holds it, at that region's rate to where the registry goes.
"""

from __future__ import annotations

import numpy as np

from analysis.model.costs import Ctx, Line, OneTime, PriceRef, first
from analysis.model.inputs import ModelInput
from analysis.model.scenarios import SelfHosted
from analysis.model.selfhosted import labour_rate

HOURS_PER_DAY = 8.0


def migration_costs(inp: ModelInput, sh: SelfHosted, ctx: Ctx) -> list[OneTime]:
    return [_copy_out(inp, sh, ctx), _engineering(inp, sh, ctx)]


def _copy_out(inp: ModelInput, sh: SelfHosted, ctx: Ctx) -> OneTime:
    amount: np.ndarray | float = 0.0
    gb_total = 0.0
    refs: list[PriceRef] = []
    # Globally unique bytes apportioned to the regions that hold them (ModelInput.unique_gb_by_region).
    for region, gb in inp.unique_gb_by_region.items():
        if sh.site.kind == "aws":
            if region == sh.site.region:
                continue  # same-region copy into S3 is free
            rate, ref = ctx.inter_region(region, sh.site.region)  # the pair's own rate where AWS prices it apart
            cost: np.ndarray | float = gb * rate
        else:
            cost, ref = ctx.tiered(
                "aws.transfer.internet_out",
                np.asarray(gb),
                "GB",
                region=region,
                offset=ctx.a.other_internet_egress_gb_month,
            )
        amount, gb_total, refs = amount + cost, gb_total + gb, [*refs, ref]
    return OneTime(
        "Copy-out egress (migration)",
        amount,
        gb_total,
        "GB",
        refs[:1],
        "each unique blob transferred once out of its ECR region (to Harbor's region at that pair's rate)"
        if sh.site.kind == "aws"
        else "each unique blob transferred once out of its ECR region",
    )


def _engineering(inp: ModelInput, sh: SelfHosted, ctx: Ctx) -> OneTime:
    a = ctx.a
    repositories = inp.repositories
    planned = a.migration_days  # from `regcost plan` (analysis.portability.plan.migration_days)
    days = (
        planned
        if planned is not None
        else (a.migration_days_base + a.migration_days_per_100_repositories * repositories / 100.0)
    )
    note = "from the migration plan (regcost plan)" if planned is not None else f"{repositories:,} repositories"
    return _engineer_days("Migration engineering", days, sh, ctx, note)


def proxy_setup(sh: SelfHosted, ctx: Ctx) -> OneTime:
    """Hybrid: setting up the proxy cache is engineering too (the plan counts days to set up Harbor)."""
    note = "install Harbor, proxy-cache projects and endpoints, repoint the proxied clients"
    return _engineer_days("Proxy cache set-up", ctx.a.proxy_setup_days, sh, ctx, note)


def _engineer_days(component: str, days: np.ndarray | float, sh: SelfHosted, ctx: Ctx, note: str) -> OneTime:
    """Engineer-days × 8 h × the loaded labour rate, as a one-time cost."""
    rate, ref = labour_rate(ctx, sh)
    return OneTime(component, days * HOURS_PER_DAY * rate, first(days), "engineer-days", [ref] if ref else [], note)


# Lines that follow the pulls (and the pushes that trigger scans): paid by whichever registry serves them.
TRAFFIC_GROUPS = ("transfer", "aws-side", "security")


def ecr_traffic_share(ctx: Ctx) -> np.ndarray:
    """Share of the traffic ECR still serves in each month of a migration, at mid-month m (t = m − ½).

    The waves follow one another evenly over the D dual-run months (wave k of K in [(k − 1)·D/K, k·D/K]), and
    within its slot a wave's consumers move linearly. What has moved by t is the waves before plus that part of
    the current one: the traffic each wave carries comes from the plan (`migration_wave_traffic`, the waves'
    pull bytes) when there is one, else the waves are even, and then (t / D) has moved: 2 months: 75 %, 25 %, 0.
    """
    months = np.asarray(ctx.a.dual_run_months, dtype=float)
    waves = np.asarray(ctx.a.migration_wave_traffic or [1.0], dtype=float)
    if not waves.sum():
        waves = np.ones_like(waves)  # a plan whose waves pull nothing: no traffic to weigh them by
    moved_by_wave_end = np.concatenate([[0.0], np.cumsum(waves) / waves.sum()])
    slots = np.linspace(0.0, 1.0, len(waves) + 1)
    elapsed = np.clip((ctx.months - 0.5) / months, 0.0, 1.0)
    return 1.0 - np.interp(elapsed, slots, moved_by_wave_end)


def dual_run(ecr_lines: list[Line], ctx: Ctx) -> Line:
    """ECR while both registries run: its storage and fixed costs for the dual-run months (a fractional last
    month in part), its traffic only for the consumers that have not moved yet (the new registry's traffic
    lines carry the rest, `move_traffic`), so no pull is paid twice."""
    months = np.asarray(ctx.a.dual_run_months, dtype=float)
    # A fractional last month counts in part: 1.5 months = all of month 1 and half of month 2.
    running = np.clip(months - (ctx.months - 1.0), 0.0, 1.0)
    serving = ecr_traffic_share(ctx)
    waves = "waves carrying the plan's pull traffic" if ctx.a.migration_wave_traffic else "even waves"
    total: np.ndarray | float = 0.0
    for line in ecr_lines:
        weight = serving if line.group in TRAFFIC_GROUPS else running
        total = total + np.asarray(line.monthly, dtype=float) * weight
    return Line(
        "ECR during the dual run",
        "migration",
        np.asarray(total, dtype=float) * np.ones_like(ctx.months),
        first(months),
        "months",
        note=f"ECR storage and fixed costs while both run; its traffic only for consumers not yet moved ({waves})",
    )


def move_traffic(lines: list[Line], ctx: Ctx) -> None:
    """The new registry's traffic lines carry only the consumers that have moved (the complement of ECR's)."""
    moved = 1.0 - ecr_traffic_share(ctx)
    for line in lines:
        if line.group in TRAFFIC_GROUPS:
            line.monthly = np.asarray(line.monthly, dtype=float) * moved
