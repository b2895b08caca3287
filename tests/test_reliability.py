"""Issue #12 as a hostile user tries it, through the CLI against the emulated AWS (moto over HTTP)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from analysis.cli import app

runner = CliRunner()


@pytest.fixture()
def aws_env(aws, monkeypatch):
    """The CLI's standard credential chain pointed at the emulator's management account."""
    kwargs = aws.client_kwargs()
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", kwargs["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", kwargs["aws_secret_access_key"])
    if kwargs.get("aws_session_token"):
        monkeypatch.setenv("AWS_SESSION_TOKEN", kwargs["aws_session_token"])
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return aws


def collect(aws, small_estate, db, *extra: str):
    args = ["collect", "ecr", "--endpoint-url", aws.endpoint_url, "--organization", "--db", str(db)]
    for region in small_estate.regions:
        args += ["--region", region]
    return runner.invoke(app, [*args, *extra])


def test_status_after_no_manifests_says_unknown_not_zero(aws_env, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    assert collect(aws_env, small_estate, db, "--no-manifests").exit_code == 0
    table = runner.invoke(app, ["status", "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert "0.0 GiB" not in table.output
    assert "Unique blobs across the whole estate (one self-hosted registry): unknown" in table.output
    assert "have no manifest" in table.output
    scopes = json.loads(runner.invoke(app, ["status", "--db", str(db), "-f", "json"]).output)["scopes"]
    with_images = [s for s in scopes if s["images"]]
    assert with_images and all(s["repository_unique_bytes"] is None for s in with_images)
    assert all(s["images_without_manifest"] == s["images"] for s in scopes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{\n  "rules": [\n    {"rulePriority": 1,,}\n  ]\n}\n', "not valid JSON at line 3, column 24"),
        (
            '{"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountLessThan", '
            '"countNumber": 5}, "action": {"type": "expire"}}]}',
            "countType: unknown 'imageCountLessThan'",
        ),
        ('{"rules": []}', 'non-empty "rules" list'),
    ],
    ids=["bad-json", "unknown-count-type", "no-rules"],
)
def test_a_bad_proposed_lifecycle_policy_is_one_line_and_a_non_zero_exit(collected_db, tmp_path, text, expected):
    policy = tmp_path / "policy.json"
    policy.write_text(text)
    out = runner.invoke(app, ["lifecycle", "--db", str(collected_db), "--policy", str(policy)])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0] and str(policy) in lines[0], out.output
    assert "repositories evaluated" not in out.output


def _estimate(db) -> dict:
    out = runner.invoke(app, ["estimate", "--db", str(db), "-f", "json", "--draws", "0", "--scenario", "ecr"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_a_denied_get_metric_data_keeps_the_regions_last_pulls_and_says_so(aws_env, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    assert collect(aws_env, small_estate, db).exit_code == 0
    before = _estimate(db)
    region = small_estate.regions[0]
    aws_env.inject_fault("GetMetricData", service="cloudwatch", region=region)

    second = collect(aws_env, small_estate, db)
    assert second.exit_code == 3, second.output  # partial: a scheduler sees it
    assert "not read: pulls of" in second.output and "partial run" in second.output

    after = _estimate(db)
    # The region's pulls are the last good ones (run 1), so the stay-on-ECR TCO is unchanged to the cent.
    assert round(after["scenarios"][0]["horizon_tco"], 2) == round(before["scenarios"][0]["horizon_tco"], 2)
    assert after["profile"]["pulls_per_month"] == before["profile"]["pulls_per_month"] > 0
    carried = [d for d in after["data_quality"] if d["part"] == "pulls"]
    assert carried and {(d["region"], d["state"], d["from_run_id"], d["failed_run_id"]) for d in carried} == {
        (region, "carried", 1, 2)
    }
    assert all(d["error_code"] == "AccessDeniedException" and d["age_days"] is not None for d in carried)
    assert any(n.startswith("carried forward: pulls") and region in n for n in after["notes"])
    table = runner.invoke(app, ["estimate", "--db", str(db), "--draws", "0", "--scenario", "ecr"]).output
    assert "carried forward: pulls" in table.replace("\n", " ")
    status = json.loads(runner.invoke(app, ["status", "--db", str(db), "-f", "json"]).output)
    assert {(d["part"], d["region"], d["state"]) for d in status["data_quality"]} == {("pulls", region, "carried")}
    report = runner.invoke(app, ["estimate", "--db", str(db), "--draws", "0", "-f", "markdown"]).output
    assert "carried forward: pulls" in report.replace("\n", " ")


def test_a_first_run_with_a_denied_part_says_it_is_missing_and_what_was_assumed(aws_env, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    region = small_estate.regions[0]
    aws_env.inject_fault("GetMetricData", service="cloudwatch", region=region)
    assert collect(aws_env, small_estate, db).exit_code == 3
    missing = [d for d in _estimate(db)["data_quality"] if d["part"] == "pulls"]
    assert missing and all(d["state"] == "missing" and d["from_run_id"] is None for d in missing)
    assert all("transfer costs are a lower bound" in d["assumed"] for d in missing)
