"""The least-privilege IAM policy for the collectors, built from their own declarations."""

from __future__ import annotations

from typing import Any

from analysis.collectors.operations import declared


def iam_policy(role_name: str | None = None) -> dict[str, Any]:
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
    return {"Version": "2012-10-17", "Statement": statements}
