"""Tags of the demo estate: git-sha and semver tags per push, moving tags only where the repository allows."""

from __future__ import annotations

from collections import defaultdict

import pytest

from analysis.demo.estate import Estate, generate_estate

MOVING = {"latest", "main", "prod"}


@pytest.fixture(scope="module")
def estate() -> Estate:
    return generate_estate(seed=7, repositories=40, images=2_000)


def _tags_by_repo(estate: Estate) -> dict[tuple[str, str, str], list[str]]:
    out: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for img in estate.images:
        out[(img.account_id, img.region, img.repository)] += img.tags
    return out


def test_a_tag_names_one_image_per_repository(estate: Estate) -> None:
    for tags in _tags_by_repo(estate).values():
        assert len(tags) == len(set(tags))


def test_immutable_repositories_move_no_tag_and_excluded_ones_only_latest(estate: Estate) -> None:
    tags = _tags_by_repo(estate)
    for r in estate.repositories:
        moving = MOVING & set(tags[(r.account_id, r.region, r.name)])
        if r.tag_mutability == "IMMUTABLE":
            assert not moving, r.name
        elif r.tag_mutability == "IMMUTABLE_WITH_EXCLUSION":
            assert moving == {"latest"}, r.name


def test_tags_look_like_ci_tags(estate: Estate) -> None:
    every = [t for tags in _tags_by_repo(estate).values() for t in tags]
    shapes = {"git": 0, "semver": 0}
    for t in every:
        if t.startswith("git-"):
            assert len(t) == 11  # git- + a 7-digit short sha
            shapes["git"] += 1
        elif t.startswith("v") and t[1:].replace(".", "").isdigit():
            shapes["semver"] += 1
    assert shapes["git"] > shapes["semver"] > 0
