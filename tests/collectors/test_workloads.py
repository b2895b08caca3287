"""The workloads that consume images, over the emulated AWS: a Lambda image function's repository is bound to
ECR; ECS and Batch are not (they can pull elsewhere)."""

from __future__ import annotations

import json

import boto3
from botocore.stub import Stubber
from support import settings_for

from analysis.collectors import workloads as wl
from analysis.collectors.operations import allowed_operations
from analysis.demo.estate import ACCOUNT_IDS
from analysis.pipeline.workloads import collect_workloads
from analysis.portability.finding_rules import estate_findings
from analysis.portability.inventory import load_inventory
from analysis.warehouse import Warehouse

REGION = "eu-west-1"
ACCOUNT = ACCOUNT_IDS[0]
ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


def test_image_uris_are_parsed_into_registry_repository_and_reference():
    assert wl.parse_image(f"{ECR}/team/api:1.4") == {
        "is_ecr": True,
        "registry_account": ACCOUNT,
        "registry_region": REGION,
        "repository_name": "team/api",
        "image_tag": "1.4",
        "image_digest": None,
    }
    digest = "sha256:" + "a" * 64
    assert wl.parse_image(f"{ECR}/fn@{digest}")["image_digest"] == digest
    assert wl.parse_image("docker.io/library/nginx:1.27")["is_ecr"] is False
    assert wl.parse_image("public.ecr.aws/nginx/nginx:latest")["is_ecr"] is False  # ECR Public is another registry


def _seed(kwargs: dict) -> None:
    iam = boto3.client("iam", **kwargs)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    boto3.client("lambda", **kwargs).create_function(
        FunctionName="resize", Role=role, PackageType="Image", Code={"ImageUri": f"{ECR}/lambda/resize:v7"}
    )
    ecs = boto3.client("ecs", **kwargs)
    ecs.create_cluster(clusterName="prod")
    td = ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {"name": "app", "image": f"{ECR}/team/web:2.1", "memory": 256},
            {"name": "proxy", "image": "docker.io/library/nginx:1.27", "memory": 64},
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="prod", serviceName="web", taskDefinition=td, desiredCount=1)
    boto3.client("batch", **kwargs).register_job_definition(
        jobDefinitionName="nightly",
        type="container",
        containerProperties={"image": f"{ECR}/jobs/nightly:latest", "vcpus": 1, "memory": 512, "command": ["run"]},
    )


class _Recording:
    """AwsSettings whose clients also record the operations they send (the emulator's gateway names only
    JSON/query operations; Lambda and Batch speak REST-JSON)."""

    def __init__(self, settings) -> None:
        self.settings, self.made = settings, []

    def base_session(self):
        return self.settings.base_session()

    def client(self, session, service, region):
        client = self.settings.client(session, service, region)
        client.meta.events.register("before-call", lambda model, **_: self.made.append((service, model.name)))
        return client


def test_a_lambda_image_functions_repository_is_bound_to_ecr(aws, tmp_path):
    _seed(aws.client_kwargs(REGION))
    settings = _Recording(settings_for(aws))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_workloads(wh, settings, [REGION], ["ecs", "lambda", "batch", "sagemaker"])
    by_image = {r["image_uri"]: r for r in summary.refs}
    assert by_image[f"{ECR}/lambda/resize:v7"]["bound_to_ecr"] is True
    assert by_image[f"{ECR}/team/web:2.1"]["bound_to_ecr"] is False  # ECS can pull from any registry
    assert by_image["docker.io/library/nginx:1.27"]["is_ecr"] is False
    assert by_image[f"{ECR}/jobs/nightly:latest"]["service"] == "batch"
    assert summary.bound == [
        {"account_id": ACCOUNT, "region": REGION, "repository": "lambda/resize", "services": ["lambda"], "workloads": 1}
    ]
    assert summary.status == "complete", summary.errors
    assert ("lambda", "GetFunction") in settings.made  # ListFunctions carries no image URI
    # …and the portability findings say it cannot leave ECR
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        finding = next(f for f in estate_findings(load_inventory(wh), [], []) if f.feature == "ecr-bound")
    assert finding.count == 1 and finding.where == [f"{ACCOUNT}/{REGION}/lambda/resize"]
    assert all(op in allowed_operations(svc) for svc, op in settings.made)


