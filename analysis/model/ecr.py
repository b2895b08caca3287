"""ECR cost per month: storage (standard, archive), data transfer by destination, replication, enhanced
scanning, NAT gateway processing, pull-through cache storage.

Billing rules (ecr-facts.md §0–§2): storage is metered in byte-hours and billed per GB-month (2^30 bytes);
a month's GB-months are its average stored bytes, here the stock at mid-month. Same-region transfer to AWS
compute is free; to the internet it is tiered per region with the account's other egress consumed first;
cross-region pulls and replication pay the inter-region rate of the source region — to that destination where
AWS prices the pair apart (`aws.transfer.inter_region.to.<destination>`) and the destination is known.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.model.costs import GIB, HOURS_PER_MONTH, Ctx, Line, PriceRef, first, over_months
from analysis.model.resolved import Drawn, ResolvedAssumptions, ResolvedShare
from analysis.model.workload import WorkloadProfile
from analysis.pricing import free_allowance_applies


@dataclass(frozen=True)
class RegionUsage:
    """The estate per ECR region (accounts summed: consolidated billing tiers by region and usage type)."""

    regions: list[str]
    standard_gb: np.ndarray
    archive_gb: np.ndarray
    growth_gb_month: np.ndarray
    untagged_gb: np.ndarray  # reclaimable by an untagged clean-up (standard class)
    never_pulled_gb: np.ndarray
    pull_gb_month: np.ndarray  # pulls × compressed image size, before the node cache
    pull_through_cache_gb: np.ndarray
    replication_gb_month: np.ndarray  # new bytes copied to other regions per month (Σ over destinations)
    scanned_pushes_month: np.ndarray  # pushes into repositories under ENHANCED scanning
    scanned_tagged_images: np.ndarray
    # Measured split of transfer by destination per region (a usage file states it); None: the assumption.
    consumer_shares: dict[str, np.ndarray] | None = None
    # Per region, GB/month replicated to each destination region (what the replication rules name), and GB/month
    # pulled by AWS workloads in each known other region (a usage file may say): priced by (source, destination).
    replication_to: list[dict[str, float]] | None = None
    other_region_to: list[dict[str, float]] | None = None

    def shares(self, assumed: ResolvedShare, i: int) -> ResolvedShare:
        if self.consumer_shares is None:
            return assumed
        return ResolvedShare(**{k: float(v[i]) for k, v in self.consumer_shares.items()})


def region_usage(profile: WorkloadProfile) -> RegionUsage:
    repos = profile.repositories.copy()
    billable = profile.ecr_billable_by_scope()
    # Blob mounting de-duplicates across a registry's repositories: scale repository figures to the scope's.
    ratio = np.where(
        billable["standard_bytes"] > 0, billable["billable_standard_bytes"] / billable["standard_bytes"], 1.0
    )
    scale = billable.assign(scale=ratio)[["account_id", "region", "scale"]]
    repos = repos.merge(scale, on=["account_id", "region"], how="left").fillna({"scale": 1.0})
    repos["enhanced"] = _enhanced(repos, profile.scopes)
    repos["pull_bytes_month"] = repos["pulls_per_month"] * repos["bytes_per_pull_uncached"]
    repos["replication_bytes_month"] = repos["growth_bytes_per_month"] * repos["replication_destinations"].map(len)
    repos["standard_scaled"] = repos["standard_bytes"] * repos["scale"]
    repos["growth_scaled"] = repos["growth_bytes_per_month"] * repos["scale"]
    repos["untagged_scaled"] = repos["untagged_bytes"] * repos["scale"]
    repos["never_pulled_scaled"] = repos["never_pulled_bytes"] * repos["scale"]
    repos["ptc_bytes"] = np.where(repos["pull_through_cache"], repos["standard_scaled"], 0.0)
    repos["scanned_pushes"] = np.where(repos["enhanced"], repos["pushes_per_month"], 0.0)
    repos["scanned_tagged"] = np.where(repos["enhanced"], repos["tagged_images"], 0.0)
    archive = billable.groupby("region")["billable_archive_bytes"].sum()

    by = repos.groupby("region")
    regions = sorted(set(repos["region"]) | set(billable["region"]))

    def col(name: str, frame: pd.core.groupby.DataFrameGroupBy = by) -> np.ndarray:
        return frame[name].sum().reindex(regions, fill_value=0.0).to_numpy(dtype=float)

    return RegionUsage(
        regions=regions,
        standard_gb=col("standard_scaled") / GIB,
        archive_gb=archive.reindex(regions, fill_value=0.0).to_numpy(dtype=float) / GIB,
        growth_gb_month=col("growth_scaled") / GIB,
        untagged_gb=col("untagged_scaled") / GIB,
        never_pulled_gb=col("never_pulled_scaled") / GIB,
        pull_gb_month=col("pull_bytes_month") / GIB,
        pull_through_cache_gb=col("ptc_bytes") / GIB,
        replication_gb_month=col("replication_bytes_month") / GIB,
        scanned_pushes_month=col("scanned_pushes"),
        scanned_tagged_images=col("scanned_tagged"),
        replication_to=_by_destination(repos, regions),
    )


def _by_destination(repos: pd.DataFrame, regions: list[str]) -> list[dict[str, float]]:
    """GB/month each region replicates to each destination: a repository's new bytes once per destination."""
    pairs = repos[["region", "growth_bytes_per_month", "replication_destinations"]].explode("replication_destinations")
    pairs = pairs.dropna(subset=["replication_destinations"])
    gb = pairs.groupby(["region", "replication_destinations"])["growth_bytes_per_month"].sum() / GIB
    out: list[dict[str, float]] = [{} for _ in regions]
    index = {r: i for i, r in enumerate(regions)}
    for (region, destination), value in gb.items():
        out[index[region]][str(destination)] = float(value)
    return out


