"""The demo estate's own ECR bill: Cost Explorer responses and a CUR 2.0 Parquet export that agree with its usage.

Storage is billed as AWS meters it: each month's GB-months are the byte-hours of the estate's billable blobs
(unique per repository, per registry with blob mounting; a blob from its first push on; archive class once
every image holding it is archived). Transfer comes from the estate's pulls with a KNOWN layer-cache hit ratio
and consumer split (`DEMO_TRUTH`), so `regcost calibrate --fit` on the demo recovers them. Bytes per pull follow
the workload model's definition (the mean compressed size of a repository's images pulled in the metric window),
which is what makes the recovery exact rather than approximate.

Prices are the us-east-1 list prices of data/pricing (flat first tiers): this is demo data, not a quote.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.collectors.costs import CODE_OF_REGION, CeRequest, add_months, month_start, window_months
from analysis.demo.estate.records import MT_DOCKER_LIST, MT_OCI_INDEX, Estate

GIB = float(2**30)

# What the demo bill is generated with; the calibration must find these again.
DEMO_TRUTH: dict[str, Any] = {
    "layer_cache_hit_ratio": 0.55,
    "consumers": {"same_region": 0.78, "other_region": 0.06, "internet": 0.12, "other_cloud": 0.04},
}
# USD; ecr-facts §0.1 (storage, archive, restore, first internet tier, inter-region from us-east-1).
PRICES = {
    "storage": 0.10,
    "archive": 0.10,
    "egress-internet": 0.09,
    "inter-region-out": 0.02,
    "regional": 0.0,
}


@dataclass(frozen=True)
class BillLine:
    month: date
    account_id: str
    region: str
    usage_type: str
    usage_class: str
    quantity: float
    unit: str
    cost: float
    estimated: bool


def _code(region: str) -> str:
    return CODE_OF_REGION[region]


def usage_type(cls: str, region: str, peer: str | None = None) -> str:
    """Usage types as AWS writes them: us-east-1 storage and internet egress without a prefix, its archive and
    regional lines with USE1-, every other region with its code."""
    code = _code(region)
    if cls == "storage":
        return "TimedStorage-ByteHrs" if region == "us-east-1" else f"{code}-TimedStorage-ByteHrs"
    if cls == "archive":
        return f"{code}-TimedStorage-Archive-ByteHrs"
    if cls == "egress-internet":
        return "DataTransfer-Out-Bytes" if region == "us-east-1" else f"{code}-DataTransfer-Out-Bytes"
    if cls == "inter-region-out":
        return f"{code}-{_code(peer or region)}-AWS-Out-Bytes"
    if cls == "regional":
        return f"{code}-DataTransfer-Regional-Bytes"
    raise ValueError(cls)


def _children(estate: Estate) -> set[tuple[str, str, str, str]]:
    out = set()
    for img in estate.images:
        if img.manifest_media_type in (MT_OCI_INDEX, MT_DOCKER_LIST):
            for child in json.loads(img.manifest).get("manifests", []):
                out.add((img.account_id, img.region, img.repository, child["digest"]))
    return out


def _bytes_per_pull(estate: Estate, pull_start: datetime) -> dict[tuple[str, str, str], float]:
    """Mean compressed size of a repository's images pulled since `pull_start` (else of its tagged ones)."""
    children = _children(estate)
    pulled: dict[tuple, list[int]] = defaultdict(list)
    tagged: dict[tuple, list[int]] = defaultdict(list)
    for img in estate.images:
        key = (img.account_id, img.region, img.repository)
        if (*key, img.digest) in children:
            continue
        if img.last_pull_at is not None and img.last_pull_at >= pull_start:
            pulled[key].append(img.size_in_bytes)
        if img.tags:
            tagged[key].append(img.size_in_bytes)
    keys = set(pulled) | set(tagged)
    return {k: float(np.mean(pulled[k])) if pulled.get(k) else float(np.mean(tagged[k])) for k in keys}