def test_a_service_that_cannot_be_read_is_an_error_not_an_empty_inventory(aws, tmp_path):
    settings = settings_for(aws)

    class Denied(_Recording):
        def client(self, session, service, region):
            client = self.settings.client(session, service, region)
            if service != "lambda":
                return client
            stub = Stubber(client)
            stub.add_client_error("list_functions", "AccessDeniedException", "not authorized", 403)
            stub.activate()
            return client

    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_workloads(wh, Denied(settings), [REGION], ["lambda"])
    assert summary.status == "partial" and summary.refs == []
    assert [(e.operation, e.error_code) for e in summary.errors] == [("lambda:ListFunctions", "AccessDeniedException")]


def test_app_runner_images_are_read_and_bound_to_ecr():
    """moto has no App Runner: botocore's Stubber answers, and validates every answer against the service model."""
    client = boto3.client("apprunner", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    arn = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/api-svc/0123456789abcdef0123456789abcdef"
    with Stubber(client) as stub:
        stub.add_response(
            "list_services",
            {
                "ServiceSummaryList": [
                    {"ServiceName": "api-svc", "ServiceId": "0123456789abcdef0123456789abcdef", "ServiceArn": arn}
                ]
            },
        )
        stub.add_response(
            "describe_service",
            {
                "Service": {
                    "ServiceName": "api-svc",
                    "ServiceId": "0123456789abcdef0123456789abcdef",
                    "ServiceArn": arn,
                    "CreatedAt": "2026-01-01T00:00:00Z",
                    "UpdatedAt": "2026-01-01T00:00:00Z",
                    "Status": "RUNNING",
                    "SourceConfiguration": {
                        "ImageRepository": {"ImageIdentifier": f"{ECR}/svc/api:3", "ImageRepositoryType": "ECR"}
                    },
                    "InstanceConfiguration": {},
                    "AutoScalingConfigurationSummary": {},
                    "NetworkConfiguration": {},
                }
            },
            {"ServiceArn": arn},
        )
        refs = wl._apprunner(client, ACCOUNT, REGION)
    assert [(r.repository_name, r.bound_to_ecr) for r in refs] == [("svc/api", True)]


def test_app_runner_over_the_emulated_aws_is_read_page_by_page_and_bound_to_ecr(aws, tmp_path):
    """moto has no App Runner: the emulator answers ListServices/DescribeService itself (checked against
    botocore's model). 21 services: ListServices pages at 20, so the collector must follow NextToken."""
    from analysis.demo.aws.apprunner import put_service

    put_service(ACCOUNT, REGION, "api-svc", f"{ECR}/svc/api:3")
    put_service(ACCOUNT, REGION, "public-svc", "public.ecr.aws/nginx/nginx:latest", "ECR_PUBLIC")
    for i in range(19):
        put_service(ACCOUNT, REGION, f"worker-{i:02d}", f"{ECR}/svc/worker:{i}")
    put_service(ACCOUNT, "us-east-1", "elsewhere", f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/other:1")
    aws.reset_calls()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_workloads(wh, settings_for(aws), [REGION], ["apprunner"])
        bound = wh.query("SELECT repository_name, workloads FROM ecr_bound_repositories ORDER BY 1")
    assert summary.status == "complete" and len(summary.refs) == 21
    # ECR Public is another registry: read, not bound; the private ECR repositories are bound (App Runner pulls
    # only from ECR), the 19 workers' one repository counted once with its 19 services.
    assert bound == [("svc/api", 1), ("svc/worker", 19)]
    calls = aws.call_counts()
    assert calls[("apprunner", "ListServices")] == 2 and calls[("apprunner", "DescribeService")] == 21


def test_collect_workloads_cli_reports_the_bound_repository(aws, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from analysis.cli import app

    kwargs = aws.client_kwargs(REGION)
    _seed(kwargs)
    for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
        if kwargs.get(key):
            monkeypatch.setenv(key.upper(), kwargs[key])
    db = str(tmp_path / "w.duckdb")
    args = ["collect", "workloads", "--region", REGION, "--service", "lambda", "--endpoint-url", aws.endpoint_url]
    result = CliRunner().invoke(app, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    assert "lambda/resize" in result.output and "cannot leave ECR" in result.output
    result = CliRunner().invoke(app, ["collect", "workloads", "--region", REGION, "--service", "fargate", "--db", db])
    assert result.exit_code == 2 and "unknown --service fargate" in result.output
    result = CliRunner().invoke(app, ["collect", "network", "--db", db])
    assert result.exit_code == 2 and "--region" in result.output
