"""The full profile derivation on a copy of a large warehouse: its wall time, and its tables compared with the copy's.

The warehouse's profile_* tables were derived by whatever version last finished a run on it (e.g. main's, when
`benchmarks/estimate_5m.py --keep` made it); this derives them again with this checkout's
`Warehouse.refresh_profile_tables(full=True)` — in a fresh process, on a copy, its wall including the writer's copy
of the file and its checkpoint, as `commands_5m.py` measures it — and compares every table row by row (a multiset
difference both ways). Exits 1 when a table differs.

    flock /work/bench/heavy.lock .venv/bin/python benchmarks/derive_check.py --db /work/bench/w-5m.duckdb --work DIR
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The child's steps: opening (the writer's copy of the file), deriving, closing (checkpoint and rename).
_FULL = """
import sys, time
t0 = time.perf_counter()
from analysis.warehouse import Warehouse
t1 = time.perf_counter()
wh = Warehouse(sys.argv[1])
t2 = time.perf_counter()
wh.refresh_profile_tables(full=True)
t3 = time.perf_counter()
wh.close()
t4 = time.perf_counter()
print(f"imports {t1 - t0:.1f} s, open (copy) {t2 - t1:.1f} s, derive {t3 - t2:.1f} s, close {t4 - t3:.1f} s")
"""


def differences(before: Path, after: Path) -> dict[str, tuple[int, int]]:
    """Per profile table: (rows only before, rows only after), counted as multisets."""
    import duckdb

    sys.path.insert(0, str(ROOT))
    from analysis.warehouse.storage_billing import PROFILE_TABLE_NAMES

    con = duckdb.connect(str(after), read_only=True)
    con.execute(f"ATTACH '{before}' AS b (READ_ONLY)")
    out = {}
    for t in PROFILE_TABLE_NAMES:
        gone = con.execute(f"SELECT count(*) FROM (FROM b.{t} EXCEPT ALL FROM {t})").fetchall()[0][0]
        new = con.execute(f"SELECT count(*) FROM (FROM {t} EXCEPT ALL FROM b.{t})").fetchall()[0][0]
        out[t] = (gone, new)
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True, help="a folder for the copy (removed afterwards)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    copy = args.work / "derive-check.duckdb"
    shutil.copyfile(args.db, copy)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _FULL, str(copy)], cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    print(f"full derivation: {seconds:.1f} s, peak RSS {usage.ru_maxrss / 2**20:.2f} GiB, load {load:.2f}", flush=True)
    try:
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("the derivation failed")
        diff = differences(args.db, copy)
    finally:
        copy.unlink(missing_ok=True)
    for table, (gone, new) in diff.items():
        print(f"{table}: {'identical' if gone == new == 0 else f'{gone} rows only before, {new} only after'}")
    sys.exit(1 if any(gone or new for gone, new in diff.values()) else 0)


if __name__ == "__main__":
    main()
