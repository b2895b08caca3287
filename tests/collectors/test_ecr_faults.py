"""Faults injected into the emulated AWS (moto over HTTP): what fails for good costs little and loses nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from support import run_collection

from analysis.collectors import aws as aws_module
from analysis.collectors.ecr import EcrOptions
from analysis.warehouse import Warehouse

REGISTRY_READS = ("DescribeRegistry", "GetRegistryPolicy", "GetRegistryScanningConfiguration")
REREAD = EcrOptions(settings_max_age=timedelta(0))  # every run reads the settings again


def _scopes_with_repositories(small_estate) -> set[tuple[str, str]]:
    return {(r.account_id, r.region) for r in small_estate.repositories}


def test_registry_reads_answering_500_are_tried_three_times_and_run_alongside(aws, small_estate, tmp_path):
    for op in REGISTRY_READS:
        aws.inject_fault(op, "ServerException", status=500, message="internal failure (injected)")
        # Slow answers, so that "alongside" shows in the order of calls however busy the machine is: run before
        # the listing, the reads would all end before the first DescribeImages.
        aws.slow(op, 150)
    summary = run_collection(aws, small_estate, tmp_path / "w.duckdb")
    assert summary.status == "partial"
    calls = Counter((c.operation, c.account_id, c.region) for c in aws.calls)
    scopes = _scopes_with_repositories(small_estate)
    for op in REGISTRY_READS:
        # one call and two retries per scope, not the eleven attempts of botocore's standard mode at 10 retries
        assert {calls[(op, *scope)] for scope in scopes} == {aws_module.TRANSIENT_ATTEMPTS}
    errors = Counter((e.operation, e.account_id, e.region) for e in summary.errors)
    assert all(errors[(f"ecr:{op}", *scope)] == 1 for op in REGISTRY_READS for scope in scopes)  # recorded once
    # Alongside, not before: in a scope with several repositories, images are listed before the registry reads end.
    order = [c.operation for c in aws.calls if (c.account_id, c.region) == max(scopes, key=_repo_count(small_estate))]
    last_registry = max(i for i, op in enumerate(order) if op in REGISTRY_READS)
    assert order.index("DescribeImages") < last_registry


def _repo_count(small_estate):
    counts = Counter((r.account_id, r.region) for r in small_estate.repositories)
    return lambda scope: counts[scope]


def test_an_operation_failing_for_good_is_skipped_after_three_repositories(aws, small_estate, tmp_path):
    aws.inject_fault("GetLifecyclePolicy", "ServerException", status=500, message="internal failure (injected)")
    summary = run_collection(aws, small_estate, tmp_path / "w.duckdb", options=REREAD)
    per_scope = Counter((c.account_id, c.region) for c in aws.calls if c.operation == "GetLifecyclePolicy")
    repos = Counter((r.account_id, r.region) for r in small_estate.repositories)
    workers = REREAD.repository_workers  # calls already in flight when the third failure lands still finish
    for scope, n in repos.items():
        assert per_scope[scope] <= aws_module.TRANSIENT_ATTEMPTS * min(n, 3 + workers)
    skipped = [g for g in summary.skipped if g["part"] == "lifecycle_policy"]
    assert sum(g["repositories"] for g in skipped) == len(small_estate.repositories)  # every one marked unread


def test_a_permanently_throttled_repository_keeps_its_images(aws, small_estate, tmp_path, monkeypatch):
    monkeypatch.setattr(aws_module, "MAX_BACKOFF_S", 0.05)  # the same ten attempts, with short sleeps
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    repo = max(small_estate.repositories, key=lambda r: sum(1 for i in small_estate.images if i.repository == r.name))
    seeded = sum(
        1
        for i in small_estate.images
        if (i.account_id, i.region, i.repository) == (repo.account_id, repo.region, repo.name)
    )
    aws.inject_fault(
        "DescribeImages", "ThrottlingException", account_id=repo.account_id, region=repo.region, repository=repo.name
    )
    summary = run_collection(aws, small_estate, db)
    assert summary.status == "partial"
    with Warehouse(db, read_only=True) as wh:
        current = wh.query(
            "SELECT count(*), min(run_id) FROM current_ecr_images WHERE account_id = ? AND region = ? "
            "AND repository_name = ?",
            [repo.account_id, repo.region, repo.name],
        )[0]
        assert current == (seeded, 2)  # all its images, carried into run 2's snapshot
        carried = wh.query(
            "SELECT part, repository, from_run_id, error_code FROM current_carried_parts WHERE part = 'images'"
        )
        assert carried == [("images", repo.name, 1, "ThrottlingException")]
        assert wh.query("SELECT count(*) FROM current_ecr_images")[0][0] == len(small_estate.images)


@pytest.mark.parametrize("first_run_denied", [False, True], ids=["carried", "missing"])
def test_a_denied_lifecycle_policy_is_not_no_policy(aws, small_estate, tmp_path, first_run_denied):
    repo = next(r for r in small_estate.repositories if r.lifecycle_policy)
    db = tmp_path / "w.duckdb"
    if not first_run_denied:
        run_collection(aws, small_estate, db, options=REREAD)
    aws.inject_fault(
        "GetLifecyclePolicy", account_id=repo.account_id, region=repo.region, repository=repo.name
    )  # AccessDenied
    run_collection(aws, small_estate, db, options=REREAD)
    with Warehouse(db, read_only=True) as wh:
        text = wh.query(
            "SELECT lifecycle_policy_text FROM current_ecr_repositories WHERE account_id = ? AND region = ? "
            "AND repository_name = ?",
            [repo.account_id, repo.region, repo.name],
        )[0][0]
        part = wh.query(
            "SELECT from_run_id, error_code FROM current_carried_parts WHERE part = 'lifecycle_policy' "
            "AND repository = ?",
            [repo.name],
        )
    if first_run_denied:
        assert text is None and part == [(None, "AccessDeniedException")]  # missing, and said to be
    else:
        assert text == repo.lifecycle_policy and part == [(1, "AccessDeniedException")]


def test_no_session_is_used_by_two_threads_at_once(aws, small_estate, tmp_path, monkeypatch):
    """Sessions are not thread-safe: the threads of a run share an account's session, one use at a time."""
    import threading
    import time

    from analysis.collectors.aws import Session

    lock = threading.Lock()
    in_use: dict[int, int] = {}
    most = 0
    threads: dict[int, set[int]] = {}
    keep: list[Session] = []  # ids stay unique while the sessions live
    original = Session.client

    def spy(self, *args, **kwargs):
        nonlocal most
        with lock:
            keep.append(self)
            in_use[id(self)] = in_use.get(id(self), 0) + 1
            most = max(most, in_use[id(self)])
            threads.setdefault(id(self), set()).add(threading.get_ident())
        try:
            time.sleep(0.01)  # a second thread entering meanwhile would be counted
            return original(self, *args, **kwargs)
        finally:
            with lock:
                in_use[id(self)] -= 1

    monkeypatch.setattr(Session, "client", spy)
    summary = run_collection(aws, small_estate, tmp_path / "w.duckdb")
    assert summary.status == "complete"
    assert most == 1
    assert any(len(t) > 1 for t in threads.values())  # shared: not a session made per thread


