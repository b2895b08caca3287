"""The plan's summary kept with its snapshot (analysis/warehouse/plan_summaries.py): found back for the same
snapshot and options, never for a snapshot a later run replaced, one row at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from analysis.warehouse import Warehouse, plan_summaries
from analysis.warehouse.plan_summaries import StoredSummary

KEPT = StoredSummary(
    repositories=3,
    days=(7.5, 10.0, 15.0),
    plan_json='{"summary": {"repositories": 3}}',
    built_at=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
    build_seconds=1.5,
)


def _ended_run(wh: Warehouse, source: str = "ecr") -> None:
    wh.finish_run(wh.start_run(source, {}), "complete", {})


def test_a_kept_summary_is_found_for_its_snapshot_and_options_only(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        _ended_run(wh)
        assert plan_summaries.find(wh, "options A") is None  # never built
        plan_summaries.keep(wh, "options A", KEPT)
        assert plan_summaries.find(wh, "options A") == KEPT
        assert plan_summaries.find(wh, "options B") is None
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as reader:  # what estimate and the dashboard open
        assert plan_summaries.find(reader, "options A") == KEPT


def test_any_run_ending_makes_the_kept_summary_stale(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        _ended_run(wh)
        plan_summaries.keep(wh, "options A", KEPT)
        before = plan_summaries.basis(wh)
        _ended_run(wh, "costs-ce")  # not even an ECR collection: the as-of date of every estimate moved
        assert plan_summaries.basis(wh) != before
        assert plan_summaries.find(wh, "options A") is None


def test_keeping_a_new_summary_drops_the_old_one(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        _ended_run(wh)
        plan_summaries.keep(wh, "options A", KEPT)
        _ended_run(wh)
        plan_summaries.keep(wh, "options A", KEPT)
        assert wh.query("SELECT count(*) FROM plan_summaries") == [(1,)]
