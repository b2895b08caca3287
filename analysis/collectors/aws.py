"""AWS access shared by the collectors: declared read-only operations, sessions, clients, errors.

Read-only by construction: every collector declares the operations it may call (`Operations`), and
every client built here refuses, before sending, any operation not declared for its service. The same
declarations build the least-privilege IAM policy (`regcost iam-policy`) and the allow-list test.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.config
import botocore.exceptions
import botocore.utils
from botocore.retries import standard

from analysis.collectors.operations import allowed_operations, registered_operations
from analysis.collectors.pace import Pace, Slot
from analysis.collectors.records import ErrorRecord

# Describe*/List* on ECR have unpublished, low throttles (ecr-facts.md §3.8): throttles are retried with
# jittered backoff, and a client-side rate limiter (`_Limiter`) slows a client whose calls are throttled in
# bursts, instead of failing the scope.
RETRY_ATTEMPTS = 10
THROTTLE_BASE_S = 0.25  # first backoff after a throttle: rand(0, 1) × 0.25 s, doubling (botocore: × 1 s)
# A 5xx or a dropped connection is retried at most this many attempts in all: an endpoint failing for good
# costs two short retries, not ten (the 11-attempt default made three failing registry reads cost minutes).
TRANSIENT_ATTEMPTS = 3
MAX_BACKOFF_S = 5.0  # one backoff sleep never exceeds this (botocore's own cap is 20 s)
# Wall-clock budgets (seconds): a scope (account, region) and the whole run. When one is spent, calls not yet
# sent fail at once with BudgetExhausted and what they would have read keeps its last good value.
SCOPE_BUDGET_S = 600.0
RUN_BUDGET_S = 3_600.0


class UndeclaredOperation(RuntimeError):
    """A collector tried an API operation it did not declare: refused before anything is sent."""


def _guard(service: str):
    # The calling collector is imported, so its own declarations are registered: the common case never imports
    # the other collectors. A miss asks every collector's declarations (the same answer `allowed_operations`
    # always gave: an operation declared by any collector passes, any other is refused).
    known = registered_operations(service)

    def check(model: Any, **_: Any) -> None:
        if model.name not in known and model.name not in allowed_operations(service):
            raise UndeclaredOperation(f"{service}:{model.name} is not among the read-only operations regcost declares")

    return check


class BudgetExhausted(RuntimeError):
    """The wall-clock budget of the scope or the run is spent: the call was not sent."""

    code = "BudgetExhausted"


class Budget:
    """A wall-clock deadline; a scope's budget also ends when its run's does."""

    def __init__(self, seconds: float, parent: Budget | None = None, what: str = "scope") -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.parent = parent
        self.what = what

    def remaining(self) -> float:
        own = self.deadline - time.monotonic()
        return min(own, self.parent.remaining()) if self.parent else own

    def spent_by(self) -> str:
        if self.parent and self.parent.remaining() <= self.deadline - time.monotonic():
            return self.parent.spent_by()
        return f"the {self.what} budget of {self.seconds:,.0f} s"


class Session:
    """The part of boto3's `Session` regcost uses (clients, credentials, region, regions of a service), over
    botocore's own session. boto3 adds nothing a client needs here, and importing it (with s3transfer, which it
    imports for S3's upload helpers) cost ~0.2 s of a collection's start-up before its first call. Anything with
    the same methods — a boto3 session a test builds — works wherever a `Session` is taken."""

    def __init__(self, core: Any) -> None:
        self._core = core  # botocore.session.Session

    @property
    def region_name(self) -> str | None:
        return self._core.get_config_variable("region")

    def client(
        self, service: str, region_name: str | None = None, endpoint_url: str | None = None, config: Any = None
    ) -> Any:
        return self._core.create_client(service, region_name=region_name, endpoint_url=endpoint_url, config=config)

    def get_credentials(self) -> Any:
        return self._core.get_credentials()

    def get_available_regions(self, service: str, partition_name: str = "aws") -> list[str]:
        return list(self._core.get_available_regions(service, partition_name))


# Sessions are not thread-safe (boto3 docs, "Multithreading"; botocore's too); clients are. Every use of a session
# here (making a client, reading its credentials or regions) holds that session's lock, as botocore's maintainers
# proposed for sharing one (boto/boto3#806): the threads of a run share one session per account instead of making
# one each (~5 ms of CPU apiece, registering botocore's built-in event handlers; 11 % of the collector's CPU in an
# organization run, py-spy), and the clients it makes are used from any thread.
_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()  # guards _LOCKS, and _LOADER's one creation (new_session)


def session_lock(session: Any) -> threading.Lock:
    """The lock every use of `session` holds (ours, or a boto3 session some caller built)."""
    with _LOCKS_LOCK:
        lock = _LOCKS.get(session)
        if lock is None:
            lock = _LOCKS[session] = threading.Lock()
        return lock


_LOADER: Any = None  # botocore's data loader, shared by every session of the process (see new_session)


def new_session(
    profile_name: str | None = None,
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    aws_session_token: str | None = None,
    region_name: str | None = None,
) -> Session:
    """A session (boto3's arguments) whose service models come from one loader for the whole process.

    Each new session would otherwise parse the ECR and CloudWatch models and endpoint rules again: an
    organization run makes a session per account, and that parsing was half of the CPU its clients cost
    (measured: 107 → 54 ms for a session and two clients). The loader only caches what it read.
    """
    global _LOADER
    import botocore.loaders
    import botocore.session

    core = botocore.session.Session(profile=profile_name)  # as boto3.Session does with these arguments
    if aws_access_key_id or aws_secret_access_key or aws_session_token:
        core.set_credentials(aws_access_key_id, aws_secret_access_key, aws_session_token)  # type: ignore[arg-type]  # as boto3 passes them
    if region_name is not None:
        core.set_config_variable("region", region_name)
    with _LOCKS_LOCK:
        if _LOADER is None:
            _LOADER = botocore.loaders.create_loader()
        core.register_component("data_loader", _LOADER)
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_utc_timestamp)
    return Session(core)


def _utc_timestamp(value: Any) -> datetime:
    """botocore's timestamp parser without its per-value dateutil `tzlocal()`: ECR and CloudWatch send epoch
    seconds, and botocore built a local-time zone object for each (measured: 21.5 µs → 0.9 µs a value; a page of
    1,000 images carries ~3,000). The same instant, in UTC, which is what every record keeps anyway."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OSError, OverflowError, ValueError):
            pass  # out of the platform's range: botocore's own fallbacks
    return botocore.utils.parse_timestamp(value)


@dataclass
class AwsSettings:
    """How to reach AWS: a profile (standard credential chain), or an emulated endpoint for the demo."""

    profile: str | None = None
    endpoint_url: str | None = None
    max_pool_connections: int = 32
    # Dummy credentials only ever used with an emulated endpoint.
    static_credentials: dict[str, str] | None = None
    scope_budget_s: float = SCOPE_BUDGET_S
    run_budget_s: float = RUN_BUDGET_S
    # Calls in flight, run-wide and per (account, region) (pace.py); None: unbounded (single-scope callers).
    pace: Pace | None = None

    def base_session(self) -> Session:
        if self.static_credentials:
            return new_session(**self.static_credentials)
        return new_session(profile_name=self.profile)

    def client(
        self,
        session: Session | Any,  # ours, or a boto3 session some caller built
        service: str,
        region: str,
        budget: Budget | None = None,
        account_id: str | None = None,
    ) -> Any:
        """A client of `session` (made under its lock), refusing undeclared operations, retrying within `budget`;
        with `account_id` and a `pace`, each call waits for a slot of the run and of its (account, region)."""
        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": RETRY_ATTEMPTS},
            max_pool_connections=self.max_pool_connections,
            user_agent_appid="regcost",  # type: ignore[call-arg]  # botocore has it since 1.31; its stubs do not
        )
        with session_lock(session):
            client = session.client(service, region_name=region, endpoint_url=self.endpoint_url, config=config)
        client.meta.events.register("before-call", _guard(service))
        gate = self.pace.scope(account_id, region) if self.pace and account_id is not None else None
        _budgeted_retries(client, budget, (self.pace, gate) if self.pace and gate else None)
        return client


