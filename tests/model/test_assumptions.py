"""Assumptions as a scenario file states them: ranges in order, consumer shares adding up to 1, and the draws
the uncertainty stage takes from a range (its bounds, its base when there is nothing to draw)."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from analysis.model.assumptions import Assumptions, Range, Share, base, draws


def test_a_range_out_of_order_is_refused_with_its_values():
    with pytest.raises(pydantic.ValidationError, match="expected low ≤ base ≤ high, got 3.0, 1.0, 2.0"):
        Range(low=3, base=1, high=2)


def test_consumer_shares_must_add_up_to_one():
    with pytest.raises(pydantic.ValidationError, match=r"base values add up to 1\.1"):
        Share(same_region=0.8, other_region=0.1, internet=0.1, other_cloud=0.1)
    # A range counts by its base value: 0.7 + 0.1 + 0.1 + 0.1 = 1.
    Share(same_region=Range(low=0.5, base=0.7, high=0.9), other_region=0.1, internet=0.1, other_cloud=0.1)


def test_the_default_shares_add_up_to_one():
    s = Assumptions().consumers
    assert base(s.same_region) + base(s.other_region) + base(s.internet) + base(s.other_cloud) == pytest.approx(1.0)


def test_unknown_assumptions_are_refused():
    with pytest.raises(pydantic.ValidationError, match="horizon_month"):
        Assumptions(horizon_month=12)


def test_draws_stay_within_the_range_and_reproduce():
    r = Range(low=1, base=2, high=4, dist="uniform")
    a = draws(r, 1000, np.random.default_rng(7))
    b = draws(r, 1000, np.random.default_rng(7))
    assert a.shape == (1000,)
    assert a.min() >= 1 and a.max() <= 4
    assert np.array_equal(a, b)
    pert = draws(Range(low=0, base=0.9, high=1, dist="pert"), 2000, np.random.default_rng(1))
    # PERT: α = 1 + 4 × 0.9 = 4.6, β = 1 + 4 × 0.1 = 1.4; mean α / (α + β) = (0 + 4 × 0.9 + 1) / 6 = 0.767
    assert np.mean(pert) == pytest.approx(0.767, abs=0.01)


def test_no_draws_give_the_base_value():
    assert draws(Range(low=1, base=2, high=4), None, None) == 2
    assert draws(Range(low=2, base=2, high=2), 10, np.random.default_rng(0)) == 2  # nothing to draw
    assert draws(3.5, 10, np.random.default_rng(0)) == 3.5