def _enhanced(repos: pd.DataFrame, scopes: pd.DataFrame) -> np.ndarray:
    """Repositories matched by an ENHANCED registry scanning rule (WILDCARD filters; none = all)."""
    flags = np.zeros(len(repos), dtype=bool)
    for scope in scopes.itertuples():
        text = scope.scanning_configuration  # NULL (settings unreadable) arrives as NaN next to JSON text
        config = json.loads(text) if isinstance(text, str) and text else {}
        if config.get("scanType") != "ENHANCED":
            continue
        patterns = [f["filter"] for rule in config.get("rules", []) for f in rule.get("repositoryFilters", [])] or ["*"]
        in_scope = ((repos["account_id"] == scope.account_id) & (repos["region"] == scope.region)).to_numpy()
        if "*" in patterns:
            flags |= in_scope
            continue
        # the filters as one regular expression (fnmatchcase's own translation), matched in one vectorised pass:
        # a Python call per repository and pattern took ~0.3 s at 80,000 repositories
        either = "|".join(f"(?:{fnmatch.translate(x)})" for x in patterns)
        names = repos["repository_name"].to_numpy()[in_scope]
        hits = np.zeros(len(repos), dtype=bool)
        hits[in_scope] = pd.Series(names, dtype=object).str.match(either).to_numpy(dtype=bool)
        flags |= hits
    return flags


def stock(gb: np.ndarray | float, growth: np.ndarray | float, ctx: Ctx) -> np.ndarray:
    """GB-months of each month: the stock at mid-month (average of a linearly growing stock).

    `gb` and `growth` are scalars or draws of shape (draws, 1); the result has the months axis last.
    """
    return np.asarray(gb, dtype=float) + np.asarray(growth, dtype=float) * (ctx.months - 0.5)


@dataclass(frozen=True)
class EcrOptions:
    """What differs between ECR scenarios."""

    cleanup: bool = False  # ECR with lifecycle clean-up
    egress_factor: float | np.ndarray = 1.0  # hybrid: share of internet/other-cloud pulls still served by ECR


