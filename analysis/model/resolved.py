"""Resolved assumptions: the numbers the cost models read, one typed field per assumption.

`Assumptions` (assumptions.py) is what a scenario file says: a plain number or a range per field. The cost models
need numbers: the range's base for the estimate, an array of shape (draws, 1) under Monte Carlo. The fields here
mirror `Assumptions` one for one (checked when this module is imported), so a cost model reading
`ctx.a.storage_growth_factor` is checked by mypy, and an assumption added to one class and not the other fails
at import, not in the middle of an estimate.
"""

from __future__ import annotations

import typing
import zlib
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from analysis.model.assumptions import (
    Assumptions,
    Currency,
    FreeAllowance,
    InterRegionCharging,
    Range,
    RescanDuration,
    Share,
    Value,
    VpcEndpoints,
    draws,
)

# An assumption as a number: a float for the estimate, an array of shape (draws, 1) under Monte Carlo (it
# broadcasts against the months axis).
Drawn = float | np.ndarray


@dataclass(frozen=True)
class Sampler:
    """How an assumption becomes a number: its base value (n None), or n draws from its own stream.

    Each assumption draws from a stream seeded by (seed, its name): the same assumption gets the same draws in
    every scenario (common random numbers), so comparisons between scenarios carry no extra noise from
    sampling, and adding an assumption does not reshuffle the others.
    """

    n: int | None = None
    seed: int | None = None

    def stream(self, name: str) -> np.random.Generator | None:
        if self.n is None or self.seed is None:
            return None
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def number(self, name: str, value: Value) -> Drawn:
        drawn = draws(value, self.n, self.stream(name))
        return drawn[:, None] if isinstance(drawn, np.ndarray) else drawn

    def share(self, name: str, value: Share) -> ResolvedShare:
        parts = {k: self.number(f"{name}.{k}", getattr(value, k)) for k in type(value).model_fields}
        if self.n is not None:
            # Shares drawn independently no longer add up to 1: rescale each draw so they do.
            total = sum(np.asarray(v, dtype=float) for v in parts.values())
            parts = {k: np.asarray(v, dtype=float) / total for k, v in parts.items()}
        return ResolvedShare(**parts)


@dataclass(frozen=True)
class ResolvedShare:
    """Where pull traffic goes (assumptions.Share), as numbers; under Monte Carlo each draw adds up to 1."""

    same_region: Drawn
    other_region: Drawn
    internet: Drawn
    other_cloud: Drawn


@dataclass(frozen=True)
class ResolvedAssumptions:
    """`Assumptions` as numbers (see the module docstring); the units and sources are on `Assumptions`."""

    sampler: Sampler
    horizon_months: int
    discount_rate_annual: Drawn
    currency: Currency
    consumers: ResolvedShare
    layer_cache_hit_ratio: Drawn
    pull_growth_monthly: Drawn
    storage_growth_factor: Drawn
    other_internet_egress_gb_month: Drawn
    free_allowance: FreeAllowance
    inter_region_charging: InterRegionCharging
    private_subnet_share: Drawn
    vpc_endpoints: VpcEndpoints
    vpc_endpoint_share: Drawn
    endpoint_vpcs_per_region: Drawn
    endpoint_azs: Drawn
    api_bytes_share: Drawn
    rescans_per_image_month: Drawn
    inspector_rescan_duration: RescanDuration
    untagged_cleanup_share: Drawn
    cleanup_archives_never_pulled: bool
    gc_backlog_share: Drawn
    block_utilisation_target: Drawn
    backup_copies: Drawn
    site_local_share: Drawn
    cross_az_share: Drawn
    layers_per_gb: Drawn
    # None: the catalog parameter of assumptions.CATALOG_PARAMETERS (Ctx.assumption_or_parameter), or the
    # catalog's labour rate, or the two migration_days_* fields.
    ops_hours_month: Drawn | None
    upgrades_per_year: Drawn | None
    hours_per_upgrade: Drawn | None
    labour_rate: Drawn | None
    migration_days_base: Drawn
    migration_days_per_100_repositories: Drawn
    migration_days: Drawn | None
    proxy_setup_days: Drawn
    dual_run_months: Drawn
    migration_wave_traffic: list[float] | None
    proxy_hit_ratio: Drawn
    proxy_cache_share: Drawn
    proxied_consumer_share: Drawn

    @classmethod
    def of(
        cls, assumptions: Assumptions, n: int | None = None, rng: np.random.Generator | int | None = None
    ) -> ResolvedAssumptions:
        """The estimate's numbers (n None), or n draws per ranged assumption seeded by `rng` (a seed or a
        generator that picks one)."""
        seed = int(rng.integers(2**62)) if isinstance(rng, np.random.Generator) else rng
        sampler = Sampler(n, seed)
        values: dict[str, Any] = {name: _resolve(sampler, name, getattr(assumptions, name)) for name in _KIND}
        return cls(sampler=sampler, **values)

    def resolve(self, name: str, value: Value) -> Drawn:
        """A value that is not a field (a catalog parameter's range standing in for one), drawn like the fields."""
        return self.sampler.number(name, value)


# How each field resolves, from its annotation: a share, a number (drawn), or as the scenario says (a choice,
# a switch, the horizon).
def _kind(hint: object) -> str:
    if hint is ResolvedShare:
        return "share"
    return "number" if np.ndarray in typing.get_args(hint) else "as-is"


_HINTS = typing.get_type_hints(ResolvedAssumptions)
_KIND = {f.name: _kind(_HINTS[f.name]) for f in fields(ResolvedAssumptions) if f.name != "sampler"}


def _resolve(sampler: Sampler, name: str, value: object) -> object:
    kind = _KIND[name]
    if kind == "share" and isinstance(value, Share):
        return sampler.share(name, value)
    if kind == "number" and isinstance(value, Range | float | int):
        return sampler.number(name, value)
    return value


_missing, _extra = set(Assumptions.model_fields) - set(_KIND), set(_KIND) - set(Assumptions.model_fields)
if _missing or _extra:
    raise TypeError(
        f"ResolvedAssumptions must have one field per Assumptions field: missing {sorted(_missing)}, "
        f"extra {sorted(_extra)}"
    )