@dataclass
class Unread:
    """A part a run did not read (its call failed, or was skipped once the operation failed for good): the
    loader keeps its last good value and says so."""

    part: str  # images | tags | lifecycle_policy | repository_policy | pulls | registry:<Operation>
    repository: str | None
    operation: str
    error_code: str
    message: str


class _AlwaysQuota:
    """No retry quota: the wall-clock budget bounds retries instead (botocore's quota would stop retrying a
    throttling storm after ~100 retries per client and lose rows)."""

    def acquire_retry_quota(self, context: Any) -> bool:
        return True


class _Backoff(standard.ExponentialBackoff):
    _DEFAULT_BACKOFF_CONFIG = {
        **standard.ExponentialBackoff._DEFAULT_BACKOFF_CONFIG,  # type: ignore[attr-defined]  # private; not in stubs
        "throttling_base_scale": THROTTLE_BASE_S,
    }


class _Limiter:
    """Client-side rate limiting, per client (one account and region of one service).

    A run of BURST throttles with no success between them says the client sends faster than the service allows
    (a rate-based throttle rejects every call over the limit): the send rate is then capped at half of what it
    was over the last second, and each success raises the cap by 2 % until it no longer binds. Scattered
    throttles among successes (a storm that does not depend on the rate) leave the rate alone: slowing down
    would not make them fewer. botocore's adaptive mode halves on every throttle and falls to 0.5 calls/s in
    such a storm (measured: a 40 % storm took over 20× the fault-free time).
    """

    BURST = 8
    MIN_RATE = 1.0  # calls per second
    WINDOW_S = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[float] = []
        self._next = 0.0
        self.rate: float | None = None
        self._run = 0

    def before_send(self, **_: Any) -> None:
        with self._lock:
            now = time.monotonic()
            self._sent = [t for t in self._sent if now - t < self.WINDOW_S]
            self._sent.append(now)
            if self.rate is None:
                return
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        if slot > now:
            time.sleep(slot - now)  # pacing the send rate, not synchronisation

    def on_response(self, throttled: bool) -> None:
        with self._lock:
            if not throttled:
                self._run = 0
                if self.rate is not None:
                    self.rate *= 1.02
                    if len(self._sent) < self.rate * self.WINDOW_S / 2:
                        self.rate = None  # the cap no longer binds
                return
            self._run += 1
            if self._run >= self.BURST:
                self._run = 0
                measured = len(self._sent) / self.WINDOW_S
                self.rate = max(self.MIN_RATE, (self.rate or measured) / 2)


