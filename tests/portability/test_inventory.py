"""The snapshot the portability stage reads, and unique bytes per repository as ECR bills them (a blob once per
repository), by subset of images, computed by hand on a tiny warehouse of three tables.

Repository `app`: image i1 = layers BASE (100) + L1 (10), manifest 1; image i2 (old) = BASE + L2 (20), manifest 2.
Repository `web`: image i3 = BASE + L3 (30), manifest 3.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analysis.portability.inventory import count_images, load_inventory, state_bytes
from analysis.warehouse import Warehouse

ACCOUNT, REGION = "111111111111", "us-east-1"


@pytest.fixture()
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE manifests (digest TEXT, config_digest TEXT, config_size BIGINT, manifest_size BIGINT)")
    con.execute("CREATE TABLE manifest_layers (manifest_digest TEXT, layer_digest TEXT, size BIGINT)")
    con.execute(
        "CREATE TABLE imgs (account_id TEXT, region TEXT, repository_name TEXT, image_digest TEXT, old BOOLEAN)"
    )
    con.executemany("INSERT INTO manifests VALUES (?, NULL, NULL, ?)", [("i1", 1), ("i2", 2), ("i3", 3)])
    layers = [("i1", "BASE", 100), ("i1", "L1", 10), ("i2", "BASE", 100), ("i2", "L2", 20), ("i3", "BASE", 100)]
    layers += [("i3", "L3", 30)]
    con.executemany("INSERT INTO manifest_layers VALUES (?, ?, ?)", layers)
    imgs = [("app", "i1", False), ("app", "i2", True), ("web", "i3", False)]
    con.executemany("INSERT INTO imgs VALUES (?, ?, ?, ?, ?)", [(ACCOUNT, REGION, *i) for i in imgs])
    yield con
    con.close()


def test_unique_bytes_per_repository_and_per_subset(con):
    out = state_bytes(con, "SELECT * FROM imgs", ["old"])
    rows = out[["repository_name", "all_before", "old"]].to_dict("records")
    assert rows == [
        # BASE once + L1 + L2 + both manifests: 100 + 10 + 20 + 1 + 2 = 133; the old image alone: 100 + 20 + 2 = 122
        {"repository_name": "app", "all_before": 133.0, "old": 122.0},
        # BASE is billed again in another repository: 100 + 30 + 3 = 133; no old image: 0
        {"repository_name": "web", "all_before": 133.0, "old": 0.0},
    ]


@pytest.fixture(scope="module")
def inventory(collected_db):
    with Warehouse(collected_db, read_only=True) as wh:
        return load_inventory(wh), load_inventory(wh, images=False)


def test_the_collected_snapshot(inventory):
    inv, _ = inventory
    assert len(inv.repositories) > 0
    assert inv.repositories[["account_id", "region", "repository_name"]].duplicated().sum() == 0
    # tags are lists (an untagged image: []), times are UTC and never after the collection
    assert all(isinstance(t, list) for t in inv.images["image_tags"])
    assert str(inv.images["pushed_at"].dt.tz) == "UTC"
    assert inv.images["pushed_at"].max() <= pd.Timestamp.now(tz="UTC")
    assert set(inv.images["repository_name"]) <= set(inv.repositories["repository_name"])
    assert inv.pull_window_days > 0
    assert (inv.pulls["days"] <= inv.pull_window_days).all()


def test_without_images_only_the_repositories_are_read(inventory):
    inv, light = inventory
    assert light.images.empty and light.children.empty
    assert len(light.repositories) == len(inv.repositories)
    assert light.pull_window_days == inv.pull_window_days


def test_per_repository_counts_from_the_warehouse_equal_those_counted_from_the_images(inventory):
    # The plan reads these counts instead of loading every image: both ways must give the same figures.
    inv, light = inventory
    from_sql = light.counts()
    from_images = count_images(inv.images)
    pd.testing.assert_frame_equal(from_sql, from_images, check_dtype=False)
    assert from_sql["archived"].sum() == inv.images["image_status"].eq("ARCHIVED").sum()
    assert from_sql["tagged"].sum() == (inv.images["image_tags"].map(len) > 0).sum()
    tagged = inv.images[inv.images["image_tags"].map(len) > 0]
    assert from_sql["tagged_bytes"].sum() == tagged["image_size_bytes"].sum()
