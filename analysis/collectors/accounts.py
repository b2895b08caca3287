"""Which accounts and regions to collect: the caller's account, a list of roles, or an organization."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from analysis.collectors.aws import AwsSettings, Session, error_record, new_session, session_lock
from analysis.collectors.operations import Operations, declare
from analysis.collectors.records import ErrorRecord

OPERATIONS = declare(
    "accounts",
    Operations("sts", "sts", ("GetCallerIdentity", "AssumeRole")),
    Operations("organizations", "organizations", ("ListAccounts",)),
    Operations("ec2", "ec2", ("DescribeRegions",)),
)

# ECR regions when `--regions all` cannot ask EC2 which regions the account has enabled.
HOME_REGION = "us-east-1"
# Member roles assumed at once: an organization of hundreds of accounts is ready in seconds, not minutes, and
# STS's own quota (hundreds of AssumeRole calls per second per account) stays far away.
ASSUME_WORKERS = 16
# At most this long does `start_targets` wait for its first call to go out (it is sent in ~0.1 s; the bound only
# matters when something unforeseen holds it).
FIRST_CALL_WAIT_S = 2.0


@dataclass
class Target:
    """One account to collect, with the session that reaches it."""

    account_id: str
    session: Session
    via: str  # "caller", a role ARN


class AccountsError(RuntimeError):
    """Cannot establish who we are or which accounts to read: nothing can be collected."""


def caller_account(
    settings: AwsSettings, session: Session, sending: threading.Event | None = None, sts: Any = None
) -> str:
    sts = sts or settings.client(session, "sts", HOME_REGION)
    if sending is not None:
        sts.meta.events.register("before-send.sts", lambda **_: sending.set())
    return str(sts.get_caller_identity()["Account"])


def assume(settings: AwsSettings, session: Session, role_arn: str, sts: Any = None) -> Session:
    sts = sts or settings.client(session, "sts", HOME_REGION)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="regcost-collector")["Credentials"]
    return new_session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def resolve_targets(
    settings: AwsSettings,
    role_arns: list[str] | None = None,
    organization_role: str | None = None,
    sending: threading.Event | None = None,
) -> tuple[list[Target], list[ErrorRecord]]:
    """The accounts to read. A role that cannot be assumed is an error row; the other accounts go on.
    `sending` is set as the first call (GetCallerIdentity) goes out."""
    base = settings.base_session()
    try:
        # One STS client for the identity and every AssumeRole (botocore clients are thread-safe): a client per
        # role cost ~3 ms of CPU each, 0.6 s for an organization of 200 accounts.
        sts = settings.client(base, "sts", HOME_REGION)
        me = caller_account(settings, base, sending, sts)
    except Exception as exc:  # no credentials, expired token, unreachable endpoint: nothing can run
        rec = error_record(exc, "sts:GetCallerIdentity")
        hint = (
            "pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            if rec.error_code == "NoCredentials"
            else "check the profile's credentials (expired SSO session? run `aws sso login`)"
        )
        raise AccountsError(f"cannot identify the AWS caller ({rec.error_code}: {rec.message}); {hint}") from None

    errors: list[ErrorRecord] = []
    if organization_role:
        arns = [
            f"arn:aws:iam::{acct}:role/{organization_role}"
            for acct in _organization_accounts(settings, base)
            if acct != me
        ]
        targets = [Target(me, base, "caller")]
    elif role_arns:
        arns, targets = list(role_arns), []
    else:
        return [Target(me, base, "caller")], errors

    def one(arn: str) -> Target | ErrorRecord:
        account = arn.split(":")[4] if arn.count(":") >= 5 else None
        try:
            return Target(account or "", assume(settings, base, arn, sts), arn)
        except Exception as exc:
            return error_record(exc, "sts:AssumeRole", account_id=account)

    # In parallel, in the order given: the targets' order stays that of the roles.
    with ThreadPoolExecutor(max_workers=ASSUME_WORKERS, thread_name_prefix="assume") as pool:
        for found in pool.map(one, arns):
            if isinstance(found, Target):
                targets.append(found)
            else:
                errors.append(found)
    return targets, errors


def start_targets(
    settings: AwsSettings, role_arns: list[str] | None = None, organization_role: str | None = None
) -> Future[tuple[list[Target], list[ErrorRecord]]]:
    """`resolve_targets` on a thread of its own, begun now: the CLI starts it before it imports and opens the
    warehouse (about a second), so the first calls do not wait for them."""
    sending = threading.Event()

    def resolve() -> tuple[list[Target], list[ErrorRecord]]:
        try:
            return resolve_targets(settings, role_arns, organization_role, sending)
        finally:
            sending.set()  # failed before sending anything: the caller waits no longer

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="targets")
    future = pool.submit(resolve)
    pool.shutdown(wait=False)
    # Returns once the first call is on its way: the caller's own imports (DuckDB, Arrow) would otherwise compete
    # with it for the interpreter and delay it; after it, they overlap its round trip.
    sending.wait(timeout=FIRST_CALL_WAIT_S)
    return future


def _organization_accounts(settings: AwsSettings, session: Session) -> list[str]:
    org = settings.client(session, "organizations", HOME_REGION)
    try:
        pages = org.get_paginator("list_accounts").paginate()
        return [a["Id"] for page in pages for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"]
    except Exception as exc:
        rec = error_record(exc, "organizations:ListAccounts")
        raise AccountsError(
            f"cannot list the organization's accounts ({rec.error_code}: {rec.message}); "
            "run from the management or a delegated administrator account, or pass --role-arn"
        ) from None


def resolve_regions(settings: AwsSettings, session: Session, regions: list[str]) -> tuple[list[str], list[ErrorRecord]]:
    """Expand `all` to the regions enabled for the account (EC2 DescribeRegions), else botocore's list."""
    if regions != ["all"]:
        return regions, []
    try:
        ec2 = settings.client(session, "ec2", HOME_REGION)
        found = ec2.describe_regions(AllRegions=False)["Regions"]
        return sorted(r["RegionName"] for r in found), []
    except Exception as exc:
        # Without ec2:DescribeRegions fall back to every ECR region of the partition; regions the account
        # has not opted into then fail with an error row each, which is said, not hidden.
        with session_lock(session):
            fallback = sorted(session.get_available_regions("ecr"))
        return fallback, [error_record(exc, "ec2:DescribeRegions")]
