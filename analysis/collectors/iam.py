"""The least-privilege IAM policy for the collectors, built from their own declarations."""

from __future__ import annotations

from typing import Any

from analysis.collectors.cur import parse_s3
from analysis.collectors.operations import declared, iam_writes


def iam_policy(role_name: str | None = None, athena_results: str | None = None) -> dict[str, Any]:
    """Every action a collector may call, read-only, plus sts:AssumeRole when collecting other accounts.

    sts:GetCallerIdentity needs no permission and is left out. ECR registry-level reads (DescribeRegistry,
    GetAccountSetting …) only accept Resource "*", so one statement serves all.
    """
    actions = sorted(
        {
            action
            for ops in declared().values()
            for o in ops
            for action in o.iam_actions()
            if action not in ("sts:GetCallerIdentity", "sts:AssumeRole")
        }
    )
    statements: list[dict[str, Any]] = [
        {"Sid": "RegcostReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}
    ]
    if role_name:
        statements.append(
            {
                "Sid": "RegcostAssumeCollectorRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::*:role/{role_name}",
            }
        )
    if athena_results:
        # The one write: Athena puts each query's result file under the workgroup's output location, as the caller.
        bucket, prefix = parse_s3(athena_results)
        prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        statements.append(
            {
                "Sid": "RegcostAthenaQueryResults",
                "Effect": "Allow",
                "Action": iam_writes(),
                "Resource": f"arn:aws:s3:::{bucket}/{prefix}*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
