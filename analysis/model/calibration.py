"""Calibration: the model's past months against the bill, and a fit of what the estate cannot measure.

Per past month and region the model knows the bytes pulls asked for (CloudWatch pull counts × each
repository's compressed image size), what was stored (unique blobs by first push, in GB-months) and what was
replicated. The bill (Cost Explorer or CUR, `current_cost_lines`) says what was transferred. Transfer is
linear in the two unmeasured assumptions:

    internet GB      = pulls GB × (1 − hit) × (internet + other_cloud)
    inter-region GB  = pulls GB × (1 − hit) × other_region  + replication GB
    regional GB      = pulls GB × (1 − hit) × same_region          (only where the bill has such lines)

so each effective share e_k = (1 − hit) × share_k is a one-parameter least-squares fit through the origin,
e_k = Σ y·x / Σ x² over (month, region) pairs. With regional lines the shares add up to 1 and
1 − hit = Σ e_k separates the hit ratio from the split. Without them only the products are identified:
the same-region share is held at its assumption and hit and the other shares follow (said in the result).

Loaders at the bottom read the warehouse into frames; everything above them is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from analysis.model.assumptions import Assumptions, Share, base

GIB = float(2**30)
COMPONENTS = ("storage", "egress-internet", "inter-region", "regional")
SOURCE_PRIORITY = ("cur", "ce-by-account", "ce")  # per month, the most detailed source wins


class CalibrationError(Exception):
    """Nothing to calibrate against, or a bill the model cannot explain: the message says what to collect."""


# ---- pure: actuals, model months, comparison -----------------------------------------------------------
def actual_by_component(lines: pd.DataFrame) -> pd.DataFrame:
    """Cost lines (month, region, usage_class, quantity, cost, source, estimated) → one row per (month, region,
    component) from the preferred source of each month. Storage and archive GB-months add up to `storage`;
    inter-region counts the outbound side only (inbound is free and not in the model)."""
    if lines.empty:
        return pd.DataFrame(columns=["month", "region", "component", "quantity", "cost", "estimated", "source"])
    rank = {s: i for i, s in enumerate(SOURCE_PRIORITY)}
    lines = lines.assign(rank=lines["source"].map(rank).fillna(len(rank)))
    best = lines.groupby("month")["rank"].transform("min")
    lines = lines[lines["rank"] == best]
    component = lines["usage_class"].map(
        {
            "storage": "storage",
            "archive": "storage",
            "egress-internet": "egress-internet",
            "inter-region-out": "inter-region",
            "regional": "regional",
        }
    )
    lines = lines.assign(component=component).dropna(subset=["component", "region"])
    return (
        lines.groupby(["month", "region", "component"], as_index=False)
        .agg(
            quantity=("quantity", "sum"),
            cost=("cost", "sum"),
            estimated=("estimated", "any"),
            source=("source", "first"),
        )
        .sort_values(["month", "region", "component"], ignore_index=True)
    )


def model_months(
    repos: pd.DataFrame,
    pulls: pd.DataFrame,
    storage: pd.DataFrame,
    added: pd.DataFrame,
    window: tuple[date | None, date | None],
) -> pd.DataFrame:
    """The model's quantities per (month, region): pull_gb (before the node cache), storage_gb_month,
    replication_gb, and whether pull counts cover every day of the month (`covered`).

    repos: account_id, region, repository_name, bytes_per_pull_uncached, replication_destinations (list)
    pulls: account_id, region, repository_name, month, pulls
    storage: month, region, gb_month          added: account_id, region, repository_name, month, bytes
    """
    keys = ["account_id", "region", "repository_name"]
    p = pulls.merge(repos[[*keys, "bytes_per_pull_uncached"]], on=keys, how="left").fillna(
        {"bytes_per_pull_uncached": 0}
    )
    p["pull_gb"] = p["pulls"] * p["bytes_per_pull_uncached"] / GIB
    pull = p.groupby(["month", "region"], as_index=False)["pull_gb"].sum()
    dests = repos.assign(n_dest=repos["replication_destinations"].map(len))[[*keys, "n_dest"]]
    r = added.merge(dests, on=keys, how="inner")
    r["replication_gb"] = r["bytes"] * r["n_dest"] / GIB
    repl = r.groupby(["month", "region"], as_index=False)["replication_gb"].sum()
    out = storage.rename(columns={"gb_month": "storage_gb_month"})
    for frame in (pull, repl):
        out = out.merge(frame, on=["month", "region"], how="outer")
    out = out.fillna({"pull_gb": 0.0, "replication_gb": 0.0, "storage_gb_month": 0.0})
    first, last = window
    out["covered"] = [
        first is not None and last is not None and first <= m and _month_end(m) <= last for m in out["month"]
    ]
    return out.sort_values(["month", "region"], ignore_index=True)


def _month_end(m: date) -> date:
    """The month's last day."""
    nxt = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _transfer_model(model: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    c = a.consumers
    moved = model["pull_gb"] * (1.0 - base(a.layer_cache_hit_ratio))
    return model.assign(
        **{
            "egress-internet": moved * (base(c.internet) + base(c.other_cloud)),
            "inter-region": moved * base(c.other_region) + model["replication_gb"],
            "regional": moved * base(c.same_region),
            "storage": model["storage_gb_month"],
        }
    )


def compare(model: pd.DataFrame, actual: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Model vs actual per month and component (regions summed): quantities, difference, and whether the
    month is fit for calibration (closed and covered by pull counts)."""
    m = _transfer_model(model, a)
    long = m.melt(id_vars=["month", "region", "covered"], value_vars=list(COMPONENTS), var_name="component")
    mod = long.groupby(["month", "component"], as_index=False).agg(model=("value", "sum"), covered=("covered", "all"))
    act = (
        actual[actual["component"].isin(COMPONENTS)]
        .groupby(["month", "component"], as_index=False)
        .agg(actual=("quantity", "sum"), cost=("cost", "sum"), estimated=("estimated", "any"))
    )
    out = act.merge(mod, on=["month", "component"], how="left").fillna({"model": 0.0, "covered": False})
    # Transfer of a month without full pull counts is not modelled (the pulls are unknown), not zero.
    out.loc[(out["component"] != "storage") & ~out["covered"].astype(bool), "model"] = np.nan
    out["difference"] = np.where(out["actual"] != 0, out["model"] / out["actual"] - 1.0, np.nan)
    out["unit"] = np.where(out["component"] == "storage", "GB-month", "GB")
    return out.sort_values(["month", "component"], ignore_index=True)[
        ["month", "component", "unit", "model", "actual", "difference", "cost", "estimated", "covered"]
    ]


@dataclass(frozen=True)
class Fit:
    layer_cache_hit_ratio: float
    consumers: dict[str, float]
    identified: str  # "all" | "same_region held at its assumption"
    residual: float  # relative RMS of the fitted transfer against the bill
    months: list[date]
    observations: int
    effective: dict[str, float]  # fitted (1 − hit) × share per billed class
    notes: list[str] = field(default_factory=list)
    # Parameters the bill cannot pin down, each with why and what the fit did with it (kept as an assumption).
    not_identifiable: dict[str, str] = field(default_factory=dict)

    def assumptions(self, a: Assumptions) -> Assumptions:
        """`a` with the fitted hit ratio and consumer split (other_cloud keeps its assumed part of outside AWS)."""
        return a.model_copy(
            update={"layer_cache_hit_ratio": self.layer_cache_hit_ratio, "consumers": Share(**self.consumers)}
        )

    def note(self) -> str:
        c = self.consumers
        return (
            f"calibrated from {len(self.months)} billed month(s): layer_cache_hit_ratio "
            f"{self.layer_cache_hit_ratio:.3f}, consumers same_region {c['same_region']:.3f} / other_region "
            f"{c['other_region']:.3f} / internet {c['internet']:.3f} / other_cloud {c['other_cloud']:.3f} "
            f"({self.identified}; residual {self.residual:.1%})"
            + "".join(f"; {k}: {why}" for k, why in self.not_identifiable.items())
            + "".join(f"; {n}" for n in self.notes)
        )


def _observations(model: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """One row per (month, region) with both full pull counts and a closed bill: the model's pull GB beside the
    billed GB of each transfer line (NaN where the bill has no such line)."""
    usable = model[model["covered"] & (model["pull_gb"] > 0)]
    closed = actual[~actual["estimated"]]
    wide = closed.pivot_table(index=["month", "region"], columns="component", values="quantity", aggfunc="sum")
    data = usable.merge(wide.reset_index(), on=["month", "region"], how="inner")
    if data.empty:
        raise CalibrationError(
            "no month has both a closed bill and full CloudWatch pull counts: collect costs "
            "(`regcost collect costs --cost-explorer` or `--cur`) and ECR with `--metric-days` ≥ 62"
        )
    for col in ("egress-internet", "inter-region", "regional"):
        if col not in data:
            data[col] = np.nan
    return data


def fit(model: pd.DataFrame, actual: pd.DataFrame, a: Assumptions) -> Fit:
    """Least-squares fit of the hit ratio and consumer split to billed transfer (GB) of closed, covered months."""
    data = _observations(model, actual)
    x = data["pull_gb"].to_numpy(float)
    y_int = data["egress-internet"].fillna(0.0).to_numpy(float)
    y_inter = (data["inter-region"].fillna(0.0) - data["replication_gb"]).to_numpy(float)
    has_regional = data["regional"].notna().any()
    y_reg = data["regional"].fillna(0.0).to_numpy(float)
    xx = float(x @ x)
    e_int, e_or = float(x @ y_int) / xx, float(x @ y_inter) / xx
    c = a.consumers
    outside = base(c.internet) + base(c.other_cloud)
    internet_part = base(c.internet) / outside if outside else 1.0
    # Internet and other-cloud consumers are billed alike (data transfer out): never told apart by a bill.
    unknown = {
        "consumers.other_cloud": "not identifiable (billed as internet egress like consumers.internet): the "
        "fitted outside-AWS share is split in the assumed proportion"
    }
    if has_regional:
        e_same = float(x @ y_reg) / xx
        moved = e_int + e_or + e_same
        identified = "all identified: the bill has same-region lines"
    else:
        same = base(c.same_region)
        moved = (e_int + e_or) / (1.0 - same) if same < 1 else float("nan")
        e_same = moved * same
        identified = "same_region held at its assumption (the bill has no same-region lines)"
        # Only the products (1 − hit) × share of billed classes are fitted; hit and same_region trade off.
        unknown["consumers.same_region"] = (
            "not identifiable without same-region lines: kept at its assumption "
            f"{same:g}; the billed products (1 − hit) × share are fitted exactly"
        )
        unknown["layer_cache_hit_ratio"] = (
            "not identifiable on its own without same-region lines: it follows from the assumed same_region"
        )
        for k in ("other_region", "internet"):
            unknown[f"consumers.{k}"] = (
                "only (1 − hit) × share is identified without same-region lines; the share follows from the "
                "assumed same_region"
            )
    if not 0.0 < moved <= 1.0 + 1e-9:
        raise CalibrationError(
            f"the bill transfers {moved:.2f}× the bytes the pull counts ask for: the model cannot explain it "
            "(pull counts incomplete, or egress from something other than pulls)"
        )
    hit = 1.0 - min(moved, 1.0)
    shares = {"same_region": e_same / moved, "other_region": e_or / moved}
    shares["internet"] = e_int / moved * internet_part
    shares["other_cloud"] = 1.0 - shares["same_region"] - shares["other_region"] - shares["internet"]
    pred = np.concatenate([e_int * x, e_or * x, *([e_same * x] if has_regional else [])])
    obs = np.concatenate([y_int, y_inter, *([y_reg] if has_regional else [])])
    norm = float(np.sqrt((obs**2).sum()))
    residual = float(np.sqrt(((obs - pred) ** 2).sum())) / norm if norm else 0.0
    notes = []
    if len(data) < 6 or residual > 0.2:
        notes.append(
            f"weak fit: {len(data)} (month, region) observations, residual {residual:.0%} — collect more closed "
            "months with full pull counts before trusting the fitted values"
        )
    return Fit(
        notes=notes,
        layer_cache_hit_ratio=hit,
        consumers={k: max(0.0, v) for k, v in shares.items()},
        identified=identified,
        residual=residual,
        months=sorted(set(data["month"])),
        observations=len(data),
        effective={"egress-internet": e_int, "inter-region": e_or, "regional": e_same},
        not_identifiable=unknown,
    )


def line_errors(model: pd.DataFrame, actual: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Per billed line (component), the model's total against the bill's over the (month, region) pairs the bill
    has and a fit may use (closed, covered by pull counts): relative error = model ÷ bill − 1. A region-month
    the bill lacks is left out, not counted as zero. Storage is measured, not fitted."""
    m = _transfer_model(model, a)
    long = m.melt(id_vars=["month", "region", "covered"], value_vars=list(COMPONENTS), var_name="component")
    billed = actual[~actual["estimated"].astype(bool)]
    both = billed.merge(long[long["covered"].astype(bool)], on=["month", "region", "component"], how="inner")
    out = both.groupby("component", as_index=False).agg(model=("value", "sum"), bill=("quantity", "sum"))
    out["error"] = out["model"] / out["bill"] - 1.0
    return out


# ---- loaders: warehouse → frames ----------------------------------------------------------------------
_LINES = """
SELECT month, region, usage_class, sum(quantity) AS quantity, sum(cost) AS cost, source, bool_or(estimated) AS estimated
FROM current_cost_lines GROUP BY month, region, usage_class, source
"""

_PULLS = """
SELECT account_id, region, repository_name, CAST(date_trunc('month', day) AS DATE) AS month, sum(pulls) AS pulls
FROM current_ecr_pull_counts GROUP BY ALL
"""

_REPO_BLOBS = """
WITH img AS (SELECT account_id, region, repository_name, image_digest, pushed_at FROM current_ecr_images),
refs AS (
    SELECT i.*, l.layer_digest AS blob, l.size FROM img i JOIN manifest_layers l ON l.manifest_digest = i.image_digest
    UNION ALL
    SELECT i.*, m.config_digest, m.config_size FROM img i JOIN manifests m ON m.digest = i.image_digest
    WHERE m.config_digest IS NOT NULL
    UNION ALL
    SELECT i.*, m.digest, m.manifest_size FROM img i JOIN manifests m ON m.digest = i.image_digest
)
SELECT account_id, region, repository_name, blob, any_value(size) AS size, min(pushed_at) AS first_pushed_at
FROM refs GROUP BY ALL
"""

# Stock of each month in GB-months: a blob counts for the part of the month after its first push. Without blob
# mounting a blob is billed once per repository, with it once per registry (ecr-facts §2).
_STORAGE = """
WITH billed AS (
    SELECT b.account_id, b.region, b.blob, any_value(b.size) AS size, min(b.first_pushed_at) AS first_pushed_at
    FROM _cal_blobs b JOIN current_ecr_registries g USING (account_id, region)
    WHERE g.blob_mounting = 'ENABLED' GROUP BY ALL
    UNION ALL
    SELECT b.account_id, b.region, b.blob, b.size, b.first_pushed_at
    FROM _cal_blobs b LEFT JOIN current_ecr_registries g USING (account_id, region)
    WHERE coalesce(g.blob_mounting, 'DISABLED') <> 'ENABLED'
),
months AS (SELECT unnest(CAST(? AS DATE[])) AS month)
SELECT m.month, b.region,
       sum(b.size * greatest(0.0, least(1.0,
           epoch(CAST(m.month + INTERVAL 1 MONTH AS TIMESTAMPTZ) - b.first_pushed_at)
           / epoch(CAST(m.month + INTERVAL 1 MONTH AS TIMESTAMPTZ) - CAST(m.month AS TIMESTAMPTZ))))) / 1073741824.0
           AS gb_month
FROM months m, billed b GROUP BY ALL
"""

_ADDED = """
SELECT account_id, region, repository_name, CAST(date_trunc('month', first_pushed_at) AS DATE) AS month,
       sum(size) AS bytes
FROM _cal_blobs GROUP BY ALL
"""


def load_frames(warehouse) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN001 (Warehouse; import cycle)
    """(model months, actual by component) from the warehouse's current snapshot and cost lines."""
    from analysis.model.workload import load_profile

    con = warehouse.cursor()
    lines = con.execute(_LINES).df()
    if lines.empty:
        con.close()
        raise CalibrationError(
            "no cost lines in the warehouse: run `regcost collect costs --cost-explorer` or `--cur PATH`"
        )
    lines["month"] = pd.to_datetime(lines["month"]).dt.date
    actual = actual_by_component(lines)
    months = sorted(set(actual["month"]))
    pulls = con.execute(_PULLS).df()
    window = con.execute("SELECT min(day), max(day) FROM current_ecr_pull_counts").fetchall()[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cal_blobs AS {_REPO_BLOBS}")
    storage = con.execute(_STORAGE, [months]).df()
    added = con.execute(_ADDED).df()
    con.close()
    profile = load_profile(warehouse)
    for frame in (pulls, storage, added):
        if not frame.empty:
            frame["month"] = pd.to_datetime(frame["month"]).dt.date
    model = model_months(profile.repositories, pulls, storage, added, (window[0], window[1]))
    return model[model["month"].isin(months)].reset_index(drop=True), actual


def calibrate_warehouse(warehouse, assumptions: Assumptions) -> tuple[pd.DataFrame, Fit | None, str | None]:  # noqa: ANN001
    """The comparison under `assumptions`, and the fit (None with the reason when it cannot be made)."""
    model, actual = load_frames(warehouse)
    table = compare(model, actual, assumptions)
    try:
        return table, fit(model, actual, assumptions), None
    except CalibrationError as exc:
        return table, None, str(exc)


def calibrated(warehouse, scenarios: list) -> tuple[list, str]:  # noqa: ANN001 (Warehouse, list[Scenario])
    """Every scenario with the fitted hit ratio and consumer split (the baseline's assumptions are fitted)."""
    model, actual = load_frames(warehouse)
    result = fit(model, actual, scenarios[0].assumptions)
    out = [s.model_copy(update={"assumptions": result.assumptions(s.assumptions)}) for s in scenarios]
    return out, result.note()
