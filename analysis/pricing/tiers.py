"""Tiered-price arithmetic, vectorised: quantities, offsets, allowances and prices may be arrays of draws.

A tier list is a sequence of (up_to, price): `price` applies to the quantity between the previous tier's
`up_to` (0 for the first) and this `up_to`; the last tier has `up_to` None (or inf) and takes the rest.
Bounds are cumulative quantities in the price's unit per billing month, e.g. GB of egress:
10240, 51200, 153600, None.

AWS aggregates data-transfer-out tiers across the whole account (ecr-facts.md §1.2: "aggregated with other
outbound data transfer across multiple services, and rate tiers will apply"), so a workload's bytes do not
start at tier 0: `offset` is the account's other usage in the same tiers that month, consumed first. The
price-list tier description ("first 10 TB / month data transfer out beyond the global free tier") places
a free allowance before the first tier; `allowance` models that, also consumed by the other usage first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Money = np.float64 | NDArray[np.float64]


def _pairs(tiers: Sequence[Any]) -> list[tuple[float, NDArray[np.float64]]]:
    """Normalise tiers to (upper bound as float, price as array) and check their shape."""
    if len(tiers) == 0:
        raise ValueError("tiers: expected at least one tier")
    out: list[tuple[float, NDArray[np.float64]]] = []
    previous = 0.0
    for i, tier in enumerate(tiers):
        if hasattr(tier, "up_to") and hasattr(tier, "price"):
            up_to, price = tier.up_to, tier.price
        else:
            up_to, price = tier
        bound = np.inf if up_to is None else float(up_to)
        last = i == len(tiers) - 1
        if last and bound != np.inf:
            raise ValueError(f"tiers[{i}]: the last tier must be open-ended (up_to None), got {up_to}")
        if not last and (bound == np.inf or bound <= previous):
            raise ValueError(f"tiers[{i}]: up_to must be finite and above the previous bound {previous:g}, got {up_to}")
        price_arr = np.asarray(price, dtype=np.float64)
        if np.any(~np.isfinite(price_arr)) or np.any(price_arr < 0):
            raise ValueError(f"tiers[{i}]: price must be finite and >= 0")
        out.append((bound, price_arr))
        previous = bound
    return out


def _non_negative(name: str, value: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (and not NaN)")
    return arr


def tiered_cost(
    quantity: ArrayLike,
    tiers: Sequence[Any],
    offset: ArrayLike = 0.0,
    *,
    allowance: ArrayLike = 0.0,
) -> Money:
    """Cost of `quantity` priced by `tiers`, placed after `offset` of other usage (and a free `allowance`).

    quantity, offset, allowance and each tier's price broadcast against each other (numpy rules), so one
    call prices every repository, month or Monte Carlo draw at once. Returns float64: a numpy scalar for
    scalar inputs, else an array of the broadcast shape. The loop runs over the handful of tiers only.

    The account's usage fills positions [0, offset) then this workload [offset, offset + quantity); the
    first `allowance` units are free and tier bounds count from the end of the allowance.
    """
    q = _non_negative("quantity", quantity)
    off = _non_negative("offset", offset)
    free = _non_negative("allowance", allowance)
    if np.any(np.isinf(q)) or np.any(np.isinf(off)):
        raise ValueError("quantity and offset must be finite")
    start = off
    end = off + q
    total = np.zeros(np.broadcast_shapes(q.shape, off.shape, free.shape), dtype=np.float64)
    lower = free  # tier 0 starts where the free allowance ends
    for bound, price in _pairs(tiers):
        upper = free + bound
        in_tier = np.clip(np.minimum(end, upper) - np.maximum(start, lower), 0.0, None)
        total = total + in_tier * price  # not +=: a price array may widen the broadcast shape
        lower = upper
    return total[()] if total.ndim == 0 else total


def free_allowance(quantity: ArrayLike, allowance: ArrayLike, offset: ArrayLike = 0.0) -> Money:
    """The billable part of `quantity` after a free `allowance` of which `offset` was already used.

    With an account-wide allowance (AWS's 100 GB/month free data transfer out) the account's other usage
    (`offset`) draws on it first, so only what is left of it reaches this workload.
    """
    q = _non_negative("quantity", quantity)
    free = _non_negative("allowance", allowance)
    off = _non_negative("offset", offset)
    remaining = np.maximum(free - off, 0.0)
    billable = np.maximum(q - remaining, 0.0)
    return billable[()] if billable.ndim == 0 else billable
