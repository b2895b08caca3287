"""Projection arithmetic over a horizon: totals, cumulative TCO, break-even month, NPV.

Arrays are shaped (..., months): a leading axis of Monte Carlo draws broadcasts through unchanged.
"""

from __future__ import annotations

import numpy as np


def monthly_rate(annual_rate: float | np.ndarray) -> np.ndarray:
    """Effective monthly discount rate equivalent to an annual one: (1 + r)^(1/12) − 1."""
    return np.power(1.0 + np.asarray(annual_rate, dtype=float), 1.0 / 12.0) - 1.0


def _per_draw(x: float | np.ndarray, ndim: int) -> np.ndarray:
    """One value per draw, given as a scalar, (draws,) or (draws, 1) as the cost models resolve assumptions,
    shaped to broadcast against costs of `ndim` dimensions (..., months)."""
    arr = np.asarray(x, dtype=float)
    return arr if arr.ndim == ndim else np.expand_dims(arr, -1)


def npv(monthly_costs: np.ndarray, annual_rate: float | np.ndarray, one_time: float | np.ndarray = 0.0) -> np.ndarray:
    """Present value of month-end costs (month 1 discounted once) plus one-time costs paid at month 0."""
    costs = np.asarray(monthly_costs, dtype=float)
    months = np.arange(1, costs.shape[-1] + 1)
    r = _per_draw(monthly_rate(annual_rate), costs.ndim)
    factors = np.power(1.0 + r, -months)
    return (costs * factors).sum(axis=-1) + _per_draw(one_time, costs.ndim)[..., 0]


def cumulative(monthly_costs: np.ndarray, one_time: float | np.ndarray = 0.0) -> np.ndarray:
    """Cumulative cost at the end of each month, one-time costs counted in month 1."""
    costs = np.asarray(monthly_costs, dtype=float)
    return np.cumsum(costs, axis=-1) + _per_draw(one_time, costs.ndim)


def break_even_month(candidate_cumulative: np.ndarray, baseline_cumulative: np.ndarray) -> np.ndarray:
    """First month (1-based) from which the candidate's cumulative cost stays at or below the baseline's.

    "Stays" matters: a scenario that dips below the baseline once and climbs back has not paid back.
    Returns 0 where it never breaks even within the horizon (a float array for draws).
    """
    cand = np.asarray(candidate_cumulative, dtype=float)
    base = np.asarray(baseline_cumulative, dtype=float)
    ahead = cand <= base + 1e-9
    # months from which every later month is also ahead: reverse cumulative AND
    stays = np.flip(np.logical_and.accumulate(np.flip(ahead, axis=-1), axis=-1), axis=-1)
    n = stays.shape[-1]
    first = np.where(stays.any(axis=-1), n - stays.sum(axis=-1) + 1, 0)
    return first.astype(float)
