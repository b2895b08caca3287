"""The catalog file format: what a well-formed price is, and the conversions an entry offers."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from analysis.pricing.catalog_format import CatalogFile, PriceEntry, Tier


def _entry(**over: object) -> PriceEntry:
    fields: dict[str, object] = {
        "id": "aws.transfer.internet_out",
        "region": "us-east-1",
        "unit": "GB",
        "currency": "USD",
        "price": 0.09,
        "source": "https://aws.amazon.com/ec2/pricing/on-demand/",
        "as_of": date(2026, 11, 1),
    }
    return PriceEntry.model_validate(fields | over)


def test_a_price_is_either_flat_or_tiered_and_either_regional_or_per_site():
    with pytest.raises(ValidationError, match="exactly one of 'price' or 'tiers'"):
        _entry(tiers=[{"up_to": 10, "price": 0.1}, {"up_to": None, "price": 0.05}])
    with pytest.raises(ValidationError, match="exactly one of 'region'"):
        _entry(site="hetzner-fsn1")


def test_a_range_must_hold_its_price():
    with pytest.raises(ValidationError, match=r"must lie within range \[0.1, 0.2\]"):
        _entry(range={"low": 0.1, "high": 0.2})


def test_tiers_are_summarised_as_people_read_them():
    tiered = _entry(price=None, tiers=[Tier(up_to=10240, price=0.09), Tier(up_to=None, price=0.085)])
    assert tiered.tier_summary() == "0–10240 @0.09; >10240 @0.085"
    assert _entry().tier_summary() == "0.09"


def test_a_price_per_tb_month_is_the_same_price_per_gb_month():
    # 23.552 USD per TB-month / 1024 GB per TB = 0.023 USD per GB-month
    per_tb = _entry(id="aws.s3.standard", unit="TB-month", price=23.552)
    assert per_tb.in_unit("GB-month").price == pytest.approx(0.023)
    assert per_tb.in_unit("TB-month") is per_tb


def test_a_file_needs_its_version_and_nothing_unknown():
    assert CatalogFile.model_validate({"catalog_version": 1}).prices == ()
    with pytest.raises(ValidationError):
        CatalogFile.model_validate({"prices": []})
    with pytest.raises(ValidationError):
        CatalogFile.model_validate({"catalog_version": 1, "price": []})
