"""Shared pieces of the cost models: priced lines and the pricing context (catalog, resolved assumptions, months).

A cost model returns `Line`s. A line is one component of a scenario's cost (storage, egress, labour …) as
an array over months — shape (months,) for the estimate, (draws, months) under Monte Carlo — with the
month-1 quantity and the prices it used, so `--explain` can show quantity × unit price = cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.model.assumptions import CATALOG_PARAMETERS, Range
from analysis.model.resolved import Drawn, ResolvedAssumptions
from analysis.model.result import PriceCitation
from analysis.pricing import Catalog, PriceEntry, tiered_cost

GIB = float(2**30)  # GB = 2^30 bytes (DESIGN.md), as AWS meters storage
HOURS_PER_MONTH = 730.0  # the AWS convention for monthly prices from hourly ones (hosting-prices.md)


# A catalog entry as used, cited next to a cost: the result's own PriceCitation, built with PriceRef.of(entry).
PriceRef = PriceCitation


@dataclass
class Line:
    """One cost component of a scenario, per month, in the model currency."""

    component: str
    group: str  # storage | transfer | compute | operations | security | aws-side | migration
    monthly: np.ndarray
    quantity: float | None = None  # month 1, base case
    unit: str | None = None
    prices: list[PriceRef] = field(default_factory=list)
    note: str = ""


@dataclass
class OneTime:
    """A one-time cost (migration), paid before month 1."""

    component: str
    amount: np.ndarray | float
    quantity: float | None = None
    unit: str | None = None
    prices: list[PriceRef] = field(default_factory=list)
    note: str = ""


@dataclass
class Ctx:
    """Everything a cost model needs besides the workload: catalog, currency, months, assumptions."""

    catalog: Catalog
    a: ResolvedAssumptions
    months: np.ndarray  # 1.0 … H

    @property
    def currency(self) -> str:
        return self.a.currency

    def price(self, id: str, *, region: str | None = None, site: str | None = None) -> tuple[PriceEntry, float]:
        """The entry and the factor that converts its currency into the model's."""
        entry = self.catalog.get(id, region=region, site=site)
        return entry, self.catalog.fx_rate(entry.currency, self.currency)

    def flat(self, id: str, unit: str, *, region: str | None = None, site: str | None = None) -> tuple[float, PriceRef]:
        """A flat unit price in `unit` (e.g. a TB price asked per GB), converted to the model currency."""
        entry, fx = self.price(id, region=region, site=site)
        if entry.is_tiered:
            raise ValueError(f"{id} is tiered; use tiered()")
        if entry.unit == "hour" and unit == "month":
            return flat_price(entry) * HOURS_PER_MONTH * fx, PriceRef.of(entry)
        return flat_price(entry.in_unit(unit)) * fx, PriceRef.of(entry)

    def inter_region(self, source: str, destination: str | None) -> tuple[float, PriceRef]:
        """$/GB from `source` to `destination`: the pair's own rate where AWS prices it apart, else the source's
        usual rate (Catalog.inter_region), in the model currency."""
        entry = self.catalog.inter_region(source, destination)
        return flat_price(entry.in_unit("GB")) * self.catalog.fx_rate(entry.currency, self.currency), PriceRef.of(entry)

    def tiered(
        self,
        id: str,
        quantity: np.ndarray,
        unit: str,
        *,
        region: str | None = None,
        site: str | None = None,
        offset: Any = 0.0,
        allowance: Any = 0.0,
    ) -> tuple[np.ndarray, PriceRef]:
        entry, fx = self.price(id, region=region, site=site)
        cost = tiered_cost(quantity, entry.in_unit(unit).tier_pairs(), offset, allowance=allowance)
        return np.asarray(cost, dtype=float) * fx, PriceRef.of(entry)

    def parameter(self, id: str, candidate: str | None = None) -> float:
        return self.catalog.parameter(id).value(candidate)

    def assumption_or_parameter(self, name: str) -> Drawn:
        """An assumption the scenario set, else its catalog parameter's low/base/high range, resolved."""
        value: Drawn | None = getattr(self.a, name)
        if value is not None:
            return value
        low, mid, high = self.catalog.parameter(CATALOG_PARAMETERS[name]).low_base_high()
        return self.a.resolve(name, Range(low=low, base=mid, high=high))


def flat_price(entry: PriceEntry) -> float:
    """The price of a flat (untiered) entry; the catalog gives each entry exactly one of price and tiers."""
    if entry.price is None:
        raise ValueError(f"{entry.id} is tiered; use tiered()")
    return float(entry.price)


def first(x: np.ndarray | float) -> float:
    """Month-1 value of the base case (the mean over draws under Monte Carlo), for explain lines."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    return float(np.mean(arr[..., 0]))


def over_months(x: Drawn, months: np.ndarray) -> np.ndarray:
    """Broadcast a per-month constant (scalar or (draws, 1)) to the months axis."""
    return np.asarray(x, dtype=float) * np.ones_like(months)
