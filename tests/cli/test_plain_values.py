"""analysis/cli/base.py `_plain_value`: every option of every command that takes a plain str, bool or Path value (or a
list of str) gets from regcost's pydantic-free path exactly what typer's own adapter gives, errors included — and
`collect ecr` parses its options without importing pydantic (its start-up before the first AWS call, issue #16)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import typer.main
from typer._click import exceptions as click_errors
from typer._coercion import build_runtime_param

from analysis.cli import app
from analysis.cli.base import _NOT_PLAIN, _plain_value


def _commands(group: click.Command, path: str = "regcost"):
    yield path, group
    for name, sub in getattr(group, "commands", {}).items():
        yield from _commands(sub, f"{path} {name}")


def _params():
    root = typer.main.get_command(app)
    for path, command in _commands(root):
        ctx = click.Context(command)
        for param in command.get_params(ctx):
            desc = getattr(param, "type_descriptor", None)
            if desc is not None:
                yield f"{path} --{param.name}", ctx, param, desc


VALUES = ["us-east-1", "", " spaced ", "-", True, False, ["a", "b"], ("x",), (), "/definitely/not/here", ".", "12"]
VALUES += ["0", "-1", "64", "3.5", "012", "1e3", " 7", 0, 5, 64, 10_000, 2.5, -3, 14, "13", "100000"]


def _outcome(coerce, value, param, ctx):
    try:
        return ("value", coerce(value, param, ctx))
    except click_errors.BadParameter as exc:
        return ("error", exc.format_message())


def test_every_plain_value_is_what_typers_own_adapter_gives(tmp_path: Path):
    VALUES.append(str(tmp_path))
    checked = 0
    for where, ctx, param, desc in _params():
        typers = build_runtime_param(desc)
        for value in VALUES:
            plain = _plain_value(desc, value, param, ctx)
            if plain is _NOT_PLAIN:
                continue
            checked += 1
            ours = ("value", plain)
            assert ours == _outcome(typers._coerce_value, value, param, ctx), (where, value)
            assert type(plain) is type(_outcome(typers._coerce_value, value, param, ctx)[1]), (where, value)
    assert checked > 100  # str, bool, Path and list-of-str options across the commands


def test_a_path_option_that_must_exist_still_fails_typers_way(tmp_path: Path):
    # every Path option whose typer check refuses a missing path refuses it here too, with typer's message
    for where, ctx, param, desc in _params():
        if desc.annotation is Path and desc.parameter_info.exists:
            missing = str(tmp_path / "missing")
            typers = _outcome(build_runtime_param(desc)._coerce_value, missing, param, ctx)
            ours = _outcome(lambda v, p, c, d=desc: _plain_value(d, v, p, c), missing, param, ctx)
            assert ours == typers and typers[0] == "error", where


def test_collect_ecr_reaches_its_first_aws_call_without_importing_pydantic(tmp_path: Path):
    """The real command, stopped where its first calls start (`start_targets`)."""
    code = f"""
import os, sys
import analysis.collectors.accounts as accounts

def first_call(*args, **kwargs):
    print("pydantic" in sys.modules, flush=True)
    os._exit(0)

accounts.start_targets = first_call
from analysis.cli import app
app(["collect", "ecr", "--no-manifests", "--region", "us-east-1", "--db", {str(tmp_path / "w.duckdb")!r},
     "--format", "json", "--max-concurrency", "64", "--profile", "prod"])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
