"""The CLI as one request → one result: `estimate` and `report` agree to the cent whenever they run, `--at`
moves both alike, and the command starts, fails and reports in one style."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

from support import imported_by
from typer.testing import CliRunner

from analysis.cli import app
from analysis.render.format import money

runner = CliRunner()


def _estimate(db: Path, *args: str) -> dict:
    result = runner.invoke(app, ["estimate", "--db", str(db), "-f", "json", "--draws", "0", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_estimate_is_evaluated_as_of_the_last_collection_not_the_clock(collected_db: Path):
    from analysis.warehouse import Warehouse

    with Warehouse(collected_db, read_only=True) as wh:
        [[finished]] = wh.query("SELECT max(finished_at) FROM runs WHERE status <> 'running'")
    first = _estimate(collected_db)
    again = _estimate(collected_db)
    assert datetime.fromisoformat(first["as_of"]) == finished.astimezone(UTC)
    # two runs at two moments: the same numbers (the growth window no longer slides with the clock)
    assert [s["horizon_tco"] for s in first["scenarios"]] == [s["horizon_tco"] for s in again["scenarios"]]


def test_at_moves_estimate_and_report_alike(collected_db: Path, tmp_path: Path):
    later = "2027-06-01"
    data = _estimate(collected_db, "--at", later)
    assert data["as_of"].startswith(later)
    assert data["migration_plan"]["at"].startswith(later)  # the plan is evaluated at the same date
    report = runner.invoke(
        app,
        ["report", "--db", str(collected_db), "-o", str(tmp_path), "-f", "html", "--draws", "0", "--at", later],
    )
    assert report.exit_code == 0, report.output
    text = unescape(re.sub(r"<[^>]+>", " ", (tmp_path / "regcost-report.html").read_text()))
    for s in data["scenarios"]:  # the report shows the estimate's TCO to the cent
        assert money(s["horizon_tco"]) in text, s["name"]


def test_one_migration_effort_in_the_estimate_and_its_plan(collected_db: Path):
    data = _estimate(collected_db)
    plan_days = data["migration_plan"]["summary"]["migration_days"]
    assert data["effort"]["source"] == "migration plan"
    assert data["effort"]["days"] == plan_days["base"]
    for s in data["scenarios"]:
        engineering = [o for o in s["one_time"] if o["component"] == "Migration engineering"]
        if engineering:  # every self-hosted scenario priced the plan's engineer-days
            assert engineering[0]["quantity"] == plan_days["base"], s["name"]


def test_a_bad_at_is_one_line(collected_db: Path):
    result = runner.invoke(app, ["estimate", "--db", str(collected_db), "--at", "next tuesday"])
    assert result.exit_code == 2
    assert (
        result.output.strip() == "error: --at next tuesday: expected a date such as 2026-11-01 or 2026-11-01T12:00:00"
    )


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and re.fullmatch(r"regcost \S+\n", result.output)


def test_a_value_outside_the_choices_is_one_line_in_our_style():
    result = runner.invoke(app, ["estimate", "--format", "xml"])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ") and "'table', 'json', 'csv', 'markdown'" in line
    assert line.endswith("see `regcost estimate --help`")


def test_help_lists_the_format_choices():
    result = runner.invoke(app, ["estimate", "--help"])
    assert result.exit_code == 0 and "table|json|csv|markdown" in result.output


def test_status_json_holds_objects_not_json_strings(collected_db: Path):
    result = runner.invoke(app, ["status", "--db", str(collected_db), "-f", "json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.output)["runs"]
    assert runs and all(isinstance(r["counts"], dict) for r in runs)
    assert runs[0]["counts"].get("images", 0) > 0


def test_help_imports_no_data_library():
    """`regcost --help` loads typer and our command modules only: no pandas, DuckDB, numpy or model."""
    heavy = ("pandas", "duckdb", "numpy", "pyarrow", "boto3", "analysis.model", "analysis.warehouse", "rich.table")
    assert imported_by("from analysis.cli import app", heavy) == []


def test_the_clis_own_defaults_are_the_models():
    from analysis.cli import base
    from analysis.model.estimate import DEFAULT_SEED
    from analysis.model.registry_workload import DEFAULT_REGION
    from analysis.pipeline.report import REPORT_CHOICES
    from analysis.render import FORMATS

    assert base.DEFAULT_SEED == DEFAULT_SEED and base.DEFAULT_REGION == DEFAULT_REGION
    assert base.ESTIMATE_FORMATS == FORMATS and base.REPORT_CHOICES == REPORT_CHOICES
    for command, choices in (("estimate", FORMATS), ("report", REPORT_CHOICES)):  # what --help lists
        shown = runner.invoke(app, [command, "--help"]).output
        assert f"<{'|'.join(choices)}>" in shown, command


def test_regcost_plan_is_the_plan_the_estimate_took(collected_db: Path, tmp_path: Path):
    plan = runner.invoke(app, ["plan", "--db", str(collected_db), "-o", str(tmp_path), "-f", "json"])
    assert plan.exit_code == 0, plan.output
    shown = json.loads(plan.output)
    estimate = _estimate(collected_db)
    when = {datetime.fromisoformat(t) for t in (shown["at"], estimate["migration_plan"]["at"], estimate["as_of"])}
    assert len(when) == 1  # one date: the newest collection
    assert shown["summary"]["migration_days"]["base"] == estimate["effort"]["days"]


def test_the_bills_nat_and_endpoint_lines_are_shown_beside_the_nat_bytes_the_model_routes(collected_db, tmp_path):
    """A CUR with NatGateway-Bytes / VpcEndpoint-* lines (tests/collectors/test_cur.py builds it: 310 GB of NAT
    processing, 2,232 endpoint hours, 93 endpoint GB in October) → one note in the estimate (JSON, --explain)."""
    import shutil

    from test_cur import write_cur2

    from analysis.pipeline.costs import collect_cur
    from analysis.warehouse import Warehouse

    db = tmp_path / "w.duckdb"
    shutil.copy(collected_db, db)
    write_cur2(tmp_path / "cur" / "data" / "part-0.parquet")
    with Warehouse(db) as wh:
        collect_cur(wh, None, str(tmp_path / "cur"))
    notes = _estimate(db)["notes"]
    note = next(n for n in notes if n.startswith("Bill cross-check"))
    # October's lines: 31 × 10 GB = 310 GB of NAT (31 × 0.48 = USD 14.88), 31 × 72 = 2,232 endpoint hours
    # (USD 24.55), 31 × 3 = 93 endpoint GB (USD 0.93).
    assert note.startswith(
        "Bill cross-check (2026-10, CUR): NatGateway-Bytes 310 GB (USD 14.88), VpcEndpoint-Hours 2,232 h "
        "(USD 24.55), VpcEndpoint-Bytes 93 GB (USD 0.93); the model routes "
    )
    assert "GB/month of ECR layer bytes through NAT (assumed share)" in note
    assert "the bill's 310 GB" in note


def test_the_cross_check_reads_a_real_focus_exports_nat_lines(collected_db, tmp_path):
    """The FinOps Foundation's real (anonymised) AWS FOCUS sample, September 2024 (tests/fixtures/bills/README.md):
    its NAT gateway processing lines, found by their ChargeDescription, are what the note compares with."""
    import shutil

    from analysis.pipeline.costs import collect_cur
    from analysis.warehouse import Warehouse

    db = tmp_path / "w.duckdb"
    shutil.copy(collected_db, db)
    with Warehouse(db) as wh:
        collect_cur(
            wh, None, str(Path(__file__).resolve().parents[1] / "fixtures" / "bills" / "focus-1.0-aws-sample-nat.csv")
        )
    note = next(n for n in _estimate(db)["notes"] if n.startswith("Bill cross-check"))
    # 0.0469039492 + 0.0000000373 + 0.0000000745 + 0.0000000373 = 0.0469040983 GB (USD 0.0021106777 + 3 × ~0):
    # shown to 3 significant digits, not as 0; no endpoint lines in the sample, so none named
    assert note.startswith("Bill cross-check (2024-09, CUR): NatGateway-Bytes 0.0469 GB (USD 0.00); the model routes ")
    # the demo estate routes far more than this small bill's NAT bytes: the note says the model is above the bill
    assert note.endswith("more than the bill's 0.0469 GB: the NAT share or the pulled bytes are too high")


def test_the_catalog_is_parsed_once_while_its_files_stay_the_same(tmp_path: Path):
    from analysis.pipeline.result import catalog_of

    mine = tmp_path / "negotiated.yaml"

    def price(value: float) -> None:
        mine.write_text(
            "catalog_version: 1\nprices:\n  - id: ecr.storage.standard\n    region: '*'\n    unit: GB-month\n"
            f"    currency: USD\n    price: {value}\n    source: https://example.com/edp\n    as_of: 2026-10-01\n"
        )

    price(0.05)
    first = catalog_of((mine,))
    assert catalog_of((mine,)) is first  # a slider move does not parse twelve YAML files again
    assert first.get("ecr.storage.standard", region="eu-west-1").price == 0.05
    price(0.075)  # the file changed (size): read again, the new price in force
    assert catalog_of((mine,)).get("ecr.storage.standard", region="eu-west-1").price == 0.075
    assert catalog_of() is not first  # the shipped files alone are another catalog
