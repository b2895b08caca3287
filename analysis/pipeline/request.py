"""What a person asks for, once: the `EstimateRequest` that `regcost estimate`, `report`, `demo` and the
dashboard all build, and that `analysis.pipeline.result.run` turns into one result.

A request is plain data (paths, names, numbers): it is validated once, hashes and serialises cheaply (`key`),
so a cache (the dashboard's) can key a result by it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from analysis.model.assumptions import Range, Share
from analysis.model.estimate import DEFAULT_SEED
from analysis.model.registry_workload import DEFAULT_REGION
from analysis.model.scenarios import Scenario, ScenarioError

CURRENCIES = ("USD", "EUR")


class EstimateRequest(BaseModel):
    """One estimate as asked for: the estate (a warehouse or a usage file), the scenarios and prices, the
    horizon, the Monte Carlo draws, the date it is evaluated at, and the assumptions changed by hand."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db: Path | None = Field(default=None, description="Warehouse file; None: $REGCOST_DB or ./regcost.duckdb.")
    usage: Path | None = Field(default=None, description="Hand-written usage file instead of the warehouse (what-if).")
    scenarios: tuple[str, ...] = Field(
        default=(), description="Scenario names; empty: every preset. The first is the baseline."
    )
    scenario_files: tuple[Path, ...] = ()
    catalogs: tuple[Path, ...] = ()
    horizon: int | None = Field(default=None, ge=1, le=120, description="Months to project; None: the baseline's.")
    currency: str | None = None
    draws: int = Field(default=0, ge=0, description="Monte Carlo draws (0: the base case only).")
    seed: int = DEFAULT_SEED
    at: datetime | None = Field(
        default=None,
        description="Evaluate the estate as of this time (growth window, plan, data-quality ages). None: when the "
        "newest collection finished (a usage file: now).",
    )
    calibrate: bool = Field(
        default=False, description="Fit the layer-cache hit ratio and consumer split to the bill first."
    )
    registry: str | None = Field(
        default=None, description="Estimate a collected Harbor/OCI registry (URL or id; '' = the only one)."
    )
    region: str = Field(default=DEFAULT_REGION, description="With `registry`: the ECR region it would live in.")
    scan_paths: tuple[Path, ...] = Field(default=(), description="Folders scanned for image references by the plan.")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Assumptions set by hand for every scenario ({name: value}; consumers: {share: value}).",
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is not None and value not in CURRENCIES:
            raise ValueError(f"expected {' or '.join(CURRENCIES)}")
        return value

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)

    def check(self) -> None:
        """Combinations that cannot be estimated, said before anything is read."""
        if self.usage is not None and self.registry is not None:
            raise ScenarioError("--usage replaces the warehouse: it cannot be combined with --from-registry")
        if self.usage is not None and self.calibrate:
            raise ScenarioError("--calibrate fits the warehouse's bill: it cannot be combined with --usage")
        if self.registry is not None and self.calibrate:
            raise ScenarioError("--calibrate fits ECR's bill: it cannot be combined with --from-registry")

    def key(self) -> str:
        """The request as stable JSON: equal requests, equal keys (a cache key; `from_key` reads it back)."""
        return self.model_dump_json()

    @classmethod
    def from_key(cls, key: str) -> EstimateRequest:
        return cls.model_validate_json(key)

    def estate_key(self) -> str:
        """The part of the request that decides what is read from the warehouse or usage file (not the
        scenarios, assumptions or draws): what `read_estate` depends on."""
        return self.model_dump_json(include={"db", "usage", "at", "calibrate", "registry", "region", "scan_paths"})


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The scenario with the assumptions set by hand in place of its own (the same edit for every scenario)."""
    if not overrides:
        return scenario
    a = scenario.assumptions
    update: dict[str, Any] = {}
    for name, value in overrides.items():
        current = getattr(a, name)
        if name == "consumers":
            update[name] = Share(**{k: _with_base(getattr(current, k), v) for k, v in value.items()})
        else:
            update[name] = _with_base(current, value)
    return scenario.model_copy(update={"assumptions": a.model_copy(update=update)})


def _with_base(current: Any, value: Any) -> Any:
    """A new base value; a range keeps its bounds (widened to include the value) for the uncertainty stage."""
    if isinstance(current, Range) and isinstance(value, int | float) and not isinstance(value, bool):
        return Range(low=min(current.low, value), base=value, high=max(current.high, value), dist=current.dist)
    return value
