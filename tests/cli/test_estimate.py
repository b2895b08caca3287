"""`regcost estimate` and `regcost pricing` as a person uses them, on a collected warehouse and a usage file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app

runner = CliRunner()
EXAMPLE_USAGE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "usage.yaml"


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_table_shows_every_preset_and_a_recommendation(collected_db):
    result = invoke("estimate", "--db", str(collected_db))
    assert result.exit_code == 0, result.output
    for title in (
        "Stay on ECR (baseline)",
        "ECR with lifecycle clean-up",
        "Harbor on AWS",
        "Harbor on a European cloud",
        "Harbor on-prem",
        "Hybrid",
    ):
        assert title in result.output
    assert "Recommendation:" in result.output


def test_json_is_versioned_and_internally_consistent(collected_db):
    result = invoke("estimate", "--db", str(collected_db), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema_version"] == 1 and data["baseline"] == "ecr"
    baseline = data["scenarios"][0]
    for s in data["scenarios"]:
        one_time = sum(o["amount"] for o in s["one_time"])
        # what a reader checks first: the TCO is the months plus the one-time costs, and savings are the difference
        assert s["horizon_tco"] == pytest.approx(sum(s["monthly_total"]) + one_time, abs=0.005)
        assert s["savings_vs_baseline"] == pytest.approx(baseline["horizon_tco"] - s["horizon_tco"], abs=0.005)
        assert sum(c["monthly"][0] for c in s["components"]) == pytest.approx(s["monthly_total"][0], abs=0.005)
        assert len(s["monthly_total"]) == data["horizon_months"] == 36
    assert data["recommendation"]["scenario"] in {s["name"] for s in data["scenarios"]}


def test_horizon_and_scenario_selection(collected_db):
    data = json.loads(
        invoke("estimate", "--db", str(collected_db), "-s", "harbor-eu-cloud", "--horizon", "60", "-f", "json").output
    )
    assert [s["name"] for s in data["scenarios"]] == ["ecr", "harbor-eu-cloud"]
    assert len(data["scenarios"][1]["cumulative"]) == 60


def test_explain_shows_quantity_unit_price_and_catalog_entry(collected_db):
    result = invoke("estimate", "--db", str(collected_db), "-s", "ecr", "--explain")
    assert result.exit_code == 0, result.output
    assert "quantity × unit price = cost" in result.output
    assert "ecr.storage.standard" in result.output and "GB-month" in result.output


def test_csv_is_long_format_and_safe_in_a_spreadsheet(collected_db, tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text('name: evil\ntitle: "=HYPERLINK(\\"http://x\\")"\nextends: ecr\nkind: ecr\n')
    result = invoke("estimate", "--db", str(collected_db), "--scenario-file", str(evil), "-s", "evil", "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    titles = {r["title"] for r in rows if r["scenario"] == "evil"}
    assert titles == {'\'=HYPERLINK("http://x")'}
    months = {int(r["month"]) for r in rows if r["scenario"] == "ecr" and r["group"] != "summary"}
    assert months == set(range(1, 37))
    # the summary rows carry totals (filter them out before summing): the months add up to the TCO
    ecr = [r for r in rows if r["scenario"] == "ecr"]
    tco = next(float(r["cost"]) for r in ecr if r["component"] == "36-month TCO")
    assert sum(float(r["cost"]) for r in ecr if r["group"] != "summary") == pytest.approx(tco, abs=0.01 * 36 * 10)


def test_markdown_for_a_pull_request_comment(collected_db):
    result = invoke("estimate", "--db", str(collected_db), "-f", "markdown")
    assert result.exit_code == 0
    assert result.output.startswith("### regcost estimate")
    assert "| scenario | month 1 |" in result.output and "**Recommendation:**" in result.output


def test_usage_file_needs_no_warehouse(tmp_path):
    usage = tmp_path / "usage.yaml"
    usage.write_text(
        "repositories: 1\nregions:\n  us-east-1:\n    storage_gb: 1000\n    transfer_gb_month: {internet: 500}\n"
    )
    calc = tmp_path / "calculator.yaml"  # the AWS Pricing Calculator prices ECR alone: no NAT gateway
    calc.write_text(
        "name: ecr\ntitle: ECR as the calculator sees it\nkind: ecr\nassumptions: {private_subnet_share: 0}\n"
    )
    result = invoke(
        "estimate",
        "--usage",
        str(usage),
        "--scenario-file",
        str(calc),
        "-s",
        "ecr",
        "-f",
        "json",
        "--db",
        str(tmp_path / "absent.duckdb"),
    )
    assert result.exit_code == 0, result.output
    month1 = json.loads(result.output)["scenarios"][0]["monthly_total"][0]
    # storage 1,000 GB-month × $0.10 = $100.00; egress 500 GB × $0.09 (first tier, us-east-1) = $45.00
    assert round(month1, 2) == 145.00


def test_the_shipped_usage_example_runs():
    result = invoke("estimate", "--usage", str(EXAMPLE_USAGE))
    assert result.exit_code == 0, result.output


def test_a_bad_scenario_file_names_file_field_and_expectation(collected_db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: Bad\nkind: ecr\nassumptions:\n  layer_cache_hit_ratio: {low: 0.9, base: 0.5, high: 1}\n"
    )
    result = invoke("estimate", "--db", str(collected_db), "--scenario-file", str(bad))
    assert result.exit_code == 2
    line = result.output.strip()
    assert str(bad) in line and "assumptions.layer_cache_hit_ratio" in line and "low ≤ base ≤ high" in line
    assert "Traceback" not in result.output and "Stay on ECR" not in result.output  # nothing was computed


def test_unknown_scenario_lists_the_known_ones(collected_db):
    result = invoke("estimate", "--db", str(collected_db), "-s", "harbour")
    assert result.exit_code == 2
    assert "unknown scenario harbour" in result.output and "harbor-eu-cloud" in result.output


def test_an_empty_warehouse_says_how_to_collect(tmp_path):
    from analysis.warehouse import Warehouse

    db = tmp_path / "empty.duckdb"
    Warehouse(db).close()
    result = invoke("estimate", "--db", str(db))
    assert result.exit_code == 1
    assert "regcost collect ecr" in result.output


def test_pricing_show_cites_sources_and_user_overrides(tmp_path):
    mine = tmp_path / "negotiated.yaml"
    mine.write_text(
        "catalog_version: 1\nprices:\n  - id: ecr.storage.standard\n    region: '*'\n    unit: GB-month\n"
        "    currency: USD\n    price: 0.08\n    source: https://example.com/our-edp-contract\n    as_of: 2026-10-01\n"
    )
    result = invoke("pricing", "show", "--catalog", str(mine), "--id", "ecr.storage", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = {(r["id"], r["location"]): r for r in json.loads(result.output)["prices"]}
    ours = rows[("ecr.storage.standard", "*")]
    assert ours["price"] == 0.08 and ours["source"] == "https://example.com/our-edp-contract"
    # Ours are per region now (aws-regions.yaml): the user's '*' entry outranks all of them, and says so.
    assert ours["overrides"] and "aws-regions.yaml" in ours["overrides"]


def test_user_prices_change_the_estimate(collected_db, tmp_path):
    base = json.loads(invoke("estimate", "--db", str(collected_db), "-s", "ecr", "-f", "json").output)
    mine = tmp_path / "cheaper.yaml"
    mine.write_text(
        "catalog_version: 1\nprices:\n  - id: ecr.storage.standard\n    region: '*'\n    unit: GB-month\n"
        "    currency: USD\n    price: 0.05\n    source: https://example.com/edp\n    as_of: 2026-10-01\n"
    )
    cheaper = json.loads(
        invoke("estimate", "--db", str(collected_db), "-s", "ecr", "-f", "json", "--catalog", str(mine)).output
    )

    def storage(d):
        return next(c for c in d["scenarios"][0]["components"] if c["component"] == "ECR storage (standard)")

    # half the unit price, same GB-months: half the cost
    assert storage(cheaper)["cost_month1"] == pytest.approx(storage(base)["cost_month1"] / 2)
