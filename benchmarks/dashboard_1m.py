"""Dashboard over a 1,000,000-image warehouse: the first page, and a re-render after an assumption moves.

The warehouse is generated straight into DuckDB by `estimate_5m.generate` (same shape, 1M images). The app is
driven by Streamlit's AppTest in this process, with Streamlit's disk cache as the server has it (AppTest keeps
caches in memory only) in a fresh folder:
- the collection's end: a collection builds the migration plan once and keeps its summary in the warehouse
  (pipeline/plan_store.py: the self-hosted scenarios' engineer-days, as `regcost estimate` takes them); timed
  here as `build_and_keep` on the generated warehouse (the generator ends its run as a collection does, but
  does not build the plan);
- first page, cold: a new collection the dashboard never read (a fresh Streamlit cache) — the profile SQL, the
  kept plan summary and the estimate;
- first page, restarted: a new process on the same warehouse (the snapshot and plan come from the disk cache);
- then the Scenarios page, then the layer-cache slider moved to a new value each time — every move is a new
  estimate (no cache hit) over the cached profile.
Targets: first page ≤ 2 s, ≤ 300 ms per move. Figures go to docs/benchmarks.md.

    .venv/bin/python benchmarks/dashboard_1m.py [--images 1000000] [--db PATH] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _record import record  # noqa: E402
from estimate_5m import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0
TARGET_FIRST_S = 2.0
MOVES = (59, 58, 45, 30, 70, 20, 80, 35, 65, 50, 40, 55)


def _app(db: Path) -> Any:
    """An AppTest of the dashboard whose `persist="disk"` caches use the disk, as under `regcost dashboard`."""
    from streamlit.runtime.caching.storage.local_disk_cache_storage import LocalDiskCacheStorageManager
    from streamlit.testing.v1 import AppTest, app_test

    app_test.MemoryCacheStorageManager = LocalDiskCacheStorageManager  # type: ignore[misc]
    os.environ["REGCOST_DB"] = str(db)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)


# What the first page imports (a restarted server pays it once, before anything of the warehouse is read).
PAGE_MODULES = (
    "pandas",
    "plotly.graph_objects",
    "analysis.dashboard.state",
    "analysis.dashboard.charts",
    "analysis.dashboard.tables",
    "analysis.pipeline.result",
)


def first_page(db: Path, *, warm: bool = False) -> float:
    """The first page in this (new) process; `warm`: with the page's modules imported first, not timed."""
    if warm:
        import importlib

        for name in PAGE_MODULES:
            importlib.import_module(name)
    at = _app(db)
    t0 = time.perf_counter()
    at.run()
    took = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    return took


def measure(db: Path) -> dict[str, Any]:
    at = _app(db)
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    # a new process on the same warehouse: what a restarted `regcost dashboard` shows first
    child = subprocess.run(
        [sys.executable, __file__, "--db", str(db), "--first-page"], capture_output=True, text=True, check=True
    )
    restarted = float(child.stdout.strip().splitlines()[-1])
    child = subprocess.run(
        [sys.executable, __file__, "--db", str(db), "--first-page", "--warm"],
        capture_output=True,
        text=True,
        check=True,
    )
    restarted_warm = float(child.stdout.strip().splitlines()[-1])
    t0 = time.perf_counter()
    at.switch_page("analysis/dashboard/pages/scenarios.py").run()
    page = time.perf_counter() - t0
    moves = []
    for value in MOVES:
        t0 = time.perf_counter()
        at.slider(key="a.layer_cache_hit_ratio").set_value(float(value)).run()
        moves.append((time.perf_counter() - t0) * 1000)
        assert not at.exception, [e.value for e in at.exception]
    t0 = time.perf_counter()
    at.slider(key="a.layer_cache_hit_ratio").set_value(float(MOVES[0])).run()
    repeat = (time.perf_counter() - t0) * 1000
    return {
        "cold_s": cold,
        "restart_s": restarted,
        "restart_warm_s": restarted_warm,
        "page_s": page,
        "moves_ms": moves,
        "repeat_ms": repeat,
    }


def keep_plan(db: Path) -> float:
    """What a collection does when it ends (pipeline/ecr.py): build the plan and keep its summary (a writer)."""
    from analysis.pipeline.plan_store import build_and_keep
    from analysis.warehouse import Warehouse

    t0 = time.perf_counter()
    with Warehouse(db) as wh:
        build_and_keep(wh)
    return time.perf_counter() - t0