def _blob_frame(estate: Estate) -> dict[str, Any]:
    """One row per billed blob: scope index, repository key, size, first push (s), archived-from (s or inf)."""
    mounted = {(r.account_id, r.region) for r in estate.registries if r.blob_mounting == "ENABLED"}
    first: dict[tuple, float] = {}
    active: dict[tuple, bool] = {}
    archived_at: dict[tuple, float] = {}
    size: dict[tuple, int] = {}
    for img in estate.images:
        scope = (img.account_id, img.region)
        owner = scope if scope in mounted else (*scope, img.repository)
        pushed = img.pushed_at.timestamp()
        is_active = img.status != "ARCHIVED"
        arch = img.last_archived_at.timestamp() if img.last_archived_at else pushed
        blobs = [(b, estate.blobs[b]) for b in estate.manifest_blobs.get(img.digest, ())]
        blobs.append((img.digest, len(img.manifest.encode())))
        for blob, n in blobs:
            k = (*owner, blob)
            if k not in first or pushed < first[k]:
                first[k] = pushed
            size[k] = n
            active[k] = active.get(k, False) or is_active
            archived_at[k] = max(archived_at.get(k, 0.0), arch)
    keys = list(first)
    scopes = sorted({k[:2] for k in keys})
    index = {sc: i for i, sc in enumerate(scopes)}
    return {
        "scopes": scopes,  # (account, region) of each scope code
        "scope": np.array([index[k[:2]] for k in keys], dtype=np.int64),
        "size": np.array([size[k] for k in keys], dtype=float),
        "first": np.array([first[k] for k in keys], dtype=float),
        "archived": np.array([np.inf if active[k] else archived_at[k] for k in keys], dtype=float),
    }


def _month_bounds(m: date) -> tuple[float, float]:
    start = datetime(m.year, m.month, 1, tzinfo=UTC)
    end_m = add_months(m, 1)
    return start.timestamp(), datetime(end_m.year, end_m.month, 1, tzinfo=UTC).timestamp()


