"""Read-only by construction: a full collection calls only declared operations, and only read ones."""

from __future__ import annotations

import json

import pytest
from support import run_collection, settings_for
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors.aws import UndeclaredOperation
from analysis.collectors.operations import allowed_operations, declared

# StartQueryExecution runs regcost's SELECT in the user's Athena; the one write it causes (Athena's result file)
# is declared apart, as iam_writes, and only granted by `iam-policy --athena-results` (docs/athena.md).
READ_PREFIXES = (
    "Describe",
    "Get",
    "List",
    "BatchGet",
    "BatchCheck",
    "AssumeRole",
    "LookupEvents",
    "StartQueryExecution",
)


def test_a_full_collection_calls_only_declared_read_operations(aws, small_estate, tmp_path):
    run_collection(aws, small_estate, tmp_path / "w.duckdb")
    made = set(aws.call_counts())
    assert made, "the emulated AWS recorded no call"
    for service, operation in made:
        assert operation in allowed_operations(service), f"{service}:{operation} was called but not declared"
        assert operation.startswith(READ_PREFIXES), f"{service}:{operation} is not a read operation"
    # the collection really exercised the ECR surface it declares (a silently skipped step would show here)
    assert {op for svc, op in made if svc == "ecr"} >= {
        "DescribeRepositories",
        "DescribeImages",
        "BatchGetImage",
        "GetLifecyclePolicy",
        "DescribeRegistry",
        "GetAccountSetting",
        "DescribePullThroughCacheRules",
        "ListPullTimeUpdateExclusions",
    }
    assert ("cloudwatch", "GetMetricData") in made
    assert ("organizations", "ListAccounts") in made and ("sts", "AssumeRole") in made


def test_every_declared_operation_is_a_read():
    for ops in declared().values():
        for o in ops:
            for operation in o.operations:
                assert operation.startswith(READ_PREFIXES), f"{o.service}:{operation}"


def test_an_undeclared_write_is_refused_before_it_is_sent(aws):
    settings = settings_for(aws)
    ecr = settings.client(settings.base_session(), "ecr", "us-east-1")
    with pytest.raises(UndeclaredOperation, match="ecr:DeleteRepository"):
        ecr.delete_repository(repositoryName="anything", force=True)
    assert ("ecr", "DeleteRepository") not in aws.call_counts()


def test_iam_policy_lists_exactly_the_declared_actions():
    result = CliRunner().invoke(app, ["iam-policy", "--role-name", "RegcostReader"])
    assert result.exit_code == 0, result.output
    policy = json.loads(result.output)
    actions = set(policy["Statement"][0]["Action"])
    expected = {a for ops in declared().values() for o in ops for a in o.iam_actions()} - {
        "sts:GetCallerIdentity",
        "sts:AssumeRole",
    }
    assert actions == expected
    assert "ecr:DescribeImages" in actions and "ecr:BatchGetImage" in actions
    # the measurement collectors (#13) declare theirs too
    assert {"cloudtrail:LookupEvents", "cloudtrail:GetEventSelectors", "ec2:DescribeRouteTables"} <= actions
    assert {"lambda:GetFunction", "ecs:DescribeTaskDefinition", "s3:ListBucket"} <= actions
    assert not any(a.split(":")[1].startswith(("Put", "Delete", "Create", "Set", "Tag", "Untag")) for a in actions)
    assert len(policy["Statement"]) == 2  # the Athena results write only with --athena-results
    assert policy["Statement"][1] == {
        "Sid": "RegcostAssumeCollectorRole",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::*:role/RegcostReader",
    }


GUARD_IN_A_FRESH_PROCESS = """
import sys
from types import SimpleNamespace
from analysis.collectors.aws import UndeclaredOperation, _guard
import analysis.collectors.ecr  # the collector that makes the calls, as in a collection
_guard("ecr")(model=SimpleNamespace(name="DescribeImages"))
print("after a declared call:", "analysis.collectors.harbor" in sys.modules)
_guard("sts")(model=SimpleNamespace(name="AssumeRole"))  # declared by accounts.py, not imported here
try:
    _guard("ecr")(model=SimpleNamespace(name="DeleteRepository"))
except UndeclaredOperation as e:
    print("refused:", e)
"""


def test_the_guard_needs_no_other_collector_for_a_declared_call_and_still_knows_them_all():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", GUARD_IN_A_FRESH_PROCESS], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    # The ECR collector's own call passes without importing Harbor's (and OCI's, requests…): start-up time.
    assert lines[0] == "after a declared call: False"
    # An operation another collector declares still passes (AssumeRole did not raise); an undeclared one does not.
    assert lines[1] == "refused: ecr:DeleteRepository is not among the read-only operations regcost declares"
