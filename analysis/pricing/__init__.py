"""Prices as data: the catalog (data/pricing/*.yaml plus the user's files), tier arithmetic, Price List refresh.

    from analysis.pricing import load_catalog, tiered_cost
    catalog = load_catalog()                                   # ours, then user files in order
    dto = catalog.get("aws.transfer.internet_out", region="us-east-1")
    cost = tiered_cost(60_000, dto.tier_pairs(), offset=9_000)  # USD, float64

The format, the override rule and every assumption: docs/pricing.md.
"""

from analysis.pricing.catalog import Catalog, free_allowance_applies, load_catalog
from analysis.pricing.catalog_files import read_catalog_file, shipped_dir
from analysis.pricing.catalog_format import CatalogError, CatalogFile, FxRate, Parameter, PriceEntry, PriceNotFound
from analysis.pricing.tiers import free_allowance, tiered_cost

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogFile",
    "FxRate",
    "Parameter",
    "PriceEntry",
    "PriceNotFound",
    "free_allowance",
    "free_allowance_applies",
    "load_catalog",
    "read_catalog_file",
    "shipped_dir",
    "tiered_cost",
]
