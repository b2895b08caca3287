"""The ECR collector end to end against the emulated AWS over HTTP: what a user collects is what exists."""

from __future__ import annotations

import json

import pytest
from support import run_collection

from analysis.collectors.ecr import EcrOptions
from analysis.warehouse import Warehouse, queries


def test_collection_equals_what_the_generator_seeded(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    summary = run_collection(aws, small_estate, db)
    assert summary.status == "complete", summary.errors

    expected = small_estate.expected_totals()
    # status counts what the estimate counts: layers and configs (the estate's totals) and the manifests
    # themselves, each a blob of its repository (a digest is once per repository) and of the registry.
    manifest = {i.digest: len(i.manifest.encode()) for i in small_estate.images}
    per_repo = {(i.account_id, i.region, i.repository, i.digest) for i in small_estate.images}
    expected["per_repo_unique_bytes"] += sum(manifest[k[3]] for k in per_repo)
    expected["unique_blob_bytes"] += sum(manifest.values())
    with Warehouse(db, read_only=True) as wh:
        scopes = queries.inventory_by_scope(wh)
        got = {
            "repositories": sum(s["repositories"] for s in scopes),
            "images": sum(s["images"] for s in scopes),
            "untagged_images": sum(s["untagged_images"] for s in scopes),
            "archived_images": sum(s["archived_images"] for s in scopes),
            "naive_bytes": sum(s["naive_bytes"] for s in scopes),
            "per_repo_unique_bytes": sum(s["repository_unique_bytes"] for s in scopes),
            "pulls": sum(s["pulls"] for s in scopes),
        }
        assert got == {k: expected[k] for k in got}
        assert queries.global_unique_bytes(wh) == expected["unique_blob_bytes"]
        # the manifest cache holds each distinct digest once
        assert wh.query("SELECT count(*) FROM manifests")[0][0] == expected["manifests"]


def test_every_scope_matches_its_seeded_totals(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    by_scope = small_estate.expected_by_scope()
    with Warehouse(db, read_only=True) as wh:
        for s in queries.inventory_by_scope(wh):
            exp = by_scope[(s["account_id"], s["region"])]
            assert (s["repositories"], s["images"], s["naive_bytes"]) == (
                exp["repositories"],
                exp["images"],
                exp["naive_bytes"],
            ), (s["account_id"], s["region"])


def test_repository_settings_and_registry_configuration_are_collected(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    specs = {(r.account_id, r.region, r.name): r for r in small_estate.repositories}
    with Warehouse(db, read_only=True) as wh:
        rows = wh.query(
            "SELECT account_id, region, repository_name, tag_mutability, scan_on_push, encryption_type, kms_key, "
            "resource_tags, lifecycle_policy_text, repository_policy_text FROM current_ecr_repositories"
        )
        assert len(rows) == len(specs)
        for acct, region, name, mut, scan, enc, kms, tags, lifecycle, policy in rows:
            spec = specs[(acct, region, name)]
            assert (mut, scan, enc, kms) == (spec.tag_mutability, spec.scan_on_push, spec.encryption_type, spec.kms_key)
            assert json.loads(tags) == spec.resource_tags
            assert (lifecycle is None) == (spec.lifecycle_policy is None)
            if lifecycle:
                assert json.loads(lifecycle) == json.loads(spec.lifecycle_policy)
            assert (policy is None) == (spec.repository_policy is None)

        registries = {
            (r[0], r[1]): r[2:]
            for r in wh.query("SELECT account_id, region, replication_rules, blob_mounting FROM current_ecr_registries")
        }
        for reg in small_estate.registries:
            rules, blob = registries[(reg.account_id, reg.region)]
            assert json.loads(rules) == reg.replication_rules
            assert blob == reg.blob_mounting
        ptc = wh.query("SELECT account_id, region, ecr_repository_prefix FROM current_ecr_pull_through_cache_rules")
        expected_ptc = {
            (reg.account_id, reg.region, rule["ecrRepositoryPrefix"])
            for reg in small_estate.registries
            for rule in reg.pull_through_cache_rules
        }
        assert set(ptc) == expected_ptc and expected_ptc


def test_images_keep_ecr_fields_including_archived_and_pull_times(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    specs = {(i.account_id, i.region, i.repository, i.digest): i for i in small_estate.images}
    with Warehouse(db, read_only=True) as wh:
        rows = wh.query(
            "SELECT account_id, region, repository_name, image_digest, image_tags, image_size_bytes, pushed_at, "
            "last_pull_at, image_status, manifest_media_type FROM current_ecr_images"
        )
    assert len(rows) == len(specs)
    for acct, region, repo, digest, tags, size, pushed, pulled, status, mt in rows:
        spec = specs[(acct, region, repo, digest)]
        assert sorted(tags) == sorted(spec.tags)
        assert size == spec.size_in_bytes
        assert pushed == spec.pushed_at.replace(microsecond=0) or abs((pushed - spec.pushed_at).total_seconds()) < 1
        assert (pulled is None) == (spec.last_pull_at is None)
        assert status == spec.status
        assert mt == spec.manifest_media_type


def test_second_collection_fetches_no_manifest_it_already_has(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    first = aws.call_counts()
    assert first[("ecr", "BatchGetImage")] > 0
    aws.reset_calls()
    run_collection(aws, small_estate, db)
    second = aws.call_counts()
    assert second[("ecr", "BatchGetImage")] == 0
    # settings read within --settings-max-age are carried forward instead of re-read
    assert second[("ecr", "GetLifecyclePolicy")] == 0
    assert second[("ecr", "DescribeRegistry")] == 0 and second[("ecr", "DescribePullThroughCacheRules")] == 0
    assert second[("ecr", "DescribeImages")] == first[("ecr", "DescribeImages")]
    with Warehouse(db, read_only=True) as wh:
        runs = wh.query("SELECT run_id, status FROM runs ORDER BY run_id")
        assert runs == [(1, "complete"), (2, "complete")]
        # the carried-forward settings are still there in the new snapshot
        assert wh.query("SELECT count(*) FROM current_ecr_pull_through_cache_rules WHERE run_id = 2")[0][0] == sum(
            len(r.pull_through_cache_rules) for r in small_estate.registries
        )
        replication = wh.query("SELECT count(*) FROM current_ecr_registries WHERE replication_rules <> '[]'")[0][0]
        assert replication == sum(1 for r in small_estate.registries if r.replication_rules)
        assert wh.query(
            "SELECT count(*) FROM current_ecr_repositories WHERE lifecycle_policy_text IS NOT NULL AND run_id = 2"
        )[0][0] == sum(1 for r in small_estate.repositories if r.lifecycle_policy)


def test_settings_max_age_zero_re_reads_policies(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    aws.reset_calls()
    run_collection(aws, small_estate, db, options=EcrOptions(settings_max_age=__import__("datetime").timedelta(0)))
    assert aws.call_counts()[("ecr", "GetLifecyclePolicy")] == len(small_estate.repositories)


def test_no_manifests_skips_batch_get_image(aws, small_estate, tmp_path):
    run_collection(aws, small_estate, tmp_path / "w.duckdb", options=EcrOptions(manifests=False))
    assert aws.call_counts()[("ecr", "BatchGetImage")] == 0


def test_describe_images_pages_through_next_tokens(aws, small_estate, tmp_path):
    """Every repository costs ceil(images / 1000) DescribeImages calls: the collector asks for full pages."""
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    per_repo: dict[tuple[str, str, str], int] = {}
    for i in small_estate.images:
        key = (i.account_id, i.region, i.repository)
        per_repo[key] = per_repo.get(key, 0) + 1
    expected_calls = sum(
        max(1, -(-per_repo.get((r.account_id, r.region, r.name), 0) // 1000)) for r in small_estate.repositories
    )
    assert aws.call_counts()[("ecr", "DescribeImages")] == expected_calls


def test_partial_failure_records_errors_and_keeps_the_rest(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    denied_region = small_estate.regions[1]
    aws.inject_fault("DescribeRepositories", "AccessDeniedException", region=denied_region)
    aws.inject_fault("GetRepositoryPolicy", "AccessDeniedException")
    summary = run_collection(aws, small_estate, db)
    assert summary.status == "partial"

    with Warehouse(db, read_only=True) as wh:
        errors = wh.query("SELECT region, operation, error_code FROM collection_errors")
        assert {(r, o) for r, o, c in errors if o == "ecr:DescribeRepositories"} == {
            (denied_region, "ecr:DescribeRepositories")
        }
        assert any(o == "ecr:GetRepositoryPolicy" and c == "AccessDeniedException" for _, o, c in errors)
        regions = {r[0] for r in wh.query("SELECT DISTINCT region FROM current_ecr_images")}
        assert denied_region not in regions
        assert regions == set(small_estate.regions) - {denied_region}
        # the rest is all there: images of the other regions equal the seeded ones
        n = wh.query("SELECT count(*) FROM current_ecr_images")[0][0]
        assert n == sum(1 for i in small_estate.images if i.region != denied_region)
        assert (
            wh.query("SELECT count(*) FROM current_ecr_repositories WHERE repository_policy_text IS NOT NULL")[0][0]
            == 0
        )


def test_a_failed_region_keeps_its_previous_snapshot(aws, small_estate, tmp_path):
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    region = small_estate.regions[0]
    aws.inject_fault("DescribeRepositories", "AccessDeniedException", region=region)
    run_collection(aws, small_estate, db)
    with Warehouse(db, read_only=True) as wh:
        runs = dict(wh.query("SELECT region, min(run_id) FROM current_ecr_images GROUP BY region"))
        assert runs[region] == 1  # still the first run's snapshot
        assert all(run == 2 for r, run in runs.items() if r != region)


def test_throttling_is_retried_and_the_run_completes(aws, small_estate, tmp_path):
    aws.inject_fault("DescribeRepositories", "ThrottlingException", times=2)
    aws.inject_fault("DescribeImages", "ThrottlingException", times=3)
    summary = run_collection(aws, small_estate, tmp_path / "w.duckdb")
    assert summary.status == "complete", summary.errors
    assert summary.counts["images"] == len(small_estate.images)


@pytest.mark.parametrize("operation", ["ecr:DescribeImages"])
def test_a_repository_whose_images_cannot_be_listed_is_an_error_not_an_empty_repository(
    aws, small_estate, tmp_path, operation
):
    repo = max(small_estate.repositories, key=lambda r: sum(1 for i in small_estate.images if i.repository == r.name))
    aws.inject_fault(
        "DescribeImages", "AccessDeniedException", account_id=repo.account_id, region=repo.region, repository=repo.name
    )
    db = tmp_path / "w.duckdb"
    run_collection(aws, small_estate, db)
    with Warehouse(db, read_only=True) as wh:
        errs = wh.query("SELECT account_id, region, repository FROM collection_errors WHERE operation = ?", [operation])
        assert errs == [(repo.account_id, repo.region, repo.name)]
        status = dict(wh.query("SELECT region, status FROM latest_scopes WHERE account_id = ?", [repo.account_id]))
        assert status[repo.region] == "partial"
