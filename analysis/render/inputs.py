"""The one result every renderer takes: the estimate (with its uncertainty and costliest repositories), the
migration plan it took its effort from, the effort itself, the warehouse's data-quality facts and the self-hosted
registries' storage.

Built once by `analysis.pipeline.result.run(request)`, the only part that reads the warehouse; the renderers
(table, JSON, CSV, Markdown, HTML, PDF, the dashboard's downloads) take this object and never query anything.
`ReportInputs` is its older name, kept for the HTML/PDF renderers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from analysis.collectors.records import ErrorFields
from analysis.model.result import EstimateResult
from analysis.portability.finding import Finding


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class RunInfo(_Model):
    run_id: int
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    images: int
    errors: int


class ScopeInfo(_Model):
    """The current snapshot of one (account, region): which run it comes from and what it holds."""

    account_id: str
    region: str
    run_id: int
    status: str
    repositories: int
    images: int
    untagged_images: int
    archived_images: int
    pulls: float


@dataclass(slots=True)
class ErrorInfo(ErrorFields):
    """A collection error as the report lists it: the collector's fields (records.ErrorFields) and its run."""

    run_id: int


class DataQuality(_Model):
    warehouse: str
    runs: list[RunInfo]  # the most recent runs, newest first
    scopes: list[ScopeInfo]
    errors: list[ErrorInfo]  # of the runs the estimate used, at most MAX_ERRORS
    errors_total: int


class RegistryStorage(_Model):
    """One self-hosted registry (Harbor, OCI) as `queries.registry_storage` gives it: its three storage numbers."""

    registry: str
    kind: str
    run_id: int
    repositories: int
    projects: int
    artifacts: int
    naive_bytes: float
    unique_blob_bytes: float
    quota_sum_bytes: float | None
    physical_bytes: float | None
    physical_source: str | None
    pulls: float | None
    explanation: list[str]


class ScoreView(_Model):
    row: str
    score: int
    evidence: list[str]


class WaveView(_Model):
    wave: int
    risk: str
    repositories: int
    names: list[str]
    references: int
    pulls_per_month: float
    bytes_copied: float
    archived_bytes_left: float
    egress_cost: float  # USD: the catalog's AWS internet-out price
    engineering_days: float


class Days(_Model):
    """Engineer-days as a range (the plan's effort: low, base, high)."""

    low: float
    base: float
    high: float


class PlanSummary(_Model):
    """`Plan.summary()`: the plan's totals."""

    repositories: int
    projects: int
    waves: int
    bytes_copied: float
    egress_cost: float  # USD: the catalog's AWS internet-out price
    engineer_days: float
    migration_days: Days
    payload_calls: int
    translations: dict[str, int]
    references: int | None  # None: nothing scanned
    upstream_references: int | None
    supply_chain_artifacts: dict[str, dict[str, int]]
    ecr_expires_harbor_keeps: int
    harbor_deletes_ecr_keeps: int


class PlanView(_Model):
    """The migration plan as `analysis.portability.plan.as_dict` gives it, reduced to what a report shows."""

    at: datetime
    summary: PlanSummary
    findings: list[Finding]
    scores: list[ScoreView]
    waves: list[WaveView]
    setup_days: float
    scanned: list[str]  # the paths scanned for references; empty: no scan

    @classmethod
    def from_plan_dict(cls, plan: dict[str, Any], scanned: list[str] | None = None) -> PlanView:
        fields = WaveView.model_fields
        return cls(
            at=plan["at"],
            summary=plan["summary"],
            findings=[Finding(**f) for f in plan["findings"]],
            scores=[ScoreView(**s) for s in plan["scores"]],
            waves=[WaveView(**{k: w[k] for k in fields}) for w in plan["waves"]],
            setup_days=plan["assumptions"]["setup_days"],
            scanned=scanned or [],
        )


PlanResult = PlanView  # the typed plan a result holds


class Effort(_Model):
    """The migration's engineering effort, the one figure every output shows: the plan's when there is a plan
    (and the scenarios took it), else what the recommended (or first self-hosted) scenario assumed."""

    scenario: str  # whose one-time "Migration engineering" it is
    days: float
    low: float | None = None
    high: float | None = None
    source: str  # "migration plan" | "scenario assumptions" | "scenario file"


class Result(_Model):
    """One request's answer, everything any output shows."""

    estimate: EstimateResult
    quality: DataQuality | None = None  # None: the estimate came from a usage file
    plan: PlanView | None = None  # the migration plan of the warehouse's ECR estate (None: usage file)
    effort: Effort | None = None  # None: no self-hosted scenario was estimated
    registries: list[RegistryStorage] = []  # self-hosted registries collected into the warehouse
    title: str = "Container registry cost: AWS ECR or self-hosted Harbor"

    @property
    def result(self) -> EstimateResult:
        """The estimate, by the name the report templates use."""
        return self.estimate


ReportInputs = Result  # the HTML/PDF renderers' name for it
