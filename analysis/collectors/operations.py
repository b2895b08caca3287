"""The read-only operations each collector declares: the one list behind the client guard, `regcost iam-policy`
and the allow-list test.

A collector module declares its operations at import (`declare`); `declared()` finds every collector by listing
this package, so adding a collector needs no central import list, and this module imports no collector.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class Operations:
    """The API operations one collector may call, per boto3 service name, with their IAM actions."""

    service: str  # boto3 service name, e.g. "ecr", "cloudwatch"
    iam_prefix: str  # IAM action prefix, e.g. "ecr", "cloudwatch"
    operations: tuple[str, ...]  # API operation names as botocore spells them, e.g. "DescribeImages"
    # An operation authorised by another action (ListImageReferrers → ecr:BatchGetImage).
    iam_overrides: dict[str, str] = field(default_factory=dict)
    # IAM actions of a write the service makes with the caller's rights, never an API call of ours (Athena puts
    # its result file in the workgroup's S3 location): not in the read-only statement; `iam-policy` shows them
    # as their own statement, scoped to the place the person names.
    iam_writes: tuple[str, ...] = ()
    # IAM actions of reads the service makes with the caller's rights, never an API call of ours (Athena reads the
    # Glue catalog and the result bucket's location while it plans and runs the query): in the read-only
    # statement, never allowed by the client guard.
    iam_reads: tuple[str, ...] = ()

    def iam_actions(self) -> list[str]:
        calls = {f"{self.iam_prefix}:{self.iam_overrides.get(op, op)}" for op in self.operations}
        return sorted(calls | set(self.iam_reads))


_REGISTRY: dict[str, list[Operations]] = {}


def declare(collector: str, *ops: Operations) -> tuple[Operations, ...]:
    _REGISTRY[collector] = list(ops)
    return ops


@cache
def _import_collectors() -> None:
    """Import every module of analysis.collectors once, which registers each one's declarations."""
    import analysis.collectors as package

    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)


def declared() -> dict[str, list[Operations]]:
    """Every collector's declarations."""
    _import_collectors()
    return dict(_REGISTRY)


def allowed_operations(service: str) -> frozenset[str]:
    return frozenset(op for ops in declared().values() for o in ops if o.service == service for op in o.operations)


def registered_operations(service: str) -> frozenset[str]:
    """What the collectors imported so far declare for `service`: a subset of `allowed_operations`, known
    without importing every collector (Harbor's, OCI's, requests, prometheus_client: ~0.2 s of a collection's
    start-up). The client guard checks it first and asks `allowed_operations` only on a miss."""
    return frozenset(op for ops in _REGISTRY.values() for o in ops if o.service == service for op in o.operations)


def iam_writes() -> list[str]:
    """Every declared write action (see Operations.iam_writes)."""
    return sorted({w for ops in declared().values() for o in ops for w in o.iam_writes})
