"""The demo estate generator: determinism, ECR-shaped data, and internal consistency."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from analysis.demo.estate import MT_DOCKER_LIST, MT_OCI_INDEX, Estate, generate_estate

SMALL = {"repositories": 40, "images": 2_000}


@pytest.fixture(scope="module")
def small() -> Estate:
    return generate_estate(seed=7, **SMALL)


def _by_repo(estate: Estate) -> dict[tuple[str, str, str], list]:
    out: dict[tuple[str, str, str], list] = defaultdict(list)
    for img in estate.images:
        out[(img.account_id, img.region, img.repository)].append(img)
    return out


def test_same_seed_same_estate_and_other_seed_differs(small: Estate) -> None:
    again = generate_estate(seed=7, **SMALL)
    assert again == small
    assert [i.manifest for i in again.images] == [i.manifest for i in small.images]
    other = generate_estate(seed=8, **SMALL)
    assert {i.digest for i in other.images} != {i.digest for i in small.images}


def test_requested_totals_are_exact(small: Estate) -> None:
    totals = small.expected_totals()
    assert totals["repositories"] == 40
    assert totals["images"] == 2_000
    assert small.accounts == ["111111111111", "222222222222", "333333333333"]
    assert small.management_account == "111111111111"


def test_digest_is_sha256_of_the_exact_manifest(small: Estate) -> None:
    for img in small.images:
        assert img.digest == "sha256:" + hashlib.sha256(img.manifest.encode()).hexdigest()
        assert json.loads(img.manifest)["mediaType"] == img.manifest_media_type
        assert img.pushed_at.tzinfo is not None


def test_image_size_is_layers_plus_config_and_index_is_largest_child(small: Estate) -> None:
    indexes = 0
    for repo_images in _by_repo(small).values():
        by_digest = {i.digest: i for i in repo_images}
        for img in repo_images:
            m = json.loads(img.manifest)
            if img.manifest_media_type in (MT_OCI_INDEX, MT_DOCKER_LIST):
                indexes += 1
                children = [by_digest[c["digest"]] for c in m["manifests"]]  # children listed in the same repo
                assert {c["platform"]["architecture"] for c in m["manifests"]} == {"amd64", "arm64"}
                assert img.size_in_bytes == max(c.size_in_bytes for c in children)
                assert all(not c.tags for c in children)
            else:
                assert img.size_in_bytes == m["config"]["size"] + sum(layer["size"] for layer in m["layers"])
    assert indexes > 0


def test_media_type_mix(small: Estate) -> None:
    kinds = Counter(i.manifest_media_type for i in small.images)
    assert kinds["application/vnd.oci.image.manifest.v1+json"] > 0
    assert kinds["application/vnd.docker.distribution.manifest.v2+json"] > 0
    assert kinds[MT_OCI_INDEX] + kinds[MT_DOCKER_LIST] > 0


def test_base_layers_are_shared_so_dedup_orders_the_byte_totals(small: Estate) -> None:
    t = small.expected_totals()
    assert t["unique_blob_bytes"] < t["per_repo_unique_bytes"] < t["naive_bytes"]


def test_tags_unique_per_repo_and_latest_only_on_newest(small: Estate) -> None:
    for images in _by_repo(small).values():
        tags = [t for i in images for t in i.tags]
        assert len(tags) == len(set(tags))
        heads = [
            i
            for i in images
            if i.subject_digest is None
            and (i.tags or i.manifest_media_type in (MT_OCI_INDEX, MT_DOCKER_LIST) or i.artifact_media_type)
        ]
        latest = [i for i in images if "latest" in i.tags]
        if latest:
            newest = max((i for i in heads if not _is_child(i, images)), key=lambda i: i.pushed_at)
            assert latest == [newest]


def _is_child(img, images) -> bool:
    return any(img.digest in i.manifest for i in images if i.manifest_media_type in (MT_OCI_INDEX, MT_DOCKER_LIST))


def test_untagged_share_in_range(small: Estate) -> None:
    t = small.expected_totals()
    assert 0.30 <= t["untagged_images"] / t["images"] <= 0.47


def test_pull_counts_and_last_pull_times_agree(small: Estate) -> None:
    window_start = small.now - timedelta(days=90)
    pull_days: dict[tuple[str, str, str], set] = defaultdict(set)
    for pc in small.pull_counts:
        assert pc.pulls > 0  # CloudWatch has no datapoint on a day without pulls
        assert window_start.date() <= pc.day < small.now.date()
        pull_days[(pc.account_id, pc.region, pc.repository)].add(pc.day)
    for key, images in _by_repo(small).items():
        for img in images:
            if img.last_pull_at is None:
                continue
            assert key in pull_days, "a repository without pulls cannot have pulled images"
            assert img.pushed_at < img.last_pull_at <= small.now
            if img.last_pull_at >= window_start:
                assert img.last_pull_at.date() in pull_days[key]
    assert small.expected_totals()["pulls"] == sum(p.pulls for p in small.pull_counts)
    assert any(i.last_pull_at for i in small.images)


def test_archive_state_follows_archive_rules(small: Estate) -> None:
    policies = {(r.account_id, r.region, r.name): r.lifecycle_policy for r in small.repositories}
    for img in small.images:
        assert (img.status == "ARCHIVED") == (img.last_archived_at is not None)
        if img.status == "ARCHIVED":
            policy = json.loads(policies[(img.account_id, img.region, img.repository)])
            assert any(r["action"]["type"] == "transition" for r in policy["rules"])
            assert img.last_archived_at <= small.now
            assert img.last_pull_at is None or img.last_pull_at < img.last_archived_at
    assert small.expected_totals()["archived_images"] > 0


def test_repository_settings_mix(small: Estate) -> None:
    default = generate_estate(seed=7, repositories=200, images=8_000)
    repos = default.repositories
    with_policy = sum(1 for r in repos if r.lifecycle_policy)
    assert 0.3 * len(repos) <= with_policy <= 0.65 * len(repos)
    for r in repos:
        if r.lifecycle_policy:
            rules = json.loads(r.lifecycle_policy)["rules"]
            assert len({x["rulePriority"] for x in rules}) == len(rules)
    assert any(r.encryption_type == "KMS" and r.kms_key for r in repos)
    assert any(r.tag_mutability.startswith("IMMUTABLE") for r in repos)
    assert any(r.repository_policy for r in repos)
    assert all("team" in r.resource_tags for r in repos if r.resource_tags)


def test_replication_and_pull_through_cache(small: Estate) -> None:
    src = {
        (i.repository, i.digest, i.manifest)
        for i in small.images
        if i.region == "us-east-1" and i.account_id == "111111111111" and i.repository.startswith("platform/")
    }
    dst = {
        (i.repository, i.digest, i.manifest)
        for i in small.images
        if i.region == "eu-west-1" and i.account_id == "111111111111" and i.repository.startswith("platform/")
    }
    replicated = {r for r, _, _ in src}
    assert src and src == {x for x in dst if x[0] in replicated}
    mgmt = next(r for r in small.registries if (r.account_id, r.region) == ("111111111111", "us-east-1"))
    assert mgmt.replication_rules[0]["repositoryFilters"][0]["filter"] == "platform/"
    assert mgmt.pull_through_cache_rules[0]["upstreamRegistry"] == "docker-hub"
    assert any(r.name == "docker-hub/library/nginx" for r in small.repositories)
    assert sum(r.blob_mounting == "ENABLED" for r in small.registries) == 1
    assert sum(r.scanning_configuration["scanType"] == "ENHANCED" for r in small.registries) == len(small.regions)


def test_scope_totals_add_up(small: Estate) -> None:
    total = small.expected_totals()
    scopes = small.expected_by_scope()
    assert len(scopes) == len(small.accounts) * len(small.regions)
    for key in ("repositories", "images", "naive_bytes", "per_repo_unique_bytes", "pulls", "archived_images"):
        assert sum(s[key] for s in scopes.values()) == total[key]


def test_default_estate_is_heavy_tailed_and_deduplicates() -> None:
    # How fast it generates is measured by benchmarks/, not here: a wall-clock bound fails on a busy machine.
    estate = generate_estate()
    totals = estate.expected_totals()
    assert totals["images"] == 40_000 and totals["repositories"] == 400
    assert totals["unique_blob_bytes"] < totals["per_repo_unique_bytes"] < totals["naive_bytes"]
    sizes = sorted(Counter((i.account_id, i.region, i.repository) for i in estate.images).values())
    assert sizes[-1] > 1_000 and sizes[len(sizes) // 2] < 100
    assert 0.30 <= totals["untagged_images"] / totals["images"] <= 0.45