def test_lifecycle_says_which_policies_it_could_not_read(aws, small_estate, tmp_path):
    from typer.testing import CliRunner

    from analysis.cli import app

    repo = next(r for r in small_estate.repositories if r.lifecycle_policy)
    aws.inject_fault("GetLifecyclePolicy", account_id=repo.account_id, region=repo.region, repository=repo.name)
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    out = CliRunner().invoke(app, ["lifecycle", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "missing: lifecycle policy of 1 repository" in out.output.replace("\n", " ")
    assert "treats these repositories as having no policy" in out.output.replace("\n", " ")


def test_the_rate_limiter_engages_on_a_burst_of_throttles_and_lets_go_after_successes():
    limiter = aws_module._Limiter()
    for _ in range(20):
        limiter.before_send()
    for _ in range(3):
        limiter.on_response(throttled=True)
    limiter.on_response(throttled=False)  # scattered throttles (a storm) leave the rate alone
    assert limiter.rate is None
    for _ in range(limiter.BURST):
        limiter.on_response(throttled=True)
    assert limiter.rate is not None and limiter.rate >= limiter.MIN_RATE  # half of the ~20 calls/s just sent
    for _ in range(200):
        limiter.on_response(throttled=False)
    assert limiter.rate is None  # the cap stopped binding and was lifted
