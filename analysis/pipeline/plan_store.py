"""The migration plan built once per snapshot and kept in the warehouse, so estimate, report and the dashboard read
its figures instead of building the same plan again (seconds at 100,000 images, a minute at 1M on a busy machine).

    if worth_keeping(warehouse):              # a writer, when a collection ends (pipeline/ecr.py)
        summary = build_and_keep(warehouse)
    summary = stored(warehouse, at, catalog)  # a reader: the kept summary if it still fits, else None

A kept summary is used only when all of these still hold, else the reader builds the plan itself:
- the snapshot is the one it was built from (`warehouse/plan_summaries.py: basis`: any run ending changes it);
- the as-of date is the same (the plan ages images against it; by default the last collection's end);
- the price catalog's files are byte for byte the same (the waves price their egress);
- regcost's code and shipped data are the same (a newer plan may count differently);
- no reference scan is asked for (a scan reads files outside the warehouse, which can change unseen).

What it holds is what every output takes from the plan: the engineer-days (`portability.plan.migration_days`) and
the plan as `as_dict` gives it (the report's typed plan and the dashboard's Portability page are made from it).
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.resources import PACKAGE, shipped_data
from analysis.warehouse import Warehouse, plan_summaries

# The model and the catalog (pydantic, numpy: ~0.25 s of CPU) are imported where a plan is read or built, not with
# this module: `collect ecr` imports it to ask `worth_keeping`, and on a small estate that is all it asks.
if TYPE_CHECKING:
    from analysis.model.assumptions import Range
    from analysis.portability.plan import Plan
    from analysis.pricing import Catalog

WAVE_SIZE = 50  # portability.plan.build_plan's default: repositories per wave
# Keeping the plan costs the collection pandas' import (~0.9 s of CPU, more than the rest of a small collection's own
# work) and the build; a reader of a snapshot this small builds the plan in a few tenths of a second (3,200 images:
# 0.1 s, 40,000: 0.5–0.8 s; docs/benchmarks.md). Below this many images the collection keeps none.
KEEP_FROM_IMAGES = 10_000


@dataclass(frozen=True)
class PlanSummary:
    """What the outputs take from a migration plan, built now or read back."""

    days: Range | None  # engineer-days; None: nothing to migrate (no repositories in the waves)
    plan: dict[str, Any]  # portability.plan.as_dict, through JSON (as `regcost plan --format json` writes it)
    kept: bool  # read back from the warehouse rather than built by this process
    build_seconds: float  # what building it took (when kept: what the build that kept it took)
    # False: only the estimate's figures were derived (`figures`): `plan` holds only its wave_traffic_shares and scan
    whole: bool = True


def last_collected(wh: Warehouse) -> datetime:
    """When the newest finished collection ended: the default as-of date (now when nothing has finished)."""
    row = wh.query("SELECT max(finished_at) FROM runs WHERE status <> 'running'")
    ended = row[0][0] if row else None
    if ended is None:
        return datetime.now(UTC)
    return ended if ended.tzinfo else ended.replace(tzinfo=UTC)


@functools.cache
def code_digest() -> str:
    """A digest of regcost's code and shipped data (prices, presets, the Harbor spec): what a plan built by another
    version would differ by. Read once per process (~200 files, a few ms)."""
    digest = hashlib.sha1()
    for root in (PACKAGE, shipped_data()):
        for p in sorted(root.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                digest.update(p.relative_to(root).as_posix().encode())
                digest.update(p.read_bytes())
    return digest.hexdigest()


def catalog_digest(catalog: Catalog) -> str:
    """The catalog's files, byte for byte (shipped and the user's, in load order)."""
    digest = hashlib.sha1()
    for p in catalog.files:
        digest.update(Path(p).read_bytes())
    return digest.hexdigest()


def options(at: datetime, catalog: Catalog) -> str:
    """The options a plan was built with, as the stable text the warehouse row is found by."""
    return json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(),
            "catalog": catalog_digest(catalog),
            "wave_size": WAVE_SIZE,
            "code": code_digest(),
        },
        sort_keys=True,
    )


def summarize(plan: Plan, seconds: float, *, kept: bool = False) -> PlanSummary:
    from analysis.portability.plan import as_dict, migration_days

    days = migration_days(plan) if len(plan.waves.repositories) else None
    return PlanSummary(days, json.loads(json.dumps(as_dict(plan), default=str)), kept, seconds)


def stored(wh: Warehouse, at: datetime, catalog: Catalog) -> PlanSummary | None:
    """The summary kept for this snapshot, as-of date, catalog and code; None: build the plan."""
    from analysis.model.assumptions import Range

    row = plan_summaries.find(wh, options(at, catalog))
    if row is None:
        return None
    low, base, high = row.days
    days = Range(low=low, base=base, high=high) if row.repositories else None
    return PlanSummary(days, json.loads(row.plan_json), True, row.build_seconds)


def build(wh: Warehouse, at: datetime, catalog: Catalog, scan_paths: list[Path] | None = None) -> tuple[Plan, float]:
    from analysis.portability.plan import build_plan

    t0 = time.perf_counter()
    plan = build_plan(wh, scan_paths=scan_paths, at=at, catalog=catalog, wave_size=WAVE_SIZE)
    return plan, time.perf_counter() - t0


def figures(wh: Warehouse) -> PlanSummary:
    """Only what the estimate takes from the plan (engineer-days, the waves' traffic shares), the same numbers as
    `summarize(build(...))` without a reference scan, without building the plan (`portability.plan.migration_figures`:
    at 5M images the whole plan takes half a minute). Not kept: the warehouse keeps whole plans only."""
    from analysis.portability.plan import migration_figures

    t0 = time.perf_counter()
    days, shares = migration_figures(wh, wave_size=WAVE_SIZE)
    plan = {"wave_traffic_shares": shares, "scan": None}
    return PlanSummary(days, plan, kept=False, build_seconds=time.perf_counter() - t0, whole=False)


def worth_keeping(wh: Warehouse) -> bool:
    """Whether the snapshot holds enough images that its readers would rather read a kept plan than build one."""
    (images,) = wh.query("SELECT coalesce(sum(images), 0) FROM profile_repository_images")[0]
    return images >= KEEP_FROM_IMAGES


def build_and_keep(wh: Warehouse, catalog: Catalog | None = None) -> PlanSummary:
    """Build the plan of the snapshot as it now is (no reference scan, as of the last collection's end, the
    shipped catalog unless given) and keep its summary in the warehouse: a writer, once a run has ended."""
    from analysis.model.assumptions import Range
    from analysis.pricing import load_catalog

    catalog = catalog or load_catalog(None)
    at = last_collected(wh)
    plan, seconds = build(wh, at, catalog)
    summary = summarize(plan, seconds)
    days = summary.days or Range(low=0, base=0, high=0)
    plan_summaries.keep(
        wh,
        options(at, catalog),
        plan_summaries.StoredSummary(
            repositories=len(plan.waves.repositories),
            days=(days.low, days.base, days.high),
            plan_json=json.dumps(summary.plan),
            built_at=datetime.now(UTC),
            build_seconds=seconds,
        ),
    )
    return summary
