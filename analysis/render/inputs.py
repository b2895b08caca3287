"""What a report renders: the estimate's result object plus the warehouse's data-quality facts.

Gathered by the report builder (analysis/report.py), which is the only part that reads the warehouse; the
renderers take this object and never query anything.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from analysis.model.result import EstimateResult


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


class ErrorInfo(_Model):
    run_id: int
    account_id: str | None
    region: str | None
    repository: str | None
    operation: str
    error_code: str
    message: str | None


class DataQuality(_Model):
    warehouse: str
    runs: list[RunInfo]  # the most recent runs, newest first
    scopes: list[ScopeInfo]
    errors: list[ErrorInfo]  # of the runs the estimate used, at most MAX_ERRORS
    errors_total: int


class ReportInputs(_Model):
    result: EstimateResult
    quality: DataQuality | None = None  # None: the estimate came from a usage file
    title: str = "Container registry cost: AWS ECR or self-hosted Harbor"
