"""Pulls of the demo estate: daily RepositoryPullCount sums, and pull times that agree with them."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from analysis.demo.estate import Estate, generate_estate


@pytest.fixture(scope="module")
def estate() -> Estate:
    return generate_estate(seed=7, repositories=40, images=2_000)


def test_pull_counts_cover_the_metric_window_only_and_are_positive(estate: Estate) -> None:
    first, last = (estate.now - timedelta(days=90)).date(), estate.now.date()
    assert estate.pull_counts
    assert all(first <= p.day < last and p.pulls > 0 for p in estate.pull_counts)


def test_a_pull_inside_the_window_falls_on_a_day_its_repository_has_pulls(estate: Estate) -> None:
    days: dict[tuple[str, str, str], set] = defaultdict(set)
    for p in estate.pull_counts:
        days[(p.account_id, p.region, p.repository)].add(p.day)
    window = estate.now - timedelta(days=90)
    inside = [i for i in estate.images if i.last_pull_at and i.last_pull_at >= window]
    assert inside
    for img in inside:
        assert img.last_pull_at.date() in days[(img.account_id, img.region, img.repository)]
        assert img.pushed_at < img.last_pull_at <= estate.now


def test_a_repository_never_pulled_has_no_image_with_a_pull_time(estate: Estate) -> None:
    pulled = {(p.account_id, p.region, p.repository) for p in estate.pull_counts}
    never = [i for i in estate.images if (i.account_id, i.region, i.repository) not in pulled]
    assert never  # ~22 % of repositories are dead
    assert all(i.last_pull_at is None for i in never)
