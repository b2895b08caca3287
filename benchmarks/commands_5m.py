"""Every command over a large warehouse, each a fresh process: wall time and peak RSS (issue #20).

The warehouse comes from `benchmarks/estimate_5m.py --keep --db PATH` (5M images by default; generate it once,
outside the repository). The commands are run as a user runs them — `regcost status`, `lifecycle --policy`,
`plan`, `report` (HTML, PDF), the estimate — plus steps without a CLI of their own: the dashboard's first page
(its data function `read_snapshot`, no browser), the full profile derivation (`refresh_profile_tables(full=True)`,
what an upgrade runs) and the end-of-run rebuild after a run that collected one scope again (its images less 1 %,
then `finish_run`: the incremental derivation) and after a daily run that collected every scope again (the
repositories whose images changed derived again) — both on a copy so the measured file is not changed, their walls
including the writer's copy of the file and its checkpoint. Peak RSS is the child's `ru_maxrss` from `os.wait4`;
a command is stopped after `--timeout` seconds and reported as such.

    .venv/bin/python benchmarks/commands_5m.py --db /work/bench-5m.duckdb [--baseline demo.duckdb] [--only status]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import DOC, record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TARGET_RSS_BYTES = 4 * 10**9
# Expire untagged images 14 days after push, keep the last 50 tagged (the policy).
POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["*"],
                "countType": "imageCountMoreThan",
                "countNumber": 50,
            },
            "action": {"type": "expire"},
        },
    ]
}
_SNAPSHOT = "from analysis.dashboard.source import read_snapshot; import sys; read_snapshot(sys.argv[1])"
_REBUILD = (
    "from analysis.warehouse import Warehouse; import sys; Warehouse(sys.argv[1]).refresh_profile_tables(full=True)"
)
# A run's end after it collected one of the scopes again (1 % of its images gone): the incremental derivation.
_ONE_SCOPE = """
import sys
from analysis.warehouse import Warehouse
with Warehouse(sys.argv[1]) as wh:
    con = wh.cursor()
    (account, region), = con.execute("SELECT account_id, region FROM latest_scopes ORDER BY ALL LIMIT 1").fetchall()
    run = wh.start_run("ecr", {})
    con.execute("INSERT INTO run_scopes VALUES (?, ?, ?, 'complete', now())", [run, account, region])
    con.execute(
        "INSERT INTO ecr_images BY NAME SELECT * REPLACE (? AS run_id) FROM current_ecr_images "
        "WHERE account_id = ? AND region = ? AND hash(image_digest) % 100 <> 0",
        [run, account, region],
    )
    con.close()
    wh.finish_run(run, "complete", {})
"""

# A daily run of every scope (`collect ecr --regions all`): every image collected again with its last pull a day
# later, and in one repository in 20 one image in 100 gone (lifecycle expiry): the repositories whose images changed
# are derived again, the rest kept. The wall includes loading the run's 5M image rows.
_EVERY_SCOPE = """
import sys
from analysis.warehouse import Warehouse
with Warehouse(sys.argv[1]) as wh:
    con = wh.cursor()
    run = wh.start_run("ecr", {})
    con.execute("INSERT INTO run_scopes SELECT ?, account_id, region, 'complete', now() FROM latest_scopes", [run])
    con.execute(
        "INSERT INTO ecr_images BY NAME SELECT * REPLACE (? AS run_id, last_pull_at + INTERVAL 1 DAY AS last_pull_at) "
        "FROM current_ecr_images WHERE hash(repository_name) % 20 <> 0 OR hash(image_digest) % 100 <> 0",
        [run],
    )
    con.close()
    wh.finish_run(run, "complete", {})
