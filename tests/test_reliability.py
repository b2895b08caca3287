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