def _size(db: Path) -> str:
    from analysis.warehouse import Warehouse

    with Warehouse(db, read_only=True) as wh:
        images, repos = wh.query(
            "SELECT count(*), count(DISTINCT (account_id, region, repository_name)) FROM ecr_images"
        )[0]
    return f"{images:,} images in {repos:,} repositories"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=1_000_000)
    ap.add_argument("--repositories", type=int, default=4_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--reuse", action="store_true", help="measure --db as it is, without generating")
    ap.add_argument("--no-record", action="store_true")
    ap.add_argument("--first-page", action="store_true", help=argparse.SUPPRESS)  # the restarted process
    ap.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)  # … with the page's modules imported
    args = ap.parse_args()
    if args.first_page:
        print(f"{first_page(args.db, warm=args.warm):.3f}")
        return
    # A fresh Streamlit folder (its disk cache lives in ~/.streamlit): the first page is truly cold.
    home = tempfile.TemporaryDirectory(prefix="regcost-bench-home-")
    os.environ["HOME"] = home.name
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory(prefix="regcost-bench-")
        args.db = Path(tmp.name) / "dashboard-1m.duckdb"
    gen = None
    if not args.reuse:
        print(f"generating {args.images:,} images into {args.db} …", flush=True)
        gen = generate(args.db, images=args.images, repositories=args.repositories, seed=args.seed)
        print(f"generated in {gen['seconds_total']:.0f} s", flush=True)
    load = os.getloadavg()[0]
    kept = keep_plan(args.db)
    print(f"plan built and kept in {kept:.1f} s", flush=True)
    r = measure(args.db)
    load_end = os.getloadavg()[0]
    moves = r["moves_ms"]
    median, worst = statistics.median(moves), max(moves)
    print(
        f"cold {r['cold_s']:.2f} s, restarted {r['restart_s']:.2f} s, "
        f"scenarios page {r['page_s']:.2f} s, slider moves median {median:.0f} ms, "
        f"worst {worst:.0f} ms, repeated value {r['repeat_ms']:.0f} ms"
    )
    if not args.no_record:
        met = "met" if worst <= TARGET_MS else ("median met, worst **missed**" if median <= TARGET_MS else "**missed**")
        size = f"{gen['images']:,} images in {gen['repositories']:,} repositories" if gen else _size(args.db)
        body = "\n".join(
            [
                "## Dashboard over 1,000,000 images (`benchmarks/dashboard_1m.py`)",
                "",
                f"Warehouse: {size}, generated straight into DuckDB by `estimate_5m.generate`. Driven by "
                "Streamlit's AppTest in one process (server-side script time; the browser's redraw is not in it).",
                "",
                "| figure | measured | target |",
                "| --- | ---: | --- |",
                f"| the collection's end: migration plan built and kept (`plan_store.build_and_keep`) | {kept:.1f} s "
                "| — |",
                f"| first page, cold: a new collection (profile SQL, the kept plan's figures, estimate) | "
                f"{r['cold_s']:.2f} s | "
                f"≤ {TARGET_FIRST_S:.0f} s: {'met' if r['cold_s'] <= TARGET_FIRST_S else '**missed**'} |",
                f"| first page, dashboard restarted on the same warehouse (disk cache) | {r['restart_s']:.2f} s | "
                f"≤ {TARGET_FIRST_S:.0f} s: {'met' if r['restart_s'] <= TARGET_FIRST_S else '**missed**'} |",
                f"| … of which the imports (the same restart with pandas, plotly and regcost's modules imported "
                f"first) | {r['restart_s'] - r['restart_warm_s']:.2f} s | — |",
                f"| switch to Scenarios | {r['page_s'] * 1000:.0f} ms | — |",
                f"| re-render after a slider move, new value (median of {len(moves)}) | **{median:.0f} ms** | "
                f"≤ {TARGET_MS:.0f} ms: {met} |",
                f"| worst slider move | {worst:.0f} ms | ≤ {TARGET_MS:.0f} ms |",
                f"| slider back to a value seen before (estimate cache hit) | {r['repeat_ms']:.0f} ms | — |",
                "",
                "Moves: " + ", ".join(f"{m:.0f}" for m in moves) + " ms.",
                "",
                "The first page needs the migration plan's engineer-days (the self-hosted scenarios' migration "
                "effort). A collection builds the plan once when it ends and keeps its figures in the warehouse "
                "(table `plan_summaries`, keyed by the snapshot and the as-of date, catalog and code it was built "
                "with; any run ending makes it stale); estimate, report and the dashboard read them back instead "
                "of building the plan again (a reader whose options differ — `--at`, `--catalog`, `--scan` — still "
                "builds its own). The cost did not vanish: it moved to the collection's end (first row), and it "
                "is kept by an ECR collection only: a later run of another source (costs, trail, network, "
                "workloads, a registry) moves the as-of date, so readers build the plan again until the next ECR "
                "collection. The dashboard reads the profile once for the estimate and every page, parses the "
                "price catalog once (it parsed twelve YAML files on every slider move), and keeps the estate, the "
                "snapshot and the catalog in Streamlit's disk cache for a restart; a restarted server's first "
                "page still pays its imports (the row after it).",
                "",
                f"Load average (1 min) at the start / end: {load:.1f} / {load_end:.1f} on {os.cpu_count()} cores "
                "(the machine is shared: every figure here stretches with it).",
            ]
        )
        record("dashboard", body)
    if tmp is not None:
        tmp.cleanup()
    home.cleanup()


if __name__ == "__main__":
    main()
