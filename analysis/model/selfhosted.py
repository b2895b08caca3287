"""Self-hosted Harbor at a site, per month: compute, storage (+ GC backlog), backup, the site's egress beyond
what it includes, operations labour, and the AWS-side costs that remain when AWS workloads pull from outside.

Storage semantics (harbor-facts §3): the registry stores each blob once globally, so the stock is the estate's
globally unique bytes; deleted blobs stay until garbage collection runs (the GC backlog allowance).
"""

from __future__ import annotations

import numpy as np

from analysis.model.costs import HOURS_PER_MONTH, Ctx, Line, PriceRef, first, flat_price, over_months
from analysis.model.ecr import RegionUsage, pulled_gb, stock
from analysis.model.inputs import ModelInput
from analysis.model.resolved import Drawn
from analysis.model.scenarios import Resource, SelfHosted


def labour_rate(ctx: Ctx, sh: SelfHosted) -> tuple[np.ndarray | float, PriceRef | None]:
    if ctx.a.labour_rate is not None:
        return ctx.a.labour_rate, None
    # A platform/DevOps engineer's loaded rate: who runs Harbor on Kubernetes (labour.yaml says why and source).
    rate, ref = ctx.flat("labour.devops", "hour-labour", site=sh.site.labour_site)
    return rate, ref


def selfhosted_costs(inp: ModelInput, sh: SelfHosted, ctx: Ctx, *, proxy_gb: Drawn | None = None) -> list[Line]:
    """Monthly lines of a Harbor site. `proxy_gb` set: a pull-through cache of that size, not the whole estate."""
    a = ctx.a
    lines = _compute(sh, ctx)
    if proxy_gb is None:
        stored = stock(inp.global_unique_gb, inp.global_growth_gb_month * a.storage_growth_factor, ctx)
    else:
        stored = stock(proxy_gb, 0.0, ctx)
    stored = stored * (1.0 + a.gc_backlog_share)
    lines.append(_storage(sh, stored, ctx))
    if sh.backup_price and proxy_gb is None:
        backup = stored * a.backup_copies
        cost, ref = ctx.tiered(sh.backup_price, backup, "GB-month", **_where(sh, sh.backup_location))
        lines.append(Line("Backup / DR copy", "storage", cost, first(backup), "GB-month", [ref]))
    if proxy_gb is None:
        lines += _traffic(inp.usage, sh, ctx)
    lines.append(_labour(sh, ctx))
    return lines


def _where(sh: SelfHosted, location: str | None = None) -> dict[str, str]:
    """Catalog lookup keys: a resource's own location, else the scenario's region (AWS) or site."""
    if location is not None:
        is_region = location.count("-") >= 2 and location[-1].isdigit()  # us-east-1, not hetzner-fsn1
        return {"region": location} if is_region else {"site": location}
    return {"region" if sh.site.kind == "aws" else "site": sh.site.home}


def _site_price(ctx: Ctx, sh: SelfHosted, id: str, unit: str, location: str | None = None) -> tuple[float, PriceRef]:
    return ctx.flat(id, unit, **_where(sh, location))


def _resource_monthly(r: Resource, sh: SelfHosted, ctx: Ctx) -> tuple[float | np.ndarray, list[PriceRef]]:
    if r.onprem_server:
        capex = ctx.parameter("onprem.server.capex")
        months = ctx.parameter("onprem.server.amortisation_months")
        support = ctx.parameter("onprem.server.support_fraction_per_year")
        watts = ctx.parameter("onprem.server.power_watts")
        capex_ccy = ctx.catalog.parameter("onprem.server.capex").currency or "USD"
        fx = ctx.catalog.fx_rate(capex_ccy, ctx.currency)
        kw_price, ref = _site_price(ctx, sh, "onprem.colo.power", "kW-month", r.location)
        # capex spread over its life, support as a share of capex per year, and the IT power drawn at the colo's
        # per-kW rate. No PUE: a per-kW colocation price already covers the facility's cooling and losses
        # (onprem.pue applies to metered electricity in your own room only).
        monthly = capex * fx / months + capex * fx * support / 12 + watts / 1000 * kw_price
        return monthly, [ref]
    assert r.price is not None  # Resource._one_kind: a price unless an on-prem server
    entry, fx = ctx.price(r.price, **_where(sh, r.location))
    per = flat_price(entry) * (HOURS_PER_MONTH if entry.unit == "hour" else 1.0) * fx
    if entry.unit not in ("month", "hour"):
        raise ValueError(f"resource {r.price}: unit {entry.unit!r} is not a monthly or hourly price")
    return per, [PriceRef.of(entry)]


