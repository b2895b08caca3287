"""Growth from earlier snapshots: the net change between two collections a month or more apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analysis.collectors.manifests import Layer, ParsedManifest
from analysis.collectors.records import ImageRecord, RepositoryRecord, manifest_tables, to_table
from analysis.model.workload import DAYS_PER_MONTH, load_profile
from analysis.warehouse import ScopeKey, Warehouse, with_run_id

ACCOUNT, REGION, REPO = "111111111111", "eu-west-1", "team/app"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _manifest(digest: str, layer: str, layer_size: int, config: str, size: int) -> ParsedManifest:
    return ParsedManifest(
        digest,
        "application/vnd.oci.image.manifest.v1+json",
        size,
        config_digest=config,
        config_size=100,
        layers=(Layer(layer, layer_size, None),),
    )


A = _manifest("sha256:" + "a" * 64, "sha256:" + "1" * 64, 1000, "sha256:" + "c" * 64, 200)
B = _manifest("sha256:" + "b" * 64, "sha256:" + "2" * 64, 3000, "sha256:" + "d" * 64, 300)


def _collect(wh: Warehouse, manifests: list[ParsedManifest], pushed_days_ago: list[int]) -> int:
    run = wh.start_run("ecr", {})
    repo = RepositoryRecord(ACCOUNT, REGION, REPO, None, None, None, "MUTABLE", None, False, "AES256", None)
    images = [
        ImageRecord(
            ACCOUNT,
            REGION,
            REPO,
            m.digest,
            ["v1"],
            1300,
            NOW - timedelta(days=d),
            None,
            "ACTIVE",
            None,
            None,
            None,
            None,
        )
        for m, d in zip(manifests, pushed_days_ago, strict=True)
    ]
    tables = {
        "ecr_repositories": with_run_id(to_table([repo], RepositoryRecord), run),
        "ecr_images": with_run_id(to_table(images, ImageRecord), run),
    }
    wh.load_scope(run, ScopeKey(ACCOUNT, REGION), "complete", tables)
    wh.load_manifests(manifest_tables(manifests, NOW))
    wh.finish_run(run, "complete", {})
    return run


def test_two_snapshots_two_months_apart_give_the_net_growth(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        first = _collect(wh, [A], [80])
        second = _collect(wh, [A, B], [80, 5])
        # the first collection happened 61 days before the second
        wh.cursor().execute(
            "UPDATE run_scopes SET finished_at = (SELECT finished_at FROM run_scopes WHERE run_id = ?) "
            "- INTERVAL 61 DAY WHERE run_id = ?",
            [second, first],
        )
    with Warehouse(db, read_only=True) as wh:
        profile = load_profile(wh, now=NOW)
    # unique bytes of the repository: first 1,000 + 100 + 200 = 1,300; now + 3,000 + 100 + 300 = 4,700
    # net growth 3,400 bytes over 61 / 30.4375 = 2.0041 months = 1,696.52 bytes a month
    expected = 3_400 / (61 / DAYS_PER_MONTH)
    assert profile.global_growth_bytes_per_month == pytest.approx(expected)
    assert profile.repositories["growth_bytes_per_month"].sum() == pytest.approx(expected)
    assert profile.growth_method.startswith("snapshots:")


def test_without_an_earlier_snapshot_push_history_decides(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        _collect(wh, [A, B], [80, 5])
    with Warehouse(db, read_only=True) as wh:
        profile = load_profile(wh, now=NOW)
    # both images were pushed within the last 12 months: 4,700 bytes first pushed / 12 months = 391.67 a month
    assert profile.global_growth_bytes_per_month == pytest.approx(4_700 / 12)
    assert profile.growth_method.startswith("push history")
