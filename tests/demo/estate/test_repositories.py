"""Repositories of the demo estate: names, where they live, how many images each holds, their settings."""

from __future__ import annotations

import numpy as np

from analysis.demo.estate import ACCOUNT_IDS, generate_estate
from analysis.demo.estate.repositories import _TEAMS, _image_counts, _names, plan_repositories

REGIONS = ["us-east-1", "eu-west-1", "eu-central-1"]


def test_names_are_unique_and_platform_base_images_come_first() -> None:
    # more repositories than team/service pairs: the generator must fall back to suffixed names, never repeat
    pairs = sum(len(s) for s in _TEAMS.values())
    names = _names(np.random.default_rng(3), n_primary=pairs + 40, n_platform=4)
    assert len({n for _, _, n in names}) == pairs + 40
    first = ["platform/base-python", "platform/base-node", "platform/base-jdk", "platform/base-go"]
    assert [n for _, _, n in names[:4]] == first
    assert any(n.endswith("-jobs") for _, _, n in names)  # the first suffix round


def test_image_counts_hit_the_budget_exactly_with_replicated_repositories_counted_twice() -> None:
    counts = _image_counts(np.random.default_rng(5), n=50, n_platform=3, budget=4_994, cap=0.12 * 5_000)
    # the 3 platform repositories exist again in the replica region: Σ counts + Σ platform counts = budget
    assert int(counts.sum() + counts[:3].sum()) == 4_994
    assert counts.min() >= 4 and counts.max() <= 600  # 0.12 × 5,000 = 600


def test_platform_repositories_live_in_the_management_account_home_region() -> None:
    rng = np.random.default_rng(7)
    repos = plan_repositories(rng, 60, 6_000, ACCOUNT_IDS[:3], REGIONS, "eu-west-1", 730, cache_images=6)
    platform = [r for r in repos if r.replicate]
    assert platform and all((r.account, r.region) == (ACCOUNT_IDS[0], "us-east-1") for r in platform)
    # 60 repositories = primaries + the cache repository + one replica per platform repository
    assert len(repos) == 60 - 1 - len(platform)


def test_the_estate_spreads_repositories_over_every_account_and_settings_ecr_reports() -> None:
    estate = generate_estate(seed=7, repositories=40, images=2_000)
    assert len(estate.repositories) == 40
    assert {r.account_id for r in estate.repositories} == set(ACCOUNT_IDS[:3])
    assert {r.tag_mutability for r in estate.repositories} <= {"MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}
    for r in estate.repositories:
        assert (r.encryption_type == "KMS") == (r.kms_key is not None)
        assert (r.tag_mutability == "IMMUTABLE_WITH_EXCLUSION") == bool(r.tag_mutability_exclusions)
    cache = [r for r in estate.repositories if r.name == "docker-hub/library/nginx"]
    assert len(cache) == 1 and cache[0].resource_tags == {}  # created by the pull-through cache, untagged
