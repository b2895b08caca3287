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
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlparse

import numpy as np
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from analysis.resources import shipped_data

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


class _SubPathError(ValueError):
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
                raise _SubPathError("range", "a range is only allowed with a flat 'price' (its midpoint)")
            if not self.range.low <= self.price <= self.range.high:
                raise _SubPathError(
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
        raise _SubPathError("tiers", "expected at least one tier")
    for i, t in enumerate(tiers):
        last = i == len(tiers) - 1
        if last and t.up_to is not None:
            raise _SubPathError(f"tiers[{i}].up_to", "the last tier must have 'up_to: null' (the rest)")
        if not last and t.up_to is None:
            raise _SubPathError(f"tiers[{i}].up_to", "only the last tier may have 'up_to: null'")
        if not last and t.up_to is not None and t.up_to <= 0:
            raise _SubPathError(f"tiers[{i}].up_to", "expected a tier bound > 0")
        if i > 0 and not last and t.up_to is not None and tiers[i - 1].up_to is not None:
            previous = tiers[i - 1].up_to
            if t.up_to <= previous:  # type: ignore[operator]
                raise _SubPathError(
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
            raise _SubPathError("candidates", "expected at least one candidate value")
        if self.default not in self.candidates:
            raise _SubPathError("default", f"expected one of the candidates {sorted(self.candidates)}")
        if self.basis != "assumption" and self.source is None:
            unsourced = [name for name, c in self.candidates.items() if c.source is None]
            if unsourced:
                raise _SubPathError(
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
            raise _SubPathError("rate", "expected a positive rate between two different currencies")
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
            raise _SubPathError("use", "expected one or more region codes to take the price from")
        if set(self.regions) & set(self.use):
            raise _SubPathError(
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


# ---------------------------------------------------------------------------------------------------------
# Reading files


if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's loader when PyYAML was built with it: ~10x faster parsing
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoDuplicateKeysLoader(_SafeLoader):
    """PyYAML keeps the last of two equal keys silently; in a price file that hides a typo."""


def _construct_mapping(loader: _NoDuplicateKeysLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int | float | bool | type(None)):
            continue  # complex keys are rejected later by the schema, with a field path
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_NoDuplicateKeysLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _format_loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _describe(raw: Any, loc: tuple[Any, ...]) -> str:
    """'prices[3] (id aws.transfer.internet_out)' helps find the entry in a long file."""
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(raw, dict):
        section = raw.get(loc[0])
        if isinstance(section, list) and loc[1] < len(section) and isinstance(section[loc[1]], dict):
            entry_id = section[loc[1]].get("id")
            if entry_id is not None:
                return f" (id {entry_id})"
    return ""


def format_validation_error(path: Path, raw: Any, exc: ValidationError) -> str:
    """One line per problem: `file: field.path (id …): what was expected (got …)`."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        message = err["msg"]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _SubPathError):
            loc = loc + tuple(_split_subpath(cause.subpath))
            message = str(cause)
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err["type"] == "extra_forbidden":
            message = "unknown key (not part of the catalog format; see docs/pricing.md)"
        elif err["type"] == "missing":
            message = "required field is missing"
        if (
            "input" in err
            and err["type"] not in ("missing", "extra_forbidden")
            and not isinstance(err["input"], dict | list)
        ):
            message += f" (got {err['input']!r})"
        where = _format_loc(loc) or "(top level)"
        lines.append(f"{path}: {where}{_describe(raw, loc)}: {message}")
    return "\n".join(lines)


def _split_subpath(subpath: str) -> list[Any]:
    parts: list[Any] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", subpath):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts


def read_catalog_file(path: Path) -> CatalogFile:
    """Parse and validate one catalog file; `CatalogError` names the file, the field path and what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog file: {exc.strerror or exc}") from exc
    try:
        raw = yaml.load(text, Loader=_NoDuplicateKeysLoader)  # a SafeLoader subclass: data only, no objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError(f"{path}: not valid YAML{where}: {problem}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(
            f"{path}: (top level): expected a mapping with 'catalog_version: 1' and 'prices:' "
            f"(got {type(raw).__name__})"
        )
    try:
        parsed = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(format_validation_error(path, raw, exc)) from exc
    _check_unique_within(path, parsed)
    for entry in parsed.prices:
        entry._origin = path
    for parameter in parsed.parameters:
        parameter._origin = path
    for rate in parsed.fx:
        rate._origin = path
    for rule in parsed.approximations:
        rule._origin = path
    return parsed


def _check_unique_within(path: Path, parsed: CatalogFile) -> None:
    """Two entries for the same key in one file is a mistake; across files it is an override."""
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(parsed.prices):
        key = (entry.id, entry.location)
        if key in seen:
            raise CatalogError(
                f"{path}: prices[{i}] (id {entry.id}): duplicate of prices[{seen[key]}] for the same "
                f"{'region' if entry.region else 'site'} {entry.location!r}"
            )
        seen[key] = i
    names: dict[str, int] = {}
    for i, parameter in enumerate(parsed.parameters):
        if parameter.id in names:
            raise CatalogError(
                f"{path}: parameters[{i}] (id {parameter.id}): duplicate of parameters[{names[parameter.id]}]"
            )
        names[parameter.id] = i
    pairs: dict[tuple[str, str], int] = {}
    for i, rate in enumerate(parsed.fx):
        pair = (rate.from_, rate.to)
        if pair in pairs:
            raise CatalogError(f"{path}: fx[{i}]: duplicate of fx[{pairs[pair]}] for {rate.from_}->{rate.to}")
        pairs[pair] = i


# ---------------------------------------------------------------------------------------------------------
# The merged catalog


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
        that destination differently (`aws.transfer.inter_region.to.<destination>`), else the source's usual rate."""
        if destination is not None:
            pair = self._prices.get((f"aws.transfer.inter_region.to.{destination}", source))
            if pair is not None:
                return pair
        return self.get("aws.transfer.inter_region", region=source)

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


# ---------------------------------------------------------------------------------------------------------
# Loading


def shipped_dir() -> Path:
    """The shipped data/pricing/ (analysis.resources), or `$REGCOST_DATA_DIR/pricing`."""
    override = os.environ.get(DATA_DIR_ENV)
    base = Path(override) if override else shipped_data()
    directory = base / "pricing"
    if not directory.is_dir():
        hint = (
            f"{DATA_DIR_ENV} is {override!r}" if override else f"set {DATA_DIR_ENV} to the directory holding pricing/"
        )
        raise CatalogError(f"shipped price catalog not found at {directory} ({hint})")
    return directory


def shipped_files() -> list[Path]:
    return sorted(shipped_dir().glob("*.yaml"))


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")))
        else:
            out.append(p)
    return out


def load_catalog(paths: list[Path] | None = None) -> Catalog:
    """Our shipped files (alphabetical), then `paths` in order; a later entry with the same key wins.

    Keys: (id, region or site) for prices, id for parameters, (from, to) for FX rates. A directory in
    `paths` stands for its *.yaml files. Raises `CatalogError` before returning anything if any file is bad.
    """
    shipped = shipped_files()
    files = shipped + _expand(paths or [])
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