def _compute(sh: SelfHosted, ctx: Ctx) -> list[Line]:
    """One line per `line` name of the resources: compute and services, and e.g. the colocation's network."""
    default = f"Compute and services ({sh.deployment})"
    names = list(dict.fromkeys(r.line or default for r in sh.resources))
    lines = []
    for name in names:
        total: float | np.ndarray = 0.0
        refs: list[PriceRef] = []
        units = 0.0
        members = [r for r in sh.resources if (r.line or default) == name]
        for r in members:
            monthly, r_refs = _resource_monthly(r, sh, ctx)
            total = total + monthly * r.count
            refs += r_refs
            units += r.count
        lines.append(
            Line(
                name,
                "compute" if name == default else "network",
                over_months(total, ctx.months),
                units,
                "resources",
                refs,
                "; ".join(f"{r.count:g} × {r.what}" for r in members),
            )
        )
    return lines


def _included(sh: SelfHosted, ctx: Ctx, what: str, unit: str) -> float:
    """Quantity of `what` that the site's resources (and storage base fee) already pay for, per month."""
    ids = [(r.price, r.count, r.location) for r in sh.resources if r.price]
    if sh.storage.base_fee:
        ids.append((sh.storage.base_fee, 1.0, None))
    total = 0.0
    for id, count, location in ids:
        entry = ctx.catalog.get(id, **_where(sh, location))
        for inc in entry.included:
            if inc.what == what:
                factor = 1024.0 if inc.unit in ("TB", "TB-month") and unit in ("GB", "GB-month") else 1.0
                total += inc.quantity * factor * count
    return total


def _storage(sh: SelfHosted, stored_gb: np.ndarray, ctx: Ctx) -> Line:
    a = ctx.a
    provisioned = stored_gb / a.block_utilisation_target if sh.storage.backend == "block" else stored_gb
    if sh.storage.redundancy_parameter:
        provisioned = provisioned * ctx.parameter(sh.storage.redundancy_parameter)
    refs: list[PriceRef] = []
    cost = np.zeros_like(provisioned)
    if sh.storage.base_fee:
        fee, ref = _site_price(ctx, sh, sh.storage.base_fee, "month")
        cost, refs = cost + fee, [ref]
    if sh.storage.price:
        billable = np.maximum(provisioned - _included(sh, ctx, "storage", "GB-month"), 0.0)
        storage_cost, ref = ctx.tiered(sh.storage.price, billable, "GB-month", **_where(sh))
        cost, refs = cost + storage_cost, [*refs, ref]
    note = (
        f"global unique blobs + GC backlog; block volumes provisioned at {first(a.block_utilisation_target):.0%} "
        "utilisation"
        if sh.storage.backend == "block"
        else "global unique blobs + GC backlog, object storage"
    )
    return Line("Registry storage", "storage", cost, first(provisioned), "GB-month", refs, note)


def _traffic(usage: RegionUsage, sh: SelfHosted, ctx: Ctx) -> list[Line]:
    """Pulls now leave the site: its egress, and on AWS's side NAT processing for private subnets."""
    a, share = ctx.a, ctx.a.consumers
    lines: list[Line] = []
    total = pulled_gb(float(usage.pull_gb_month.sum()), ctx)
    aws_share = share.same_region + share.other_region
    outside = share.internet + share.other_cloud
    if sh.site.kind == "aws":
        return _traffic_on_aws(usage, sh, ctx, total)

    local = share.internet * a.site_local_share
    leaving = total * (aws_share + outside - local)
    if sh.egress_price:
        billable = np.maximum(leaving - _included(sh, ctx, "egress", "GB"), 0.0)
        price, ref = _site_price(ctx, sh, sh.egress_price, "GB")
        lines.append(
            Line(
                "Site egress beyond included traffic",
                "transfer",
                billable * price,
                first(leaving),
                "GB",
                [ref],
                f"{_included(sh, ctx, 'egress', 'GB'):,.0f} GB/month included in the resources",
            )
        )
    # AWS workloads now pull from outside AWS: their private subnets reach the internet through NAT gateways.
    nat_gb = total * aws_share * a.private_subnet_share
    nat_price, nat_ref = _weighted_nat(usage, ctx)
    lines.append(
        Line(
            "NAT gateway processing (AWS workloads pulling from the site)",
            "aws-side",
            nat_gb * nat_price,
            first(nat_gb),
            "GB",
            [nat_ref] if nat_ref else [],  # no ECR region: nothing priced
            "inbound traffic through a NAT gateway is processed and billed",
        )
    )
    return lines


