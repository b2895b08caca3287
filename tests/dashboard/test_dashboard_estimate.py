"""The dashboard's estimate is `regcost estimate`'s: its JSON download equals the CLI's JSON on the same
warehouse, byte for byte but the timestamp — top repositories, uncertainty (10,000 draws, the CLI's seed), the
migration plan's effort and every note included (issue #14: it had 0 top repositories and no uncertainty)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from analysis.dashboard import state
from analysis.dashboard.source import read_snapshot


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
