"""The shared pieces of the cost models: assumptions resolved to numbers or draws, prices converted to the unit
and currency asked for, month-1 figures for `--explain`."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions, Range, Share
from analysis.model.costs import Ctx, first, over_months
from analysis.model.resolved import ResolvedAssumptions
from analysis.pricing import load_catalog

MONTHS = np.arange(1.0, 4.0)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_the_estimate_reads_base_values():
    a = ResolvedAssumptions.of(Assumptions(dual_run_months=Range(low=1, base=2, high=4)))
    assert a.dual_run_months == 2
    assert a.consumers.same_region == 0.75  # a Share becomes its parts as numbers


def test_monte_carlo_draws_one_column_per_draw_and_the_same_draws_in_every_scenario():
    assumptions = Assumptions(dual_run_months=Range(low=1, base=2, high=4))
    a, b = ResolvedAssumptions.of(assumptions, 500, 42), ResolvedAssumptions.of(assumptions, 500, 42)
    assert a.dual_run_months.shape == (500, 1)  # broadcasts against the months axis
    assert np.array_equal(a.dual_run_months, b.dual_run_months)  # common random numbers
    assert a.dual_run_months.min() >= 1 and a.dual_run_months.max() <= 4


def test_drawn_shares_still_add_up_to_one():
    shares = Share(same_region=Range(low=0.5, base=0.75, high=0.9), other_region=0.05, internet=0.15, other_cloud=0.05)
    a = ResolvedAssumptions.of(Assumptions(consumers=shares), 200, 3)
    c = a.consumers
    total = sum(np.asarray(v, dtype=float) for v in (c.same_region, c.other_region, c.internet, c.other_cloud))
    assert np.allclose(total, 1.0)


def test_flat_prices_in_the_unit_asked(catalog):
    ctx = Ctx(catalog, ResolvedAssumptions.of(Assumptions()), MONTHS)
    # an hourly price asked per month: $0.01 × 730 h = $7.30
    rate, ref = ctx.flat("aws.vpce.interface.hourly", "month", region="us-east-1")
    assert rate == pytest.approx(7.30)
    assert ref.id == "aws.vpce.interface.hourly"
    assert ref.location == "us-east-1"
    with pytest.raises(ValueError, match="aws.transfer.internet_out is tiered; use tiered()"):
        ctx.flat("aws.transfer.internet_out", "GB", region="us-east-1")


def test_tiered_prices(catalog):
    ctx = Ctx(catalog, ResolvedAssumptions.of(Assumptions()), MONTHS)
    # us-east-1 internet out: first 10 TB at $0.09/GB; 100 GB → $9.00; already 10,200 GB out this month:
    # the next 100 GB are 40 at $0.09 + 60 at $0.085 = 3.60 + 5.10 = $8.70
    cost, _ = ctx.tiered("aws.transfer.internet_out", np.asarray(100.0), "GB", region="us-east-1")
    assert float(cost) == pytest.approx(9.0)
    cost, _ = ctx.tiered("aws.transfer.internet_out", np.asarray(100.0), "GB", region="us-east-1", offset=10_200)
    assert float(cost) == pytest.approx(8.70)


def test_first_is_month_one_of_the_base_case():
    assert first(5.0) == 5.0
    assert first(np.array([3.0, 4.0])) == 3.0
    assert first(np.array([[1.0, 9.0], [3.0, 9.0]])) == 2.0  # the mean over draws of month 1


def test_over_months_broadcasts_a_constant():
    assert over_months(2.0, MONTHS).tolist() == [2.0, 2.0, 2.0]
    assert over_months(np.array([[1.0], [2.0]]), MONTHS).shape == (2, 3)