def ecr_costs(usage: RegionUsage, ctx: Ctx, options: EcrOptions = EcrOptions()) -> list[Line]:
    a = ctx.a
    lines: list[Line] = []

    storage = np.zeros_like(ctx.months)
    archive_cost = np.zeros_like(ctx.months)
    ptc_cost = np.zeros_like(ctx.months)
    qty_std = qty_arch = qty_ptc = 0.0
    std_refs: list[PriceRef] = []
    arch_refs: list[PriceRef] = []
    for i, region in enumerate(usage.regions):
        g = usage.growth_gb_month[i] * a.storage_growth_factor
        standard, archived = usage.standard_gb[i], usage.archive_gb[i]
        if options.cleanup:
            removed = usage.untagged_gb[i] * a.untagged_cleanup_share
            untagged_share = usage.untagged_gb[i] / standard if standard else 0.0
            standard = standard - removed
            g = g * (1 - untagged_share * a.untagged_cleanup_share)
            if a.cleanup_archives_never_pulled:
                moved = np.maximum(usage.never_pulled_gb[i] - removed, 0.0)
                standard, archived = standard - moved, archived + moved
        std_gb = stock(standard - usage.pull_through_cache_gb[i], g, ctx)
        price, ref = ctx.flat("ecr.storage.standard", "GB-month", region=region)
        std_refs.append(ref)
        storage = storage + std_gb * price
        ptc_gb = stock(usage.pull_through_cache_gb[i], 0.0, ctx)
        ptc_cost = ptc_cost + ptc_gb * price
        arch_gb = stock(archived, 0.0, ctx)
        cost, ref = ctx.tiered("ecr.storage.archive", arch_gb, "GB-month", region=region)
        arch_refs.append(ref)
        archive_cost = archive_cost + cost
        qty_std, qty_arch, qty_ptc = qty_std + first(std_gb), qty_arch + first(arch_gb), qty_ptc + first(ptc_gb)
    lines.append(
        Line(
            "ECR storage (standard)",
            "storage",
            storage,
            qty_std,
            "GB-month",
            _refs(*std_refs),
            "unique layers, configs and manifests per repository (per registry with blob mounting)",
        )
    )
    if qty_arch or options.cleanup and a.cleanup_archives_never_pulled:
        lines.append(Line("ECR storage (archive)", "storage", archive_cost, qty_arch, "GB-month", _refs(*arch_refs)))
    if qty_ptc:
        lines.append(
            Line(
                "ECR pull-through cache storage",
                "storage",
                ptc_cost,
                qty_ptc,
                "GB-month",
                _refs(*std_refs),
                "images cached under pull-through cache prefixes are stored and billed like any other",
            )
        )
    lines += _transfer_lines(usage, ctx, options)
    lines += _scanning_lines(usage, ctx)
    return lines


def bound_storage_lines(gb_by_region: dict[str, float], ctx: Ctx) -> list[Line]:
    """ECR storage of the repositories an ECR-only service uses (Lambda, App Runner, EMR Serverless), kept for the
    whole horizon by a scenario that moves everything else: their pulls stay same-region (free), so storage is
    what keeping them costs. Priced like any ECR storage, with no growth (the model does not know theirs)."""
    regions = sorted(r for r, gb in gb_by_region.items() if gb > 0)
    if not regions:
        return []
    zeros = np.zeros(len(regions))
    usage = RegionUsage(
        regions=regions,
        standard_gb=np.array([gb_by_region[r] for r in regions]),
        archive_gb=zeros,
        growth_gb_month=zeros,
        untagged_gb=zeros,
        never_pulled_gb=zeros,
        pull_gb_month=zeros,
        pull_through_cache_gb=zeros,
        replication_gb_month=zeros,
        scanned_pushes_month=zeros,
        scanned_tagged_images=zeros,
    )
    kept = [line for line in ecr_costs(usage, ctx) if line.component == "ECR storage (standard)"]
    for line in kept:
        line.component = "ECR storage kept (repositories bound to ECR)"
        line.note = "used by Lambda / App Runner / EMR Serverless, which pull only from ECR: they cannot leave it"
    return kept


def _refs(*refs: PriceRef | None) -> list[PriceRef]:
    """The distinct catalog entries a line used (one per region where prices differ by region)."""
    return list(dict.fromkeys(r for r in refs if r is not None))


