"""Measured assumptions: what CloudTrail and the network path measured replaces the presets (#13).

* `layer_cache_hit_ratio` ← 1 − bytes pulled / bytes of the pulled manifests (view `pull_measurements`);
* `private_subnet_share`, `vpc_endpoint_share` ← the placed layer bytes by path (view `pull_bytes_by_path`):
  private = (via NAT + via the S3 gateway endpoint) / placed, endpoint = via the S3 endpoint / private, so
  private × (1 − endpoint) is the measured share of layer bytes through a NAT gateway;
* `consumers` ← the layer bytes by where the consumer sits (view `pull_bytes_by_consumer`: VPC endpoint id,
  the pulling instance's region, the caller's address against AWS's published ranges). Internet and other clouds
  are both "outside AWS" to an address: their total is measured, its split between the two stays the assumed
  proportion (said in the origin). Bytes no rule places (`AWS Internal` callers not on a known instance) are
  left out of the ratio, and below MIN_COVERAGE of the fetched bytes the preset stays: a split of a small,
  unrepresentative part is not a measurement of the whole.

The base is the ratio over the whole window; the range is the P10–P90 of a bootstrap over days (days
resampled with replacement, the ratio recomputed: numpy, no loop per draw), so a long, steady measurement gives
a narrow range and the tornado shrinks where the data is good. A value a scenario file sets itself is kept
and the override is said in a note. Pure but for `load_days`, which reads the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.model.assumptions import Range, Share, base

MIN_DAYS = 3  # fewer days say nothing about day-to-day spread: the preset stays
MIN_COVERAGE = 0.5  # share of the fetched layer bytes the consumer rules must place before the split counts
DRAWS = 2000
SEED = 13


@dataclass
class Measurement:
    name: str
    value: Range | Share
    days: int
    sample: str  # e.g. "1,234 pulls"


def bootstrap_ratio(
    numerator: np.ndarray, denominator: np.ndarray, draws: int = DRAWS, seed: int = SEED
) -> tuple[float, float, float]:
    """(P10, ratio over all days, P90) of Σnum/Σden with days resampled with replacement."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    base = numerator.sum() / denominator.sum()
    idx = np.random.default_rng(seed).integers(0, len(numerator), size=(draws, len(numerator)))
    den = denominator[idx].sum(axis=1)
    ratios = np.divide(numerator[idx].sum(axis=1), den, out=np.full(draws, base), where=den > 0)
    p10, p90 = np.percentile(ratios, [10, 90])
    return float(min(p10, base)), float(base), float(max(p90, base))


def _range(low: float, base: float, high: float, origin: str) -> Range:
    clip = lambda x: float(min(1.0, max(0.0, x)))  # noqa: E731 (a ratio of measured bytes may overshoot by retries)
    return Range(low=clip(low), base=clip(base), high=clip(high), origin=origin)


def hit_ratio(days: dict[str, np.ndarray], window: str) -> Measurement | None:
    requested, pulled, pulls = days["bytes_requested"], days["bytes_pulled"], days["pulls"]
    keep = requested > 0
    if keep.sum() < MIN_DAYS:
        return None
    low, base, high = bootstrap_ratio(requested[keep] - pulled[keep], requested[keep])
    n = int(keep.sum())
    origin = (
        f"measured: CloudTrail {window}, {n} days, {int(pulls[keep].sum()):,} pulls, "
        f"{requested[keep].sum() / 2**30:,.1f} GiB requested; range: bootstrap over days (P10–P90)"
    )
    return Measurement("layer_cache_hit_ratio", _range(low, base, high, origin), n, f"{int(pulls[keep].sum()):,} pulls")


def network_shares(days: dict[str, np.ndarray], window: str) -> list[Measurement]:
    nat, endpoint, direct = days["nat"], days["gateway_endpoint"], days["direct"]
    private = nat + endpoint
    keep = (private + direct) > 0
    if keep.sum() < MIN_DAYS or private[keep].sum() == 0:
        return []
    n = int(keep.sum())
    origin = (
        f"measured: CloudTrail {window} × VPC routes, {n} days, {private[keep].sum() / 2**30:,.1f} GiB of placed "
        "layer bytes; range: bootstrap over days (P10–P90)"
    )
    p = bootstrap_ratio(private[keep], (private + direct)[keep])
    e = bootstrap_ratio(endpoint[keep], private[keep])
    return [
        Measurement("private_subnet_share", _range(*p, origin), n, "placed layer bytes"),
        Measurement("vpc_endpoint_share", _range(*e, origin), n, "placed layer bytes"),
    ]


def consumer_split(days: dict[str, np.ndarray], window: str, preset: Share | None = None) -> Measurement | None:
    """The consumer split of the placed layer bytes; internet vs other_cloud in the preset's proportion."""
    same, other, outside, unplaced = days["same_region"], days["other_region"], days["outside_aws"], days["unplaced"]
    placed = same + other + outside
    keep = placed > 0
    fetched = (placed + unplaced)[keep].sum()
    if keep.sum() < MIN_DAYS or fetched == 0 or placed[keep].sum() / fetched < MIN_COVERAGE:
        return None
    n = int(keep.sum())
    preset = preset or Share()
    q = base(preset.internet) / ((base(preset.internet) + base(preset.other_cloud)) or 1.0)
    origin = (
        f"measured: CloudTrail {window} (VPC endpoint, pulling instance, sourceIPAddress × AWS ip-ranges), {n} days, "
        f"{placed[keep].sum() / 2**30:,.1f} GiB of layer bytes placed ({placed[keep].sum() / fetched:.0%} of those "
        "fetched); range: bootstrap over days (P10–P90)"
    )
    outside_note = (
        f"; internet and other clouds are both outside AWS to an address: their total is measured, split "
        f"{q:.0%} / {1 - q:.0%} as assumed"
    )
    s, o, x = (bootstrap_ratio(part[keep], placed[keep]) for part in (same, other, outside))
    value = Share(
        same_region=_range(*s, origin),
        other_region=_range(*o, origin),
        internet=_range(x[0] * q, x[1] * q, x[2] * q, origin + outside_note),
        other_cloud=_range(x[0] * (1 - q), x[1] * (1 - q), x[2] * (1 - q), origin + outside_note),
    )
    return Measurement("consumers", value, n, f"{int(placed[keep].sum() / 2**30):,} GiB placed")


