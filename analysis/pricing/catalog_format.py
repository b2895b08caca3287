"""The price catalog's file format: dated, sourced prices, parameters, FX rates and approximation rules, as
validated models. A file that parses into `CatalogFile` is well-formed; docs/pricing.md documents the format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

CATALOG_VERSION = 1
DATA_DIR_ENV = "REGCOST_DATA_DIR"

# The units a price may be quoted in. GB is 2^30 bytes throughout the project (AWS bills GB that way, and OVH
# quotes GiB, which is the same quantity); TB is 1024 GB. Per-resource prices say which resource in `note`.
Unit = Literal[
    "GB-month",  # storage averaged over a calendar month (byte-hours / hours in the month)
    "TB-month",  # 1024 GB-month
    "GB",  # per GB transferred, processed or retrieved
    "TB",  # per TB (1024 GB) transferred
    "hour",  # per resource-hour (instance, cluster, gateway, load balancer, endpoint-AZ)
    "month",  # per resource-month (flat monthly fee; hourly-billed resources capped at this)
    "request",
    "1000-requests",
    "image-scan",  # one enhanced-scanning scan of one image
    "LCU-hour",  # load balancer capacity unit-hour
    "kW-month",  # colocation power commitment
    "kWh",  # metered electricity
    "server",  # one-off purchase of one server (capex; amortise with a parameter)
    "hour-labour",  # one hour of an engineer's time at the loaded (employer) cost
]
UNITS: tuple[str, ...] = Unit.__args__  # type: ignore[attr-defined]

# Units of parameters: quantities that are not unit prices (allowances, durations, effort, ratios).
ParameterUnit = Literal[
    "GB-per-month",
    "days",
    "months",
    "hours-per-month",
    "hours-per-upgrade",
    "upgrades-per-year",
    "watts",
    "ratio",
    "count",
    "fraction-per-year",
    "server",
]

# Same-dimension unit changes, for `PriceEntry.in_unit`: (from, to) -> how many `to` in one `from`.
UNIT_FACTORS: dict[tuple[str, str], float] = {
    ("TB", "GB"): 1024.0,
    ("TB-month", "GB-month"): 1024.0,
    ("1000-requests", "request"): 1000.0,
}

# CNY: the China partition (cn-north-1, cn-northwest-1) is priced and billed in renminbi.
Currency = Literal["USD", "EUR", "CNY"]

# Where a price comes from, coarsely, so a reader can weigh it: AWS's own price data (Price List API, the price-map
# JSON behind the pricing pages), a provider's page or document, a provider's bill, a third party, arithmetic on
# sourced numbers, or our assumption.
SourceKind = Literal["provider-price-data", "provider-page", "provider-bill", "third-party", "derived", "assumption"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")
# AWS region codes: us-east-1, eu-central-1, ap-southeast-2, us-gov-west-1, …; "*" = any region.
REGION_CODE = re.compile(r"^([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+|\*)$")
_SITE_RE = re.compile(r"^([a-z0-9][a-z0-9-]*|\*)$")


class CatalogError(Exception):
    """A catalog file is malformed, or a lookup cannot be answered. The message is meant for people."""


class PriceNotFound(CatalogError, KeyError):
    """No entry for an (id, region/site). Also a KeyError, so `except KeyError` callers keep working."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SubPathError(ValueError):
    """A model-level check that knows which nested field is wrong (e.g. `tiers[1].up_to`)."""

    def __init__(self, subpath: str, message: str) -> None:
        super().__init__(message)
        self.subpath = subpath


def _check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError("expected a dotted lower-case id such as 'aws.transfer.internet_out'")
    return value


def _check_region(value: str) -> str:
    if not REGION_CODE.match(value):
        raise ValueError("expected an AWS region code such as 'us-east-1', or '*' for any region")
    return value


def _check_site(value: str) -> str:
    if not _SITE_RE.match(value):
        raise ValueError("expected a lower-case site name such as 'hetzner-fsn1', or '*' for any site")
    return value


def _check_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("expected an http(s) URL naming where the number comes from")
    return value


