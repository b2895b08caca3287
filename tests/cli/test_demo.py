"""`regcost dashboard` and `regcost demo` as a person runs them.

The demo's own runner (generate, seed, collect) is tested in tests/demo/test_runner.py; here it is replaced by one
that hands over the shared collected warehouse, so these tests cover what the command adds: the estimate, the
reports, the plan and the lines that say where to go next.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from support import SMALL
from typer.testing import CliRunner

import analysis.cli.demo as demo_cli
import analysis.demo.runner
from analysis.dashboard import state

runner = CliRunner()


@pytest.fixture()
def execv(monkeypatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake(path: str, argv: list[str]) -> None:
        calls.append([path, *argv])
        raise SystemExit(0)

    monkeypatch.setattr(demo_cli.os, "execv", fake)
    return calls


def test_dashboard_serves_the_warehouse_on_localhost_only(execv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(demo_cli.app, ["dashboard", "--db", "w.duckdb", "--port", "8600"], terminal_width=300)
    assert result.exit_code == 0, result.output
    db = (tmp_path / "w.duckdb").resolve()
    assert f"Dashboard: http://127.0.0.1:8600 (warehouse {db}); Ctrl+C stops it." in result.output
    [(path, *argv)] = execv
    assert path == sys.executable and argv[:4] == [sys.executable, "-m", "streamlit", "run"]
    options = dict(zip(argv[5:-3:2], argv[6:-3:2], strict=True))
    assert options["--server.address"] == "127.0.0.1" and options["--server.port"] == "8600"
    assert options["--browser.gatherUsageStats"] == "false"  # nothing leaves the machine
    assert argv[-3:] == ["--", "--db", str(db)]


def test_dashboard_scans_what_the_report_scans(execv, tmp_path, monkeypatch):
    # `regcost dashboard --scan DIR` hands the folder to the app, whose plan (and effort) then counts its references
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gitops").mkdir()
    result = runner.invoke(demo_cli.app, ["dashboard", "--db", "w.duckdb", "--scan", "gitops"], terminal_width=300)
    assert result.exit_code == 0, result.output
    [(_path, *argv)] = execv
    assert argv[-5:] == ["--", "--db", str((tmp_path / "w.duckdb").resolve()), "--scan", str(tmp_path / "gitops")]
    monkeypatch.setattr(state.sys, "argv", ["app.py", *argv[argv.index("--") + 1 :]])
    assert state.scan_paths() == (str(tmp_path / "gitops"),)  # what the app reads back


def test_dashboard_with_a_missing_scan_folder_says_so(execv, tmp_path):
    result = runner.invoke(demo_cli.app, ["dashboard", "--scan", str(tmp_path / "none")], terminal_width=300)
    assert result.exit_code == 2 and f"--scan: no such file or folder: {tmp_path / 'none'}" in result.output
    assert execv == []


def test_dashboard_without_its_app_says_to_reinstall(execv, tmp_path, monkeypatch):
    monkeypatch.setattr(demo_cli, "dashboard_app", lambda: tmp_path / "gone" / "app.py")
    result = runner.invoke(demo_cli.app, ["dashboard", "--db", str(tmp_path / "w.duckdb")], terminal_width=300)
    assert result.exit_code == 2
    assert (
        "the dashboard's app.py is not at" in result.output
        and "reinstall regcost (pipx install regcost)" in result.output
    )
    assert execv == []


@pytest.fixture()
def fake_run_demo(collected_db, small_estate, monkeypatch):
    """run_demo's answer for the shared collected estate (seed 11, 30 repositories, 1,500 images)."""
    seen: list[bool] = []

    def run_demo(db: Path, **kwargs) -> dict:
        seen.append(db.exists())
        shutil.copy(collected_db, db)
        return {
            "warehouse": str(db),
            "accounts": list(small_estate.accounts),
            "regions": list(small_estate.regions),
            "seeded": small_estate.expected_totals(),
            "api_calls": {"ecr:DescribeImages": 40, "ecr:BatchGetImage": 60},
            "timings": {"generate_s": 0.5, "seed_s": 1.25, "collect_s": 2.0},
            "errors": [],
            "costs": {},
        }

    monkeypatch.setattr(analysis.demo.runner, "run_demo", run_demo)
    return seen


def test_demo_prints_the_estate_the_estimate_and_where_to_go_next(fake_run_demo, small_estate, tmp_path):
    db, reports = tmp_path / "demo.duckdb", tmp_path / "reports"
    db.write_text("an old demo")
    args = ["demo", "--db", str(db), "--reports", str(reports), "--seed", str(SMALL["seed"]), "--reset"]
    result = runner.invoke(demo_cli.app, args, terminal_width=300)
    assert result.exit_code == 0, result.output
    assert fake_run_demo == [False]  # --reset deleted the old warehouse first
    text = " ".join(result.output.split())  # the console wraps long lines at 160 columns
    accounts, regions = len(small_estate.accounts), len(small_estate.regions)
    # 40 + 60 = 100 API calls; the timings as the runner measured them, one decimal
    assert (
        f"Demo estate seed 11: 30 repositories, 1,500 images in {accounts} accounts × {regions} regions "
        "(generated 0.5s, seeded 1.2s, collected 2.0s, 100 API calls)"
    ) in text
    assert "Recommendation:" in text
    assert f"Next: regcost estimate --db {db} --scan {demo_cli.DEMO_GITOPS} --explain" in text
    # the dashboard scans what the report scanned: the same effort and numbers (the line may wrap)
    dashboard = (
        f"Dashboard: regcost dashboard --db {db} --scan {demo_cli.DEMO_GITOPS} (then open http://127.0.0.1:8501)"
    )
    assert dashboard in " ".join(text.split())
    html, pdf = reports / "demo-report.html", reports / "demo-report.pdf"
    assert f"Reports: {html}, {pdf}" in text
    assert html.stat().st_size > 0 and pdf.read_bytes().startswith(b"%PDF")
    assert "Migration plan:" in text and f"Harbor payloads: {reports / 'harbor'}" in text
