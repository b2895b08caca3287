"""The one result object every output renders: CLI table/JSON/CSV/Markdown, reports, the dashboard.

Versioned: `schema_version` changes when a field changes meaning or disappears; new fields may be added.
Money is float in the model currency, unrounded; renderers round to cents.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from analysis.pricing import PriceEntry

from analysis import __version__

SCHEMA_VERSION: Final = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class PriceCitation(_Model):
    """A catalog entry as used: enough to cite it next to a cost (the cost models' PriceRef is this class)."""

    id: str
    location: str
    unit: str
    currency: str
    price_text: str
    source: str
    as_of: str
    approximation: str = ""  # set when the region had no price of its own: whose price stands in, and why

    @classmethod
    def of(cls, entry: PriceEntry) -> PriceCitation:
        return cls(
            id=entry.id,
            location=entry.location,
            unit=entry.unit,
            currency=entry.currency,
            price_text=entry.tier_summary(),
            source=entry.source,
            as_of=entry.as_of.isoformat(),
            approximation=entry.approximation.text() if entry.approximation is not None else "",
        )


class Component(_Model):
    component: str
    group: str
    monthly: list[float]
    total: float
    quantity_month1: float | None
    unit: str | None
    cost_month1: float
    prices: list[PriceCitation]
    note: str


class OneTimeCost(_Model):
    component: str
    amount: float
    quantity: float | None
    unit: str | None
    prices: list[PriceCitation]
    note: str


class ScenarioResult(_Model):
    name: str
    title: str
    kind: str
    description: str
    components: list[Component]
    one_time: list[OneTimeCost]
    monthly_total: list[float]
    cumulative: list[float]
    horizon_tco: float
    npv: float
    break_even_month: int | None  # vs the baseline; None: never within the horizon (or the baseline itself)
    savings_vs_baseline: float  # baseline horizon TCO − this one (positive: cheaper)


class ProfileSummary(_Model):
    source: Literal["warehouse", "usage file"]
    accounts: int
    regions: list[str]
    repositories: int
    images: int
    naive_bytes: float
    ecr_billable_bytes: float
    global_unique_bytes: float
    growth_bytes_per_month: float
    untagged_bytes: float
    never_pulled_bytes: float
    pulls_per_month: float
    pull_bytes_per_month: float  # before the node layer cache
    pull_window_days: int
    growth_method: str


class AssumptionRow(_Model):
    scenario: str  # "*" for the shared defaults
    name: str
    base: str
    low: float | None
    high: float | None
    unit: str
    source: str
    description: str


class Recommendation(_Model):
    scenario: str
    headline: str
    reason: str


class Band(_Model):
    """P10 / P50 / P90 per month."""

    p10: list[float]
    p50: list[float]
    p90: list[float]


class ScenarioUncertainty(_Model):
    name: str
    monthly: Band
    cumulative: Band
    horizon_tco: dict[str, float]  # p10, p50, p90, mean
    p_beats_baseline: float | None  # share of draws with a lower horizon TCO than the baseline's
    # p10/p50/p90 of the savings vs the baseline over the horizon, per draw (None: the baseline; added in schema 1)
    savings: dict[str, float] | None = None
    break_even: dict[str, float | None]  # p10/p50/p90 month among draws that break even; "never": share that don't


class TornadoBar(_Model):
    assumption: str
    scenario: str  # "*": both the baseline and the target have it; else the scenario it belongs to
    low: float
    high: float
    savings_at_low: float  # the target's savings vs the baseline with the assumption at its low end
    savings_at_high: float
    swing: float


class UncertaintyResult(_Model):
    draws: int
    seed: int
    ranged_assumptions: list[str]
    scenarios: list[ScenarioUncertainty]
    tornado_scenario: str  # whose savings vs the baseline the tornado ranks the assumptions by
    tornado: list[TornadoBar]


class RepositoryCost(_Model):
    """One repository's month-1 ECR cost at the baseline's unit prices (storage + the transfer its pulls cause).

    An attribution for ranking, not a bill line: tiered prices are applied at each region's average rate, and
    an account-wide free transfer allowance is not apportioned.
    """

    account_id: str
    region: str
    repository: str
    billable_bytes: float  # standard + archive bytes ECR bills for it (scaled down where blob mounting shares)
    untagged_bytes: float
    never_pulled_bytes: float
    pulls_per_month: float
    pull_bytes_per_month: float  # before the node layer cache
    storage_cost_month1: float
    transfer_cost_month1: float  # internet, inter-region, replication and NAT processing of its pulls
    cost_month1: float


class DataQuality(_Model):
    """A part of the inputs that this snapshot did not read: carried from an earlier read, or missing."""

    state: Literal["carried", "missing"]
    account_id: str | None
    region: str | None
    part: str  # scope | images | pulls | tags | lifecycle_policy | repository_policy | registry:<Operation>
    repositories: int  # how many repositories (0: the scope or a registry-wide setting)
    operation: str | None
    error_code: str | None
    message: str | None
    failed_run_id: int  # the newest run that could not read it
    from_run_id: int | None  # the run whose value is used (None: missing)
    read_at: datetime | None
    age_days: float | None
    affects: list[str]  # what in the estimate it feeds
    assumed: str | None  # missing only: what the estimate assumed in its place


class EstimateResult(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    regcost_version: str = __version__  # the regcost that computed it (added in schema 1)
    generated_at: datetime
    currency: str
    horizon_months: int
    discount_rate_annual: float
    warehouse: str | None
    runs: list[int]
    profile: ProfileSummary
    baseline: str
    scenarios: list[ScenarioResult]
    recommendation: Recommendation
    assumptions: list[AssumptionRow]
    catalog_files: list[str]
    catalog_as_of: dict[str, str]  # oldest and newest as_of among the prices used
    notes: list[str]
    top_repositories: list[RepositoryCost] = []  # the costliest repositories (warehouse only; added in schema 1)
    uncertainty: UncertaintyResult | None = None  # with draws > 0
    # Parts of the snapshot carried from an earlier read or missing (added in schema 1; empty: all read).
    data_quality: list[DataQuality] = []
    # The date the estate was evaluated at: the growth window ends here (`--at`; default: when the newest
    # collection finished, so the same warehouse gives the same numbers whenever it is read). Added in schema 1.
    as_of: datetime | None = None

    def scenario(self, name: str) -> ScenarioResult:
        return next(s for s in self.scenarios if s.name == name)
