"""What the dashboard reads from the warehouse: a snapshot loaded once per finished run (open, read, close), a
clear error for a file that is not there, and the small part of the plan the Portability page shows."""

from __future__ import annotations

import pytest

from analysis.dashboard.source import WarehouseMissing, fingerprint, plan_view, read_snapshot
from analysis.warehouse import Warehouse


def test_a_collected_snapshot(collected_db):
    snap = read_snapshot(collected_db)
    assert not snap.empty
    assert snap.fingerprint == fingerprint(collected_db)  # nothing ran since: the same snapshot
    assert snap.last_run_id == max(snap.runs["run_id"])
    assert snap.run_ids == [snap.last_run_id]  # one collection made every current scope
    assert snap.collected_at == max(snap.runs["finished_at"]).to_pydatetime()
    assert snap.model_input.repositories == snap.profile_summary.repositories == len(snap.profile.repositories)
    # the file is closed again: a writer can open it
    with Warehouse(collected_db) as wh:
        assert wh.query("SELECT 1") == [(1,)]


def test_a_warehouse_with_nothing_collected_is_empty_not_an_error(tmp_path):
    with Warehouse(tmp_path / "w.duckdb"):
        pass
    snap = read_snapshot(tmp_path / "w.duckdb")
    assert snap.empty and snap.run_ids == [] and snap.model_input is None
    assert snap.collected_at == snap.loaded_at  # no run has ended yet


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(WarehouseMissing, match="regcost collect"):
        read_snapshot(tmp_path / "nowhere.duckdb")


def test_the_plan_view_keeps_the_figures_and_drops_the_long_lists():
    wave = {
        "wave": 1, "risk": "low", "repositories": 4, "references": 2, "pulls_per_month": 10.0, "bytes_copied": 5.0,
        "archived_bytes_left": 0.0, "egress_cost": 0.1, "engineering_days": 0.63, "names": ["a", "b", "c", "d"],
        "replication": [{"name": "wave1-x"}],
    }  # fmt: skip
    same = {
        "account_id": "1",
        "ecr_expires_harbor_keeps": 0,
        "harbor_deletes_ecr_keeps": 0,
        "ecr_archives_harbor_keeps": 0,
    }
    differs = same | {"account_id": "2", "harbor_deletes_ecr_keeps": 3}
    plan = {
        "schema_version": 1, "at": "2026-06-01", "summary": {}, "findings": [], "scores": [], "lifecycle": {},
        "assumptions": {}, "waves": [wave], "retention_differences": [same, differs], "scan": None, "translations": [],
    }  # fmt: skip
    view = plan_view(plan)
    (w,) = view["waves"]
    assert w["first_repositories"] == ["a", "b", "c"] and w["names"] == 4
    assert "replication" not in w
    assert view["retention_differences"] == [differs]  # only repositories where Harbor and ECR differ
    assert "scan" not in view and "translations" not in view
