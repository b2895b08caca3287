"""`regcost status`, `iam-policy` and `pricing show` as a person reads them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from analysis.cli import app
from analysis.cli.inspect import _unique_gib, _unknown_when_missing
from analysis.pricing import load_catalog
from analysis.warehouse import Warehouse

runner = CliRunner()
GIB = 2**30


def test_status_json_is_versioned(tmp_path):
    db = tmp_path / "w.duckdb"
    Warehouse(db).close()
    result = runner.invoke(app, ["status", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["schema_version"] == 1 and payload["runs"] == []


def test_status_of_an_empty_warehouse_says_what_to_run(tmp_path):
    db = tmp_path / "w.duckdb"
    Warehouse(db).close()
    result = runner.invoke(app, ["status", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "no runs yet — run `regcost collect ecr` or `regcost demo`" in result.output


def _rows(output: str, first_cell: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip("│ ").split("│")]
        for line in output.splitlines()
        if line.startswith("│ " + first_cell)
    ]


def test_status_lists_the_run_and_every_scope(collected_db, small_estate):
    result = runner.invoke(app, ["status", "--db", str(collected_db)], terminal_width=200)
    assert result.exit_code == 0, result.output
    totals = small_estate.expected_totals()
    [run] = _rows(result.output, "1 ")
    assert (run[1], run[2], run[5], run[6]) == ("ecr", "complete", f"{totals['images']:,}", "0")

    expected = small_estate.expected_by_scope()
    rows = [r for account in small_estate.accounts for r in _rows(result.output, account)]
    assert len(rows) == len(expected)  # empty registries are listed too, with zeros
    for account, region, _run, repos, images, untagged, archived, naive, per_repo, *_ in rows:
        want = expected[(account, region)]
        assert (int(repos), int(images.replace(",", ""))) == (want["repositories"], want["images"])
        assert (int(untagged.replace(",", "")), int(archived)) == (want["untagged_images"], want["archived_images"])
        assert naive == f"{want['naive_bytes'] / GIB:,.1f}"  # GiB = bytes / 2^30, one decimal
        assert per_repo == f"{want['per_repo_unique_bytes'] / GIB:,.1f}"
    whole = f"{totals['unique_blob_bytes'] / GIB:,.1f} GiB"
    assert f"Unique blobs across the whole estate (one self-hosted registry): {whole}" in result.output


def test_unique_bytes_are_unknown_or_a_lower_bound_when_manifests_are_missing():
    def scope(account: str) -> dict:
        return {
            "account_id": account,
            "region": "eu-west-1",
            "repository_unique_bytes": 5 * GIB,
            "scope_unique_bytes": 4 * GIB,
        }

    complete, some, none = scope("111111111111"), scope("222222222222"), scope("333333333333")
    missing = {("222222222222", "eu-west-1"): (2, 5), ("333333333333", "eu-west-1"): (3, 3)}  # (without, images)
    assert _unknown_when_missing([complete, some, none], missing, 9 * GIB) == 9 * GIB
    assert (complete["images_without_manifest"], complete["unique_bytes_lower_bound"]) == (0, False)
    # 2 of 5 images without a manifest: the 5 GiB measured are at least what is stored
    assert (some["unique_bytes_lower_bound"], some["repository_unique_bytes"]) == (True, 5 * GIB)
    assert _unique_gib(some["repository_unique_bytes"], some["unique_bytes_lower_bound"]) == "≥ 5.0"
    # no manifest at all: unknown, never a measured 0.0 GiB
    assert (none["repository_unique_bytes"], none["scope_unique_bytes"]) == (None, None)
    assert _unique_gib(none["repository_unique_bytes"], none["unique_bytes_lower_bound"]) == "unknown"
    # and the whole estate is unknown when nothing anywhere had a manifest
    assert _unknown_when_missing([scope("333333333333")], {("333333333333", "eu-west-1"): (3, 3)}, 0) is None


def test_iam_policy_without_a_role_name_allows_no_role_assumption():
    result = runner.invoke(app, ["iam-policy"])
    assert result.exit_code == 0, result.output
    policy = json.loads(result.output)
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow" and "sts:AssumeRole" not in statement["Action"]


def test_pricing_show_filters_by_id():
    in_force = [r for r in load_catalog().as_rows() if "aws.nat.hourly" in r["id"]]
    table = runner.invoke(app, ["pricing", "show", "--id", "aws.nat.hourly"], terminal_width=250)
    assert table.exit_code == 0, table.output
    assert f"Prices in force ({len(in_force)})" in table.output
    assert "aws.alb.hourly" not in table.output

    data = json.loads(runner.invoke(app, ["pricing", "show", "--id", "aws.nat.hourly", "--format", "json"]).output)
    assert data["schema_version"] == 1
    assert [(p["id"], p["location"], p["price"]) for p in data["prices"]] == [
        (r["id"], r["location"], r["price"]) for r in in_force
    ]
    assert data["parameters"] == []  # no parameter id contains it