def _check_amount(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError("expected a finite number >= 0")
    return float(value)


Id = Annotated[str, AfterValidator(_check_id)]
Region = Annotated[str, AfterValidator(_check_region)]
Site = Annotated[str, AfterValidator(_check_site)]
Url = Annotated[str, AfterValidator(_check_url)]
# strict: a quoted "0.09" or a bare `yes` is a typo in a price file, not a number.
Amount = Annotated[float, Field(strict=True), AfterValidator(_check_amount)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Strict):
    """One tier: `price` applies to the quantity between the previous tier's `up_to` (or 0) and this `up_to`."""

    up_to: Amount | None
    price: Amount


class Included(_Strict):
    """A quantity that the entry's price already pays for, per billing period of the entry (a month)."""

    what: Literal["egress", "storage", "requests"]
    quantity: Amount
    unit: Unit
    overage: Id | None = None  # id of the entry that prices usage beyond `quantity` (same site)
    note: str | None = None


class PriceRange(_Strict):
    """Where the source only gives a range, `price` is the documented midpoint and the range is kept here."""

    low: Amount
    high: Amount

    @model_validator(mode="after")
    def _ordered(self) -> PriceRange:
        if self.low > self.high:
            raise ValueError(f"range.low ({self.low}) must not exceed range.high ({self.high})")
        return self


class PriceEntry(_Strict):
    """One price: what it is (id), where it applies (region or site), its unit/currency, and where it came from."""

    id: Id
    region: Region | None = None
    site: Site | None = None
    unit: Unit
    currency: Currency
    price: Amount | None = None
    tiers: tuple[Tier, ...] | None = None
    source: Url
    as_of: date
    note: str | None = None
    source_kind: SourceKind | None = None  # None: not stated (older files); the note then says [AWS]/[3P]/…
    vat_included: bool | None = None  # None: the source does not say (see docs/pricing.md, VAT)
    included: tuple[Included, ...] = ()
    range: PriceRange | None = None

    _origin: Path | None = PrivateAttr(default=None)
    _overridden_from: PriceEntry | None = PrivateAttr(default=None)
    _approximation: Approximated | None = PrivateAttr(default=None)
    _rank: int = PrivateAttr(default=0)  # 0: a shipped file; n: the user's n-th file (later files outrank)

    @model_validator(mode="after")
    def _consistent(self) -> PriceEntry:
        if (self.region is None) == (self.site is None):
            raise ValueError("give exactly one of 'region' (an AWS region code or '*') or 'site' (non-AWS)")
        if (self.price is None) == (self.tiers is None):
            raise ValueError("give exactly one of 'price' or 'tiers'")
        if self.tiers is not None:
            _check_tiers(self.tiers)
        if self.range is not None:
            if self.price is None:
                raise SubPathError("range", "a range is only allowed with a flat 'price' (its midpoint)")
            if not self.range.low <= self.price <= self.range.high:
                raise SubPathError(
                    "range", f"price {self.price} must lie within range [{self.range.low}, {self.range.high}]"
                )
        return self

    @property
    def location(self) -> str:
        """The region (AWS) or site (anything else) the price applies to; '*' means anywhere."""
        return self.region if self.region is not None else self.site  # type: ignore[return-value]

    @property
    def origin(self) -> Path | None:
        """The file this entry was loaded from."""
        return self._origin

    @property
    def overridden_from(self) -> PriceEntry | None:
        """The entry (with its own `origin`) that this one replaced, if a later file overrode it."""
        return self._overridden_from

    @property
    def approximation(self) -> Approximated | None:
        """Set when `Catalog.get` answered for a region with another region's (or the any-region) entry."""
        return self._approximation

    @property
    def is_tiered(self) -> bool:
        return self.tiers is not None

    def tier_pairs(self) -> tuple[tuple[float | None, float], ...]:
        """(up_to, price) pairs for `analysis.pricing.tiers.tiered_cost`; a flat price is one open-ended tier."""
        if self.tiers is None:
            return ((None, float(self.price)),)  # type: ignore[arg-type]
        return tuple((t.up_to, t.price) for t in self.tiers)

    def tier_summary(self) -> str:
        """'0.09' for a flat price; '0–10240 @0.09; 10240–51200 @0.085; >51200 @0.07' for tiers."""
        if self.tiers is None:
            return f"{self.price:g}"
        parts, lower = [], 0.0
        for t in self.tiers:
            if t.up_to is None:
                parts.append(f">{lower:g} @{t.price:g}")
            else:
                parts.append(f"{lower:g}–{t.up_to:g} @{t.price:g}")
                lower = t.up_to
        return "; ".join(parts)

    def in_unit(self, unit: str) -> PriceEntry:
        """The same price expressed per `unit` (e.g. an entry per TB as per GB), tier bounds rescaled too."""
        if unit == self.unit:
            return self
        factor = UNIT_FACTORS.get((self.unit, unit))
        if factor is None:
            inverse = UNIT_FACTORS.get((unit, self.unit))
            if inverse is None:
                raise CatalogError(f"{self.id}: cannot express a price per {self.unit!r} in {unit!r}")
            factor = 1.0 / inverse
        update: dict[str, Any] = {"unit": unit}
        if self.price is not None:
            update["price"] = self.price / factor
            if self.range is not None:
                update["range"] = PriceRange(low=self.range.low / factor, high=self.range.high / factor)
        else:
            update["tiers"] = tuple(
                Tier(up_to=None if t.up_to is None else t.up_to * factor, price=t.price / factor)
                for t in self.tiers or ()
            )
        converted = self.model_copy(update=update)
        converted._origin = self._origin
        converted._overridden_from = self._overridden_from
        converted._approximation = self._approximation
        return converted


def _check_tiers(tiers: Sequence[Tier]) -> None:
    if not tiers:
        raise SubPathError("tiers", "expected at least one tier")
    for i, t in enumerate(tiers):
        last = i == len(tiers) - 1
        if last and t.up_to is not None:
            raise SubPathError(f"tiers[{i}].up_to", "the last tier must have 'up_to: null' (the rest)")
        if not last and t.up_to is None:
            raise SubPathError(f"tiers[{i}].up_to", "only the last tier may have 'up_to: null'")
        if not last and t.up_to is not None and t.up_to <= 0:
            raise SubPathError(f"tiers[{i}].up_to", "expected a tier bound > 0")
        if i > 0 and not last and t.up_to is not None and tiers[i - 1].up_to is not None:
            previous = tiers[i - 1].up_to
            if t.up_to <= previous:  # type: ignore[operator]
                raise SubPathError(
                    f"tiers[{i}].up_to",
                    f"tier bounds must ascend: {t.up_to:g} is not above the previous up_to {previous:g}",
                )


class Candidate(_Strict):
    value: Annotated[float, Field(strict=True)]
    source: Url | None = None
    note: str | None = None


class Parameter(_Strict):
    """A number the model needs that is not a unit price: an allowance, a duration, effort, a ratio.

    `candidates` holds every value considered (e.g. low/base/high, or the values two sources disagree on),
    `default` names the one used unless a scenario picks another, and `basis` says whether the default is
    a sourced figure, arithmetic on sourced figures, or our assumption.
    """

    id: Id
    unit: ParameterUnit
    currency: Currency | None = None
    basis: Literal["sourced", "derived", "assumption"]
    candidates: dict[str, Candidate]
    default: str
    source: Url | None = None
    as_of: date
    note: str

    _origin: Path | None = PrivateAttr(default=None)
    _overridden_from: Parameter | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if not self.candidates:
            raise SubPathError("candidates", "expected at least one candidate value")
        if self.default not in self.candidates:
            raise SubPathError("default", f"expected one of the candidates {sorted(self.candidates)}")
        if self.basis != "assumption" and self.source is None:
            unsourced = [name for name, c in self.candidates.items() if c.source is None]
            if unsourced:
                raise SubPathError(
                    "source",
                    f"basis '{self.basis}' needs a source (here or on candidates {unsourced}); "
                    "use basis 'assumption' for an unsourced number",
                )
        return self

    @property
    def origin(self) -> Path | None:
        return self._origin

    @property
    def overridden_from(self) -> Parameter | None:
        return self._overridden_from

    def value(self, candidate: str | None = None) -> float:
        """The default value, or the named candidate's."""
        name = candidate or self.default
        if name not in self.candidates:
            raise CatalogError(f"parameter {self.id!r} has no candidate {name!r}; it has {sorted(self.candidates)}")
        return self.candidates[name].value

    def low_base_high(self) -> tuple[float, float, float]:
        """(low, base, high) for parameters given as a range; raises if the candidates are not named so."""
        try:
            return tuple(self.candidates[k].value for k in ("low", "base", "high"))  # type: ignore[return-value]
        except KeyError:
            raise CatalogError(
                f"parameter {self.id!r} is not a low/base/high range; candidates: {sorted(self.candidates)}"
            ) from None


class FxRate(_Strict):
    """1 `from` = `rate` `to`. Prices keep their own currency; the model converts once, at this rate."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: Currency = Field(alias="from")
    to: Currency
    rate: Amount
    source: Url
    as_of: date
    note: str | None = None

    _origin: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _positive(self) -> FxRate:
        if self.rate <= 0 or self.from_ == self.to:
            raise SubPathError("rate", "expected a positive rate between two different currencies")
        return self

    @property
    def origin(self) -> Path | None:
        return self._origin


class Approximation(_Strict):
    """A rule for regions without a sourced price: use the first of `use` that has one, and say `because`.

    `regions` are the regions asked for ('*': any region); `ids` are id patterns (fnmatch) the rule covers. Rules
    are tried in file order, so put the specific (one id, one region) before the general.
    """

    regions: tuple[Region, ...]
    ids: tuple[str, ...] = ("*",)
    use: tuple[Region, ...]
    because: str

    @model_validator(mode="after")
    def _sane(self) -> Approximation:
        if not self.use or "*" in self.use:
            raise SubPathError("use", "expected one or more region codes to take the price from")
        if set(self.regions) & set(self.use):
            raise SubPathError(
                "use", f"a region cannot be approximated from itself ({set(self.regions) & set(self.use)})"
            )
        return self

    _origin: Path | None = PrivateAttr(default=None)


@dataclass(frozen=True)
class Approximated:
    """The record of an approximation: the price for `region` is `used`'s (a region or '*'), because …"""

    id: str
    region: str
    used: str
    because: str

    def text(self) -> str:
        whose = "the any-region ('*') entry" if self.used == "*" else f"{self.used}'s price"
        return f"{self.id} in {self.region}: approximated by {whose}, because {self.because}"


class CatalogFile(_Strict):
    """One YAML file. All sections are optional; `catalog_version` is required so the format can evolve."""

    catalog_version: Literal[1]
    prices: tuple[PriceEntry, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    fx: tuple[FxRate, ...] = ()
    approximations: tuple[Approximation, ...] = ()
