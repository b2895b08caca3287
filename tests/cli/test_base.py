"""The CLI as a person meets it: one clear line and a non-zero exit code for every common mistake."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from analysis.cli import app

runner = CliRunner()


def _one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    assert len(lines) == 1, result.output
    return lines[0]


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


def test_version_is_the_installed_distributions():
    from importlib.metadata import version

    import analysis

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"regcost {version('regcost')}\n"  # pyproject.toml's, as the wheel and warehouse say
    assert analysis.__version__ == version("regcost")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = analysis.nothing