def _described(value: object, spec: str = ".3f") -> str:
    """A measured value (3 decimals) or a scenario file's own (`g`: as written); a split, share by share."""
    if isinstance(value, Share):
        return " / ".join(f"{k} {base(getattr(value, k)):{spec}}" for k in type(value).model_fields)
    return f"{base(value):{spec}}" if isinstance(value, Range | float | int) else str(value)


def apply(scenarios: list, measurements: list[Measurement], explicit: dict[str, set[str]]) -> tuple[list, list[str]]:  # noqa: ANN001
    """Scenarios with the measured values in place of presets; a value the scenario file sets is kept (noted)."""
    notes: list[str] = []
    out = []
    for s in scenarios:
        update = {}
        for m in measurements:
            if m.name in explicit.get(s.name, set()):
                notes.append(
                    f"{s.name}: the scenario file sets {m.name} = {_described(getattr(s.assumptions, m.name), 'g')}, "
                    f"overriding the measured {_described(m.value)} ({m.days} days)"
                )
                continue
            update[m.name] = m.value
        out.append(s.model_copy(update={"assumptions": s.assumptions.model_copy(update=update)}) if update else s)
    for m in measurements:
        spread = f"P10–P90 {m.value.low:.3f}–{m.value.high:.3f}, " if isinstance(m.value, Range) else ""
        notes.append(f"measured {m.name} = {_described(m.value)} ({spread}{m.days} days, {m.sample})")
    return out, notes


def load_consumer_days(warehouse) -> dict[str, np.ndarray] | None:  # noqa: ANN001
    """Per-day layer bytes by where the consumer sits (view pull_bytes_by_consumer)."""
    rows = warehouse.query(
        """
        SELECT day,
               sum(bytes) FILTER (WHERE consumer = 'same_region'),
               sum(bytes) FILTER (WHERE consumer = 'other_region'),
               sum(bytes) FILTER (WHERE consumer = 'outside_aws'),
               sum(bytes) FILTER (WHERE consumer = 'unplaced')
        FROM pull_bytes_by_consumer GROUP BY day ORDER BY day
        """
    )
    if not rows:
        return None
    cols = np.nan_to_num(np.array([r[1:] for r in rows], dtype=float).T)
    return dict(zip(("same_region", "other_region", "outside_aws", "unplaced"), cols, strict=True))


def load_days(warehouse) -> tuple[dict[str, np.ndarray] | None, dict[str, np.ndarray] | None, str]:  # noqa: ANN001
    """Per-day totals of the current CloudTrail measurement: pulls/bytes, and layer bytes by network path."""
    window = warehouse.query("SELECT scope->>'start', scope->>'end' FROM latest_trail_run")
    if not window:
        return None, None, ""
    label = f"{window[0][0]}…{window[0][1]}"
    rows = warehouse.query(
        "SELECT day, sum(pulls), sum(bytes_requested), sum(bytes_pulled) FROM pull_measurements "
        "WHERE unresolved_pulls = 0 AND unsized_fetches = 0 GROUP BY day ORDER BY day"
    )
    pulls = None
    if rows:
        cols = np.array([r[1:] for r in rows], dtype=float).T
        pulls = {"pulls": cols[0], "bytes_requested": cols[1], "bytes_pulled": cols[2]}
    paths = warehouse.query(
        """
        SELECT day,
               sum(bytes) FILTER (WHERE layer_path = 'nat'),
               sum(bytes) FILTER (WHERE layer_path = 'gateway-endpoint'),
               sum(bytes) FILTER (WHERE layer_path IN ('internet-gateway', 'transit-gateway'))
        FROM pull_bytes_by_path WHERE (SELECT count(*) FROM current_network_subnets) > 0
        GROUP BY day ORDER BY day
        """
    )
    net = None
    if paths:
        cols = np.nan_to_num(np.array([r[1:] for r in paths], dtype=float).T)
        net = {"nat": cols[0], "gateway_endpoint": cols[1], "direct": cols[2]}
    return pulls, net, label


def measurements(warehouse) -> list[Measurement]:  # noqa: ANN001
    """What CloudTrail and the VPCs measured in the warehouse, before it is applied to scenarios."""
    pulls, net, window = load_days(warehouse)
    found: list[Measurement] = []
    if pulls is not None and (m := hit_ratio(pulls, window)) is not None:
        found.append(m)
    if net is not None:
        found += network_shares(net, window)
    consumers = load_consumer_days(warehouse) if window else None
    if consumers is not None and (c := consumer_split(consumers, window)) is not None:
        found.append(c)
    return found


def measured(warehouse, scenarios: list, explicit: dict[str, set[str]] | None = None) -> tuple[list, list[str]]:  # noqa: ANN001
    """Every scenario with what the warehouse measured; `explicit`: fields each scenario file set itself."""
    found = measurements(warehouse)
    if not found:
        return scenarios, []
    if explicit is None:
        explicit = {s.name: set(s.assumptions.model_fields_set) for s in scenarios}
    return apply(scenarios, found, explicit)
