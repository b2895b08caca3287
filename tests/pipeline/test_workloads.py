"""The workloads stage runner over the emulated AWS: what it finds is stored for the findings and the plan, and
the summary says which repositories are bound to ECR.

What each service reports: tests/collectors/test_workloads.py.
"""

from __future__ import annotations

import json

import boto3
from support import settings_for

from analysis.demo.estate import ACCOUNT_IDS
from analysis.pipeline.workloads import bound_repositories, collect_workloads
from analysis.warehouse import Warehouse

REGION = "eu-west-1"
ACCOUNT = ACCOUNT_IDS[0]
ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


def _lambda_image_function(kwargs: dict) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = boto3.client("iam", **kwargs).create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))
    boto3.client("lambda", **kwargs).create_function(
        FunctionName="thumbs", Role=role["Role"]["Arn"], PackageType="Image", Code={"ImageUri": f"{ECR}/img/thumbs:3"}
    )


def test_found_workloads_are_stored_and_the_bound_repositories_summarised(aws, tmp_path):
    _lambda_image_function(aws.client_kwargs(REGION))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_workloads(wh, settings_for(aws), [REGION], ["lambda"])
        stored = wh.query("SELECT service, image_uri, bound_to_ecr FROM workload_refs")
        again = bound_repositories(wh)
        runs = wh.query("SELECT source, status FROM runs")
    assert stored == [("lambda", f"{ECR}/img/thumbs:3", True)]
    expected = [
        {"account_id": ACCOUNT, "region": REGION, "repository": "img/thumbs", "services": ["lambda"], "workloads": 1}
    ]
    assert summary.bound == again == expected
    assert runs == [("workloads", "complete")]
    d = summary.as_dict()
    assert (d["status"], d["bound_to_ecr"], d["errors"]) == ("complete", expected, [])
    assert [w["image_uri"] for w in d["workloads"]] == [f"{ECR}/img/thumbs:3"]


def test_an_account_without_workloads_binds_nothing(aws, tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_workloads(wh, settings_for(aws), [REGION], ["lambda", "ecs"])
    assert (summary.status, summary.refs, summary.bound) == ("complete", [], [])
