"""Monte Carlo speed: 10,000 draws × 6 scenarios × 60 months (target ≤ 1 s), and the tornado beside it.

.venv/bin/python benchmarks/uncertainty.py [--draws 10000] [--months 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _record import record  # noqa: E402

from analysis.model.inputs import from_usage_file  # noqa: E402
from analysis.model.scenarios import load_scenarios, pick  # noqa: E402
from analysis.model.uncertainty import simulate  # noqa: E402
from analysis.pricing import load_catalog  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    inp = from_usage_file(ROOT / "docs" / "examples" / "usage.yaml")
    scenarios = pick(load_scenarios(), None)
    catalog = load_catalog()
    shared = scenarios[0].assumptions.model_copy(update={"horizon_months": args.months})
    simulate(inp, scenarios, catalog, shared, draws=100, with_tornado=False)  # warm imports and caches

    mc, full = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        u = simulate(inp, scenarios, catalog, shared, draws=args.draws, with_tornado=False)
        mc.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        simulate(inp, scenarios, catalog, shared, draws=args.draws, with_tornado=True)
        full.append(time.perf_counter() - t0)
    best, median = min(mc), statistics.median(mc)
    verdict = "met" if median <= 1.0 else "**missed**"
    title = f"{args.draws:,} draws × {len(scenarios)} scenarios × {args.months} months"
    body = "\n".join(
        [
            f"## Monte Carlo — {title} (`benchmarks/uncertainty.py`)",
            "",
            "| figure | value |",
            "| --- | --- |",
            "| Monte Carlo (P10/P50/P90 monthly and cumulative, P(beats baseline), break-even distribution) | "
            f"median **{median:.2f} s**, best {best:.2f} s of {args.repeat} (target ≤ 1 s: {verdict}) |",
            f"| the same plus the tornado ({len(u.ranged_assumptions)} ranged assumptions, 2 deterministic runs "
            f"each per scenario pair) | median {statistics.median(full):.2f} s |",
            "",
            "Input: `docs/examples/usage.yaml` (the model's cost does not grow with the estate: it runs on per-region",
            "aggregates). Every assumption given as a range is an array of draws; each scenario's cost functions run",
            "once.",
        ]
    )
    record("uncertainty", body)
    print(body)


if __name__ == "__main__":
    main()