def _traffic_on_aws(usage: RegionUsage, sh: SelfHosted, ctx: Ctx, total: np.ndarray) -> list[Line]:
    """Harbor in an AWS region. With object storage and redirects on (Harbor's default), layer bytes go from S3
    to the consumer: same-region is free and crosses no AZ boundary, other regions pay S3's inter-region rate,
    the internet S3's egress. With redirects off every byte passes Harbor's nodes: same-region pulls cross
    AZs. Either way private-subnet consumers in other regions, and same-region ones fetching S3 URLs without
    an S3 gateway endpoint, go through their NAT gateway."""
    a, share = ctx.a, ctx.a.consumers
    home = sh.site.home
    redirect = sh.storage.backend == "object" and sh.storage.redirect
    via = "from S3 (pre-signed redirect)" if redirect else "through Harbor's nodes"
    same = np.zeros_like(ctx.months)  # same-region pulls of the home region, at its own (measured) split
    for i, region in enumerate(usage.regions):
        if region == home:
            same = same + pulled_gb(usage.pull_gb_month[i], ctx) * usage.shares(share, i).same_region
    lines: list[Line] = []
    if not redirect:
        cross_az, ref_az = ctx.flat("aws.transfer.cross_az", "GB", region=home)
        # Inside a region, traffic to a self-run service crosses AZs and AWS bills each GB on both sides (out of
        # one AZ, into the other; same account): twice the per-GB price. ECR and S3 are regional and free.
        lines.append(
            Line(
                "Cross-AZ transfer",
                "transfer",
                same * a.cross_az_share * cross_az * 2.0,
                first(same * a.cross_az_share),
                "GB",
                [ref_az],
                "redirect off: billed out of one AZ and into the other, 2 × the per-GB price",
            )
        )
    other = total * (share.same_region + share.other_region) - same
    rate, ref_ir = ctx.flat("aws.transfer.inter_region", "GB", region=home)
    lines.append(
        Line(
            "Inter-region transfer (pulls)",
            "transfer",
            other * rate,
            first(other),
            "GB",
            [ref_ir],
            f"AWS workloads outside the Harbor region, {via}, including those ECR served locally before",
        )
    )
    out = total * (share.internet + share.other_cloud)
    cost, ref = ctx.tiered(
        "aws.transfer.internet_out",
        out,
        "GB",
        region=home,
        offset=a.other_internet_egress_gb_month,
        allowance=ctx.parameter("aws.transfer.internet_out.free_allowance", a.free_allowance),  # AWS-wide
    )
    lines.append(Line("Data transfer out to the internet", "transfer", cost, first(out), "GB", [ref], via))
    # Same-region consumers reach Harbor's internal load balancer inside the VPC; S3 URLs need the S3 gateway
    # endpoint to skip the NAT (vpc_endpoints, in the share of VPCs that have it).
    gateway = 0.0 if a.vpc_endpoints == "none" else a.vpc_endpoint_share
    same_nat = same * (1.0 - gateway) if redirect else same * 0.0
    nat_gb = (same_nat + other) * a.private_subnet_share
    price, ref_nat = ctx.flat("aws.nat.processing", "GB", region=home)
    lines.append(
        Line(
            "NAT gateway processing (pulls from Harbor)",
            "aws-side",
            nat_gb * price,
            first(nat_gb),
            "GB",
            [ref_nat],
            "private-subnet consumers in other regions, and same-region ones fetching S3 URLs without the S3 "
            "gateway endpoint (priced at the Harbor region's NAT rate)",
        )
    )
    if redirect:
        lines.append(_s3_gets(usage, ctx, home, total))
    return lines


def _s3_gets(usage: RegionUsage, ctx: Ctx, home: str, total: np.ndarray) -> Line:
    """With redirects each layer download is an S3 GET (requests are priced per 1,000)."""
    price, ref = ctx.flat("aws.s3.requests.get", "request", region=home)
    layers = total * ctx.a.layers_per_gb
    return Line(
        "S3 GET requests (redirected layer downloads)",
        "transfer",
        layers * price,
        first(layers),
        "requests",
        [ref],
        "one GET per layer fetched",
    )


def _weighted_nat(usage: RegionUsage, ctx: Ctx) -> tuple[float, PriceRef | None]:
    """NAT processing price weighted by where the pulls happen."""
    weights = usage.pull_gb_month / usage.pull_gb_month.sum() if usage.pull_gb_month.sum() else None
    total, ref = 0.0, None
    for i, region in enumerate(usage.regions):
        price, ref = ctx.flat("aws.nat.processing", "GB", region=region)
        total += price * (weights[i] if weights is not None else 1.0 / len(usage.regions))
    return total, ref


def _labour(sh: SelfHosted, ctx: Ctx) -> Line:
    rate, ref = labour_rate(ctx, sh)
    ops = ctx.assumption_or_parameter("ops_hours_month")
    upgrades = ctx.assumption_or_parameter("upgrades_per_year")
    per_upgrade = ctx.assumption_or_parameter("hours_per_upgrade")
    hours = ops + upgrades / 12.0 * per_upgrade
    return Line(
        "Operations labour",
        "operations",
        over_months(hours * rate, ctx.months),
        first(hours),
        "hours",
        [ref] if ref else [],
        "routine operation plus minor upgrades (only the 3 newest minors are maintained)",
    )
