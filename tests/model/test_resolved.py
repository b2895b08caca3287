"""Resolved assumptions: what the cost models read for each assumption, for the estimate and under Monte Carlo."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions, Range, Share
from analysis.model.costs import Ctx
from analysis.model.resolved import ResolvedAssumptions
from analysis.pricing import load_catalog


def test_every_assumption_has_a_typed_field():
    fields = {f.name for f in dataclasses.fields(ResolvedAssumptions)} - {"sampler"}
    assert fields == set(Assumptions.model_fields)


def test_the_estimate_reads_the_base_of_a_range_and_a_plain_number_as_given():
    a = ResolvedAssumptions.of(Assumptions())
    assert a.layer_cache_hit_ratio == 0.6  # default Range(low=0.3, base=0.6, high=0.85)
    assert a.cross_az_share == 0.67  # default plain number
    assert a.vpc_endpoints == "s3-gateway"  # a choice passes through
    assert a.horizon_months == 36
    assert a.ops_hours_month is None  # None: the catalog parameter stands in (below)
    assert (a.consumers.same_region, a.consumers.internet) == (0.75, 0.15)


def test_a_scenario_value_takes_precedence_over_the_default():
    a = ResolvedAssumptions.of(
        Assumptions(storage_growth_factor=2.0, layer_cache_hit_ratio=Range(low=0.1, base=0.2, high=0.3))
    )
    assert a.storage_growth_factor == 2.0  # default base 1.0
    assert a.layer_cache_hit_ratio == 0.2  # default base 0.6


def test_a_catalog_parameter_fills_an_unset_assumption_and_a_set_one_wins():
    catalog = load_catalog(None)
    months = np.arange(1.0, 13.0)
    unset = Ctx(catalog, ResolvedAssumptions.of(Assumptions()), months)
    # labour.yaml harbor.ops.hours_per_month: low 4, base 10, high 20 → the estimate reads the base
    assert unset.assumption_or_parameter("ops_hours_month") == 10.0
    set_ = Ctx(catalog, ResolvedAssumptions.of(Assumptions(ops_hours_month=6.0)), months)
    assert set_.assumption_or_parameter("ops_hours_month") == 6.0


def test_monte_carlo_draws_stay_in_range_and_repeat_for_the_same_seed():
    n = 400
    a = ResolvedAssumptions.of(Assumptions(), n=n, rng=3)
    drawn = np.asarray(a.layer_cache_hit_ratio)
    assert drawn.shape == (n, 1)  # broadcasts against the months axis
    assert drawn.min() >= 0.3 and drawn.max() <= 0.85
    assert a.cross_az_share == 0.67  # a plain number is not drawn
    # Common random numbers: another scenario that changes a different assumption draws the same values here.
    other = ResolvedAssumptions.of(Assumptions(storage_growth_factor=2.0), n=n, rng=3)
    assert np.array_equal(np.asarray(other.layer_cache_hit_ratio), drawn)


def test_drawn_shares_add_up_to_one_in_every_draw():
    shares = Share(
        same_region=Range(low=0.6, base=0.75, high=0.85),
        other_region=0.05,
        internet=Range(low=0.05, base=0.15, high=0.3),
        other_cloud=0.05,
    )
    c = ResolvedAssumptions.of(Assumptions(consumers=shares), n=200, rng=1).consumers
    total = np.asarray(c.same_region) + c.other_region + c.internet + c.other_cloud
    assert np.allclose(total, 1.0)


def test_assumptions_are_frozen():
    a = ResolvedAssumptions.of(Assumptions())
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.storage_growth_factor = 3.0  # type: ignore[misc]  # the point of the test: assignment is refused