_SLOT = threading.local()  # the slot of the call this thread is sending (botocore sends synchronously)


def _budgeted_retries(client: Any, budget: Budget | None, paced: tuple[Pace, Any] | None = None) -> None:
    """Replace botocore's standard retry decision with one that stops early for errors that will not heal.

    Throttles are retried up to RETRY_ATTEMPTS; 5xx and connection errors up to TRANSIENT_ATTEMPTS; no sleep
    outlasts the budget, and no call is sent once it is spent. A `_Limiter` paces the client's calls.
    """
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.unregister(f"needs-retry.{service}", unique_id=f"retry-config-{service}")
    adapter = standard.RetryEventAdapter()
    throttling = standard.ThrottlingErrorDetector(adapter)
    policy = standard.RetryPolicy(
        retry_checker=standard.StandardRetryConditions(max_attempts=RETRY_ATTEMPTS),
        retry_backoff=_Backoff(
            max_backoff=MAX_BACKOFF_S,  # type: ignore[arg-type]  # the stubs say int; botocore only takes a min()
            service_name=service,
            throttling_detector=throttling,
        ),
    )
    # Duck-typed: RetryHandler only calls the quota's acquire_retry_quota (the stubs ask for a RetryQuota).
    inner = standard.RetryHandler(policy, adapter, _AlwaysQuota(), service_name=service)  # type: ignore[arg-type]
    limiter = _Limiter()

    def needs_retry(**kwargs: Any) -> float | None:
        throttled = throttling.is_throttling_error(**kwargs)
        limiter.on_response(throttled)
        slot: Slot | None = getattr(_SLOT, "slot", None)
        if paced is not None and slot is not None:
            _SLOT.slot = None
            paced[0].release(slot, throttled)  # before any backoff sleep: a waiting call holds no slot
        delay = inner.needs_retry(**kwargs)
        if delay is None:
            return None
        if kwargs["attempts"] >= TRANSIENT_ATTEMPTS and not throttled:
            return None  # the same 5xx three times: record it and move on
        if budget is not None and budget.remaining() < delay:
            return None
        return delay

    client.meta.events.register(f"needs-retry.{service}", needs_retry, unique_id=f"regcost-retry-{service}")
    client.meta.events.register(f"before-send.{service}", limiter.before_send, unique_id=f"regcost-limit-{service}")
    if paced is not None:
        pace, gate = paced

        def take_slot(**_: Any) -> None:
            _SLOT.slot = pace.acquire(gate)

        client.meta.events.register(f"before-send.{service}", take_slot, unique_id=f"regcost-pace-{service}")
    client.limiter = limiter  # tests and benchmarks read its rate
    if budget is not None:

        def check_budget(model: Any, **_: Any) -> None:
            if budget.remaining() <= 0:
                raise BudgetExhausted(f"{model.name} not sent: {budget.spent_by()} is spent")

        client.meta.events.register("before-call", check_budget)


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
