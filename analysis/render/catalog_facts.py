"""What the report says about the prices beyond their citation: the grade of each price's source and the values
of the catalog parameters an assumption defers to ("catalog").

Read from the very catalog files the estimate used (`EstimateResult.catalog_files`), through the catalog's own
API, later files winning as they do in `load_catalog`. Once the result carries `source_kind` on each price
citation (`PriceCitation.source_kind`), that wins and the file is not needed for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analysis.model.assumptions import CATALOG_PARAMETERS
from analysis.model.result import PriceCitation
from analysis.pricing.catalog import CatalogError, read_catalog_file
from analysis.render.wording import grade_of


@dataclass(frozen=True)
class CatalogFacts:
    grades: dict[tuple[str, str], str] = field(default_factory=dict)  # (id, location) → grade (wording.GRADES)
    parameters: dict[str, tuple[float, float | None, float | None]] = field(default_factory=dict)  # id → base, lo, hi

    def grade(self, p: PriceCitation) -> str:
        stated = getattr(p, "source_kind", None)  # the result's own, once it carries one
        return stated or self.grades.get((p.id, p.location), "unstated")

    def assumption_value(self, name: str) -> tuple[float, float | None, float | None] | None:
        """(base, low, high) of the catalog parameter an assumption left to the catalog, if it is one."""
        parameter = CATALOG_PARAMETERS.get(name)
        return self.parameters.get(parameter) if parameter else None


@lru_cache(maxsize=8)
def _read(files: tuple[str, ...]) -> CatalogFacts:
    grades: dict[tuple[str, str], str] = {}
    parameters: dict[str, tuple[float, float | None, float | None]] = {}
    for name in files:
        try:
            doc = read_catalog_file(Path(name))
        except (CatalogError, OSError):  # a file moved since the estimate: its prices are shown ungraded
            continue
        for e in doc.prices:
            grades[(e.id, e.location)] = grade_of(e.source_kind, e.note)
        for p in doc.parameters:
            try:
                low, base, high = p.low_base_high()
                parameters[p.id] = (base, low, high)
            except CatalogError:
                parameters[p.id] = (p.value(), None, None)
    return CatalogFacts(grades, parameters)


def catalog_facts(catalog_files: list[str]) -> CatalogFacts:
    return _read(tuple(catalog_files))