"""


def commands(db: Path, work: Path) -> dict[str, list[str]]:
    regcost = [str(Path(sys.executable).parent / "regcost")]
    policy = work / "policy.json"
    policy.write_text(json.dumps(POLICY))
    out = ["--db", str(db)]
    return {
        "status": [*regcost, "status", *out],
        "lifecycle --policy": [*regcost, "lifecycle", "--policy", str(policy), "--at", "2026-12-01", *out],
        "plan": [*regcost, "plan", "--at", "2026-12-01", "-o", str(work / "plan"), *out],
        "report --format html": [*regcost, "report", "--format", "html", "-o", str(work / "r"), *out],
        "report --format pdf": [*regcost, "report", "--format", "pdf", "-o", str(work / "r"), *out],
        "dashboard first page (read_snapshot)": [sys.executable, "-c", _SNAPSHOT, str(db)],
        "estimate --draws 0": [*regcost, "estimate", "--draws", "0", *out],
        "full profile derivation": [sys.executable, "-c", _REBUILD, "@copy"],
        "end-of-run profile rebuild (1 scope collected again)": [sys.executable, "-c", _ONE_SCOPE, "@copy"],
        "end-of-run profile rebuild (every scope collected again, 3 % of repositories changed)": [
            sys.executable,
            "-c",
            _EVERY_SCOPE,
            "@copy",
        ],
    }


def _rss(pid: int) -> int:
    """The child's resident set now (bytes), from /proc; 0 where there is no /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def measure(argv: list[str], db: Path, work: Path, timeout: float, rss_limit: float = float("inf")) -> dict:
    if "@copy" in argv:  # the rebuild writes: measure it on a copy
        copy = work / "rebuild.duckdb"
        shutil.copyfile(db, copy)
        argv = [str(copy) if a == "@copy" else a for a in argv]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        over = _rss(proc.pid) > rss_limit
        if over or time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            why = f"stopped above {rss_limit / 2**30:.0f} GiB" if over else f"stopped at {timeout:.0f} s"
            return {"seconds": None, "rss": usage.ru_maxrss * 1024, "ok": False, "note": why}
        time.sleep(0.05)  # polling a child's exit, not synchronising with it
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.stderr else []
    ok = os.waitstatus_to_exitcode(status) == 0
    return {"seconds": seconds, "rss": usage.ru_maxrss * 1024, "ok": ok, "note": "" if ok else (err[-1] if err else "")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True, help="the large warehouse (benchmarks/estimate_5m.py --keep)")
    ap.add_argument("--baseline", type=Path, help="the demo warehouse (regcost demo --db PATH)")
    ap.add_argument("--label", default="5M images")
    ap.add_argument("--only", action="append", help="measure only these commands (repeatable)")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument(
        "--rss-limit-gib", type=float, default=8.0, help="stop a command whose RSS passes this (shared machine)"
    )
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="regcost-bench-") as tmp:
        work = Path(tmp)
        big = commands(args.db, work)
        order = list(big)
        small = commands(args.baseline, work) if args.baseline else {}
        for name, argv in big.items():
            if args.only and name not in args.only:
                continue
            base = measure(small[name], args.baseline, work, args.timeout) if name in small else None
            m = measure(argv, args.db, work, args.timeout, args.rss_limit_gib * 2**30)
            print(json.dumps({"command": name, "large": m, "demo": base}), flush=True)
            rows.append((name, m, base))
    if not args.no_record:
        name = "commands-" + args.label.split()[0].lower()
        kept = _kept_rows(name, {n for n, _, _ in rows}) if args.only else {}
        record(name, _table(rows, args.label, kept, order))


def _kept_rows(section: str, measured: set[str]) -> dict[str, str]:
    """The section's table rows of the commands not measured now (`--only` measures a few: the others stay)."""
    text = DOC.read_text() if DOC.exists() else ""
    match = re.search(rf"<!-- {re.escape(section)}:start -->(.*?)<!-- {re.escape(section)}:end -->", text, re.S)
    rows = re.findall(r"^\| `([^`]+)` \|.*$", match.group(1), re.M) if match else []
    lines = re.findall(r"^\| `[^`]+` \|.*$", match.group(1), re.M) if match else []
    return {n: line for n, line in zip(rows, lines, strict=True) if n not in measured}


def _cell(m: dict | None) -> tuple[str, str]:
    if m is None:
        return "", ""
    wall = f"{m['seconds']:.1f} s" if m["seconds"] is not None else m["note"]
    if m["seconds"] is not None and not m["ok"]:
        wall += f" (failed: {m['note'][:60]})"
    return wall, f"{m['rss'] / 2**20:,.0f} MiB"


def _table(rows: list, label: str, kept: dict[str, str], order: list[str]) -> str:
    lines = [
        f"## Every command over {label} (`benchmarks/commands_5m.py`)",
        "",
        f"Each a fresh process; targets (issue #20): ≤ {TARGET_SECONDS:.0f} s and ≤ 4 GB each.",
        "",
        f"| command | wall ({label}) | peak RSS ({label}) | wall (demo) | peak RSS (demo) | target met |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    measured = {name: (m, base) for name, m, base in rows}
    for name in sorted({*measured, *kept}, key=lambda n: order.index(n) if n in order else len(order)):
        if name in kept:
            lines.append(kept[name])
            continue
        m, base = measured[name]
        met = m["ok"] and m["seconds"] is not None and m["seconds"] <= TARGET_SECONDS and m["rss"] <= TARGET_RSS_BYTES
        lines.append(
            f"| `{name}` | {' | '.join(_cell(m))} | {' | '.join(_cell(base)) or ' | '} | {'yes' if met else 'no'} |"
        )
    if kept:  # the stamp below is this run's: say which rows it measured
        lines += ["", f"Measured at the date below: {', '.join(f'`{n}`' for n in measured)}; the other rows are "
                  "kept from this table's previous run (`--only`)."]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
