"""The grade of each price's source and the catalog parameters an assumption defers to, read from the catalog
files the estimate used (analysis/render/catalog_facts.py)."""

from __future__ import annotations

from pathlib import Path

from analysis.model.result import PriceCitation
from analysis.render.catalog_facts import catalog_facts

_PRICES = """\
catalog_version: 1
prices:
  - {id: site.power, site: site-a, unit: kW-month, currency: EUR, price: 120, source: "https://example.org/power",
     as_of: 2026-11-01, note: "[3P] a colocation quote"}
  - {id: site.rack, site: site-a, unit: month, currency: EUR, price: 900, source: "https://example.org/rack",
     as_of: 2026-11-01, source_kind: provider-bill}
parameters:
  - id: harbor.ops.hours_per_month
    unit: hours-per-month
    basis: assumption
    candidates: {low: {value: 4}, base: {value: 10}, high: {value: 20}}
    default: base
    as_of: 2026-11-26
    note: ASSUMPTION
  - id: harbor.ops.upgrades_per_year
    unit: upgrades-per-year
    basis: assumption
    candidates: {policy: {value: 4.0}, seen: {value: 2.4}}
    default: seen
    as_of: 2026-07-01
    note: ASSUMPTION
"""

# A later file wins, as in load_catalog: the power price's source is now stated.
_OVERRIDE = """\
catalog_version: 1
prices:
  - {id: site.power, site: site-a, unit: kW-month, currency: EUR, price: 130, source: "https://example.org/bill",
     as_of: 2026-12-01, source_kind: provider-bill}
"""


def _cite(id_: str, location: str = "site-a") -> PriceCitation:
    return PriceCitation(
        id=id_, location=location, unit="month", currency="EUR", price_text="1", source="", as_of="2026-11-01"
    )


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_each_price_is_graded_from_its_file(tmp_path: Path):
    facts = catalog_facts([_write(tmp_path, "site.yaml", _PRICES)])
    assert facts.grade(_cite("site.power")) == "third-party"  # from the note's [3P] tag
    assert facts.grade(_cite("site.rack")) == "provider-bill"  # stated
    assert facts.grade(_cite("site.power", "site-b")) == "unstated"  # not in the file for that site


def test_a_later_file_wins(tmp_path: Path):
    files = [_write(tmp_path, "site.yaml", _PRICES), _write(tmp_path, "override.yaml", _OVERRIDE)]
    assert catalog_facts(files).grade(_cite("site.power")) == "provider-bill"


def test_an_assumption_left_to_the_catalog_shows_the_catalogs_range(tmp_path: Path):
    facts = catalog_facts([_write(tmp_path, "site.yaml", _PRICES)])
    assert facts.assumption_value("ops_hours_month") == (10, 4, 20)  # base, low, high
    # not a low/base/high range: the default alone, without bounds
    assert facts.assumption_value("upgrades_per_year") == (2.4, None, None)
    assert facts.assumption_value("hours_per_upgrade") is None  # a catalog parameter this file does not give
    assert facts.assumption_value("horizon_months") is None  # not one the catalog holds


def test_a_file_gone_since_the_estimate_leaves_its_prices_ungraded(tmp_path: Path):
    facts = catalog_facts([str(tmp_path / "moved.yaml"), _write(tmp_path, "broken.yaml", "catalog_version: 9\n")])
    assert facts.grade(_cite("site.power")) == "unstated"
    assert facts.assumption_value("ops_hours_month") is None