def pulled_gb(pull_gb_month: float, ctx: Ctx) -> np.ndarray:
    """GB that pulls actually transfer each month, after the node layer cache, with pull growth."""
    growth = np.power(1.0 + np.asarray(ctx.a.pull_growth_monthly, dtype=float), ctx.months - 1)
    return pull_gb_month * (1.0 - np.asarray(ctx.a.layer_cache_hit_ratio, dtype=float)) * growth


@dataclass
class _Transfer:
    """Monthly transfer cost and first-month GB of each line, summed over regions, with the prices used."""

    internet: np.ndarray
    inter: np.ndarray
    repl: np.ndarray
    nat: np.ndarray
    q_int: float = 0.0
    q_inter: float = 0.0
    q_repl: float = 0.0
    q_nat: float = 0.0
    refs: dict[str, list[PriceRef]] = field(default_factory=lambda: {"dto": [], "inter": [], "repl": [], "nat": []})


def _transfer_lines(usage: RegionUsage, ctx: Ctx, options: EcrOptions) -> list[Line]:
    a = ctx.a
    allowance_left = ctx.parameter("aws.transfer.internet_out.free_allowance", a.free_allowance)
    zero = np.zeros_like(ctx.months, dtype=float)
    t = _Transfer(internet=zero, inter=zero.copy(), repl=zero.copy(), nat=zero.copy())
    # Regions with most egress first: an account-wide free allowance is used up where traffic is.
    order = np.argsort(-usage.pull_gb_month, kind="stable")
    via_endpoint: dict[int, np.ndarray] = {}
    for i in order:
        region = usage.regions[i]
        share = usage.shares(a.consumers, i)
        gb = pulled_gb(usage.pull_gb_month[i], ctx)
        out = gb * (share.internet + share.other_cloud) * options.egress_factor
        # The AWS-wide free allowance does not cover China and GovCloud (their partitions bill from the first GB).
        allowance_here = allowance_left if free_allowance_applies(region) else 0.0
        cost, ref = ctx.tiered(
            "aws.transfer.internet_out",
            out,
            "GB",
            region=region,
            offset=a.other_internet_egress_gb_month,
            allowance=allowance_here,
        )
        # What this region's traffic (its other egress first) used of the allowance is gone for the next region.
        used = np.minimum(allowance_here, np.asarray(a.other_internet_egress_gb_month, dtype=float) + out)
        allowance_left = allowance_left - used
        t.refs["dto"].append(ref)
        t.internet, t.q_int = t.internet + cost, t.q_int + first(out)

        rate, refs = _destination_rate(ctx, region, usage.other_region_to[i] if usage.other_region_to else None)
        t.refs["inter"] += refs
        cross = gb * share.other_region
        t.inter, t.q_inter = t.inter + cross * rate, t.q_inter + first(cross)
        rate, refs = _destination_rate(ctx, region, usage.replication_to[i] if usage.replication_to else None)
        t.refs["repl"] += refs
        replicated = over_months(usage.replication_gb_month[i] * a.storage_growth_factor, ctx.months)
        t.repl, t.q_repl = t.repl + replicated * rate, t.q_repl + first(replicated)

        # Same-region private pulls in VPCs with endpoints skip the NAT for what the endpoints carry (nat_share);
        # pulls from another region cannot use the local endpoints and always cross the pulling VPC's NAT gateway.
        private_same = gb * a.private_subnet_share * share.same_region
        via_nat = private_same * (1.0 - a.vpc_endpoint_share * (1.0 - nat_share(a))) + (
            gb * a.private_subnet_share * share.other_region
        )
        via_endpoint[i] = private_same * a.vpc_endpoint_share
        nat_price, ref = ctx.flat("aws.nat.processing", "GB", region=region)
        t.refs["nat"].append(ref)
        t.nat, t.q_nat = t.nat + via_nat * nat_price, t.q_nat + first(via_nat)
    return _transfer_line_items(t, ctx) + _endpoint_lines(usage, ctx, via_endpoint)


