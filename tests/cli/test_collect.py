"""`regcost collect ecr|costs|harbor|oci` as a person meets it: every mistake is one line that says what to do,
with exit status 2 (a usage error) or 1 (AWS refused); a collection ends with its table and exit status."""

from __future__ import annotations

import json

import pytest
from support import SMALL
from typer.testing import CliRunner

from analysis.cli import app
from analysis.cli.collect import _physical_cell

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


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--url", "registry.example.com"], "--url must start with https:// or http://"),
        (["--url", "https://r.example", "--metrics-url", "r.example:9090"], "--metrics-url must start with https://"),
        (["--url", "https://r.example", "--username", "admin"], "--username needs --password-env or --password-file"),
        (["--url", "https://r.example", "--ca-bundle", "nowhere.pem"], "--ca-bundle nowhere.pem: no such file"),
    ],
)
@pytest.mark.parametrize("kind", ["harbor", "oci"])
def test_registry_mistakes_are_caught_before_any_request(tmp_path, kind, args, says):
    result = collect(kind, *args, tmp_path=tmp_path)
    assert result.exit_code == 2
    assert says in _one_line_error(result)


def test_the_registry_password_comes_from_one_place(tmp_path, monkeypatch):
    monkeypatch.setenv("REG_PW", "s3cret-from-env")
    secret = tmp_path / "pw"
    secret.write_text("s3cret-from-file\n")
    base = ["harbor", "--url", "https://r.example", "--username", "admin"]

    both = collect(*base, "--password-env", "REG_PW", "--password-file", str(secret), tmp_path=tmp_path)
    assert both.exit_code == 2
    assert "use either --password-env or --password-file, not both" in _one_line_error(both)

    empty = tmp_path / "empty"
    empty.write_text("\n")
    blank = collect(*base, "--password-file", str(empty), tmp_path=tmp_path)
    assert blank.exit_code == 2
    assert f"--password-file {empty} is empty" in _one_line_error(blank)

    missing = collect(*base, "--password-file", str(tmp_path / "nope"), tmp_path=tmp_path)
    assert missing.exit_code == 2
    assert "cannot read --password-file" in _one_line_error(missing) and "No such file" in missing.output
    # the secrets never appear in what is printed
    assert "s3cret" not in both.output + blank.output + missing.output


def test_physical_storage_says_where_it_comes_from_and_never_shows_zero_for_unknown():
    gib = 2**30
    assert _physical_cell({"physical_bytes": None, "physical_source": None}) == "unknown"
    assert _physical_cell({"physical_bytes": 3 * gib, "physical_source": "statistics"}) == "3.0 GiB"
    assert _physical_cell({"physical_bytes": 3 * gib, "physical_source": "exporter"}) == "3.0 GiB (exporter)"
    # 1.5 GiB = 1,610,612,736 bytes, summed from the blobs the collector saw: a lower bound
    assert _physical_cell({"physical_bytes": 1_610_612_736, "physical_source": "blob_sum"}) == (
        "1.5 GiB (blob sums, lower bound)"
    )


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
