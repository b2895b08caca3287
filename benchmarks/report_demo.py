"""Render the demo estate's reports: HTML and PDF (A4), each as `regcost report` does it, in a fresh process.

Records in docs/benchmarks.md: wall time of `regcost report --format html` and `--format pdf` (Python start,
estimate with 10,000 Monte Carlo draws, data-quality queries, charts, rendering, writing), the in-process split
of the PDF's time (chart export through kaleido/Chromium vs. WeasyPrint layout), file sizes and page count.
Targets: HTML ≤ 3 s, PDF ≤ 20 s.

    .venv/bin/python benchmarks/report_demo.py [--db /tmp/regcost-bench-demo.duckdb] [--runs 3]

The demo warehouse is built first when the file does not exist (`regcost demo`'s estate: 400 repositories,
40,000 images, about 25 s).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import record  # noqa: E402

from analysis.demo.runner import run_demo  # noqa: E402
from analysis.pipeline.request import EstimateRequest  # noqa: E402
from analysis.pipeline.result import run  # noqa: E402
from analysis.render.document import render_document  # noqa: E402
from analysis.render.pdf import chart_server, chart_svgs  # noqa: E402

TARGETS = {"html": 3.0, "pdf": 20.0}
REGCOST = str(Path(sys.executable).parent / "regcost")


def cli_seconds(db: Path, out: Path, fmt: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [REGCOST, "report", "--db", str(db), "-o", str(out), "--format", fmt], check=True, capture_output=True
    )
    return time.perf_counter() - t0


def html_in_process(db: Path) -> float:
    """The HTML report in one process, imports excluded: estimate, data quality, charts, render."""
    from analysis.render.html import render_html

    t0 = time.perf_counter()
    render_html(run(EstimateRequest(db=db, draws=10_000)))
    return time.perf_counter() - t0


def pdf_split(db: Path) -> dict[str, float]:
    """Where a PDF's time goes, measured in one process (imports excluded)."""
    from weasyprint import HTML

    t0 = time.perf_counter()
    inputs = run(EstimateRequest(db=db, draws=10_000))
    t1 = time.perf_counter()
    with chart_server():
        t2 = time.perf_counter()
        charts = chart_svgs(inputs, "a4")
        t3 = time.perf_counter()
    html = render_document(inputs, "pdf", charts)
    HTML(string=html).write_pdf()
    t4 = time.perf_counter()
    return {
        "estimate": t1 - t0,
        "chromium": t2 - t1,
        "charts": t3 - t2,
        "n_charts": len(charts),
        "layout": t4 - t3,
    }


def verdict(seconds: float, target: float) -> str:
    return f"target ≤ {target:g} s: {'met' if seconds <= target else '**missed**'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "regcost-bench-demo.duckdb")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.db.exists():
        print(f"building the demo estate in {args.db} …", flush=True)
        run_demo(args.db)

    load_before = os.getloadavg()[0]
    out = Path(tempfile.mkdtemp(prefix="regcost-report-bench-"))
    times = {fmt: [cli_seconds(args.db, out, fmt) for _ in range(args.runs)] for fmt in ("html", "pdf")}
    html_warm = min(html_in_process(args.db) for _ in range(args.runs))
    split = pdf_split(args.db)
    html_file, pdf_file = out / "regcost-report.html", out / "regcost-report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    median = {fmt: statistics.median(t) for fmt, t in times.items()}

    rows = [
        ("HTML", "html", f"{html_file.stat().st_size / 1e6:.1f} MB, one file (plotly.js inlined)"),
        ("PDF (A4)", "pdf", f"{pdf_file.stat().st_size / 1e3:.0f} kB, {pages} pages"),
    ]
    table = "\n".join(
        f"| {name} | **{median[fmt]:.1f} s** | {', '.join(f'{t:.1f}' for t in times[fmt])} s | "
        f"{verdict(median[fmt], TARGETS[fmt])} | {output} |"
        for name, fmt, output in rows
    )
    body = f"""## Reports — the demo estate (`benchmarks/report_demo.py`)

`regcost report --format html|pdf` on the demo warehouse (400 repositories, 40,000 images, 3 accounts ×
3 regions, six scenarios), each run a fresh process: Python start, the estimate with 10,000 Monte Carlo
draws, data-quality queries, charts, rendering and writing. Median of {args.runs} runs; load average during the
runs {load_before:.1f} → {os.getloadavg()[0]:.1f} on this machine (other work running slows every figure here).

| report | wall time (median) | runs | target | output |
| --- | ---: | --- | --- | --- |
{table}

In one process with the imports done (what a dashboard download or a second report pays): HTML
**{html_warm:.1f} s**, PDF **{split["estimate"] + split["chromium"] + split["charts"] + split["layout"]:.1f} s**.
Where the PDF's time goes: estimate and data quality {split["estimate"]:.1f} s ·
starting kaleido's headless Chromium {split["chromium"]:.1f} s · exporting {split["n_charts"]} charts to SVG
{split["charts"]:.1f} s · WeasyPrint layout {split["layout"]:.1f} s.
"""
    record("reports", body)
    print(body)


if __name__ == "__main__":
    main()
