"""Does calibration work on bills it was not built from? Bills generated from a hidden truth that no preset
contains, with the noise, gaps and partial months real bills have; the fit's error per billed line before
(the presets' assumptions) and after (the fitted ones), and per parameter against the truth — or "not
identifiable" where the bill cannot tell (calibration.Fit.not_identifiable).

Used by benchmarks/calibration.py (docs/benchmarks.md) and tests/model/test_calibration_check.py. Pure: frames in,
frames out, a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analysis.model.assumptions import Assumptions, base
from analysis.model.calibration import Fit, actual_by_component, fit, line_errors

SHARES = ("same_region", "other_region", "internet", "other_cloud")


@dataclass(frozen=True)
class Truth:
    """What the generated bill is made of: a hidden hit ratio and consumer split, and how the bill is damaged."""

    name: str
    hit: float
    shares: dict[str, float]
    regions: dict[str, float]  # region → pulled GB a month before the node cache (the model's view)
    months: int = 6
    noise: float = 0.1  # relative sd of billed GB per (month, region, line): lognormal
    regional_lines: bool = True  # False: the bill does not separate same-region transfer
    first_month_covered: bool = True  # False: pull counts start mid-month (the model cannot price it)
    open_last_month: bool = False  # the current month, still estimated on the bill
    missing_lines: float = 0.0  # share of (month, region) with no line at all (e.g. a linked account's file lost)
    pull_growth: float = 0.0  # month-on-month growth of pulls
    replication_gb: float = 0.0  # GB a month replicated out of the first region


def model_frame(t: Truth) -> pd.DataFrame:
    """The model's months as calibration.model_months gives them (pull GB per month and region)."""
    rows = []
    for i in range(t.months):
        month = date(2025 + (i + 2) // 12, (i + 2) % 12 + 1, 1)
        for j, (region, gb) in enumerate(t.regions.items()):
            rows.append(
                {
                    "month": month,
                    "region": region,
                    "storage_gb_month": 500.0 * (j + 1),
                    "pull_gb": gb * (1.0 + t.pull_growth) ** i,
                    "replication_gb": t.replication_gb if j == 0 else 0.0,
                    "covered": t.first_month_covered or i > 0,
                }
            )
    return pd.DataFrame(rows)


def generate_bill(t: Truth, model: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Cost lines (month, region, usage_class, quantity, cost, source, estimated) the truth would bill."""
    rng = np.random.default_rng(seed)
    moved = model["pull_gb"] * (1.0 - t.hit)
    lines = {
        "storage": model["storage_gb_month"],
        "egress-internet": moved * (t.shares["internet"] + t.shares["other_cloud"]),
        "inter-region-out": moved * t.shares["other_region"] + model["replication_gb"],
    }
    if t.regional_lines:
        lines["regional"] = moved * t.shares["same_region"]
    last = max(model["month"])
    lost = rng.random(len(model)) < t.missing_lines  # the same (month, region) rows lose every line
    frames = []
    for usage_class, qty in lines.items():
        sigma = 0.0 if usage_class == "storage" else t.noise
        # lognormal with mean 1: billed GB scatter around what the truth transfers
        factor = rng.lognormal(-(sigma**2) / 2, sigma, len(qty)) if sigma else np.ones(len(qty))
        open_month = model["month"] == last
        # the open month is billed to date: about half of it
        billed = qty.to_numpy(float) * factor * np.where(t.open_last_month & open_month, 0.5, 1.0)
        frame = pd.DataFrame(
            {
                "month": model["month"],
                "region": model["region"],
                "usage_class": usage_class,
                "quantity": billed,
                "cost": billed * 0.05,
                "source": "cur",
                "estimated": bool(t.open_last_month) & open_month,
            }
        )
        frames.append(frame[~lost])
    return pd.concat(frames, ignore_index=True)


@dataclass
class CheckResult:
    truth: Truth
    fit: Fit
    lines: pd.DataFrame  # component, bill, before, after (relative errors)
    parameters: pd.DataFrame  # parameter, truth, before, after, identified


def check(t: Truth, seed: int = 7, presets: Assumptions | None = None) -> CheckResult:
    """Generate the bill, fit it, and measure the error before and after per line and per parameter."""
    a = presets or Assumptions()
    model = model_frame(t)
    actual = actual_by_component(generate_bill(t, model, seed))
    result = fit(model, actual, a)
    fitted = result.assumptions(a)
    before, after = line_errors(model, actual, a), line_errors(model, actual, fitted)
    lines = before.rename(columns={"error": "before"})[["component", "bill", "before"]].merge(
        after.rename(columns={"error": "after"})[["component", "after"]], on="component"
    )
    rows = [("layer_cache_hit_ratio", t.hit, base(a.layer_cache_hit_ratio), result.layer_cache_hit_ratio)]
    rows += [(f"consumers.{k}", t.shares[k], base(getattr(a.consumers, k)), result.consumers[k]) for k in SHARES]
    # What a bill always identifies: the products (1 − hit) × share of the classes it bills.
    products = {"(1 − hit) × outside AWS": ("internet", "other_cloud"), "(1 − hit) × other_region": ("other_region",)}
    if t.regional_lines:
        products["(1 − hit) × same_region"] = ("same_region",)
    for label, keys in products.items():
        truth = (1 - t.hit) * sum(t.shares[k] for k in keys)
        before = (1 - base(a.layer_cache_hit_ratio)) * sum(base(getattr(a.consumers, k)) for k in keys)
        after = (1 - result.layer_cache_hit_ratio) * sum(result.consumers[k] for k in keys)
        rows.append((label, truth, before, after))
    parameters = pd.DataFrame(rows, columns=["parameter", "truth", "before", "after"])
    parameters["identified"] = ~parameters["parameter"].isin(list(result.not_identifiable))
    return CheckResult(t, result, lines, parameters)


# Bills unlike the demo's (whose generator hides hit 0.6-ish and the presets' split): each truth is outside the
# presets, and each bill is damaged the way real ones are.
BILLS = (
    Truth(
        "CI-heavy, internet pulls, regional lines",
        hit=0.25,
        shares={"same_region": 0.40, "other_region": 0.05, "internet": 0.45, "other_cloud": 0.10},
        regions={"us-west-2": 40_000.0, "us-east-2": 12_000.0},
        months=6,
        noise=0.10,
        first_month_covered=False,
        pull_growth=0.04,
    ),
    Truth(
        "multi-region, no same-region lines, open month",
        hit=0.70,
        shares={"same_region": 0.55, "other_region": 0.35, "internet": 0.08, "other_cloud": 0.02},
        regions={"eu-central-1": 30_000.0, "eu-west-1": 25_000.0, "ap-southeast-1": 8_000.0},
        months=9,
        noise=0.15,
        regional_lines=False,
        open_last_month=True,
        replication_gb=150.0,
    ),
    Truth(
        "small estate, heavy noise, missing lines, partial months",
        hit=0.45,
        shares={"same_region": 0.85, "other_region": 0.02, "internet": 0.10, "other_cloud": 0.03},
        regions={"ap-northeast-1": 3_000.0, "sa-east-1": 900.0},
        months=4,
        noise=0.25,
        first_month_covered=False,
        open_last_month=True,
        missing_lines=0.15,
    ),
)
