"""What the cost models take: region-level usage plus the estate-wide figures a self-hosted registry needs.

Built from the warehouse's workload profile, or from a hand-written usage file (`regcost estimate --usage`)
for what-if questions and for checking against the AWS Pricing Calculator with nothing collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.model.costs import GIB
from analysis.model.ecr import RegionUsage, region_usage
from analysis.model.result import ProfileSummary
from analysis.model.workload import WorkloadProfile
from analysis.validation import format_validation_error


@dataclass(frozen=True)
class EcrBound:
    """Repositories an ECR-only service uses (Lambda, App Runner, EMR Serverless: view ecr_bound_repositories):
    they cannot leave ECR, so no scenario may move their storage or their pulls off it (#13)."""

    repositories: list[str]  # account/region/name
    services: list[str]
    unique_gb: float  # Σ the repositories' own unique bytes (a layer shared with others counted in each)
    pull_gb_month: float  # their pulls × uncached image size, per month
    pull_share: float  # of the estate's pulled bytes
    standard_gb_by_region: dict[str, float] = field(default_factory=dict)  # what ECR bills for them (no mounting)


def ecr_bound(profile: WorkloadProfile, bound: list[tuple[str, str, str, list[str]]]) -> EcrBound | None:
    """The bound repositories' share of the profile; None when nothing is bound or none of them is in it."""
    if not bound:
        return None
    repos = profile.repositories
    keys = {(a, r, n) for a, r, n, _ in bound}
    mask = [k in keys for k in zip(repos["account_id"], repos["region"], repos["repository_name"], strict=True)]
    mine = repos[mask]
    if not len(mine):
        return None
    pulled = repos["pulls_per_month"] * repos["bytes_per_pull_uncached"]
    total = float(pulled.sum())
    names = zip(mine["account_id"], mine["region"], mine["repository_name"], strict=True)
    return EcrBound(
        repositories=[f"{a}/{r}/{n}" for a, r, n in names],
        services=sorted({s for *_, services in bound for s in services}),
        unique_gb=float(mine["unique_bytes"].sum()) / GIB,
        pull_gb_month=float(pulled[mask].sum()) / GIB,
        pull_share=float(pulled[mask].sum()) / total if total else 0.0,
        standard_gb_by_region={
            str(r): float(v) / GIB for r, v in mine.groupby("region")["standard_bytes"].sum().items()
        },
    )


@dataclass(frozen=True)
class ModelInput:
    usage: RegionUsage
    global_unique_gb: float
    global_growth_gb_month: float
    repositories: int
    unique_gb_by_region: dict[str, float]
    source: Literal["warehouse", "usage file"]
    # A usage file states transfer by destination after caching: these replace the consumer assumptions.
    consumer_override: dict[str, float] | None = None
    notes: list[str] = field(default_factory=list)
    ecr_bound: EcrBound | None = None  # repositories that must stay on ECR (the workloads collector found them)


def from_profile(profile: WorkloadProfile) -> ModelInput:
    usage = region_usage(profile)
    scopes = profile.scopes.groupby("region")["scope_unique_bytes"].sum()
    total = float(scopes.sum())
    by_region = {r: profile.global_unique_bytes / GIB * float(v) / total for r, v in scopes.items()} if total else {}
    return ModelInput(
        usage=usage,
        global_unique_gb=profile.global_unique_bytes / GIB,
        global_growth_gb_month=profile.global_growth_bytes_per_month / GIB,
        repositories=len(profile.repositories),
        unique_gb_by_region=by_region,
        source="warehouse",
        notes=list(profile.notes),
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


GbByRegion = dict[str, Annotated[float, Field(ge=0)]]
_M = TypeVar("_M", bound=BaseModel)


def _total_or_by_region(model: _M, total: str, by_region: str) -> _M:
    """A figure given as a total or per destination region, not both; per region, the total is their sum."""
    named = getattr(model, by_region)
    if named and getattr(model, total):
        raise ValueError(f"give {total} or {by_region} (GB per destination region), not both")
    return model.model_copy(update={total: sum(named.values())}) if named else model


class Transfer(_Strict):
    same_region: float = Field(0.0, ge=0, description="GB/month pulled by AWS workloads in the same region.")
    other_region: float = Field(0.0, ge=0, description="GB/month pulled by AWS workloads in other regions.")
    other_region_to: GbByRegion = Field(
        default_factory=dict,
        description="GB/month pulled by AWS workloads in each named other region, priced by (source, destination); "
        "other_region is then their sum (give one or the other).",
    )
    internet: float = Field(0.0, ge=0, description="GB/month pulled from outside AWS (on-prem, CI, laptops).")
    other_cloud: float = Field(0.0, ge=0, description="GB/month pulled by other clouds.")

    @model_validator(mode="after")
    def _one_cross_region_figure(self) -> Transfer:
        return _total_or_by_region(self, "other_region", "other_region_to")


class RegionUsageFile(_Strict):
    storage_gb: float = Field(ge=0, description="ECR-billable standard storage, GB (2^30 bytes).")
    archive_gb: float = Field(0.0, ge=0, description="Archive-class storage, GB.")
    unique_gb: float | None = Field(None, ge=0, description="Globally unique GB (self-hosted); default storage_gb.")
    growth_gb_month: float = Field(0.0, ge=0, description="Net growth of storage per month, GB.")
    transfer_gb_month: Transfer = Field(default_factory=Transfer, description="Bytes actually transferred.")
    replication_gb_month: float = Field(0.0, ge=0, description="GB/month replicated to other regions (Σ destinations).")
    replication_to: GbByRegion = Field(
        default_factory=dict,
        description="GB/month replicated to each destination region, priced by (source, destination); "
        "replication_gb_month is then their sum (give one or the other).",
    )
    scanned_pushes_month: float = Field(0.0, ge=0, description="Pushes under enhanced scanning per month.")
    scanned_tagged_images: float = Field(0.0, ge=0, description="Tagged images under continuous enhanced scanning.")

    @model_validator(mode="after")
    def _one_replication_figure(self) -> RegionUsageFile:
        return _total_or_by_region(self, "replication_gb_month", "replication_to")


class UsageFile(_Strict):
    repositories: int = Field(1, ge=0, description="Repositories (sizes the migration effort).")
    regions: dict[str, RegionUsageFile] = Field(description="Usage per ECR region, e.g. us-east-1.")


def from_usage_file(path: Path) -> ModelInput:
    from analysis.model.scenarios import ScenarioError, unknown_scenario_field  # one error type for bad input files

    try:
        raw = yaml.safe_load(Path(path).read_text())
        spec = UsageFile.model_validate(raw)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: is not valid YAML ({exc})") from None
    except ValidationError as exc:
        raise ScenarioError(
            format_validation_error(path, exc, unknown_key=unknown_scenario_field, first_only=True)
        ) from None

    regions = sorted(spec.regions)
    r = [spec.regions[k] for k in regions]
    _check_destinations(path, spec)

    def arr(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=float)

    transfer = [x.transfer_gb_month for x in r]
    pulled = arr([t.same_region + t.other_region + t.internet + t.other_cloud for t in transfer])
    total = float(pulled.sum())
    consumers = {
        k: (sum(getattr(t, k) for t in transfer) / total if total else 0.0)
        for k in ("same_region", "other_region", "internet", "other_cloud")
    }
    if not total:
        consumers["same_region"] = 1.0
    usage = RegionUsage(
        regions=regions,
        standard_gb=arr([x.storage_gb for x in r]),
        archive_gb=arr([x.archive_gb for x in r]),
        growth_gb_month=arr([x.growth_gb_month for x in r]),
        untagged_gb=np.zeros(len(r)),
        never_pulled_gb=np.zeros(len(r)),
        pull_gb_month=pulled,
        pull_through_cache_gb=np.zeros(len(r)),
        replication_gb_month=arr([x.replication_gb_month for x in r]),
        scanned_pushes_month=arr([x.scanned_pushes_month for x in r]),
        scanned_tagged_images=arr([x.scanned_tagged_images for x in r]),
        consumer_shares={
            k: np.divide(arr([getattr(t, k) for t in transfer]), pulled, out=np.zeros(len(r)), where=pulled > 0)
            for k in ("same_region", "other_region", "internet", "other_cloud")
        },
        replication_to=[dict(x.replication_to) for x in r],
        other_region_to=[dict(t.other_region_to) for t in transfer],
    )
    unique = {k: (x.unique_gb if x.unique_gb is not None else x.storage_gb) for k, x in zip(regions, r, strict=True)}
    return ModelInput(
        usage=usage,
        global_unique_gb=sum(unique.values()),
        global_growth_gb_month=float(usage.growth_gb_month.sum()),
        repositories=spec.repositories,
        unique_gb_by_region=unique,
        source="usage file",
        consumer_override=consumers,
        notes=[
            f"usage from {path}: transfer given by destination, so the layer-cache and consumer assumptions "
            "are replaced by it"
        ],
    )


def _check_destinations(path: Path, spec: UsageFile) -> None:
    """A destination must be an ECR region: a misspelt one would silently take the source's usual rate."""
    from analysis.model.scenarios import ScenarioError
    from analysis.pricing.refresh import ecr_regions

    known = set(ecr_regions())
    for source, x in spec.regions.items():
        for field_name, named in (
            ("replication_to", x.replication_to),
            ("other_region_to", x.transfer_gb_month.other_region_to),
        ):
            unknown = sorted(set(named) - known - {source})
            if unknown:
                raise ScenarioError(f"{path}: regions.{source}.{field_name}: not an ECR region: {', '.join(unknown)}")
            if source in named:
                raise ScenarioError(f"{path}: regions.{source}.{field_name}: {source} is the source region itself")


def usage_summary(inp: ModelInput) -> ProfileSummary:
    """Headline figures of a hand-written usage file (what it does not state is zero)."""
    u = inp.usage
    gib = float(GIB)
    return ProfileSummary(
        source="usage file",
        accounts=0,
        regions=list(u.regions),
        repositories=inp.repositories,
        images=0,
        naive_bytes=0.0,
        ecr_billable_bytes=float((u.standard_gb.sum() + u.archive_gb.sum()) * gib),
        global_unique_bytes=inp.global_unique_gb * gib,
        growth_bytes_per_month=inp.global_growth_gb_month * gib,
        untagged_bytes=0.0,
        never_pulled_bytes=0.0,
        pulls_per_month=0.0,
        pull_bytes_per_month=float(u.pull_gb_month.sum() * gib),
        pull_window_days=0,
        growth_method="stated in the usage file",
    )