def _transfer_line_items(t: _Transfer, ctx: Ctx) -> list[Line]:
    """The transfer lines of the estimate; replication only when something is replicated."""
    lines = [
        Line(
            "Data transfer out to the internet",
            "transfer",
            t.internet,
            t.q_int,
            "GB",
            _refs(*t.refs["dto"]),
            "pulls by consumers outside AWS and in other clouds, tiered per region after the account's other egress",
        ),
        Line(
            "Inter-region transfer (pulls)",
            "transfer",
            t.inter,
            t.q_inter,
            "GB",
            _refs(*t.refs["inter"]),
            "pulls by AWS workloads in another region, at the source region's rate (to each destination where "
            "it is known and AWS prices the pair apart)",
        ),
    ]
    if t.q_repl:
        lines.append(
            Line(
                "Replication transfer",
                "transfer",
                t.repl,
                t.q_repl,
                "GB",
                _refs(*t.refs["repl"]),
                "new bytes copied to each destination region, at the source's rate to that destination; destination "
                "storage is in that region's line",
            )
        )
    lines.append(
        Line(
            "NAT gateway processing (ECR pulls)",
            "aws-side",
            t.nat,
            t.q_nat,
            "GB",
            _refs(*t.refs["nat"]),
            f"pulls from private subnets: cross-region ones, and same-region ones but what VPC endpoints carry "
            f"(vpc_endpoints: {ctx.a.vpc_endpoints})",
        )
    )
    return lines


def nat_share(a: ResolvedAssumptions) -> Drawn:
    """Share of a same-region private pull's bytes that still cross the NAT in a VPC with the chosen endpoints:
    all of them without endpoints, the ECR API calls with only the (free) S3 gateway, none with both."""
    shares: dict[str, Drawn] = {"none": 1.0, "s3-gateway": a.api_bytes_share, "ecr-interface": 0.0}
    return shares[a.vpc_endpoints]


def _endpoint_lines(usage: RegionUsage, ctx: Ctx, via_endpoint: dict[int, np.ndarray]) -> list[Line]:
    """ecr.api + ecr.dkr interface endpoints: hours per endpoint per AZ per VPC in each region with pulls, and
    per GB of what goes through them (the API share; layers take the free S3 gateway endpoint)."""
    a = ctx.a
    if a.vpc_endpoints == "none":
        return []
    # The S3 gateway endpoint has no charge: shown so the choice and the NAT processing it avoids are visible.
    layers = sum((v * (1.0 - a.api_bytes_share) for v in via_endpoint.values()), np.zeros_like(ctx.months))
    gateway = Line(
        "S3 gateway endpoint (layer bytes, no charge)",
        "aws-side",
        np.zeros_like(ctx.months) * layers,
        first(layers),
        "GB",
        [],
        "private same-region pulls in VPCs with endpoints fetch layers from S3 through it instead of the NAT",
    )
    if a.vpc_endpoints != "ecr-interface":
        return [gateway] if gateway.quantity else []  # no private same-region pulls: nothing to show
    hours_cost = np.zeros_like(ctx.months)
    gb_cost = np.zeros_like(ctx.months)
    q_hours = q_gb = 0.0
    refs: list[PriceRef] = []
    for i, region in enumerate(usage.regions):
        if not usage.pull_gb_month[i]:
            continue
        hourly, r1 = ctx.flat("aws.vpce.interface.hourly", "hour", region=region)
        hours = 2.0 * a.endpoint_azs * a.endpoint_vpcs_per_region * HOURS_PER_MONTH  # ecr.api and ecr.dkr
        hours_cost, q_hours = hours_cost + over_months(hours * hourly, ctx.months), q_hours + first(hours)
        gb = via_endpoint[i] * a.api_bytes_share
        cost, r2 = ctx.tiered("aws.vpce.interface.processing", gb, "GB", region=region)
        gb_cost, q_gb = gb_cost + cost, q_gb + first(gb)
        refs += [r1, r2]
    return [
        Line(
            "VPC interface endpoints ecr.api + ecr.dkr (hours)",
            "network",
            hours_cost,
            q_hours,
            "endpoint-hours",
            _refs(*refs[0::2]),
            "2 endpoints × AZs × VPCs × 730 h in each region with pulls; the S3 gateway endpoint is free",
        ),
        Line(
            "VPC interface endpoints (data processed)",
            "aws-side",
            gb_cost,
            q_gb,
            "GB",
            _refs(*refs[1::2]),
            "ECR API and manifest bytes; layers come from S3 through the gateway endpoint at no charge",
        ),
        gateway,
    ]


