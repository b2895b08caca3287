"""Write the reports: one result (analysis/pipeline/result.py: `run`) rendered as HTML and/or PDF, written to
a folder. The result already holds the data quality, the migration plan and the registries a report shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from analysis.render import OUTPUTS, REPORT_FORMATS, Result, render_bytes

REPORT_CHOICES = (*REPORT_FORMATS, "both")


def formats_of(fmt: str) -> tuple[str, ...]:
    if fmt not in REPORT_CHOICES:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(REPORT_CHOICES)}")
    return REPORT_FORMATS if fmt == "both" else (fmt,)


def write_reports(
    result: Result,
    out_dir: Path,
    formats: Sequence[str] = REPORT_FORMATS,
    *,
    paper: str = "a4",
    name: str = "regcost-report",
    on_step: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render and write each format; returns the files written. `on_step(format)` before each (progress)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        if on_step is not None:
            on_step(fmt)
        path = out_dir / f"{name}.{OUTPUTS[fmt].extension}"
        path.write_bytes(render_bytes(result, fmt, paper=paper))
        written.append(path)
    return written
