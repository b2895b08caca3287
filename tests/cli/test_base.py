"""The CLI as a person meets it: one clear line and a non-zero exit code for every common mistake."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from analysis.cli import app

runner = CliRunner()


@pytest.fixture()
def no_aws(monkeypatch, tmp_path):
    """No credentials anywhere, and no instance-metadata lookup (it would leave this machine)."""
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def _one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    assert len(lines) == 1, result.output
    return lines[0]


def test_missing_credentials(no_aws, tmp_path):
    result = runner.invoke(app, ["collect", "ecr", "--region", "eu-west-1", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    line = _one_line_error(result)
    assert "NoCredentials" in line and "--profile" in line


def test_unknown_profile(no_aws, tmp_path):
    result = runner.invoke(app, ["collect", "ecr", "--profile", "nope", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    assert "nope" in _one_line_error(result)


def test_unknown_region(no_aws, tmp_path):
    result = runner.invoke(app, ["collect", "ecr", "--region", "eu-nowhere-9", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "unknown region eu-nowhere-9" in _one_line_error(result)


def test_no_region_at_all(no_aws, tmp_path):
    result = runner.invoke(app, ["collect", "ecr", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "--region" in _one_line_error(result)


def test_status_without_a_warehouse_says_how_to_collect(tmp_path):
    result = runner.invoke(app, ["status", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "regcost collect ecr" in _one_line_error(result)


def test_unreadable_warehouse_file(tmp_path):
    bad = tmp_path / "notes.duckdb"
    bad.write_text("quarterly numbers\n" * 500)
    result = runner.invoke(app, ["status", "--db", str(bad)])
    assert result.exit_code == 1
    assert "not a DuckDB warehouse" in _one_line_error(result)


def test_locked_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db)!r}); con.execute("CREATE TABLE t (x INT)")
            print("ready", flush=True); sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = runner.invoke(app, ["status", "--db", str(db)])
        assert result.exit_code == 1
        assert "locked by another regcost process" in _one_line_error(result)
    finally:
        holder.communicate("")


def test_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "notes.duckdb"
    bad.write_text("x" * 5000)
    result = runner.invoke(app, ["--debug", "status", "--db", str(bad)])
    assert result.exit_code != 0
    assert result.exception is not None


def test_status_json_is_versioned(tmp_path):
    from analysis.warehouse import Warehouse

    db = tmp_path / "w.duckdb"
    Warehouse(db).close()
    result = runner.invoke(app, ["status", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    payload = json.loads(result.output)
    assert payload["schema_version"] == 1 and payload["runs"] == []
