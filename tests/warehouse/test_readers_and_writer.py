"""Writer and readers never block each other: a dashboard session and `regcost status` run throughout a
collection against the emulated AWS, and the collection starts while they already hold the warehouse."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from support import run_collection

from analysis.warehouse import Warehouse

READER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from analysis.warehouse import Warehouse
    from analysis.dashboard.source import read_snapshot, fingerprint

    db, stop, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    reads = 0
    if mode == "held":  # a session that keeps one read-only connection open the whole time
        with Warehouse(db, read_only=True) as wh:
            print("ready", flush=True)
            while not stop.exists():
                wh.query("SELECT count(*) FROM current_ecr_images")
                reads += 1
                time.sleep(0.05)
    else:  # the dashboard's own pattern: open, read a snapshot, close, again
        print("ready", flush=True)
        while not stop.exists():
            fingerprint(db)
            read_snapshot(db)
            reads += 1
    print(reads, flush=True)
    """
)


def _start(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path.cwd())
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", proc.stderr.read()  # type: ignore[union-attr]
    return proc


def test_dashboard_and_status_run_throughout_a_collection_that_starts_while_they_read(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    first = run_collection(aws, small_estate, db)
    assert first.status == "complete"
    stop = tmp_path / "stop"
    readers = [_start([sys.executable, "-c", READER, str(db), str(stop), mode]) for mode in ("held", "dashboard")]
    status_loop = textwrap.dedent(
        f"""
        import subprocess, sys
        from pathlib import Path
        print("ready", flush=True)
        codes = []
        while not Path({str(stop)!r}).exists():
            r = subprocess.run([{str(Path(sys.executable).with_name("regcost"))!r}, "status", "--db", {str(db)!r}],
                               capture_output=True, text=True)
            codes.append(r.returncode)
            if r.returncode:
                print(r.stdout + r.stderr, file=sys.stderr)
        print(" ".join(map(str, codes)), flush=True)
        """
    )
    readers.append(_start([sys.executable, "-c", status_loop]))
    try:
        time.sleep(0.5)  # they are reading now; the collection starts while they do
        second = run_collection(aws, small_estate, db)
    finally:
        stop.touch()
        outputs = [p.communicate(timeout=120) for p in readers]
    assert second.status == "complete", second.errors
    held, dashboard, status = (out.strip().splitlines()[-1] for out, _ in outputs)
    assert int(held) > 0 and int(dashboard) > 0, outputs
    status_codes = [int(c) for c in status.split()]
    assert status_codes and set(status_codes) == {0}, outputs[2][1]
    with Warehouse(db, read_only=True) as wh:  # the second run is what readers see now
        assert wh.query("SELECT max(run_id) FROM latest_scopes")[0][0] == second.run_id
        assert wh.query("SELECT count(*) FROM current_ecr_images")[0][0] == len(small_estate.images)
