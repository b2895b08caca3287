"""Lifecycle policies of the demo estate and the archiving their archive rules did."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.demo.estate import generate_estate
from analysis.demo.estate.builds import Build, DraftRepo
from analysis.demo.estate.lifecycle import archive, lifecycle_policy

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _repo(policy: str | None, builds: list[Build]) -> DraftRepo:
    repo = DraftRepo(
        "111111111111", "us-east-1", "team/app", "team", "go", len(builds), 0.0, False, True, False, "MUTABLE", policy
    )
    repo.builds = builds
    return repo


def _build(group: int, days_ago: int, tags: list[str] | None = None, pulled_days_ago: int | None = None) -> Build:
    b = Build("image", f"sha256:{group:064x}", "{}", "m", None, 10, NOW - timedelta(days=days_ago), group)
    b.tags = tags or []
    b.last_pull = NOW - timedelta(days=pulled_days_ago) if pulled_days_ago is not None else None
    return b


def test_an_archive_policy_transitions_untagged_after_90_and_tagged_after_180_days_without_pulls() -> None:
    rules = json.loads(lifecycle_policy(_repo("archive", [])) or "")["rules"]
    assert [(r["selection"]["tagStatus"], r["selection"]["countNumber"]) for r in rules] == [
        ("untagged", 90),
        ("tagged", 180),
    ]
    assert {r["action"]["targetStorageClass"] for r in rules} == {"archive"}


def test_a_keep_last_rule_sits_above_the_current_count_so_it_removed_nothing_listed() -> None:
    builds = [_build(i, 10, [f"git-{i:07x}"]) for i in range(130)]
    rules = json.loads(lifecycle_policy(_repo("clean-untagged", builds)) or "")["rules"]
    # 130 git-* builds → 131 rounded up to the next hundred = 200
    assert rules[1]["selection"]["countNumber"] == 200
    assert lifecycle_policy(_repo(None, builds)) is None


def test_archiving_spares_the_newest_push_and_anything_pulled_recently() -> None:
    stale = _build(1, 400)  # untagged, never pulled: archivable 90 days after its push
    recent = _build(2, 300, pulled_days_ago=20)  # pulled 20 days ago: 90 days not yet passed
    tagged = _build(3, 200, ["v1.0.0"])  # tagged, never pulled: archivable 180 days after its push
    newest = _build(0, 100)  # untagged, never pulled and 100 days old, but the newest push: never archived
    repo = _repo("archive", [stale, recent, tagged, newest])
    archive(repo, np.random.default_rng(0), NOW)
    assert [b.status for b in repo.builds] == ["ARCHIVED", "ACTIVE", "ARCHIVED", "ACTIVE"]
    assert stale.archived_at is not None and stale.archived_at > stale.pushed_at + timedelta(days=90)


def test_only_repositories_with_an_archive_policy_hold_archived_images() -> None:
    estate = generate_estate(seed=7, repositories=40, images=2_000)
    archiving = {
        (r.account_id, r.region, r.name)
        for r in estate.repositories
        if r.lifecycle_policy and "archive" in r.lifecycle_policy
    }
    archived = {(i.account_id, i.region, i.repository) for i in estate.images if i.status == "ARCHIVED"}
    assert archived and archived <= archiving
