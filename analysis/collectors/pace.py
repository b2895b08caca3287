"""How many AWS calls are in flight at once: a bound for the run, and one that adapts per account and region.

ECR's API quotas are per account and region and unpublished for most reads (ecr-facts.md §3.8), so no fixed
concurrency is right: a quiet account takes more than a busy one. Each (account, region) gets an `Aimd` limit
— additive increase, multiplicative decrease, as TCP finds a link's capacity: a `ThrottlingException` halves it;
until the first one (TCP's slow start) every answered call raises it by 1, so it doubles each round trip, and
after it by 1/limit (+1 per limit's worth of answers). Without slow start a lone scope took ~12 round trips to
climb from 4 to 16 calls in flight; with it, two. A `Pace` holds the run-wide
bound (`--max-concurrency`) and the per-scope limits; every call of a collection passes its `gate` (the
client's before-send and needs-retry events, see aws.py), whichever thread makes it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

START = 4  # calls in flight per (account, region) before anything is known
# Per (account, region), never more than this many calls in flight, however quiet it is: ECR's observed
# Describe*/List* throttles start at a few tens of calls per second (ecr-facts.md §3.8), so 16 in flight at
# ~50 ms each stays within them.
CEILING = 16
MAX_CONCURRENCY = 64  # calls in flight across the whole run (`--max-concurrency`)


class Aimd:
    """The concurrency limit of one (account, region). Thread-safe.

    Halving happens once per window: calls already in flight when the limit was halved were sent at the old
    rate, and their throttles say nothing new (halving again for each would fall to 1 in one burst).
    """

    def __init__(self, start: int = START, ceiling: int = CEILING) -> None:
        self.ceiling = ceiling
        self.limit = float(min(start, ceiling))
        self.in_flight = 0
        self.throttles = 0
        self.slow_start = True  # until the first throttle: +1 per answer (doubling each round trip)
        self._sent = 0  # calls admitted so far; a call's ticket is its number
        self._cut_at = 0  # calls admitted before the last halving ignore later throttles
        self._cond = threading.Condition()

    def acquire(self) -> int:
        """Wait for a slot; the ticket identifies the call to `release`."""
        with self._cond:
            while self.in_flight >= int(self.limit):
                self._cond.wait()
            self.in_flight += 1
            self._sent += 1
            return self._sent

    def release(self, ticket: int, throttled: bool) -> None:
        with self._cond:
            self.in_flight -= 1
            if throttled:
                self.throttles += 1
                self.slow_start = False
                if ticket > self._cut_at:
                    self.limit = max(1.0, self.limit / 2)
                    self._cut_at = self._sent
            else:
                step = 1.0 if self.slow_start else 1 / self.limit
                self.limit = min(float(self.ceiling), self.limit + step)
            self._cond.notify_all()


@dataclass(frozen=True)
class Slot:
    """One call's admission: which limit it counted against, and its ticket there."""

    aimd: Aimd
    ticket: int


class Pace:
    """The run-wide bound and a lazily made `Aimd` per (account, region)."""

    def __init__(self, max_concurrency: int = MAX_CONCURRENCY, start: int = START, ceiling: int = CEILING) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.max_concurrency = max_concurrency
        self.start = start
        self.ceiling = min(ceiling, max_concurrency)
        self._run = threading.BoundedSemaphore(max_concurrency)
        self._scopes: dict[tuple[str, str], Aimd] = {}
        self._lock = threading.Lock()

    def scope(self, account_id: str, region: str) -> Aimd:
        with self._lock:
            key = (account_id, region)
            if key not in self._scopes:
                self._scopes[key] = Aimd(self.start, self.ceiling)
            return self._scopes[key]

    def acquire(self, aimd: Aimd) -> Slot:
        # The scope's slot first: a call waiting for its own (throttled) scope must not hold a run-wide slot
        # another scope could use.
        ticket = aimd.acquire()
        self._run.acquire()
        return Slot(aimd, ticket)

    def release(self, slot: Slot, throttled: bool) -> None:
        self._run.release()
        slot.aimd.release(slot.ticket, throttled)

    def limits(self) -> dict[tuple[str, str], float]:
        """Each scope's current limit (progress lines and the benchmark show them)."""
        with self._lock:
            return {k: a.limit for k, a in self._scopes.items()}

    def throttles(self) -> int:
        with self._lock:
            return sum(a.throttles for a in self._scopes.values())