def generate_bill(estate: Estate, today: date, truth: dict[str, Any] | None = None) -> list[BillLine]:
    """Monthly ECR bill lines per (account, region, usage type) for the 13 months Cost Explorer shows."""
    truth = truth or DEMO_TRUTH
    hit = truth["layer_cache_hit_ratio"]
    share = truth["consumers"]
    months = window_months(today)
    current = month_start(today)
    now_s = datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp()
    regions = list(estate.regions)
    acc: dict[tuple[date, str, str, str, str | None], float] = defaultdict(float)

    # Storage and archive GB-months.
    blobs = _blob_frame(estate)
    for m in months:
        lo, hi = _month_bounds(m)
        hi_eff = min(hi, now_s) if m == current else hi
        span = hi - lo  # GB-months of the calendar month: a partial month's usage so far
        std = np.clip(np.minimum(hi_eff, blobs["archived"]) - np.maximum(lo, blobs["first"]), 0, None) / span
        arc = np.clip(hi_eff - np.maximum(lo, np.maximum(blobs["first"], blobs["archived"])), 0, None) / span
        for cls, frac in (("storage", std), ("archive", arc)):
            gb = np.bincount(blobs["scope"], weights=frac * blobs["size"] / GIB, minlength=len(blobs["scopes"]))
            for (acct, region), total in zip(blobs["scopes"], gb.tolist(), strict=True):
                if total > 0:
                    acc[(m, acct, region, cls, None)] += total

    # Transfer from pulls: counted days as they are, days outside the metric window at the repository's rate.
    pull_days = sorted({p.day for p in estate.pull_counts})
    if pull_days:
        first_day, last_day = pull_days[0], pull_days[-1]
        n_days = (last_day - first_day).days + 1
        bpp = _bytes_per_pull(estate, datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC))
        by_month: dict[tuple, float] = defaultdict(float)
        totals: dict[tuple, float] = defaultdict(float)
        for p in estate.pull_counts:
            key = (p.account_id, p.region, p.repository)
            by_month[(*key, month_start(p.day))] += p.pulls
            totals[key] += p.pulls
        created = {(r.account_id, r.region, r.name): r.created_at.date() for r in estate.repositories}
        for key, total in totals.items():
            rate = total / n_days
            gb_per_pull = bpp.get(key, 0.0) / GIB
            for m in months:
                m_end = add_months(m, 1) - timedelta(days=1)
                last = min(m_end, today - timedelta(days=1))
                days = [m + timedelta(days=d) for d in range((last - m).days + 1)]
                outside = sum(1 for d in days if not first_day <= d <= last_day and d >= created.get(key, d))
                pulls = by_month.get((*key, m), 0.0) + rate * outside
                moved = pulls * gb_per_pull * (1.0 - hit)
                acct, region, _ = key
                peer: str | None = next((r for r in regions if r != region), region)
                acc[(m, acct, region, "egress-internet", None)] += moved * (share["internet"] + share["other_cloud"])
                acc[(m, acct, region, "inter-region-out", peer)] += moved * share["other_region"]
                acc[(m, acct, region, "regional", None)] += moved * share["same_region"]

    # Replication: a replicated repository's new blobs, once per destination, in the month of their first push.
    for (acct, region, _repo, dest), per_month in _replicated_bytes(estate, blobs).items():
        for m in months:
            if per_month.get(m):
                acc[(m, acct, region, "inter-region-out", dest)] += per_month[m] / GIB

    lines = []
    for (m, acct, region, cls, peer), qty in sorted(acc.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        if qty <= 0:
            continue
        unit = "GB-Mo" if cls in ("storage", "archive") else "GB"
        lines.append(
            BillLine(m, acct, region, usage_type(cls, region, peer), cls, qty, unit, qty * PRICES[cls], m == current)
        )
    return lines


def _replicated_bytes(estate: Estate, blobs: dict[str, np.ndarray]) -> dict[tuple, dict[date, float]]:
    """Bytes first pushed per month into repositories that replication rules copy elsewhere, per destination."""
    del blobs  # per repository, not per billed blob: replication copies what each repository receives
    dests: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    rules = {(reg.account_id, reg.region): reg.replication_rules for reg in estate.registries}
    for repo in estate.repositories:
        for rule in rules.get((repo.account_id, repo.region), []):
            prefixes = [f["filter"] for f in rule.get("repositoryFilters", []) if f.get("filterType") == "PREFIX_MATCH"]
            if prefixes and not any(repo.name.startswith(p) for p in prefixes):
                continue
            dests[(repo.account_id, repo.region, repo.name)] += [
                d["region"] for d in rule.get("destinations", []) if d.get("region") != repo.region
            ]
    first: dict[tuple, float] = {}
    sizes: dict[tuple, int] = {}
    for img in estate.images:
        if (img.account_id, img.region, img.repository) not in dests:
            continue
        t = img.pushed_at.timestamp()
        for blob in (*estate.manifest_blobs.get(img.digest, ()), img.digest):
            k = (img.account_id, img.region, img.repository, blob)
            if k not in first or t < first[k]:
                first[k] = t
            sizes[k] = estate.blobs.get(blob, len(img.manifest.encode()))
    out: dict[tuple, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for k, t in first.items():
        m = month_start(datetime.fromtimestamp(t, UTC).date())
        for dest in dests[k[:3]]:
            out[(*k[:3], dest)][m] += sizes[k]
    return out


# ---- Cost Explorer responses ------------------------------------------------------------------------------
def ce_pages(lines: list[BillLine], requests: list[CeRequest], page_size: int = 4) -> list[dict[str, Any]]:
    """The responses Cost Explorer would give, in request order, `page_size` months per page (NextPageToken)."""
    pages: list[dict[str, Any]] = []
    for req in requests:
        # [cost, quantity, unit] per month and key
        grouped: dict[date, dict[tuple, list[Any]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0, ""]))
        for line in lines:
            if req.start <= line.month < req.end:
                key = (line.usage_type, line.account_id) if req.by_account else (line.usage_type,)
                g = grouped[line.month][key]
                g[0] += line.cost
                g[1] += line.quantity
                g[2] = line.unit
        months = []
        m = req.start
        while m < req.end:
            months.append(m)
            m = add_months(m, 1)
        periods = []
        for m in months:
            end = min(add_months(m, 1), req.end)
            groups = [
                {
                    "Keys": list(key),
                    "Metrics": {
                        "UnblendedCost": {"Amount": f"{v[0]:.10f}", "Unit": "USD"},
                        "UsageQuantity": {"Amount": f"{v[1]:.10f}", "Unit": v[2]},
                    },
                }
                for key, v in sorted(grouped[m].items())
            ]
            periods.append(
                {
                    "TimePeriod": {"Start": m.isoformat(), "End": end.isoformat()},
                    "Total": {},
                    "Groups": groups,
                    "Estimated": any(line.estimated for line in lines if line.month == m),
                }
            )
        chunks = [periods[i : i + page_size] for i in range(0, len(periods), page_size)] or [[]]
        for i, chunk in enumerate(chunks):
            page: dict[str, Any] = {"ResultsByTime": chunk, "DimensionValueAttributes": []}
            if i + 1 < len(chunks):
                page["NextPageToken"] = f"{req.start.isoformat()}/{i + 1}"
            pages.append(page)
    return pages


# ---- CUR 2.0 export ---------------------------------------------------------------------------------------
def write_cur2(lines: list[BillLine], path: Path, payer: str, today: date) -> Path:
    """A CUR 2.0 (Data Exports) Parquet file: ECR lines split per day (storage GB-months per day add up to the
    month's), and a few non-ECR lines around them as in a real export."""
    cols: dict[str, list[Any]] = defaultdict(list)

    def add(day: date, acct: str, product: str, ut: str, qty: float, cost: float, unit: str, region: str) -> None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        cols["bill_billing_period_start_date"].append(datetime(day.year, day.month, 1, tzinfo=UTC))
        cols["bill_payer_account_id"].append(payer)
        cols["line_item_usage_account_id"].append(acct)
        cols["line_item_line_item_type"].append("Usage")
        cols["line_item_usage_start_date"].append(start)
        cols["line_item_usage_end_date"].append(start + timedelta(days=1))
        cols["line_item_product_code"].append(product)
        cols["line_item_usage_type"].append(ut)
        cols["line_item_operation"].append("")
        cols["line_item_usage_amount"].append(qty)
        cols["line_item_unblended_cost"].append(cost)
        cols["line_item_currency_code"].append("USD")
        cols["pricing_unit"].append(unit)
        cols["product_region_code"].append(region)
        cols["product"].append([("region", region), ("servicecode", product)])

    for line in lines:
        # The open month holds the days so far; a closed month all of its days.
        end = min(add_months(line.month, 1), today) if line.estimated else add_months(line.month, 1)
        days = max(1, (end - line.month).days)
        for d in range(days):
            day = line.month + timedelta(days=d)
            add(
                day,
                line.account_id,
                "AmazonECR",
                line.usage_type,
                line.quantity / days,
                line.cost / days,
                line.unit,
                line.region,
            )
            if d == 0:  # neighbours: the same account's EC2 and S3 lines that the filter must skip
                add(day, line.account_id, "AmazonEC2", "BoxUsage:m7g.large", 24.0, 1.96, "Hrs", line.region)
                add(day, line.account_id, "AmazonS3", "TimedStorage-ByteHrs", 5.0, 0.115, "GB-Mo", line.region)
    schema = pa.schema(
        [
            ("bill_billing_period_start_date", pa.timestamp("ms", tz="UTC")),
            ("bill_payer_account_id", pa.string()),
            ("line_item_usage_account_id", pa.string()),
            ("line_item_line_item_type", pa.string()),
            ("line_item_usage_start_date", pa.timestamp("ms", tz="UTC")),
            ("line_item_usage_end_date", pa.timestamp("ms", tz="UTC")),
            ("line_item_product_code", pa.string()),
            ("line_item_usage_type", pa.string()),
            ("line_item_operation", pa.string()),
            ("line_item_usage_amount", pa.float64()),
            ("line_item_unblended_cost", pa.float64()),
            ("line_item_currency_code", pa.string()),
            ("pricing_unit", pa.string()),
            ("product_region_code", pa.string()),
            ("product", pa.map_(pa.string(), pa.string())),
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(dict(cols), schema=schema), path)
    return path
