"""The demo's bill agrees with its own estate: collected through Cost Explorer and CUR, it calibrates back to the
hit ratio and consumer split it was made with."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from support import SMALL, settings_for, today
from typer.testing import CliRunner

from analysis.cli import app
from analysis.demo.estate.bill import DEMO_TRUTH, ce_pages, generate_bill, usage_type, write_cur2
from analysis.demo.runner import run_demo
from analysis.model.assumptions import Assumptions
from analysis.model.calibration import calibrate_warehouse
from analysis.pipeline.costs import collect_cost_explorer, collect_cur, plan_cost_explorer
from analysis.warehouse import Warehouse


@pytest.fixture(scope="module")
def billed_db(small_estate, collected_db, tmp_path_factory):
    """The collected small estate plus its bill through Cost Explorer (emulated) and a CUR 2.0 file."""
    from analysis.demo.aws import EmulatedAWS

    db = tmp_path_factory.mktemp("billed") / "regcost.duckdb"
    db.write_bytes(collected_db.read_bytes())
    day = today().date()
    lines = generate_bill(small_estate, day)
    with EmulatedAWS() as aws, Warehouse(db) as wh:
        aws.seed(small_estate)
        aws.reset_calls()
        aws.inject_cost_explorer(ce_pages(lines, plan_cost_explorer(wh, today=day)), small_estate.management_account)
        ce = collect_cost_explorer(wh, settings_for(aws), today=day)
        calls = aws.call_counts()
    path = write_cur2(lines, db.parent / "cur" / "cur2.parquet", small_estate.management_account, day)
    with Warehouse(db) as wh:
        cur = collect_cur(wh, None, str(path.parent), today=day)
    return db, lines, ce, cur, calls


def test_usage_types_follow_aws_spelling():
    assert usage_type("storage", "us-east-1") == "TimedStorage-ByteHrs"
    assert usage_type("archive", "us-east-1") == "USE1-TimedStorage-Archive-ByteHrs"
    assert usage_type("egress-internet", "eu-west-1") == "EU-DataTransfer-Out-Bytes"
    assert usage_type("inter-region-out", "eu-central-1", "us-east-1") == "EUC1-USE1-AWS-Out-Bytes"


def test_the_bill_reaches_the_warehouse_through_both_paths(billed_db):
    db, lines, ce, cur, calls = billed_db
    assert ce.status == "complete" and len(ce.months) == len({line.month for line in lines})
    assert calls[("ce", "GetCostAndUsage")] == ce.billed_requests >= 2  # pages followed
    assert cur.status == "complete" and cur.files[0]["format"] == "CUR 2.0"
    with Warehouse(db, read_only=True) as wh:
        by_source = dict(
            wh.query(
                "SELECT source, round(sum(quantity), 6) FROM current_cost_lines "
                "WHERE usage_class = 'storage' GROUP BY source"
            )
        )
    expected = sum(line.quantity for line in lines if line.usage_class == "storage")
    assert by_source["ce"] == pytest.approx(expected) and by_source["cur"] == pytest.approx(expected)


def test_calibration_recovers_the_known_assumptions(billed_db):
    db = billed_db[0]
    with Warehouse(db, read_only=True) as wh:
        table, fitted, why = calibrate_warehouse(wh, Assumptions())
    assert fitted is not None, why
    assert fitted.layer_cache_hit_ratio == pytest.approx(DEMO_TRUTH["layer_cache_hit_ratio"], rel=0.02)
    for k, v in DEMO_TRUTH["consumers"].items():
        assert fitted.consumers[k] == pytest.approx(v, rel=0.02), k
    storage = table[(table["component"] == "storage") & ~table["estimated"]]
    assert storage["difference"].abs().max() < 0.01  # the model's GB-months are the bill's


def test_calibrate_and_estimate_calibrate_on_the_command_line(billed_db):
    db = billed_db[0]
    runner = CliRunner()
    out = runner.invoke(app, ["calibrate", "--fit", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "layer_cache_hit_ratio 0.550" in out.output and "Model vs bill" in out.output
    out = runner.invoke(app, ["estimate", "--calibrate", "--draws", "0", "--format", "json", "--db", str(db)])
    assert out.exit_code == 0, out.output
    notes = json.loads(out.output)["notes"]
    assert any(n.startswith("calibrated from") and "layer_cache_hit_ratio 0.550" in n for n in notes)


def test_the_demo_collects_its_bill_without_slowing_down(tmp_path):
    result = run_demo(tmp_path / "demo.duckdb", seed=SMALL["seed"], repositories=30, images=1_500)
    costs = result["costs"]
    assert costs["cost_explorer"]["status"] == "complete" and costs["cur"]["status"] == "complete"
    assert result["timings"]["costs_s"] < 5.0
    assert result["api_calls"]["ce:GetCostAndUsage"] == costs["cost_explorer"]["billed_requests"]
    month = date.today().replace(day=1) - timedelta(days=1)
    assert month.replace(day=1).isoformat() in costs["cur"]["months"]
