"""Projection arithmetic (NPV, cumulative TCO, break-even) and the vectorised cost core under Monte Carlo draws."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions
from analysis.model.costing import scenario_costs
from analysis.model.ecr import RegionUsage
from analysis.model.inputs import ModelInput
from analysis.model.projection import break_even_month, cumulative, monthly_rate, npv
from analysis.model.scenarios import load_scenarios
from analysis.pricing import load_catalog

ONE_PERCENT_A_MONTH = 1.01**12 - 1  # 12.6825 % a year is exactly 1 % a month


def test_monthly_rate_compounds_to_the_annual_one():
    # (1 + r)^(1/12) − 1: twelve months of it give back 8 %, not 8 % / 12 a month
    m = monthly_rate(0.08)
    assert (1 + m) ** 12 == pytest.approx(1.08)
    assert monthly_rate(ONE_PERCENT_A_MONTH) == pytest.approx(0.01)


def test_npv_discounts_month_1_once_and_one_time_costs_not_at_all():
    # month 1 paid at its end: 101 / 1.01 = 100.00 (undiscounted 101, discounted twice 99.01)
    assert round(float(npv(np.array([101.0]), ONE_PERCENT_A_MONTH)), 2) == 100.00
    # 101 / 1.01 + 102.01 / 1.01² = 100 + 100 = 200.00; a 500 one-time cost is paid at month 0: 700.00
    assert round(float(npv(np.array([101.0, 102.01]), ONE_PERCENT_A_MONTH)), 2) == 200.00
    assert round(float(npv(np.array([101.0, 102.01]), ONE_PERCENT_A_MONTH, one_time=500.0)), 2) == 700.00
    # at 8 % a year, 108 paid at the end of month 12 is worth 100.00 today; 116.64 at month 24 too (1.08² = 1.1664)
    year = np.zeros(24)
    year[11] = 108.0
    assert round(float(npv(year, 0.08)), 2) == 100.00
    two = np.zeros(24)
    two[23] = 116.64
    assert round(float(npv(two, 0.08)), 2) == 100.00
    # 100 × 1.01^m each month discounts to 100 a month: 12 months = 1,200.00
    growing = 100.0 * 1.01 ** np.arange(1, 13)
    assert round(float(npv(growing, ONE_PERCENT_A_MONTH)), 2) == 1_200.00


def test_cumulative_counts_one_time_costs_from_month_1():
    # 100 one-time, then 10, 20, 30: 110, 130, 160
    assert cumulative(np.array([10.0, 20.0, 30.0]), 100.0).tolist() == [110.0, 130.0, 160.0]


def test_break_even_month():
    baseline = cumulative(np.full(6, 100.0))  # 100, 200, …, 600
    # 150 up front, then 50 a month: 200, 250, 300 (= baseline 300: even), 350, 400, 450 → month 3
    assert break_even_month(cumulative(np.full(6, 50.0), 150.0), baseline) == 3
    # dips below in months 1 and 3, above in months 2 and 4, below for good from month 5
    dips = np.array([90.0, 210.0, 290.0, 410.0, 450.0, 590.0])
    assert break_even_month(dips, baseline) == 5
    # below in month 1, then above for the rest of the horizon: it never paid back (0)
    climbs = np.array([90.0, 210.0, 310.0, 410.0, 510.0, 610.0])
    assert break_even_month(climbs, baseline) == 0
    # per draw
    both = np.stack([cumulative(np.full(6, 50.0), 150.0), climbs])
    assert break_even_month(both, baseline).tolist() == [3.0, 0.0]


def test_projection_of_draws_broadcasts_one_value_per_draw():
    monthly = np.array([[101.0, 102.01], [0.0, 0.0], [10.0, 10.0]])
    # one-time costs come out of the cost models as (draws, 1) or as (draws,): both mean one per draw
    for one_time in (np.array([[500.0], [0.0], [1.0]]), np.array([500.0, 0.0, 1.0])):
        assert np.shape(npv(monthly, ONE_PERCENT_A_MONTH, one_time)) == (3,)
        # draw 0: 200 + 500 (above); draw 1: 0; draw 2: 1 + 10/1.01 + 10/1.0201 = 1 + 9.90099 + 9.80296
        assert np.round(npv(monthly, ONE_PERCENT_A_MONTH, one_time), 2).tolist() == [700.00, 0.00, 20.70]
        assert cumulative(monthly, one_time).tolist() == [[601.0, 703.01], [0.0, 0.0], [11.0, 21.0]]
    # a discount rate drawn per draw, (draws, 1): draw 0 at 1 % a month, draw 1 and 2 undiscounted
    rates = np.array([[ONE_PERCENT_A_MONTH], [0.0], [0.0]])
    assert np.round(npv(monthly, rates), 2).tolist() == [200.00, 0.00, 20.00]


# -- the vectorised core ----------------------------------------------------------------------------------


def _input() -> ModelInput:
    one = np.ones(1)
    usage = RegionUsage(
        regions=["us-east-1"],
        standard_gb=1_000.0 * one,
        archive_gb=0 * one,
        growth_gb_month=20.0 * one,
        untagged_gb=0 * one,
        never_pulled_gb=0 * one,
        pull_gb_month=20_000.0 * one,
        pull_through_cache_gb=0 * one,
        replication_gb_month=0 * one,
        scanned_pushes_month=0 * one,
        scanned_tagged_images=0 * one,
    )
    return ModelInput(usage, 1_000.0, 20.0, 120, {"us-east-1": 1_000.0}, "usage file")


@pytest.fixture(scope="module")
def presets():
    return load_scenarios()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_scenario_costs_over_1000_draws(presets, catalog):
    shared = Assumptions(horizon_months=24)
    draws = scenario_costs(presets["ecr"], _input(), catalog, shared, n=1000, rng=np.random.default_rng(2026))
    base = scenario_costs(presets["ecr"], _input(), catalog, shared)
    assert draws.monthly_total().shape == (1000, 24)
    assert base.monthly_total().shape == (24,)
    for line in draws.lines:
        assert np.shape(line.monthly) == (1000, 24), line.component
    # the mean over draws is near the base case …
    mean, point = draws.monthly_total().mean(axis=0), base.monthly_total()
    assert np.allclose(mean, point, rtol=0.05)
    # … and where it should differ, it differs as the ranges say: egress scales with 1 − layer-cache hit ratio,
    # triangular(0.3, 0.6, 0.85) has mean 1.75 / 3 = 0.58333, so the mean egress is (1 − 0.58333) / (1 − 0.6)
    # = 1.0417 × the base case (out stays in the first tier: 20,000 × 0.4 × 0.2 = 1,600 GB, linear)
    name = "Data transfer out to the internet"
    ratio = np.mean([ln for ln in draws.lines if ln.component == name][0].monthly) / np.mean(
        [ln for ln in base.lines if ln.component == name][0].monthly
    )
    assert ratio == pytest.approx(1.0417, abs=0.03)


def test_a_selfhosted_scenario_over_draws_sums_lines_with_and_without_draws(presets, catalog):
    shared = Assumptions(horizon_months=12)
    got = scenario_costs(presets["harbor-eu-cloud"], _input(), catalog, shared, n=1000, rng=np.random.default_rng(7))
    # compute does not vary (no range in it) and is (12,); every other line varies and is (1000, 12)
    assert got.monthly_total().shape == (1000, 12)
    one_time = got.one_time_total()
    assert np.shape(cumulative(got.monthly_total(), one_time)) == (1000, 12)
    assert np.shape(npv(got.monthly_total(), 0.08, one_time)) == (1000,)
    base = scenario_costs(presets["harbor-eu-cloud"], _input(), catalog, shared)
    p10, p90 = np.percentile(got.monthly_total()[:, 0], [10, 90])
    assert p10 < base.monthly_total()[0] < p90
