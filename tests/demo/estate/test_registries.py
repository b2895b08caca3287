"""Registries of the demo estate: one per account and region, with replication and the pull-through cache at home."""

from __future__ import annotations

from analysis.demo.estate import ACCOUNT_IDS, generate_estate

REGIONS = ("us-east-1", "eu-west-1", "eu-central-1")


def test_every_account_and_region_has_a_registry_and_only_home_replicates() -> None:
    estate = generate_estate(seed=7, repositories=40, images=2_000)
    assert {(r.account_id, r.region) for r in estate.registries} == {(a, g) for a in ACCOUNT_IDS[:3] for g in REGIONS}
    replicating = [r for r in estate.registries if r.replication_rules]
    assert [(r.account_id, r.region) for r in replicating] == [(ACCOUNT_IDS[0], "us-east-1")]
    assert replicating[0].replication_rules[0]["destinations"] == [
        {"region": "eu-west-1", "registryId": ACCOUNT_IDS[0]}
    ]
    caches = [r for r in estate.registries if r.pull_through_cache_rules]
    assert [(r.account_id, r.region) for r in caches] == [(ACCOUNT_IDS[0], "us-east-1")]
    assert [r.blob_mounting for r in estate.registries].count("ENABLED") == 1
    # enhanced scanning in the second account, basic elsewhere
    assert {r.account_id for r in estate.registries if r.scanning_configuration["scanType"] == "ENHANCED"} == {
        ACCOUNT_IDS[1]
    }


def test_a_single_region_estate_has_no_replica_and_no_replication() -> None:
    estate = generate_estate(seed=7, repositories=10, images=400, regions=("us-east-1",))
    assert not any(r.replication_rules for r in estate.registries)
    assert len(estate.repositories) == 10 and len(estate.images) == 400
