"""Start-up of the `regcost` command next to its CLI framework's own import: `regcost --help`, an argument error
(`regcost estimate --format xml`) and `regcost --version`, each in a fresh process, against
`python -c "import typer"`.

Records in docs/benchmarks.md: the median and the best of N runs of each, and the ratio to the framework's import.
Target: ≤ 1.5× (the commands import pandas, DuckDB and the model only when they run; see analysis/cli/base.py).
An argument error is also set against a bare typer app making the same error: typer builds a pydantic adapter for
every option of the command on the way to any error; regcost checks a choice without it and builds typer's own
adapter only for a value that is there to parse (analysis/cli/base.py: `_light_params`).
Also lists the slowest modules `python -X importtime` sees under `regcost --help`, so a regression names itself.

    .venv/bin/python benchmarks/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import record  # noqa: E402

TARGET = 1.5
PYTHON = sys.executable
# The console script does `from analysis.cli import app; app()`: the same, without the wrapper's own start.
REGCOST = [PYTHON, "-c", "import sys; from analysis.cli import app; sys.exit(app())"]
# The framework's own argument error: typer parses every option value through pydantic, so any command that
# reads an argument pays pydantic's import, ours or not. A one-option app shows that floor.
BARE_APP = """
import sys, typer
from typing import Literal
app = typer.Typer()
@app.command()
def estimate(fmt: Literal["table", "json"] = typer.Option("table", "--format")) -> None: ...
@app.command()
def other() -> None: ...
sys.exit(app())
"""
CASES = {
    '`python -c "import typer"` (the framework)': [PYTHON, "-c", "import typer"],
    "`regcost --help`": [*REGCOST, "--help"],
    "`regcost --version`": [*REGCOST, "--version"],
    "`regcost estimate --format xml` (argument error)": [*REGCOST, "estimate", "--format", "xml"],
    "a bare typer app, same error (the framework's floor)": [PYTHON, "-c", BARE_APP, "estimate", "--format", "xml"],
}


def seconds(command: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    return time.perf_counter() - t0


def slowest_imports(top: int = 8) -> list[tuple[str, float]]:
    """The modules with the largest cumulative import time under `regcost --help` (python -X importtime)."""
    out = subprocess.run([PYTHON, "-X", "importtime", *REGCOST[1:], "--help"], capture_output=True, text=True).stderr
    rows = []
    for line in out.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(2)) <= 2:  # the top-level imports and their direct children
            rows.append((m.group(3), int(m.group(1)) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    load = os.getloadavg()
    for command in CASES.values():  # warm the file cache once
        seconds(command)
    # Interleaved, so a busy moment on a shared machine hits every case alike.
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.runs):
        for name, command in CASES.items():
            times[name].append(seconds(command))
    framework = statistics.median(next(iter(times.values())))
    lines = [
        "## `regcost --help` start-up",
        "",
        f"Each command in a fresh process, {args.runs} runs interleaved; target ≤ {TARGET}× the framework's import "
        "(median against median).",
        "",
        "| command | median s | best s | × framework |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        lines.append(f"| {name} | {median:.3f} | {min(values):.3f} | {median / framework:.2f} |")
    bare = statistics.median(list(times.values())[-1])
    error = statistics.median(list(times.values())[-2])
    lines += [
        "",
        f"An argument error against the bare typer app's same error: {error / bare:.2f}× (the bare app imports "
        "pydantic to build an adapter for each of its options; regcost checks a choice without it and builds "
        "typer's own adapter only for a value given). Load average (1 min) at the start / end: "
        f"{load[0]:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
    ]
    lines += ["", "Slowest imports under `regcost --help` (cumulative, one run of `python -X importtime`):", ""]
    lines += [f"- `{name}` {s * 1000:.0f} ms" for name, s in slowest_imports()]
    body = "\n".join(lines)
    print(body)
    record("cli-startup", body)


if __name__ == "__main__":
    main()
