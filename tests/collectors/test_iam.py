"""The least-privilege policy `regcost iam-policy` prints: every declared action, read-only, nothing more."""

from __future__ import annotations

import re

from analysis.collectors.iam import iam_policy
from analysis.collectors.operations import declared

# Verbs that only read (s3:GetObject reads the CUR export; ce:GetCostAndUsage and pricing:GetProducts read;
# athena:StartQueryExecution runs regcost's SELECT, its result file being the separate write below).
READ = re.compile(r"^[a-z0-9-]+:(Describe|List|Get|BatchGet|LookupEvents|StartQueryExecution$)")


def test_one_read_only_statement_for_every_declared_action():
    (statement,) = iam_policy()["Statement"]
    assert statement["Sid"] == "RegcostReadOnly"
    assert statement["Resource"] == "*"  # ECR registry-level reads accept only "*"
    actions = statement["Action"]
    assert actions == sorted(set(actions))
    assert [a for a in actions if not READ.match(a)] == []
    assert {"ecr:DescribeImages", "ecr:BatchGetImage", "ce:GetCostAndUsage", "cloudtrail:LookupEvents"} <= set(actions)
    declared_actions = {a for ops in declared().values() for o in ops for a in o.iam_actions()}
    assert set(actions) == declared_actions - {"sts:GetCallerIdentity", "sts:AssumeRole"}


def test_caller_identity_needs_no_permission_and_assume_role_only_with_a_role():
    policy = iam_policy()
    actions = policy["Statement"][0]["Action"]
    assert "sts:GetCallerIdentity" not in actions
    assert "sts:AssumeRole" not in actions
    assert policy["Version"] == "2012-10-17"


def test_collecting_other_accounts_may_assume_the_named_role_only():
    assume = iam_policy("RegcostCollector")["Statement"][1]
    assert assume == {
        "Sid": "RegcostAssumeCollectorRole",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::*:role/RegcostCollector",
    }


def test_the_athena_results_write_is_its_own_statement_scoped_to_the_named_place():
    policy = iam_policy(athena_results="s3://athena-results/regcost")
    read, write = policy["Statement"]
    assert "s3:PutObject" not in read["Action"]
    assert write == {
        "Sid": "RegcostAthenaQueryResults",
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": "arn:aws:s3:::athena-results/regcost/*",
    }


def test_what_athena_reads_as_the_caller_is_granted_read_only_but_never_called_by_regcost():
    from analysis.collectors.operations import allowed_operations

    (statement,) = iam_policy()["Statement"]
    # Athena plans the query from the table's database and partitions and finds the result bucket's region,
    # all with the caller's rights: a policy without them fails on a real workgroup.
    assert {"glue:GetDatabase", "glue:GetPartitions", "s3:GetBucketLocation"} <= set(statement["Action"])
    # regcost itself calls none of them: the client guard refuses them.
    assert not {"GetDatabase", "GetPartitions"} & allowed_operations("glue")
    assert "GetBucketLocation" not in allowed_operations("s3")
