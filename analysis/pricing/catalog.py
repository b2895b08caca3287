"""The price catalog: YAML files of dated, sourced prices, validated and merged with the user's own files.

Shipped files live in `data/pricing/` at the repository root (or `$REGCOST_DATA_DIR/pricing/`). A user file
(negotiated discounts, internal prices, a Price List snapshot from `refresh_aws`) has the same format and is
loaded after ours: an entry with the same (id, region/site) replaces ours, and the replacement is recorded so
`pricing show` can say whose number is in use. The format is documented in docs/pricing.md.

Loading is all-or-nothing: every file is parsed and validated before a `Catalog` exists, and an error names
the file, the field path (`prices[3].tiers[1].price`) and what was expected.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analysis.pricing.catalog_files import expand_paths, read_catalog_file, shipped_files
from analysis.pricing.catalog_format import (
    Approximated,
    Approximation,
    CatalogError,
    FxRate,
    Parameter,
    PriceEntry,
    PriceNotFound,
)


@dataclass(frozen=True)
class Override:
    """A later file replaced an earlier entry: `entry.origin` overrides `replaced.origin`."""

    entry: PriceEntry | Parameter
    replaced: PriceEntry | Parameter


class Catalog:
    """Every price, parameter and FX rate after merging the shipped files and the user's, later wins."""

    def __init__(
        self,
        prices: dict[tuple[str, str], PriceEntry],
        parameters: dict[str, Parameter],
        fx: dict[tuple[str, str], FxRate],
        files: Sequence[Path],
        approximations: Sequence[Approximation] = (),
    ) -> None:
        self._prices = dict(prices)
        self._parameters = dict(parameters)
        self._fx = dict(fx)
        self.approximations: tuple[Approximation, ...] = tuple(approximations)
        self.files: tuple[Path, ...] = tuple(files)
        self._by_id: dict[str, list[PriceEntry]] = {}
        for entry in self._prices.values():
            self._by_id.setdefault(entry.id, []).append(entry)

    # prices ------------------------------------------------------------------------------------------

    def get(self, id: str, region: str | None = None, site: str | None = None) -> PriceEntry:
        """The entry for `id` at `region` (AWS) or `site`, else an approximation, else the '*' entry.

        Without region or site only a '*' entry matches. For a region without its own entry, the catalog's
        approximation rules name the region whose price stands in and why; failing those, the '*' entry is used.
        Either way the returned entry's `approximation` records it (`location` is the entry's own), so every
        consumer can show it; nothing falls back silently.
        """
        if region is not None and site is not None:
            raise CatalogError(f"{id}: give a region or a site, not both")
        candidates = self._by_id.get(id)
        if not candidates:
            close = difflib.get_close_matches(id, list(self._by_id), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise PriceNotFound(f"no price with id {id!r} in the catalog{hint}")
        kind = "region" if region is not None else "site" if site is not None else None
        wanted = region if region is not None else site
        exact = self._prices.get((id, wanted)) if wanted is not None else None
        if exact is not None and (kind == "region") != (exact.region is not None):
            exact = None
        star = self._prices.get((id, "*"))
        # A user's any-region price ("our discount, everywhere") outranks the regional prices of earlier files; it
        # is the user's statement, not an approximation.
        star_fits = star is not None and (kind is None or (kind == "region") == (star.region is not None))
        if star_fits and star._rank > 0 and (exact is None or star._rank > exact._rank):  # type: ignore[union-attr]
            return star  # type: ignore[return-value]
        if exact is not None:
            return exact
        if kind == "region" and candidates[0].region is not None:
            stand_in = self._approximate(id, region)  # type: ignore[arg-type]
            if stand_in is not None:
                return stand_in
        entry = self._prices.get((id, "*"))
        if entry is not None and not (
            kind == "region" and entry.region is None or kind == "site" and entry.site is None
        ):
            if region is not None:
                why = "no rule names a region for it and the catalog's any-region entry applies"
                return _approximated(entry, id, region, "*", why)
            return entry
        available = sorted(e.location for e in candidates)
        if wanted is not None:
            available.sort(key=lambda location: _nearness(wanted, location))
        scope = f"{kind} {wanted!r}" if wanted is not None else "no region/site (only a '*' entry would match)"
        kinds = "regions" if candidates[0].region is not None else "sites"
        raise PriceNotFound(
            f"no price {id!r} for {scope}, and no '*' entry; available {kinds} (nearest first): "
            f"{', '.join(available)}. Add one in your own catalog file (docs/pricing.md)."
        )

    def _approximate(self, id: str, region: str) -> PriceEntry | None:
        """The first approximation rule for (id, region) whose stand-in region has an entry of its own."""
        for rule in self.approximations:
            if not (region in rule.regions or "*" in rule.regions) or not any(
                fnmatch.fnmatchcase(id, p) for p in rule.ids
            ):
                continue
            for used in rule.use:
                entry = self._prices.get((id, used))
                if entry is not None and used != region:
                    return _approximated(entry, id, region, used, rule.because)
        return None

    def inter_region(self, source: str, destination: str | None = None) -> PriceEntry:
        """Inter-region transfer from `source` (charged once, at the source): the pair's own rate where AWS prices
        that destination differently (`aws.transfer.inter_region.to.<destination>`), else the source's usual rate.
        A user's own inter-region price (a later file: "our rate, everywhere") outranks a shipped pair's."""
        usual = self.get("aws.transfer.inter_region", region=source)
        if destination is not None:
            pair = self._prices.get((f"aws.transfer.inter_region.to.{destination}", source))
            if pair is not None and pair._rank >= usual._rank:
                return pair
        return usual

    def entries(self) -> list[PriceEntry]:
        return sorted(self._prices.values(), key=lambda e: (e.id, e.location))

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def locations(self, id: str) -> list[str]:
        return sorted(e.location for e in self._by_id.get(id, []))

    def overrides(self) -> list[Override]:
        """Every entry or parameter a later file replaced, in catalog order."""
        out: list[Override] = [
            Override(entry=e, replaced=e.overridden_from) for e in self.entries() if e.overridden_from is not None
        ]
        out += [
            Override(entry=p, replaced=p.overridden_from) for p in self.parameters() if p.overridden_from is not None
        ]
        return out

    def as_rows(self) -> list[dict[str, Any]]:
        """One plain dict per price, for a table (`pricing show`) or CSV; no formatting beyond the tier summary."""
        rows = []
        for e in self.entries():
            rows.append(
                {
                    "id": e.id,
                    "region": e.region,
                    "site": e.site,
                    "location": e.location,
                    "unit": e.unit,
                    "currency": e.currency,
                    "price": e.price,
                    "tiers": e.tier_summary() if e.is_tiered else None,
                    "price_text": e.tier_summary(),
                    "vat_included": e.vat_included,
                    "source": e.source,
                    "as_of": e.as_of.isoformat(),
                    "origin": str(e.origin) if e.origin else None,
                    "overrides": self._overrides_text(e),
                }
            )
        return rows

    def _overrides_text(self, e: PriceEntry) -> str | None:
        """The file an entry replaced; for a user's '*' entry, the files whose regional entries it outranks."""
        if e.overridden_from is not None and e.overridden_from.origin:
            return str(e.overridden_from.origin)
        if e.location == "*" and e._rank > 0:
            outranked = sorted({str(x.origin) for x in self._by_id.get(e.id, []) if x._rank < e._rank and x.origin})
            return ", ".join(outranked) or None
        return None

    # parameters ---------------------------------------------------------------------------------------

    def parameter(self, id: str) -> Parameter:
        try:
            return self._parameters[id]
        except KeyError:
            close = difflib.get_close_matches(id, list(self._parameters), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise PriceNotFound(f"no parameter with id {id!r} in the catalog{hint}") from None

    def parameters(self) -> list[Parameter]:
        return sorted(self._parameters.values(), key=lambda p: p.id)

    # currency -----------------------------------------------------------------------------------------

    def fx_rate(self, from_ccy: str, to_ccy: str) -> float:
        """How many `to_ccy` one `from_ccy` buys, from fx.yaml (or its inverse)."""
        if from_ccy == to_ccy:
            return 1.0
        direct = self._fx.get((from_ccy, to_ccy))
        if direct is not None:
            return direct.rate
        inverse = self._fx.get((to_ccy, from_ccy))
        if inverse is not None:
            return 1.0 / inverse.rate
        raise PriceNotFound(f"no FX rate {from_ccy}->{to_ccy} in the catalog (fx.yaml)")

    def fx_entry(self, from_ccy: str, to_ccy: str) -> FxRate:
        """The FxRate record (source, as_of) behind a conversion, whichever direction it was written in."""
        entry = self._fx.get((from_ccy, to_ccy)) or self._fx.get((to_ccy, from_ccy))
        if entry is None:
            raise PriceNotFound(f"no FX rate {from_ccy}->{to_ccy} in the catalog (fx.yaml)")
        return entry

    def convert(self, amount: float | np.ndarray, from_ccy: str, to_ccy: str) -> float | np.ndarray:
        """`amount` (scalar or array of draws) from one currency to the other; float64 throughout."""
        rate = self.fx_rate(from_ccy, to_ccy)
        if np.ndim(amount) == 0:
            return float(amount) * rate
        return np.asarray(amount, dtype=np.float64) * rate


def free_allowance_applies(region: str) -> bool:
    """AWS's 100 GB/month free data transfer out covers "all AWS Services and Regions (except China and GovCloud)"
    (aws.amazon.com/s3/pricing, data transfer): those partitions bill from the first GB."""
    return not (region.startswith("cn-") or region.startswith("us-gov-"))


def _approximated(entry: PriceEntry, id: str, region: str, used: str, because: str) -> PriceEntry:
    copy = entry.model_copy()
    copy._origin = entry._origin
    copy._overridden_from = entry._overridden_from
    copy._rank = entry._rank
    copy._approximation = Approximated(id, region, used, because)
    return copy


def _nearness(wanted: str, location: str) -> tuple[bool, float, str]:
    """Sort key: same geography first (the 'eu' of eu-west-1, the 'hetzner' of hetzner-fsn1), then spelling."""
    same_area = wanted.split("-")[0] == location.split("-")[0]
    return (not same_area, -difflib.SequenceMatcher(None, wanted, location).ratio(), location)


def load_catalog(paths: list[Path] | None = None) -> Catalog:
    """Our shipped files (alphabetical), then `paths` in order; a later entry with the same key wins.

    Keys: (id, region or site) for prices, id for parameters, (from, to) for FX rates. A directory in
    `paths` stands for its *.yaml files. Raises `CatalogError` before returning anything if any file is bad.
    """
    shipped = shipped_files()
    files = shipped + expand_paths(paths or [])
    parsed = [read_catalog_file(f) for f in files]  # all files validated before anything is merged
    ranks = [0] * len(shipped) + list(range(1, len(files) - len(shipped) + 1))

    prices: dict[tuple[str, str], PriceEntry] = {}
    positions: dict[tuple[str, str], str] = {}  # key -> "file: prices[i]" for error messages
    kinds: dict[str, tuple[str, Path]] = {}
    parameters: dict[str, Parameter] = {}
    fx: dict[tuple[str, str], FxRate] = {}
    approximations: list[Approximation] = []
    # A user's rules come first (later files are loaded last but are meant to win, as with prices).
    for doc in reversed(parsed):
        approximations.extend(doc.approximations)
    for path, doc, rank in zip(files, parsed, ranks, strict=True):
        for i, entry in enumerate(doc.prices):
            entry._rank = rank
            kind = "region" if entry.region is not None else "site"
            previous_kind = kinds.setdefault(entry.id, (kind, path))
            if previous_kind[0] != kind:
                raise CatalogError(
                    f"{path}: price {entry.id!r} is given per {kind} here but per {previous_kind[0]} in "
                    f"{previous_kind[1]}; one id is either AWS (region) or not (site)"
                )
            key = (entry.id, entry.location)
            if key in prices:
                entry._overridden_from = prices[key]
            prices[key] = entry
            positions[key] = f"{path}: prices[{i}]"
        for parameter in doc.parameters:
            if parameter.id in parameters:
                parameter._overridden_from = parameters[parameter.id]
            parameters[parameter.id] = parameter
        for rate in doc.fx:
            fx[(rate.from_, rate.to)] = rate

    _check_overage_references(prices, positions)
    return Catalog(prices, parameters, fx, files, approximations)


def _check_overage_references(prices: dict[tuple[str, str], PriceEntry], positions: dict[tuple[str, str], str]) -> None:
    ids = {key[0] for key in prices}
    for key, entry in prices.items():
        for i, inc in enumerate(entry.included):
            if inc.overage is not None and inc.overage not in ids:
                raise CatalogError(
                    f"{positions[key]}.included[{i}].overage (id {entry.id}): no price with id "
                    f"{inc.overage!r} in the catalog"
                )
