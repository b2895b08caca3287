"""Which accounts and regions a collection reads: the caller, a list of roles, or an organization; a role that
cannot be assumed is an error row and the other accounts go on; no identity at all is one clear sentence."""

from __future__ import annotations

import botocore.exceptions
import pytest

from analysis.collectors.accounts import AccountsError, resolve_regions, resolve_targets

ME = "111111111111"


def denied(op: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, op)


class FakeSts:
    def __init__(self, identity: Exception | None = None) -> None:
        self.identity = identity

    def get_caller_identity(self):
        if self.identity:
            raise self.identity
        return {"Account": ME}

    def assume_role(self, RoleArn, RoleSessionName):  # noqa: N803 (boto3's names)
        assert RoleSessionName == "regcost-collector"
        if "444444444444" in RoleArn:
            raise denied("AssumeRole")
        return {"Credentials": {"AccessKeyId": "AK", "SecretAccessKey": "SK", "SessionToken": "T"}}


class FakeOrganizations:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def get_paginator(self, name):
        assert name == "list_accounts"
        if self.fail:
            raise denied("ListAccounts")
        accounts = [
            {"Id": ME, "Status": "ACTIVE"},
            {"Id": "222222222222", "Status": "ACTIVE"},
            {"Id": "333333333333", "Status": "SUSPENDED"},
        ]
        return type("P", (), {"paginate": lambda self: [{"Accounts": accounts}]})()


class FakeEc2:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def describe_regions(self, AllRegions):  # noqa: N803
        if self.fail:
            raise denied("DescribeRegions")
        return {"Regions": [{"RegionName": "eu-west-1"}, {"RegionName": "us-east-1"}]}


class FakeSettings:
    def __init__(self, **clients) -> None:
        self.clients = {"sts": FakeSts(), "organizations": FakeOrganizations(), "ec2": FakeEc2(), **clients}

    def base_session(self):
        return "base"

    def client(self, session, service, region, budget=None):
        return self.clients[service]


def test_the_caller_alone_by_default():
    targets, errors = resolve_targets(FakeSettings())
    assert [(t.account_id, t.via) for t in targets] == [(ME, "caller")]
    assert errors == []


def test_a_role_that_cannot_be_assumed_is_an_error_and_the_others_go_on():
    arns = ["arn:aws:iam::222222222222:role/Reader", "arn:aws:iam::444444444444:role/Reader"]
    targets, errors = resolve_targets(FakeSettings(), role_arns=arns)
    assert [(t.account_id, t.via) for t in targets] == [("222222222222", arns[0])]
    assert [(e.account_id, e.operation, e.error_code) for e in errors] == [
        ("444444444444", "sts:AssumeRole", "AccessDenied")
    ]


def test_an_organization_means_the_caller_plus_every_other_active_account():
    targets, _ = resolve_targets(FakeSettings(), organization_role="OrganizationAccountAccessRole")
    assert [(t.account_id, t.via) for t in targets] == [
        (ME, "caller"),
        ("222222222222", "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"),
    ]  # the suspended account is left out


def test_no_identity_is_one_sentence_saying_what_to_do():
    settings = FakeSettings(sts=FakeSts(identity=botocore.exceptions.NoCredentialsError()))
    with pytest.raises(AccountsError, match=r"cannot identify the AWS caller \(NoCredentials: .*\); pass --profile"):
        resolve_targets(settings)
    settings = FakeSettings(organizations=FakeOrganizations(fail=True))
    with pytest.raises(AccountsError, match="cannot list the organization's accounts .*or pass --role-arn"):
        resolve_targets(settings, organization_role="R")


def test_regions_all_asks_ec2_and_falls_back_to_every_ecr_region():
    assert resolve_regions(FakeSettings(), None, ["eu-west-1"]) == (["eu-west-1"], [])
    assert resolve_regions(FakeSettings(), None, ["all"]) == (["eu-west-1", "us-east-1"], [])

    class Session:
        def get_available_regions(self, service):
            return ["us-east-1", "ap-south-1"]

    regions, errors = resolve_regions(FakeSettings(ec2=FakeEc2(fail=True)), Session(), ["all"])
    assert regions == ["ap-south-1", "us-east-1"]
    assert [e.operation for e in errors] == ["ec2:DescribeRegions"]


def test_start_targets_returns_once_the_first_call_is_on_its_way(monkeypatch):
    import socket
    import time

    from analysis.collectors import accounts
    from analysis.collectors.aws import AwsSettings

    original = AwsSettings.client

    def slow_client(self, *args, **kwargs):  # a slow start-up before the first call: botocore's imports, say
        time.sleep(0.3)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AwsSettings, "client", slow_client)
    with socket.socket() as endpoint:  # accepts the connection, never answers
        endpoint.bind(("127.0.0.1", 0))
        endpoint.listen()
        settings = AwsSettings(
            endpoint_url=f"http://127.0.0.1:{endpoint.getsockname()[1]}",
            static_credentials={"aws_access_key_id": "testing", "aws_secret_access_key": "testing"},
        )
        settings.run_budget_s = settings.scope_budget_s = 1.0
        t0 = time.monotonic()
        accounts.start_targets(settings)
        waited = time.monotonic() - t0
        # It waited for the call (0.3 s of client start-up at least), and the call is already connecting: the
        # caller's imports that follow cannot hold it back.
        assert 0.3 <= waited < accounts.FIRST_CALL_WAIT_S
        endpoint.settimeout(0.5)
        connection, _ = endpoint.accept()
        connection.close()


def test_one_sts_client_serves_the_identity_and_every_role():
    made: list[str] = []

    class Counting(FakeSettings):
        def client(self, session, service, region, budget=None):
            made.append(service)
            return super().client(session, service, region, budget)

    arns = [f"arn:aws:iam::{n}:role/Reader" for n in ("222222222222", "555555555555", "666666666666")]
    targets, errors = resolve_targets(Counting(), role_arns=arns)
    assert (len(targets), errors) == (3, [])
    assert made == ["sts"]  # not one more per AssumeRole
