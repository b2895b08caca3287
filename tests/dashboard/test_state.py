"""The dashboard's shared state: which warehouse it reads, the snapshot it shows (also while a collection writes,
and a welcome when there is none), the assumptions edited on screen, and the estimate behind the downloads.

The dashboard's estimate is `regcost estimate`'s: its JSON download equals the CLI's JSON on the same
warehouse, byte for byte but the timestamp — top repositories, uncertainty (10,000 draws, the CLI's seed), the
migration plan's effort and every note included (issue #14: it had 0 top repositories and no uncertainty)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.dashboard import state
from analysis.dashboard.source import read_snapshot
from analysis.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]


def open_app(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("REGCOST_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _without_timestamp(text: str) -> dict[str, object]:
    doc = json.loads(text)
    doc.pop("generated_at")
    return doc


def test_json_download_equals_regcost_estimate(collected_db: Path):
    regcost = shutil.which("regcost", path=str(Path(sys.executable).parent)) or "regcost"
    cli = subprocess.run(
        [regcost, "estimate", "--db", str(collected_db), "-f", "json"], capture_output=True, text=True, check=True
    ).stdout
    snap = read_snapshot(collected_db)
    names = [s for s in state.presets()]  # the CLI's default: every preset
    # what the sidebar's JSON download renders: CLI_DRAWS draws and the CLI's seed
    key = (str(collected_db), snap.fingerprint, tuple(names), "{}", state.CLI_DRAWS, state.DEFAULT_SEED)
    shown = state._rendered(key, "json")

    want, got = _without_timestamp(cli), _without_timestamp(shown)
    assert len(got["top_repositories"]) == len(want["top_repositories"]) > 0
    assert got["uncertainty"] is not None and got["uncertainty"]["draws"] == 10_000
    assert got == want


def test_missing_and_empty_warehouse_say_how_to_collect(tmp_path, monkeypatch):
    at = open_app(tmp_path / "nothing.duckdb", monkeypatch)
    assert "regcost collect ecr" in at.info[0].value and "regcost demo" in at.info[0].value
    Warehouse(tmp_path / "empty.duckdb").close()
    at = open_app(tmp_path / "empty.duckdb", monkeypatch)
    assert "no complete collection" in at.info[0].value


def test_keeps_showing_the_snapshot_while_a_collection_writes(collected_db, tmp_path, monkeypatch):
    db = tmp_path / "busy.duckdb"
    shutil.copy(collected_db, db)
    at = open_app(db, monkeypatch)
    shown = metric(at, "ECR cost, month 1")
    writer = subprocess.Popen(  # another process holding the write lock, as `regcost collect` does
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        monkeypatch.setattr(state, "RECHECK_SECONDS", 0.0)
        at.run()
        assert not at.exception
        assert "A collection is writing" in at.warning[0].value
        assert metric(at, "ECR cost, month 1") == shown
    finally:
        writer.communicate("", timeout=10)
    at.run()
    assert not at.warning


def test_the_warehouse_is_the_db_argument_then_regcost_db(tmp_path, monkeypatch):
    monkeypatch.setenv("REGCOST_DB", str(tmp_path / "from-env.duckdb"))
    monkeypatch.setattr(sys, "argv", ["app.py"])
    assert state.db_path() == str(tmp_path / "from-env.duckdb")
    # `regcost dashboard --db FILE` runs `streamlit run app.py -- --db FILE`; Streamlit's own flags are not ours
    monkeypatch.setattr(sys, "argv", ["app.py", "--server.port", "8600", "--db", str(tmp_path / "given.duckdb")])
    assert state.db_path() == str(tmp_path / "given.duckdb")


def test_the_file_key_changes_when_the_warehouse_file_does(tmp_path):
    db = tmp_path / "w.duckdb"
    assert state.file_key(str(db)) == (state.CODE_STAMP, 0, 0, 0, 0)  # no file, no write-ahead log yet
    Warehouse(db).close()
    written = state.file_key(str(db))
    assert written[1] == db.stat().st_size > 0
    with Warehouse(db) as wh:
        wh.query("CREATE TABLE notes AS SELECT range AS n FROM range(100000)")
    assert state.file_key(str(db)) != written  # a cached snapshot or plan of the old file is not read back


def test_an_edit_on_screen_applies_to_every_scenario_compared():
    names = ["ecr", "harbor-eu-cloud"]
    edited = state.scenarios_for(names, {"layer_cache_hit_ratio": 0.8})
    assert [s.name for s in edited] == names
    # the most likely value moves; the range keeps its bounds for the uncertainty stage
    for scenario in edited:
        preset = state.presets()[scenario.name].assumptions.layer_cache_hit_ratio
        got = scenario.assumptions.layer_cache_hit_ratio
        assert (got.low, got.base, got.high) == (min(preset.low, 0.8), 0.8, max(preset.high, 0.8))
    untouched = state.scenarios_for(names, {})
    assert [s.assumptions for s in untouched] == [state.presets()[n].assumptions for n in names]
