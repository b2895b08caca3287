"""The migration plan kept by the collection (analysis/pipeline/plan_store.py): an estimate that reads it back says
exactly what one that builds the plan says, and a kept plan is never used once the snapshot or the options moved."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from support import run_collection

from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate
from analysis.pipeline import plan_store
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import read_estate, run
from analysis.pricing import load_catalog
from analysis.pricing.catalog_files import shipped_files
from analysis.render import render
from analysis.warehouse import Warehouse


def test_the_collection_keeps_the_plan_and_the_estimate_reads_it_unchanged(collected_db: Path):
    request = EstimateRequest(db=collected_db)
    read_back = read_estate(request)  # the collection (tests/support.py: run_collection) kept the plan
    built = read_estate(request, full_plan=True)  # the same plan built now
    assert read_back.plan is None and read_back.plan_summary is not None and read_back.plan_summary.kept
    assert built.plan is not None and built.plan_summary is not None and not built.plan_summary.kept
    assert read_back.plan_summary.days == built.plan_summary.days
    assert read_back.plan_summary.plan == built.plan_summary.plan
    # what a person reads: every number of the JSON output (effort, TCO, savings, the plan) equal
    assert _json(run(request, read_back)) == _json(run(request, built))


def _json(result: object) -> dict:
    out = json.loads(render(result, "json"))
    out.pop("generated_at")  # when it was rendered
    return out


def test_a_new_collection_makes_the_kept_plan_stale(collected_db: Path, tmp_path: Path):
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(collected_db, db)
    with Warehouse(db) as wh:
        wh.finish_run(wh.start_run("costs-ce", {}), "complete", {})  # any run ending moves the snapshot
    with Warehouse(db, read_only=True) as wh:
        assert plan_store.stored(wh, plan_store.last_collected(wh), load_catalog(None)) is None
    estate = read_estate(EstimateRequest(db=db))
    assert estate.plan is not None  # built again, for the new snapshot
    assert estate.plan_summary is not None and not estate.plan_summary.kept


def test_other_options_build_their_own_plan(collected_db: Path):
    catalog = load_catalog(None)
    with Warehouse(collected_db, read_only=True) as wh:
        at = plan_store.last_collected(wh)
        assert plan_store.stored(wh, at, catalog) is not None
        assert plan_store.stored(wh, at + timedelta(days=30), catalog) is None  # `--at`: images age differently
        # a price file given with --catalog (here a shipped one again: the files, not the prices, are compared)
        assert plan_store.stored(wh, at, load_catalog([shipped_files()[0]])) is None
    scanned = read_estate(EstimateRequest(db=collected_db, scan_paths=(Path(__file__).parent,)))
    assert scanned.plan is not None  # a reference scan reads files the warehouse does not hold: always built


def test_without_a_kept_plan_the_estimate_derives_only_its_figures_and_says_the_same(
    collected_db: Path, tmp_path: Path
):
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(collected_db, db)
    with Warehouse(db) as wh:
        wh.finish_run(wh.start_run("costs-ce", {}), "complete", {})  # the kept plan no longer fits
    request = EstimateRequest(db=db)
    figures = read_estate(request, plan_figures_only=True)
    built = read_estate(request)
    assert figures.plan is None and figures.plan_view is None  # no plan built, none shown
    assert figures.plan_summary is not None and not figures.plan_summary.whole
    assert built.plan_summary is not None and built.plan_summary.whole
    assert figures.plan_summary.days == built.plan_summary.days
    shares = figures.plan_summary.plan["wave_traffic_shares"]
    assert shares == built.plan_summary.plan["wave_traffic_shares"] and shares
    # what a person reads of `regcost estimate` (every format but JSON, which shows the plan): the same text
    for fmt in ("table", "csv", "markdown"):
        assert render(run(request, figures), fmt, width=160) == render(run(request, built), fmt, width=160)


def test_a_kept_plan_is_read_whole_even_when_only_the_figures_are_asked_for(collected_db: Path):
    estate = read_estate(EstimateRequest(db=collected_db), plan_figures_only=True)
    assert estate.plan_summary is not None and estate.plan_summary.kept and estate.plan_summary.whole
    assert estate.plan_view is not None  # nothing to save by deriving less: the outputs get the plan


def test_a_collection_keeps_the_plan_only_from_the_threshold_on(
    aws: EmulatedAWS, small_estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = tmp_path / "regcost.duckdb"
    run_collection(aws, small_estate, db)  # 1,500 images, below the default: keeping would cost more than it saves
    with Warehouse(db, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM plan_summaries") == [(0,)]
        (images,) = wh.query("SELECT count(*) FROM current_ecr_images")[0]
    assert 0 < images < plan_store.KEEP_FROM_IMAGES
    estate = read_estate(EstimateRequest(db=db))
    assert estate.plan_summary is not None and not estate.plan_summary.kept  # the reader built it

    monkeypatch.setattr(plan_store, "KEEP_FROM_IMAGES", images)  # exactly as many as the snapshot holds: kept
    run_collection(aws, small_estate, db)
    estate = read_estate(EstimateRequest(db=db))
    assert estate.plan_summary is not None and estate.plan_summary.kept

    monkeypatch.setattr(plan_store, "KEEP_FROM_IMAGES", images + 1)  # one more: the new snapshot's plan is not kept
    run_collection(aws, small_estate, db)
    estate = read_estate(EstimateRequest(db=db))
    assert estate.plan_summary is not None and not estate.plan_summary.kept
