"""The concurrency limit per account and region: +1 per answered call until the first throttle (slow start),
+1/limit after it, halved once per throttled window, never above its ceiling nor below one; and the run-wide
bound."""

from __future__ import annotations

import threading
import time

import pytest

from analysis.collectors.pace import Aimd, Pace


def test_until_the_first_throttle_each_answer_raises_the_limit_by_one():
    aimd = Aimd(start=4, ceiling=16)
    tickets = [aimd.acquire() for _ in range(4)]
    for t in tickets:  # one round trip of 4 calls answered: 4 → 8
        aimd.release(t, throttled=False)
    assert aimd.limit == 8
    for t in [aimd.acquire() for _ in range(8)]:  # the next round trip: 8 → 16, the ceiling
        aimd.release(t, throttled=False)
    assert aimd.limit == 16 and aimd.slow_start


def test_after_a_throttle_each_answer_raises_the_limit_by_one_over_the_limit():
    aimd = Aimd(start=8, ceiling=16)
    aimd.release(aimd.acquire(), throttled=True)
    assert aimd.limit == 4 and not aimd.slow_start  # 8 / 2
    for _ in range(4):
        aimd.release(aimd.acquire(), throttled=False)
    # 4 → 4.25 → 4.4853 → 4.7082 → 4.9206: one whole call more after a window of 4 answers (+1/4 each, less
    # as it grows).
    assert aimd.limit == pytest.approx(4.9206, abs=1e-4)


def test_a_throttle_halves_the_limit_once_for_the_calls_already_in_flight():
    aimd = Aimd(start=8, ceiling=16)
    tickets = [aimd.acquire() for _ in range(8)]
    aimd.release(tickets[0], throttled=True)
    assert aimd.limit == 4  # 8 / 2
    for t in tickets[1:]:  # sent at the old limit: their throttles say nothing new
        aimd.release(t, throttled=True)
    assert aimd.limit == 4
    assert aimd.throttles == 8
    aimd.release(aimd.acquire(), throttled=True)  # sent after the cut: halves again
    assert aimd.limit == 2


def test_the_limit_stays_between_one_and_the_ceiling():
    aimd = Aimd(start=2, ceiling=3)
    for _ in range(50):
        aimd.release(aimd.acquire(), throttled=False)
    assert aimd.limit == 3
    for _ in range(10):
        aimd.release(aimd.acquire(), throttled=True)
    assert aimd.limit == 1


def test_no_more_calls_in_flight_than_the_limit():
    aimd = Aimd(start=2, ceiling=2)
    first, second = aimd.acquire(), aimd.acquire()
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(aimd.acquire()))
    waiter.start()
    time.sleep(0.05)
    assert got == []  # the third call waits for a slot
    aimd.release(first, throttled=False)
    waiter.join(timeout=2)
    assert got == [3] and aimd.in_flight == 2
    aimd.release(second, throttled=False)


def test_the_run_bound_caps_the_ceiling_and_scopes_are_kept_apart():
    pace = Pace(max_concurrency=8, ceiling=16)
    assert pace.ceiling == 8
    a, b = pace.scope("111111111111", "us-east-1"), pace.scope("111111111111", "eu-west-1")
    assert a is not b and pace.scope("111111111111", "us-east-1") is a
    slot = pace.acquire(a)
    pace.release(slot, throttled=True)
    assert (a.limit, b.limit, pace.throttles()) == (2, 4, 1)  # only the throttled scope slows: 4 / 2
    with pytest.raises(ValueError):
        Pace(max_concurrency=0)
