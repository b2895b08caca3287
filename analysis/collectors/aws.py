"""AWS access shared by the collectors: declared read-only operations, sessions, clients, errors.

Read-only by construction: every collector declares the operations it may call (`Operations`), and
every client built here refuses, before sending, any operation not declared for its service. The same
declarations build the least-privilege IAM policy (`regcost iam-policy`) and the allow-list test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from analysis.collectors.records import ErrorRecord

# Describe*/List* on ECR have unpublished, low throttles (ecr-facts.md §3.8): standard retry mode with a
# raised attempt limit backs off with jitter on ThrottlingException instead of failing the scope.
RETRY_ATTEMPTS = 10


@dataclass(frozen=True)
class Operations:
    """The API operations one collector may call, per boto3 service name, with their IAM actions."""

    service: str  # boto3 service name, e.g. "ecr", "cloudwatch"
    iam_prefix: str  # IAM action prefix, e.g. "ecr", "cloudwatch"
    operations: tuple[str, ...]  # API operation names as botocore spells them, e.g. "DescribeImages"
    # An operation authorised by another action (ListImageReferrers → ecr:BatchGetImage).
    iam_overrides: dict[str, str] = field(default_factory=dict)

    def iam_actions(self) -> list[str]:
        return sorted({f"{self.iam_prefix}:{self.iam_overrides.get(op, op)}" for op in self.operations})


_REGISTRY: dict[str, list[Operations]] = {}


def declare(collector: str, *ops: Operations) -> tuple[Operations, ...]:
    _REGISTRY[collector] = list(ops)
    return ops


def declared() -> dict[str, list[Operations]]:
    """Every collector's declarations (importing the collectors registers them)."""
    import analysis.collectors.accounts  # noqa: F401
    import analysis.collectors.cloudtrail  # noqa: F401
    import analysis.collectors.cloudwatch  # noqa: F401
    import analysis.collectors.costs  # noqa: F401
    import analysis.collectors.cur  # noqa: F401
    import analysis.collectors.ecr  # noqa: F401
    import analysis.collectors.network  # noqa: F401
    import analysis.collectors.pricelist  # noqa: F401
    import analysis.collectors.workloads  # noqa: F401

    return dict(_REGISTRY)


def allowed_operations(service: str) -> frozenset[str]:
    return frozenset(op for ops in declared().values() for o in ops if o.service == service for op in o.operations)


class UndeclaredOperation(RuntimeError):
    """A collector tried an API operation it did not declare: refused before anything is sent."""


def _guard(service: str, allowed: frozenset[str]):
    def check(model: Any, **_: Any) -> None:
        if model.name not in allowed:
            raise UndeclaredOperation(f"{service}:{model.name} is not among the read-only operations regcost declares")

    return check


@dataclass
class AwsSettings:
    """How to reach AWS: a profile (standard credential chain), or an emulated endpoint for the demo."""

    profile: str | None = None
    endpoint_url: str | None = None
    max_pool_connections: int = 32
    # Dummy credentials only ever used with an emulated endpoint.
    static_credentials: dict[str, str] | None = None

    def base_session(self) -> boto3.Session:
        if self.static_credentials:
            return boto3.Session(**self.static_credentials)
        return boto3.Session(profile_name=self.profile)

    def client(self, session: boto3.Session, service: str, region: str) -> Any:
        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": RETRY_ATTEMPTS},
            max_pool_connections=self.max_pool_connections,
            user_agent_appid="regcost",
        )
        client = session.client(service, region_name=region, endpoint_url=self.endpoint_url, config=config)
        client.meta.events.register("before-call", _guard(service, allowed_operations(service)))
        return client


def error_code(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    if isinstance(getattr(exc, "code", None), str):  # per-item failures of batch calls carry their own code
        return exc.code  # type: ignore[attr-defined]
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return "NoCredentials"
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return "EndpointConnectionError"
    return type(exc).__name__


# Temporary credentials never belong in an error row; botocore messages do not carry them, but a
# signature mismatch message can echo the canonical request, which includes the access key id.
_SECRETISH = re.compile(r"(AKIA|ASIA)[A-Z0-9]{12,}|(?i:x-amz-security-token)[:=]\S+")


def error_message(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        text = exc.response.get("Error", {}).get("Message") or str(exc)
    else:
        text = str(exc)
    return _SECRETISH.sub("[redacted]", text.strip().splitlines()[0] if text.strip() else type(exc).__name__)


def error_record(
    exc: BaseException,
    operation: str,
    *,
    account_id: str | None = None,
    region: str | None = None,
    repository: str | None = None,
) -> ErrorRecord:
    return ErrorRecord(
        account_id=account_id,
        region=region,
        repository=repository,
        operation=operation,
        error_code=error_code(exc),
        message=error_message(exc),
        occurred_at=datetime.now(UTC),
    )


def is_not_found(exc: BaseException, *codes: str) -> bool:
    return isinstance(exc, botocore.exceptions.ClientError) and error_code(exc) in codes


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
