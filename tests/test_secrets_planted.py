"""Secrets planted in every free-form field the collectors keep never reach the warehouse, the output or the
report: Harbor's GC job parameters (a Redis URL with its password), replication settings, registry and scanner
credentials, a tag; ECR repository and registry policies and resource tags. Collected through the CLI with
--debug, then status, plan and the HTML report are made, and every byte written is searched."""

from __future__ import annotations

import json
import logging

import boto3
from typer.testing import CliRunner

from analysis.cli import app
from analysis.demo.harbor import FakeHarbor, sample_data

ADMIN = "Adm1n-planted-never-stored-0c9d"
PLANTED = {
    "gc_redis_url": "Redis-pw-PLANTED-a1b2c3",
    "replication_secret": "Repl-secret-PLANTED-d4e5f6",
    "replication_description": "Repl-desc-PLANTED-0a9b8c",
    "registry_secret": "Reg-secret-PLANTED-a7b8c9",
    "registry_key": "AKIAPLANTEDKEY000001",
    "scanner_credential": "Scanner-tok-PLANTED-1d2e3f",
    "harbor_tag": "ghp_PLANTEDtagAbCdEf0123456789xyz",
    "ecr_repository_policy": "Policy-tok-PLANTED-4a5b6c",
    "ecr_registry_policy": "RegPolicy-pw-PLANTED-7d8e9f",
    "ecr_tag": "Tag-pw-PLANTED-0f1e2d",
    "ecr_tag_url": "Url-pw-PLANTED-3c4b5a",
}


def _plant_harbor(data):
    p = PLANTED
    params = json.loads(data.gc_history[0]["job_parameters"])
    params["redis_url_reg"] = f"redis://:{p['gc_redis_url']}@harbor-redis-master:6379/2?idle_timeout_seconds=30"
    data.gc_history[0]["job_parameters"] = json.dumps(params)
    ecr = data.registries[0]
    ecr["credential"] = {"type": "basic", "access_key": p["registry_key"], "access_secret": p["registry_secret"]}
    policy = data.replication_policies[0]
    policy["src_registry"] = ecr
    policy["dest_registry"] = {
        **ecr,
        "id": 9,
        "name": "dr-site",
        "url": f"https://robot:{p['replication_secret']}@harbor-dr.example.com",
    }
    policy["description"] = f"nightly copy, token={p['replication_description']}"
    data.scanners[0]["access_credential"] = f"Bearer {p['scanner_credential']}"
    data.projects[0].repositories[0].artifacts[0].tags.append(p["harbor_tag"])


def _plant_ecr(aws, estate):
    p = PLANTED
    region = estate.regions[0]
    ecr = boto3.client("ecr", **aws.client_kwargs(region))
    repo = next(r for r in ecr.describe_repositories()["repositories"])
    statement = {
        "Sid": "Pull",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["ecr:BatchGetImage"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/deploy_token": p["ecr_repository_policy"]}},
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    ecr.set_repository_policy(repositoryName=repo["repositoryName"], policyText=json.dumps(policy))
    ecr.tag_resource(
        resourceArn=repo["repositoryArn"],
        tags=[
            {"Key": "db_password", "Value": p["ecr_tag"]},
            {"Key": "backup", "Value": f"s3://svc:{p['ecr_tag_url']}@bucket/x"},
        ],
    )
    registry_statement = {
        "Sid": f"password={p['ecr_registry_policy']}",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{repo['registryId']}:root"},
        "Action": ["ecr:ReplicateImage"],
        "Resource": [f"arn:aws:ecr:{region}:{repo['registryId']}:repository/*"],
    }
    ecr.put_registry_policy(policyText=json.dumps({"Version": "2012-10-17", "Statement": [registry_statement]}))
    return repo["registryId"], region, repo["repositoryName"]


def test_no_planted_secret_survives_anywhere(aws, small_estate, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger="analysis")
    planted_scope = _plant_ecr(aws, small_estate)
    kwargs = aws.client_kwargs()
    for env, key in (
        ("AWS_ACCESS_KEY_ID", "aws_access_key_id"),
        ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"),
        ("AWS_SESSION_TOKEN", "aws_session_token"),
    ):
        if kwargs.get(key):
            monkeypatch.setenv(env, kwargs[key])
    monkeypatch.setenv("HARBOR_PW", ADMIN)
    db = tmp_path / "w.duckdb"
    data = sample_data(admin_password=ADMIN, robot_secret="R0bot-planted-never-stored", big_repository_artifacts=5)
    _plant_harbor(data)
    runner = CliRunner()
    regions = [a for r in small_estate.regions for a in ("--region", r)]
    with FakeHarbor(data) as harbor:
        runs = [
            ["--debug", "collect", "ecr", *regions, "--organization", "--endpoint-url", aws.endpoint_url]
            + ["--db", str(db)],
            ["--debug", "collect", "harbor", "--url", harbor.url, "--username", "admin", "--password-env", "HARBOR_PW"]
            + ["--metrics-url", harbor.metrics_url, "--db", str(db)],
        ]
        outputs = [runner.invoke(app, args, terminal_width=200) for args in runs]
        assert harbor.violations == []
    outputs += [
        runner.invoke(app, ["--debug", "status", "--db", str(db)], terminal_width=200),
        runner.invoke(app, ["--debug", "status", "--db", str(db), "--format", "json"]),
        runner.invoke(app, ["--debug", "plan", "--db", str(db), "-o", str(tmp_path / "plan"), "--format", "json"]),
        runner.invoke(app, ["--debug", "report", "--db", str(db), "--format", "html", "-o", str(tmp_path / "reports")]),
    ]
    assert [r.exit_code for r in outputs] == [0] * len(outputs), [r.output[-2000:] for r in outputs]

    written = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert db in written and any(p.suffix == ".html" for p in written)
    text = caplog.text + "".join(r.output for r in outputs)
    for where, secret in PLANTED.items():
        for path, content in written.items():
            assert secret.encode() not in content, f"{where}: planted secret in {path.name}"
        assert secret not in text, f"{where}: planted secret in the output or the logs"

    # what is not a secret stays: the redacted fields still say something was set, and where things live
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        gc = con.execute("SELECT job_parameters FROM harbor_gc_runs WHERE gc_id = 11").fetchall()[0][0]
        tags = con.execute(
            "SELECT resource_tags FROM ecr_repositories WHERE account_id = ? AND region = ? AND repository_name = ?",
            list(planted_scope),
        ).fetchall()
    finally:
        con.close()
    assert json.loads(gc)["redis_url_reg"] == "redis://harbor-redis-master:6379/2?idle_timeout_seconds=30"
    stored_tags = json.loads(tags[0][0])
    assert (stored_tags["backup"], stored_tags["db_password"]) == ("s3://bucket/x", "<redacted>")
