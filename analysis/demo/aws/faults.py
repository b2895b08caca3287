"""What the emulated AWS records and injects: each call, faults on chosen operations, throttling storms."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    account_id: str
    region: str


@dataclass
class Fault:
    operation: str
    code: str
    service: str
    region: str | None
    account_id: str | None
    repository: str | None
    times: int | None
    status: int
    message: str

    def matches(self, call: Call, repository: str | None) -> bool:
        return (
            self.operation == call.operation
            and self.service == call.service
            and (self.region is None or self.region == call.region)
            and (self.account_id is None or self.account_id == call.account_id)
            and (self.repository is None or self.repository == repository)
            and (self.times is None or self.times > 0)
        )


@dataclass
class Storm:
    """A share of matching calls answered with a throttling error, drawn from a seeded generator."""

    rate: float
    services: frozenset[str]
    operations: frozenset[str] | None
    rng: random.Random

    def hits(self, call: Call) -> bool:
        if call.service not in self.services or (self.operations is not None and call.operation not in self.operations):
            return False
        return self.rng.random() < self.rate


# The throttling error each service answers with (botocore retries both as throttles).
THROTTLE_CODES = {"cloudwatch": "Throttling"}


class Quota:
    """At most `in_flight` calls at once per (account, region) of the chosen services; a call over it is
    throttled, as ECR's per-account, per-region quotas throttle a client that sends too much at once."""

    def __init__(self, in_flight: int, services: frozenset[str]) -> None:
        self.in_flight = in_flight
        self.services = services
        self.throttled = 0
        self._busy: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def admit(self, call: Call) -> bool:
        if call.service not in self.services:
            return True
        key = (call.account_id, call.region)
        with self._lock:
            if self._busy.get(key, 0) >= self.in_flight:
                self.throttled += 1
                return False
            self._busy[key] = self._busy.get(key, 0) + 1
            return True

    def done(self, call: Call) -> None:
        if call.service in self.services:
            with self._lock:
                self._busy[(call.account_id, call.region)] -= 1
