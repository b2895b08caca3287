"""Tier arithmetic against hand-computed bills (to the cent), scalar and vectorised."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.pricing import free_allowance, load_catalog, tiered_cost

# AWS internet egress tiers (GB per month): first 10 TB @0.09, next 40 TB @0.085, next 100 TB @0.07, rest @0.05.
DTO = [(10_240, 0.09), (51_200, 0.085), (153_600, 0.07), (None, 0.05)]
CENT = 0.005


def test_60000_gb_egress_no_offset() -> None:
    # 10240 x 0.09 + 40960 x 0.085 + 8800 x 0.07 = 921.60 + 3481.60 + 616.00 = 5019.20
    assert tiered_cost(60_000, DTO) == pytest.approx(5019.20, abs=CENT)


def test_offset_shifts_the_workload_up_the_tiers() -> None:
    # Other egress of 9,000 GB fills [0, 9000); ours is [9000, 69000):
    # (10240 - 9000) x 0.09 + 40960 x 0.085 + (69000 - 51200) x 0.07
    # = 1240 x 0.09 + 3481.60 + 17800 x 0.07 = 111.60 + 3481.60 + 1246.00 = 4839.20
    assert tiered_cost(60_000, DTO, offset=9_000) == pytest.approx(4839.20, abs=CENT)


def test_offset_beyond_all_finite_tiers_prices_everything_at_the_last_rate() -> None:
    # Other egress 200,000 GB > 153,600: all 1,000 GB at 0.05 = 50.00
    assert tiered_cost(1_000, DTO, offset=200_000) == pytest.approx(50.00, abs=CENT)


def test_workload_plus_other_usage_equals_the_account_bill() -> None:
    # The account's bill is the same whichever way it is split: cost(a) + cost(b after a) = cost(a + b).
    account = tiered_cost(69_000, DTO)
    split = tiered_cost(9_000, DTO) + tiered_cost(60_000, DTO, offset=9_000)
    assert split == pytest.approx(account, abs=1e-9)
    # 9000 x 0.09 = 810.00; 810.00 + 4839.20 = 5649.20
    assert account == pytest.approx(5649.20, abs=CENT)


def test_array_of_quantities() -> None:
    quantities = np.array([0.0, 100.0, 10_240.0, 60_000.0, 200_000.0])
    # 0; 100 x 0.09 = 9.00; 10240 x 0.09 = 921.60; 5019.20 (above);
    # 200000: 921.60 + 3481.60 + 102400 x 0.07 (7168.00) + 46400 x 0.05 (2320.00) = 13891.20
    expected = np.array([0.0, 9.00, 921.60, 5019.20, 13_891.20])
    got = tiered_cost(quantities, DTO)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == (5,)
    np.testing.assert_allclose(got, expected, atol=CENT)


def test_quantities_and_offsets_broadcast() -> None:
    quantities = np.array([60_000.0, 1_000.0])  # one row per workload
    offsets = np.array([[0.0], [9_000.0]])  # one column per account scenario
    got = tiered_cost(quantities, DTO, offset=offsets)
    assert got.shape == (2, 2)
    # [0, 0]: 5019.20; [1, 0]: 4839.20 (above)
    # [0, 1]: 1000 x 0.09 = 90.00; [1, 1]: 1000 GB in [9000, 10000) still tier 1 -> 90.00
    np.testing.assert_allclose(got, [[5019.20, 90.00], [4839.20, 90.00]], atol=CENT)


def test_price_draws_broadcast_with_quantities() -> None:
    # Monte Carlo over the first-tier price: 0.08 and 0.10 for 1,000 GB -> 80.00 and 100.00
    draws = np.array([0.08, 0.10])
    tiers = [(10_240, draws), (None, 0.05)]
    np.testing.assert_allclose(tiered_cost(1_000, tiers), [80.00, 100.00], atol=CENT)


def test_zero_quantity_costs_nothing_at_any_offset() -> None:
    assert tiered_cost(0, DTO) == 0.0
    assert tiered_cost(0, DTO, offset=123_456) == 0.0
    np.testing.assert_array_equal(tiered_cost(np.zeros(3), DTO, offset=np.array([0, 1e4, 1e6])), np.zeros(3))


def test_scalar_in_scalar_out() -> None:
    cost = tiered_cost(100, DTO)
    assert isinstance(cost, np.float64)
    assert cost == pytest.approx(9.00, abs=CENT)  # 100 x 0.09


def test_flat_price_is_one_open_tier() -> None:
    # ECR storage 1,234.5 GB-month x 0.10 = 123.45
    assert tiered_cost(1_234.5, [(None, 0.10)]) == pytest.approx(123.45, abs=CENT)


def test_free_allowance_off_and_on() -> None:
    # Off: 60,000 GB -> 5019.20 (above).
    assert tiered_cost(60_000, DTO, allowance=0) == pytest.approx(5019.20, abs=CENT)
    # On, 100 GB free before the tiers: tiers now start at 100 GB, so 59,900 GB are billed
    # 10240 x 0.09 + 40960 x 0.085 + (59900 - 51200) x 0.07 = 921.60 + 3481.60 + 8700 x 0.07 (609.00) = 5012.20
    assert tiered_cost(60_000, DTO, allowance=100) == pytest.approx(5012.20, abs=CENT)
    # 1 GB free (ECR page copy): 59,999 GB billed: 921.60 + 3481.60 + 8799 x 0.07 (615.93) = 5019.13
    assert tiered_cost(60_000, DTO, allowance=1) == pytest.approx(5019.13, abs=CENT)


def test_free_allowance_is_used_up_by_other_usage_first() -> None:
    # Other egress 60 GB uses 60 of the 100 free GB; our 100 GB: 40 free, 60 billed at 0.09 = 5.40
    assert tiered_cost(100, DTO, offset=60, allowance=100) == pytest.approx(5.40, abs=CENT)
    assert free_allowance(100, 100, offset=60) == pytest.approx(60.0)
    # Other egress 500 GB has used it all: our 100 GB billed in full = 9.00
    assert tiered_cost(100, DTO, offset=500, allowance=100) == pytest.approx(9.00, abs=CENT)
    assert free_allowance(100, 100, offset=500) == pytest.approx(100.0)


def test_free_allowance_switch_as_an_array() -> None:
    # A scenario axis: allowance off (0) and on (100) for 50 GB: 50 x 0.09 = 4.50, and 0.00
    got = tiered_cost(50, DTO, allowance=np.array([0.0, 100.0]))
    np.testing.assert_allclose(got, [4.50, 0.00], atol=CENT)
    np.testing.assert_allclose(free_allowance(np.array([50.0, 150.0]), 100), [0.0, 50.0])


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="quantity"):
        tiered_cost(-1, DTO)
    with pytest.raises(ValueError, match="offset"):
        tiered_cost(1, DTO, offset=np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="last tier"):
        tiered_cost(1, [(10, 0.1), (20, 0.2)])
    with pytest.raises(ValueError, match="above the previous bound"):
        tiered_cost(1, [(10, 0.1), (5, 0.2), (None, 0.3)])


def test_shipped_catalog_tiers_feed_tiered_cost() -> None:
    dto = load_catalog().get("aws.transfer.internet_out", region="us-east-1")
    # Same arithmetic as the first test, through the catalog: 5019.20
    assert tiered_cost(60_000, dto.tier_pairs()) == pytest.approx(5019.20, abs=CENT)
    # S3 Standard us-east-1, 60,000 GB-month: 51200 x 0.023 + 8800 x 0.022 = 1177.60 + 193.60 = 1371.20
    s3 = load_catalog().get("aws.s3.standard", region="us-east-1")
    assert tiered_cost(60_000, s3.tiers) == pytest.approx(1371.20, abs=CENT)
