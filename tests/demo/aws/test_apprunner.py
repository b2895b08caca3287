"""The emulated App Runner (moto has none): ListServices/DescribeService over HTTP, every answer within botocore's
model, errors as App Runner's JSON protocol gives them. (The workloads collector through it:
tests/collectors/test_workloads.py.)"""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from analysis.demo.aws.apprunner import conforms, put_service
from analysis.demo.estate import ACCOUNT_IDS

REGION = "eu-west-1"
ACCOUNT = ACCOUNT_IDS[0]


def test_an_unknown_service_is_not_found_and_an_empty_region_lists_nothing(aws):
    client = boto3.client("apprunner", **aws.client_kwargs(REGION))
    with pytest.raises(ClientError) as caught:
        client.describe_service(ServiceArn=f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/nope/{'0' * 32}")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert client.list_services()["ServiceSummaryList"] == []


def test_a_service_is_described_as_created_and_each_account_sees_its_own(aws):
    arn = put_service(ACCOUNT, REGION, "api", f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/svc/api:3")
    client = boto3.client("apprunner", **aws.client_kwargs(REGION))
    service = client.describe_service(ServiceArn=arn)["Service"]
    assert service["SourceConfiguration"]["ImageRepository"] == {
        "ImageIdentifier": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/svc/api:3",
        "ImageRepositoryType": "ECR",
    }
    assert [s["ServiceArn"] for s in client.list_services()["ServiceSummaryList"]] == [arn]
    assert boto3.client("apprunner", **aws.client_kwargs("us-east-1")).list_services()["ServiceSummaryList"] == []


def test_conforms_rejects_what_botocores_model_does_not_allow():
    shape = botocore.session.get_session().get_service_model("apprunner").shape_for("ImageRepository")
    conforms({"ImageIdentifier": "x", "ImageRepositoryType": "ECR"}, shape)
    with pytest.raises(ValueError, match="lacks required"):
        conforms({"ImageIdentifier": "x"}, shape)
    with pytest.raises(ValueError, match="has no"):
        conforms({"ImageIdentifier": "x", "ImageRepositoryType": "ECR", "Registry": "docker.io"}, shape)
    with pytest.raises(ValueError, match="is not one of"):
        conforms({"ImageIdentifier": "x", "ImageRepositoryType": "DOCKER_HUB"}, shape)
