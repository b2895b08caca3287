"""The CLI as a person meets it: one clear line and a non-zero exit code for every common mistake."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app

runner = CliRunner()
USAGE = str(Path(__file__).resolve().parents[2] / "docs" / "examples" / "usage.yaml")


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


def _regcost(*args: str) -> subprocess.CompletedProcess[str]:
    """`regcost ARGS` in a fresh process that also prints, on exit, whether pydantic was ever imported."""
    code = textwrap.dedent(
        """
        import atexit, sys
        atexit.register(lambda: sys.stdout.write(f"pydantic imported: {'pydantic' in sys.modules}\\n"))
        from analysis.cli import app
        sys.argv[0] = "regcost"
        sys.exit(app())
        """
    )
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)


def test_a_value_not_among_the_choices_is_said_without_loading_the_validation_library():
    # typer parses option values through pydantic; a wrong choice is found without it (a quarter second of start-up)
    done = _regcost("estimate", "--format", "xml")
    assert done.returncode == 2
    assert done.stderr == (
        "error: Invalid value for '--format' / '-f': 'xml' is not one of 'table', 'json', 'csv', 'markdown'; "
        "see `regcost estimate --help`\n"
    )
    assert done.stdout == "pydantic imported: False\n"


def test_other_bad_values_keep_typers_own_messages():
    # a number is still parsed by typer's own (pydantic) adapter, built when a value comes
    done = _regcost("estimate", "--draws", "-3")
    assert done.returncode == 2
    assert "Invalid value for '--draws': Input should be greater than or equal to 0" in done.stderr
    assert runner.invoke(app, ["estimate", "--horizon", "abc"]).exit_code == 2
    # a choice given right reaches the command as that choice: JSON out
    result = runner.invoke(app, ["estimate", "-f", "JSON", "--usage", USAGE, "--draws", "0"])
    assert result.exit_code == 2 and "'JSON' is not one of" in _one_line_error(result)  # case counts, as before
    result = runner.invoke(app, ["estimate", "-f", "json", "--usage", USAGE, "--draws", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenarios"]


def test_piped_json_is_what_rich_prints_without_its_highlighting(capsys):
    from rich.console import Console

    from analysis.cli.base import _LazyConsole

    text = json.dumps({"name": "café/svc", "sizes": [1, 2.5], "none": None})
    _LazyConsole(piped_width=True).print_json(text)  # stdout is captured: not a terminal
    ours = capsys.readouterr().out
    rich = Console(file=None, width=160, force_terminal=False, color_system=None)
    with rich.capture() as captured:
        rich.print_json(text)
    assert (
        ours == captured.get() == '{\n  "name": "café/svc",\n  "sizes": [\n    1,\n    2.5\n  ],\n  "none": null\n}\n'
    )
