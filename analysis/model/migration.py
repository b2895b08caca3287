"""One-time costs of leaving ECR: copying the estate out, engineering effort, and running both side by side.

Copy-out transfers every globally unique blob once (Harbor's replication skips blobs the target already has,
harbor-facts §1.6), from the region that holds it, at that region's rate to where the registry goes.
"""

from __future__ import annotations

import numpy as np

from analysis.model.costs import Ctx, Line, OneTime, first
from analysis.model.inputs import ModelInput
from analysis.model.scenarios import SelfHosted
from analysis.model.selfhosted import labour_rate

HOURS_PER_DAY = 8.0


def migration_costs(inp: ModelInput, sh: SelfHosted, ctx: Ctx) -> list[OneTime]:
    return [_copy_out(inp, sh, ctx), _engineering(inp, sh, ctx)]


def _copy_out(inp: ModelInput, sh: SelfHosted, ctx: Ctx) -> OneTime:
    amount: np.ndarray | float = 0.0
    gb_total = 0.0
    refs = []
    # Globally unique bytes apportioned to the regions that hold them (ModelInput.unique_gb_by_region).
    for region, gb in inp.unique_gb_by_region.items():
        if sh.site.kind == "aws":
            if region == sh.site.region:
                continue  # same-region copy into S3 is free
            rate, ref = ctx.flat("aws.transfer.inter_region", "GB", region=region)
            cost = gb * rate
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
        "each unique blob transferred once out of its ECR region",
    )


def _engineering(inp: ModelInput, sh: SelfHosted, ctx: Ctx) -> OneTime:
    a = ctx.a
    repositories = inp.repositories
    planned = a.migration_days is not None  # from `regcost plan` (analysis.portability.plan.migration_days)
    days = (
        a.migration_days
        if planned
        else (a.migration_days_base + a.migration_days_per_100_repositories * repositories / 100.0)
    )
    rate, ref = labour_rate(ctx, sh)
    return OneTime(
        "Migration engineering",
        days * HOURS_PER_DAY * rate,
        first(days),
        "engineer-days",
        [ref] if ref else [],
        "from the migration plan (regcost plan)" if planned else f"{repositories:,} repositories",
    )


def dual_run(baseline_total: np.ndarray, ctx: Ctx) -> Line:
    """ECR keeps running (at the baseline's cost) for the first dual-run months of a migration."""
    months = np.asarray(ctx.a.dual_run_months, dtype=float)
    # A fractional last month counts in part: 1.5 months = all of month 1 and half of month 2.
    weight = np.clip(months - (ctx.months - 1.0), 0.0, 1.0)
    return Line(
        "ECR during the dual run",
        "migration",
        baseline_total * weight,
        first(months),
        "months",
        note="ECR is kept until every consumer has moved",
    )
