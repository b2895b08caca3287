"""Assumptions: every number the model needs that the estate cannot measure, with a range and a reason.

Each field may be a plain number or a range `{low, base, high, dist}`; the deterministic estimate uses
`base`, the uncertainty stage draws from the range. Every field says its unit and where its default comes
from — an assumption is a documented choice, never a hidden constant (docs/scenarios.md lists them all).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from pydantic.fields import FieldInfo


class Range(BaseModel):
    """A value known only within bounds. `base` is the most likely value; `dist` shapes draws."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    base: float
    high: float
    dist: Literal["triangular", "pert", "uniform"] = "triangular"
    # Where a measured value came from (window, sample size, how the range was drawn); None: the field's source.
    origin: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.base <= self.high:
            raise ValueError(f"expected low ≤ base ≤ high, got {self.low}, {self.base}, {self.high}")
        return self


Value = float | Range


def base(value: Value) -> float:
    return value.base if isinstance(value, Range) else float(value)


# The choices a scenario makes by name (ResolvedAssumptions carries them through unchanged).
Currency = Literal["USD", "EUR"]
FreeAllowance = Literal["none", "ecr_page_1gb", "aws_wide_100gb"]
InterRegionCharging = Literal["source_region_once", "internet_rate_both_sides"]
VpcEndpoints = Literal["none", "s3-gateway", "ecr-interface"]
RescanDuration = Literal["DAYS_14", "DAYS_30", "DAYS_60", "DAYS_90", "DAYS_180", "LIFETIME"]

_T = TypeVar("_T")


def _field(default: _T, unit: str, source: str, description: str, **kw: Any) -> _T:
    """A field with its unit and source. Typed as its default (like pydantic's own `Field`, which returns Any),
    so mypy checks the default against the field's annotation."""
    return Field(default=default, description=description, json_schema_extra={"unit": unit, "source": source}, **kw)