def _destination_rate(ctx: Ctx, source: str, to: dict[str, float] | None) -> tuple[float, list[PriceRef]]:
    """The inter-region $/GB out of `source`: over the known destinations `to` (GB each), each pair's own rate
    weighted by its GB (so rate × Σ GB = Σ GB × pair rate); unknown destinations: the source's usual rate."""
    if ctx.a.inter_region_charging == "internet_rate_both_sides" or not to or not sum(to.values()):
        rate, ref = _inter_region_rate(ctx, source)
        return rate, [ref]
    total = sum(to.values())
    rate, refs = 0.0, []
    for destination, gb in sorted(to.items()):
        pair, ref = ctx.inter_region(source, destination)
        rate += gb / total * pair
        refs.append(ref)
    return rate, refs


def _inter_region_rate(ctx: Ctx, region: str) -> tuple[float, PriceRef]:
    if ctx.a.inter_region_charging == "internet_rate_both_sides":
        # Sources that say "internet rates on both sides": the first internet tier, charged twice.
        entry, fx = ctx.price("aws.transfer.internet_out", region=region)
        return 2.0 * entry.tier_pairs()[0][1] * fx, PriceRef.of(entry)
    return ctx.flat("aws.transfer.inter_region", "GB", region=region)


def _scanning_lines(usage: RegionUsage, ctx: Ctx) -> list[Line]:
    if not usage.scanned_pushes_month.sum() and not usage.scanned_tagged_images.sum():
        return []
    # Inspector is priced per region (each region's own price, or its named stand-in): scans are priced where
    # the repository is, then summed.
    initial_by_region = [ctx.flat("inspector.ecr.initial_scan", "image-scan", region=r) for r in usage.regions]
    rescan_by_region = [ctx.flat("inspector.ecr.rescan", "image-scan", region=r) for r in usage.regions]
    initial = np.array([price for price, _ in initial_by_region])
    rescan = np.array([price for price, _ in rescan_by_region])
    refs = list({(ref.id, ref.location): ref for _, ref in initial_by_region + rescan_by_region}.values())
    per_region_pushes = np.asarray(usage.scanned_pushes_month, dtype=float)
    pushes = per_region_pushes.sum()
    duration = ctx.a.inspector_rescan_duration
    monitored_by_region = rescan_monitored(per_region_pushes, usage.scanned_tagged_images, duration)
    monitored = monitored_by_region.sum()
    rescans = monitored * ctx.a.rescans_per_image_month
    cost = (per_region_pushes * initial).sum() + (monitored_by_region * rescan).sum() * ctx.a.rescans_per_image_month
    monthly = over_months(cost, ctx.months)
    return [
        Line(
            "Enhanced scanning (Amazon Inspector)",
            "security",
            monthly,
            first(pushes + rescans),
            "image-scan",
            refs,
            f"initial scans of new pushes plus rescans of the {monitored:,.0f} tagged images Inspector still "
            f"monitors (re-scan duration {duration})",
        )
    ]


DAYS_PER_MONTH = 365.25 / 12.0


def rescan_monitored(pushes_month: np.ndarray, tagged: np.ndarray, duration: str) -> np.ndarray:
    """Images Inspector keeps rescanning: those pushed within the re-scan duration (pushes per month × the
    duration in months), at most the tagged images there are. LIFETIME: every tagged image. Images kept in
    use past the push window (the pull-date duration) are not measured here and not counted."""
    if duration == "LIFETIME":
        return np.asarray(tagged, dtype=float)
    days = float(duration.removeprefix("DAYS_"))
    return np.minimum(np.asarray(pushes_month, dtype=float) * days / DAYS_PER_MONTH, tagged)
