"""Monte Carlo and tornado: reproducible, ordered percentiles, and a tornado whose order is computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions, Range
from analysis.model.ecr import RegionUsage
from analysis.model.inputs import ModelInput
from analysis.model.scenarios import Scenario, load_scenarios, pick
from analysis.model.uncertainty import simulate, tornado
from analysis.pricing import load_catalog

CATALOG = load_catalog()


def _usage(standard_gb=1000.0, untagged_gb=200.0, growth=10.0, pull_gb=0.0) -> ModelInput:
    one = np.array
    usage = RegionUsage(
        regions=["us-east-1"],
        standard_gb=one([standard_gb]),
        archive_gb=one([0.0]),
        growth_gb_month=one([growth]),
        untagged_gb=one([untagged_gb]),
        never_pulled_gb=one([0.0]),
        pull_gb_month=one([pull_gb]),
        pull_through_cache_gb=one([0.0]),
        replication_gb_month=one([0.0]),
        scanned_pushes_month=one([0.0]),
        scanned_tagged_images=one([0.0]),
    )
    return ModelInput(usage, standard_gb * 0.8, growth, 10, {"us-east-1": standard_gb * 0.8}, "usage file")


def _demo_scenarios():
    return pick(load_scenarios(), None)


def test_same_seed_same_result_other_seed_other_draws():
    inp = _usage(pull_gb=5000.0)
    scenarios = _demo_scenarios()
    shared = scenarios[0].assumptions
    a = simulate(inp, scenarios, CATALOG, shared, draws=2000, seed=7, with_tornado=False)
    b = simulate(inp, scenarios, CATALOG, shared, draws=2000, seed=7, with_tornado=False)
    c = simulate(inp, scenarios, CATALOG, shared, draws=2000, seed=8, with_tornado=False)
    assert a == b
    assert a.scenarios[0].horizon_tco != c.scenarios[0].horizon_tco


def test_percentiles_are_ordered_every_month():
    inp = _usage(pull_gb=5000.0)
    scenarios = _demo_scenarios()
    u = simulate(inp, scenarios, CATALOG, scenarios[0].assumptions, draws=3000, seed=1, with_tornado=False)
    for s in u.scenarios:
        for band in (s.monthly, s.cumulative):
            assert np.all(np.array(band.p10) <= np.array(band.p50) + 1e-9)
            assert np.all(np.array(band.p50) <= np.array(band.p90) + 1e-9)
        assert s.horizon_tco["p10"] <= s.horizon_tco["p50"] <= s.horizon_tco["p90"]
        if s.p_beats_baseline is not None:
            assert 0.0 <= s.p_beats_baseline <= 1.0


def test_the_median_sits_near_the_base_case():
    inp = _usage(pull_gb=5000.0)
    scenarios = _demo_scenarios()
    u = simulate(inp, scenarios, CATALOG, scenarios[0].assumptions, draws=20000, seed=3, with_tornado=False)
    ecr = u.scenarios[0]
    # storage is certain here but for its growth factor (0.5–1.5, mode 1); the transfer ranges are asymmetric
    # around their base, so only require the median within 15 % of the mean
    assert ecr.horizon_tco["p50"] == pytest.approx(ecr.horizon_tco["mean"], rel=0.15)


def test_tornado_order_matches_a_hand_computation():
    horizon = Assumptions(horizon_months=12, private_subnet_share=0.0)
    baseline = Scenario(name="ecr", title="ECR", kind="ecr", assumptions=horizon)
    target = Scenario(
        name="clean",
        title="Clean-up",
        kind="ecr-cleanup",
        assumptions=horizon.model_copy(update={"untagged_cleanup_share": Range(low=0.5, base=0.75, high=1.0)}),
    )
    bars = {b.assumption: b for b in tornado(_usage(), baseline, target, CATALOG, horizon)}
    # Savings = removed untagged GB × $0.10 × 12 months + slower growth: growth 10 GB/month × factor loses the
    # untagged share (200/1000 = 0.2) × cleanup share; its stock at mid-month m is that × (m − 0.5), Σ(m−0.5) = 72.
    # cleanup 0.5 (factor 1): 200×0.5×0.10×12 = 120.00 + 10×0.2×0.5×0.10×72 = 7.20 → 127.20
    # cleanup 1.0 (factor 1): 200×1.0×0.10×12 = 240.00 + 10×0.2×1.0×0.10×72 = 14.40 → 254.40; swing 127.20
    cleanup = bars["untagged_cleanup_share"]
    assert round(cleanup.savings_at_low, 2) == 127.20
    assert round(cleanup.savings_at_high, 2) == 254.40
    # growth factor 0.5 (cleanup 0.75): 200×0.75×0.10×12 = 180.00 + 10×0.5×0.2×0.75×0.10×72 = 5.40 → 185.40
    # growth factor 1.5:                 180.00 + 10×1.5×0.2×0.75×0.10×72 = 16.20 → 196.20; swing 10.80
    growth = bars["storage_growth_factor"]
    assert round(growth.savings_at_low, 2) == 185.40 and round(growth.savings_at_high, 2) == 196.20
    ranked = [b.assumption for b in tornado(_usage(), baseline, target, CATALOG, horizon)]
    assert ranked[:2] == ["untagged_cleanup_share", "storage_growth_factor"]
    # with no pulls, the transfer assumptions move nothing
    assert bars["layer_cache_hit_ratio"].swing == pytest.approx(0.0, abs=1e-9)


def test_common_random_numbers_make_identical_scenarios_tie():
    inp = _usage(pull_gb=5000.0)
    base = _demo_scenarios()[0]
    twin = base.model_copy(update={"name": "twin", "title": "Twin"})
    u = simulate(inp, [base, twin], CATALOG, base.assumptions, draws=2000, seed=5, with_tornado=False)
    # the same assumptions draw the same values in both: never strictly cheaper
    assert u.scenarios[1].p_beats_baseline == 0.0
    assert u.scenarios[1].horizon_tco == u.scenarios[0].horizon_tco


def test_drawn_consumer_shares_still_add_up_to_one():
    from analysis.model.assumptions import Share
    from analysis.model.resolved import ResolvedAssumptions

    shares = Share(
        same_region=Range(low=0.6, base=0.75, high=0.85),
        other_region=0.05,
        internet=Range(low=0.05, base=0.15, high=0.3),
        other_cloud=0.05,
    )
    resolved = ResolvedAssumptions.of(Assumptions(consumers=shares), n=500, rng=11)
    c = resolved.consumers
    total = sum(np.asarray(v) for v in (c.same_region, c.other_region, c.internet, c.other_cloud))
    assert np.allclose(total, 1.0)
    assert np.ptp(resolved.consumers.internet) > 0.05  # still uncertain, only rescaled


def test_savings_percentiles_are_per_draw_and_agree_with_p_beats_baseline():
    inp = _usage(pull_gb=5000.0)
    scenarios = _demo_scenarios()
    u = simulate(inp, scenarios, CATALOG, scenarios[0].assumptions, draws=3000, seed=5, with_tornado=False)
    assert u.scenarios[0].savings is None  # the baseline saves nothing against itself
    for s in u.scenarios[1:]:
        assert s.savings is not None and s.savings["p10"] <= s.savings["p50"] <= s.savings["p90"]
        # P(beats baseline) is the share of draws with savings > 0: it is above 50 % exactly when the median saves
        if s.p_beats_baseline is not None and abs(s.p_beats_baseline - 0.5) > 0.02:
            assert (s.savings["p50"] > 0) == (s.p_beats_baseline > 0.5)


def test_the_tornado_explains_the_scenario_with_the_best_base_case_savings():
    # the one the recommendation names (analysis/model/estimate.py: the largest savings_vs_baseline)
    from analysis.model.uncertainty import _savings

    inp = _usage(pull_gb=5000.0)
    scenarios = _demo_scenarios()
    shared = scenarios[0].assumptions
    u = simulate(inp, scenarios, CATALOG, shared, draws=200, seed=5, with_tornado=False)
    best = max(scenarios[1:], key=lambda s: _savings(inp, scenarios[0], s, CATALOG, shared))
    assert u.tornado_scenario == best.name


def test_the_preset_consumer_split_draws_add_up_to_one_and_centre_on_the_presets():
    from analysis.model.resolved import ResolvedAssumptions

    c = ResolvedAssumptions.of(Assumptions(), n=20_000, rng=3).consumers
    parts = {k: np.asarray(getattr(c, k)).ravel() for k in ("same_region", "other_region", "internet", "other_cloud")}
    assert np.allclose(sum(parts.values()), 1.0)
    # each preset range is symmetric around its base (e.g. internet 0.03–0.15–0.27), so after renormalising the
    # mean stays at the base: the Monte Carlo centres on the deterministic estimate
    for name, preset in (("same_region", 0.75), ("other_region", 0.05), ("internet", 0.15), ("other_cloud", 0.05)):
        assert parts[name].mean() == pytest.approx(preset, abs=0.005), name
    assert np.percentile(parts["internet"], 90) - np.percentile(parts["internet"], 10) > 0.08  # a real range


def test_moving_one_consumer_share_rescales_the_other_three_in_proportion():
    from analysis.model.uncertainty import _with

    high = _with(Assumptions(), "consumers.same_region", 0.95).consumers
    # the other three (0.05, 0.15, 0.05: 0.25 in all) share the 0.05 left: × 0.05 / 0.25 = × 0.2
    assert (high.other_region, high.internet, high.other_cloud) == pytest.approx((0.01, 0.03, 0.01))
    low = _with(Assumptions(), "consumers.internet", 0.03).consumers
    # the other three (0.75, 0.05, 0.05: 0.85) fill 0.97: same_region 0.75 × 0.97 / 0.85 = 0.855882…
    assert low.same_region == pytest.approx(0.75 * 0.97 / 0.85)
    assert low.other_cloud == pytest.approx(0.05 * 0.97 / 0.85)


def test_the_preset_consumer_split_has_a_tornado_bar_for_each_share():
    inp = _usage(pull_gb=5000.0)
    scenarios = {s.name: s for s in _demo_scenarios()}
    bars = {b.assumption: b for b in tornado(inp, scenarios["ecr"], scenarios["hybrid-proxy"], CATALOG, Assumptions())}
    for name in ("consumers.same_region", "consumers.other_region", "consumers.internet", "consumers.other_cloud"):
        assert name in bars, name
    # the proxy cache saves on what leaves AWS: more internet consumers, more savings; more same-region, fewer
    internet, same = bars["consumers.internet"], bars["consumers.same_region"]
    assert internet.savings_at_high > internet.savings_at_low
    assert same.savings_at_high < same.savings_at_low