class Share(BaseModel):
    """Where the consumers of pull traffic sit, relative to the ECR region that serves them.

    No published figure splits a registry's pull bytes by where the puller sits, so each preset is a stated
    reasoning (its `source`), with a range wide enough to hold the estates that reasoning covers and symmetric
    around the preset (a triangular mean equal to the base, so the Monte Carlo centres on the estimate);
    `regcost collect trail` measures the split (model/measured.py). Under Monte Carlo each share is drawn from its
    own range and every draw is divided by the sum of its four shares (perturb and renormalise:
    resolved.Sampler.share), so each draw adds up to 1; the tornado moves one share and rescales the other three
    in proportion (uncertainty._with).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    same_region: Value = _field(
        Range(low=0.55, base=0.75, high=0.95),
        "fraction",
        "assumption (stated reasoning; `regcost collect trail` measures it): most pulls of an ECR registry come from "
        "the AWS workloads it was created for, in its region; 0.95 when nearly everything runs there, 0.55 when CI "
        "runners or clusters outside AWS pull almost as much",
        "AWS workloads in the repository's own region (EKS/ECS/EC2/Lambda): free from ECR.",
    )
    other_region: Value = _field(
        Range(low=0.0, base=0.05, high=0.10),
        "fraction",
        "assumption (stated reasoning): 0 for a one-region estate or one that replicates to each region it runs in; "
        "0.10 for workloads in a second region pulling from the home region",
        "AWS workloads in another region: inter-region transfer.",
    )
    internet: Value = _field(
        Range(low=0.03, base=0.15, high=0.27),
        "fraction",
        "assumption (stated reasoning): developer laptops alone are a few percent; CI runners outside AWS and "
        "on-prem clusters take it past a quarter",
        "Outside AWS: on-prem clusters, CI runners, developer laptops: data transfer out to the internet.",
    )
    other_cloud: Value = _field(
        Range(low=0.0, base=0.05, high=0.10),
        "fraction",
        "assumption (stated reasoning): 0 for an AWS-only estate; 0.10 when another cloud's clusters (or "
        "CI runners hosted there) pull from ECR",
        "Another cloud's clusters: data transfer out to the internet.",
    )

    @model_validator(mode="after")
    def _sums_to_one(self) -> Share:
        total = sum(base(v) for v in (self.same_region, self.other_region, self.internet, self.other_cloud))
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the four shares must add up to 1 (base values add up to {total:g})")
        return self


class Assumptions(BaseModel):
    """Scenario-level assumptions. A scenario file overrides any of them by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_months: Annotated[int, Field(ge=1, le=120)] = _field(
        36, "months", "convention: a 3-year TCO horizon", "How many months the projection covers."
    )
    discount_rate_annual: Value = _field(
        0.08,
        "fraction per year",
        "assumption: a typical corporate cost of capital (7–10 %)",
        "Annual rate for the net present value of monthly costs.",
    )
    currency: Currency = _field(
        "USD", "ISO 4217", "convention", "Currency of every output; other prices are converted with fx.yaml."
    )
    consumers: Share = Field(default_factory=Share, description="Where pull traffic goes (fractions adding up to 1).")
    layer_cache_hit_ratio: Value = _field(
        Range(low=0.3, base=0.6, high=0.85),
        "fraction",
        "assumption: nodes keep base and dependency layers; calibrate against billed egress",
        "Share of a pulled image's compressed bytes already on the pulling node (not transferred).",
    )
    pull_growth_monthly: Value = _field(
        0.0, "fraction per month", "assumption", "Month-on-month growth of pulls (0: as measured)."
    )
    storage_growth_factor: Value = _field(
        Range(low=0.5, base=1.0, high=1.5),
        "multiplier",
        "measured: push history of the last 12 months (× this factor)",
        "Multiplier on the measured monthly growth of stored bytes.",
    )
    other_internet_egress_gb_month: Value = _field(
        0.0,
        "GB per month per region",
        "your bill (AWS DTO tiers aggregate across services)",
        "The account's other data transfer out in the same tiers: it moves the registry's egress into cheaper tiers.",
    )
    free_allowance: FreeAllowance = _field(
        "none",
        "catalog candidate",
        "catalog parameter aws.transfer.internet_out.free_allowance",
        "Which free data-transfer-out allowance to apply (the AWS Pricing Calculator applies none).",
    )
    inter_region_charging: InterRegionCharging = _field(
        "source_region_once",
        "catalog candidate",
        "catalog parameter aws.transfer.inter_region.charged_sides",
        "How cross-region pulls and replication are charged (sources disagree).",
    )
    private_subnet_share: Value = _field(
        Range(low=0.3, base=0.7, high=1.0),
        "fraction",
        "assumption: EKS/ECS nodes usually run in private subnets",
        "Share of AWS-side pulls made from private subnets, whose internet-bound traffic crosses a NAT gateway.",
    )
    vpc_endpoints: VpcEndpoints = _field(
        "s3-gateway",
        "choice",
        "docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html; aws.amazon.com/privatelink/pricing",
        "VPC endpoints in the VPCs that have them: none (every private pull through the NAT gateway), s3-gateway "
        "(layers through the free S3 gateway endpoint, ECR API calls still through NAT), ecr-interface (ecr.api + "
        "ecr.dkr interface endpoints, paid per hour per AZ and per GB, plus the S3 gateway: no NAT).",
    )
    vpc_endpoint_share: Value = _field(
        Range(low=0.0, base=0.5, high=1.0),
        "fraction",
        "assumption",
        "Share of private-subnet same-region pulls made in VPCs that have the endpoints of `vpc_endpoints`; the "
        "rest cross the NAT gateway.",
    )
    endpoint_vpcs_per_region: Value = _field(
        1.0,
        "VPCs",
        "assumption: one workload VPC per region pulls from ECR",
        "VPCs per ECR region with ecr.api/ecr.dkr interface endpoints (vpc_endpoints: ecr-interface).",
    )
    endpoint_azs: Value = _field(
        3.0,
        "availability zones",
        "assumption: EKS/ECS clusters spread over 3 AZs; an interface endpoint is billed per AZ it is in",
        "Availability zones each interface endpoint is deployed in.",
    )
    api_bytes_share: Value = _field(
        Range(low=0.00001, base=0.0001, high=0.001),
        "fraction of pulled bytes",
        "assumption: manifests, configs' metadata and API responses are KB against image layers of tens to "
        "hundreds of MB (the layers come from S3)",
        "Share of a pull's bytes that go through the ECR API endpoints (ecr.api/ecr.dkr) rather than S3.",
    )
    rescans_per_image_month: Value = _field(
        Range(low=0.0, base=0.5, high=2.0),
        "scans per image per month",
        "assumption: continuous scanning rescans when new CVEs affect an image",
        "Enhanced-scanning rescans per monitored image per month (only where the registry scans ENHANCED).",
    )
    inspector_rescan_duration: RescanDuration = _field(
        "DAYS_14",
        "Inspector setting",
        "docs.aws.amazon.com/inspector/latest/user/scanning_resources_configure_duration_setting_ecr.html "
        "(default 14 days for new accounts)",
        "Amazon Inspector's ECR re-scan duration (push date): only images pushed within it are rescanned.",
    )
    untagged_cleanup_share: Value = _field(
        1.0,
        "fraction",
        "the ECR-with-lifecycle-clean-up scenario",
        "Share of untagged, unreferenced bytes a lifecycle clean-up removes.",
    )
    cleanup_archives_never_pulled: bool = _field(
        False,
        "switch",
        "the ECR-with-lifecycle-clean-up scenario",
        "Also move never-pulled tagged images to the archive class.",
    )
    gc_backlog_share: Value = _field(
        Range(low=0.05, base=0.15, high=0.5),
        "fraction of stored bytes",
        "harbor-facts §3: deleted bytes stay until GC runs (goharbor/harbor#16507, #21919)",
        "Extra storage held by deleted-but-not-yet-collected blobs on a self-hosted registry.",
    )
    block_utilisation_target: Value = _field(
        0.7,
        "fraction",
        "assumption: keep 30 % headroom on block volumes",
        "How full block storage is run; provisioned = stored ÷ this.",
    )
    backup_copies: Value = _field(
        1.0,
        "copies",
        "assumption: one DR copy in object storage at another site",
        "Full copies of the registry's blobs kept as backup / DR.",
    )
    site_local_share: Value = _field(
        0.0,
        "fraction",
        "per scenario: an on-prem site serves its local consumers over the LAN",
        "Share of the internet/on-prem consumers that sit at the self-hosted site itself (no egress).",
    )
    cross_az_share: Value = _field(
        0.67,
        "fraction",
        "2 of 3 AZs: a regional service reached from a random AZ",
        "Harbor on AWS: share of same-region pulls that cross an availability zone (ECR is regional and free).",
    )
    layers_per_gb: Value = _field(
        Range(low=10, base=30, high=100),
        "layers per GB pulled",
        "assumption: compressed layers of ~10-100 MB",
        "Harbor on S3 with redirects: layer downloads (one S3 GET each) per GB transferred.",
    )
    ops_hours_month: Value | None = _field(
        None,
        "hours per month",
        "catalog parameter harbor.ops.hours_per_month (an assumption: no published figure)",
        "Routine operation of a self-hosted Harbor: monitoring, GC, certificates, quota and user requests.",
    )
    upgrades_per_year: Value | None = _field(
        None,
        "upgrades per year",
        "catalog parameter harbor.ops.upgrades_per_year (Harbor's release history)",
        "Harbor minor upgrades applied per year (only the 3 newest minors are maintained).",
    )
    hours_per_upgrade: Value | None = _field(
        None,
        "hours",
        "catalog parameter harbor.ops.hours_per_upgrade (an assumption)",
        "Engineering hours per Harbor upgrade, including testing and the maintenance window.",
    )
    labour_rate: Value | None = _field(
        None,
        "currency per hour",
        "catalog labour.devops of the scenario's labour site (None: use it): a platform/DevOps engineer's loaded rate",
        "Loaded hourly rate of the platform/DevOps engineers who run and migrate the registry.",
    )
    migration_days_base: Value = _field(
        Range(low=5, base=10, high=20),
        "engineer-days",
        "assumption",
        "Fixed migration effort: Harbor set-up, SSO, robot accounts, replication rules, cut-over plan.",
    )
    migration_days_per_100_repositories: Value = _field(
        Range(low=0.5, base=2, high=5),
        "engineer-days",
        "assumption (the portability stage refines it)",
        "Per-repository effort: repointing image references, CI credentials, policies.",
    )
    migration_days: Value | None = _field(
        None,
        "engineer-days",
        "`regcost plan` (analysis/portability: findings, reference scan, waves); None: the two above",
        "Total migration effort from a portability plan; when set it replaces migration_days_base and "
        "migration_days_per_100_repositories.",
    )
    proxy_setup_days: Value = _field(
        Range(low=2, base=5, high=8),
        "engineer-days",
        "the plan's Harbor set-up (analysis/portability/plan.py SETUP_DAYS = 5: install, SSO, backups, "
        "monitoring, runbooks)",
        "Hybrid: one-time set-up of the Harbor proxy cache (install, proxy-cache projects, endpoints, clients).",
    )
    dual_run_months: Value = _field(
        Range(low=1, base=2, high=4),
        "months",
        "assumption",
        "Months ECR and the new registry run side by side. Consumers move in even waves over them: storage and "
        "fixed costs of both are paid, each pull's traffic once, by whichever registry serves it that month.",
    )
    migration_wave_traffic: list[Annotated[float, Field(ge=0)]] | None = _field(
        None,
        "fraction of pull traffic per wave, in wave order",
        "`regcost plan` waves (pulls × image size of each wave's repositories); None: even waves",
        "Share of the pull traffic each migration wave moves; the waves follow one another evenly over "
        "dual_run_months, so a wave that carries more bytes moves more of the traffic in its slot.",
    )
    proxy_hit_ratio: Value = _field(
        Range(low=0.5, base=0.8, high=0.95),
        "fraction",
        "assumption: a warm pull-through cache",
        "Hybrid: share of the proxied consumers' pulls served from the Harbor proxy cache.",
    )
    proxy_cache_share: Value = _field(
        Range(low=0.1, base=0.3, high=0.6),
        "fraction of globally unique bytes",
        "assumption",
        "Hybrid: how much of the estate the proxy cache holds (what its consumers pull).",
    )
    proxied_consumer_share: Value = _field(
        1.0, "fraction", "assumption", "Hybrid: share of internet/other-cloud pull traffic that goes through the proxy."
    )


def field_extra(field: FieldInfo) -> dict[str, JsonValue]:
    """What `_field` recorded beside the description (unit, source); empty for a field without it."""
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


# Assumptions whose default (None) is a catalog parameter's low/base/high range.
CATALOG_PARAMETERS = {
    "ops_hours_month": "harbor.ops.hours_per_month",
    "upgrades_per_year": "harbor.ops.upgrades_per_year",
    "hours_per_upgrade": "harbor.ops.hours_per_upgrade",
}


def draws(value: Value, n: int | None, rng: np.random.Generator | None) -> np.ndarray | float:
    """The base value, or `n` draws from the range (used by the uncertainty stage)."""
    if n is None or rng is None or not isinstance(value, Range) or value.low == value.high:
        return base(value)
    lo, mode, hi = value.low, value.base, value.high
    if value.dist == "uniform":
        return rng.uniform(lo, hi, n)
    if value.dist == "pert":
        alpha = 1 + 4 * (mode - lo) / (hi - lo)
        beta = 1 + 4 * (hi - mode) / (hi - lo)
        return lo + rng.beta(alpha, beta, n) * (hi - lo)
    return rng.triangular(lo, mode, hi, n)
