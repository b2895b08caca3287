"""What a report renders: the estimate's result object plus the warehouse's data-quality facts, the migration
plan (a compact view of `regcost plan`) and the self-hosted registries' storage.

Gathered by the report builder (analysis/pipeline/report.py), which is the only part that reads the warehouse; the
renderers take this object and never query anything.
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


class PlanView(_Model):
    """The migration plan as `analysis.portability.plan.as_dict` gives it, reduced to what the report shows."""

    at: datetime
    summary: dict[str, Any]  # Plan.summary(): totals (repositories, waves, bytes_copied, egress_cost, migration_days …)
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


class ReportInputs(_Model):
    result: EstimateResult
    quality: DataQuality | None = None  # None: the estimate came from a usage file
    plan: PlanView | None = None  # the migration plan of the warehouse's ECR estate (None: usage file)
    registries: list[RegistryStorage] = []  # self-hosted registries collected into the warehouse
    title: str = "Container registry cost: AWS ECR or self-hosted Harbor"
