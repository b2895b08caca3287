"""Faults the emulated AWS injects: which calls a fault hits, how often, and a seeded throttling storm."""

from __future__ import annotations

import random

from analysis.demo.aws.faults import Call, Fault, Quota, Storm

CALL = Call("ecr", "DescribeImages", "111111111111", "us-east-1")


def _fault(**kw: object) -> Fault:
    base = dict(
        operation="DescribeImages",
        code="ThrottlingException",
        service="ecr",
        region=None,
        account_id=None,
        repository=None,
        times=None,
        status=400,
        message="slow down",
    )
    return Fault(**{**base, **kw})  # type: ignore[arg-type]


def test_a_fault_narrowed_to_a_region_account_or_repository_hits_only_there() -> None:
    assert _fault().matches(CALL, "team/app")
    assert not _fault(region="eu-west-1").matches(CALL, "team/app")
    assert not _fault(account_id="222222222222").matches(CALL, "team/app")
    assert _fault(repository="team/app").matches(CALL, "team/app")
    assert not _fault(repository="team/app").matches(CALL, "team/other")
    assert not _fault(operation="ListImages").matches(CALL, None)


def test_a_fault_for_n_times_stops_matching_when_used_up() -> None:
    once = _fault(times=1)
    assert once.matches(CALL, None)
    once.times = 0  # what the emulated AWS does after answering with it
    assert not once.matches(CALL, None)


def test_a_storm_throttles_about_its_rate_of_matching_calls_and_none_other() -> None:
    storm = Storm(0.3, frozenset({"ecr"}), None, random.Random(5))
    hits = sum(storm.hits(CALL) for _ in range(2_000))
    assert 500 <= hits <= 700  # 0.3 × 2,000 = 600, ± 100 (≈ 5 standard deviations of 20.5)
    assert not any(storm.hits(Call("cloudwatch", "GetMetricData", "1", "us-east-1")) for _ in range(100))


def test_a_quota_throttles_calls_over_it_per_account_and_region():
    quota = Quota(2, frozenset({"ecr"}))
    call = Call("ecr", "DescribeImages", "111111111111", "us-east-1")
    assert [quota.admit(call) for _ in range(3)] == [True, True, False]  # the third at once is over the quota
    assert quota.admit(Call("ecr", "DescribeImages", "111111111111", "eu-west-1"))  # another region: its own
    assert quota.admit(Call("sts", "AssumeRole", "111111111111", "us-east-1"))  # not a limited service
    quota.done(call)
    assert quota.admit(call) and quota.throttled == 1
