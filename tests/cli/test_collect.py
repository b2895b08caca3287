"""`regcost collect ecr|costs` as a person meets it: every mistake is one line that says what to do,
with exit status 2 (a usage error) or 1 (AWS refused); a collection ends with its table and exit status."""

from __future__ import annotations

import json

import pytest
from support import SMALL
from typer.testing import CliRunner

from analysis.cli import app

runner = CliRunner()


def _one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    assert len(lines) == 1, result.output
    return lines[0]


def collect(*args: str, tmp_path):
    return runner.invoke(app, ["collect", *args, "--db", str(tmp_path / "w.duckdb")])


def test_missing_credentials(no_aws, tmp_path):
    result = collect("ecr", "--region", "eu-west-1", tmp_path=tmp_path)
    assert result.exit_code == 1
    line = _one_line_error(result)
    assert "NoCredentials" in line and "--profile" in line


def test_unknown_profile(no_aws, tmp_path):
    result = collect("ecr", "--profile", "nope", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert "nope" in _one_line_error(result)


def test_unknown_region(no_aws, tmp_path):
    result = collect("ecr", "--region", "eu-nowhere-9", tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "unknown region eu-nowhere-9" in _one_line_error(result)


def test_no_region_at_all(no_aws, tmp_path):
    result = collect("ecr", tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "--region" in _one_line_error(result)


def test_all_regions_cannot_be_mixed_with_named_ones(no_aws, tmp_path):
    result = collect("ecr", "--regions", "all", "--region", "eu-west-1", tmp_path=tmp_path)
    assert result.exit_code == 2
    assert _one_line_error(result).endswith("--regions all cannot be combined with named regions")


def test_organization_or_named_roles_not_both(no_aws, tmp_path):
    role = "arn:aws:iam::111122223333:role/Reader"
    result = collect("ecr", "--region", "eu-west-1", "--organization", "--role-arn", role, tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "use either --organization or --role-arn, not both" in _one_line_error(result)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--cost-explorer", "--cur", "exports/"],
        ["--cur", "exports/", "--athena-table", "db.cur", "--workgroup", "w"],
    ],
)
def test_costs_needs_exactly_one_source(no_aws, tmp_path, args):
    result = collect("costs", *args, tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "pass one of --cost-explorer, --cur PATH|s3://bucket/prefix or --athena-table" in _one_line_error(result)


def test_collect_ecr_reports_every_scope_and_exits_0(aws, small_estate, tmp_path, monkeypatch):
    """The real command against the emulated AWS: its summary counts what the estate holds."""
    kwargs = aws.client_kwargs()
    for name, value in kwargs.items():
        if name != "endpoint_url" and name != "region_name":
            monkeypatch.setenv(name.upper(), value)
    regions = ",".join(small_estate.regions)
    args = ["ecr", "--regions", regions, "--organization", "--endpoint-url", kwargs["endpoint_url"]]
    result = runner.invoke(app, ["collect", *args, "--db", str(tmp_path / "w.duckdb"), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["schema_version"] == 1 and summary["status"] == "complete" and summary["exit_code"] == 0
    totals = small_estate.expected_totals()
    assert sum(s["repositories"] for s in summary["scopes"]) == totals["repositories"] == SMALL["repositories"]
    assert sum(s["images"] for s in summary["scopes"]) == totals["images"]
    # collected again, as a table: one row per account and region, the manifests already in the cache
    again = runner.invoke(app, ["collect", *args, "--db", str(tmp_path / "w.duckdb")], terminal_width=200)
    assert again.exit_code == 0, again.output
    assert "Run 2: complete" in again.output
    rows = [line for line in again.output.splitlines() if line.startswith("│ ")]
    assert len(rows) == len(summary["scopes"])
    assert "(new in cache: 0)" in again.output
