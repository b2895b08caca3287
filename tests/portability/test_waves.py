"""Migration waves on a hand-made table of repositories: the order, the pilot's size, the bytes each wave copies
(a blob once, archived images not at all), its egress and its engineering days, each computed by hand.

Repositories (risk and value given, as `repository_table` would compute them):

* 12 low-risk `lo00` … `lo11` in 111111111111/us-east-1 (project `library`), value 12 … 1 GB; only `lo00` has an
  image: manifest m0 = blob BASE (10 GiB); `lo00` has one literal reference;
* `med` (medium, project `med`, same registry): active image m1 = BASE + L1 (2 GiB), archived image m2 = L2 (1 GiB);
* `team/x`, `team/y` (high, project `team`) in 222222222222/eu-west-1: `team/x` has image m3 = L3 (5 GiB) and two
  templated references.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.portability.inventory import BLOBS_OF_IMAGES, SCOPE, load_inventory
from analysis.portability.translate import design
from analysis.portability.waves import WavePlan, _bytes_by_wave, plan_waves, repository_table
from analysis.pricing import load_catalog
from analysis.warehouse import Warehouse

GIB = 2**30
A, B = ("111111111111", "us-east-1"), ("222222222222", "eu-west-1")


def _repo(scope, name, project, risk, value_gb, literal=0, templated=0):
    return {
        "account_id": scope[0],
        "region": scope[1],
        "repository_name": name,
        "project": project,
        "risk": risk,
        "value_gb": value_gb,
        "literal_refs": literal,
        "templated_refs": templated,
        "pulls_per_month": 3.0,
    }


@pytest.fixture()
def repos() -> pd.DataFrame:
    rows = [_repo(A, f"lo{i:02d}", "library", "low", 12 - i, literal=1 if i == 0 else 0) for i in range(12)]
    rows += [
        _repo(B, "team/y", "team", "high", 1),
        _repo(B, "team/x", "team", "high", 9, templated=2),
        _repo(A, "med", "med", "medium", 50),  # the most valuable, but medium risk: after every low one
    ]
    return pd.DataFrame(rows)


@pytest.fixture(params=["stale", "fresh"])
def con(request, tmp_path):
    """The images above in a warehouse: its profile tables derived by a run's end ("fresh"), or derived by the
    reader because manifests arrived after it ("stale"); the waves read the same bytes either way."""
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        c = wh.cursor()
        c.execute("INSERT INTO runs (run_id, source, started_at, status) VALUES (1, 'ecr', now(), 'complete')")
        for scope in (A, B):
            c.execute("INSERT INTO run_scopes VALUES (1, ?, ?, 'complete', now())", list(scope))
        images = [(*A, "lo00", "m0", "ACTIVE"), (*A, "med", "m1", "ACTIVE"), (*A, "med", "m2", "ARCHIVED")]
        images += [(*B, "team/x", "m3", "ACTIVE")]
        c.executemany(
            "INSERT INTO ecr_images (run_id, account_id, region, repository_name, image_digest, image_status) "
            "VALUES (1, ?, ?, ?, ?, ?)",
            images,
        )
        # Manifests of 0 bytes and no config blob keep the byte counts to the layers.
        c.executemany(
            "INSERT INTO manifests (digest, manifest_size, is_index, fetched_at) VALUES (?, 0, false, now())",
            [(m,) for m in ("m0", "m1", "m2", "m3")],
        )
        layers = [("m0", "BASE", 10), ("m1", "BASE", 10), ("m1", "L1", 2), ("m2", "L2", 1), ("m3", "L3", 5)]
        c.executemany(
            "INSERT INTO manifest_layers (manifest_digest, position, layer_digest, size) VALUES (?, 0, ?, ?)",
            [(m, b, gb * GIB) for m, b, gb in layers],
        )
        c.close()
        if request.param == "fresh":
            wh.refresh_profile_tables()
    with Warehouse(path, read_only=True) as wh:
        con = wh.cursor()
        yield con
        con.close()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_low_risk_first_a_pilot_of_ten_and_classes_never_mixed(repos, con, catalog):
    plan = plan_waves(repos, con, catalog)
    assert [(w["wave"], w["risk"], w["repositories"]) for w in plan.waves] == [
        (1, "low", 10),  # the pilot: at most 10
        (2, "low", 2),
        (3, "medium", 1),
        (4, "high", 2),
    ]
    # Within a class, high value first: the pilot holds the ten most valuable low-risk repositories.
    assert plan.waves[0]["names"] == [f"lo{i:02d}" for i in range(10)]
    assert plan.waves[3]["names"] == ["team/x", "team/y"]


def test_a_blob_is_copied_once_and_archived_images_not_at_all(repos, con, catalog):
    waves = plan_waves(repos, con, catalog).waves
    assert [w["bytes_copied"] / GIB for w in waves] == [10, 0, 2, 5]  # med's BASE came with wave 1
    assert [w["archived_bytes_left"] / GIB for w in waves] == [0, 0, 1, 0]  # med's archived m2 (L2) stays


def test_egress_at_the_source_regions_internet_rate(repos, con, catalog):
    waves = plan_waves(repos, con, catalog).waves
    # us-east-1 and eu-west-1 internet out: $0.09/GB for the first 10 TB.
    assert waves[0]["egress_cost"] == pytest.approx(0.90)  # 10 GB × 0.09
    assert waves[1]["egress_cost"] == 0
    assert waves[2]["egress_cost"] == pytest.approx(0.18)  # 2 GB × 0.09
    assert waves[3]["egress_by_region"] == {"eu-west-1": pytest.approx(0.45)}  # 5 GB × 0.09


def test_engineering_days(repos, con, catalog):
    plan = plan_waves(repos, con, catalog)
    days = [w["engineering_days"] for w in plan.waves]
    # per wave 0.5 + 0.02 per repository + 0.05 per literal and 0.25 per templated reference
    assert days == pytest.approx([0.5 + 0.02 * 10 + 0.05, 0.5 + 0.02 * 2, 0.5 + 0.02, 0.5 + 0.02 * 2 + 0.25 * 2])
    assert plan.total_days() == pytest.approx(0.75 + 0.54 + 0.52 + 1.04)
    assert [w["references"] for w in plan.waves] == [1, 0, 0, 2]
    assert plan.waves[3]["pulls_per_month"] == 6.0


def test_replication_policies_filter_the_waves_names(repos, con, catalog):
    waves = plan_waves(repos, con, catalog).waves
    (pilot,) = waves[0]["replication"]
    assert pilot["name"] == "wave1-library-111111111111-us-east-1-flat"
    assert pilot["filter"] == "{" + ",".join(f"lo{i:02d}" for i in range(10)) + "}"
    assert pilot["replace_count"] == 0  # a flat name keeps its path under the project
    assert pilot["registry_key"] == "ecr-111111111111-us-east-1"
    (team,) = waves[3]["replication"]
    assert team["name"] == "wave4-team-222222222222-eu-west-1"
    assert team["filter"] == "team/{x,y}"
    assert team["replace_count"] == 1  # `team/x` → project team, repository x
    assert team["description"] == "wave 4: copy 2 repositories from ECR 222222222222/eu-west-1 into team"
    (single,) = waves[2]["replication"]
    assert single["filter"] == "med"


# -- risk and value of collected repositories (repository_table) ----------------------------------------------


def test_each_waves_share_of_the_pull_traffic():
    table = pd.DataFrame(
        {
            "wave": [1, 1, 2, 3],
            "pulls_per_month": [100.0, 50.0, 10.0, 40.0],
            "image_bytes": [2 * GIB, 2 * GIB, 5 * GIB, float("nan")],  # the last has no tagged image
        }
    )
    # pulled a month: wave 1 = 100 × 2 + 50 × 2 = 300 GiB, wave 2 = 10 × 5 = 50 GiB, wave 3 nothing known = 0;
    # of 350 GiB: 6/7, 1/7, 0
    assert WavePlan(table, []).traffic_shares() == pytest.approx([300 / 350, 50 / 350, 0.0])
    assert WavePlan(table.assign(pulls_per_month=0.0), []).traffic_shares() == []  # no traffic: no weights


@pytest.fixture(scope="module")
def collected(collected_db):
    with Warehouse(collected_db, read_only=True) as wh:
        inv = load_inventory(wh)
        con = wh.cursor()
        yield inv, design(inv).mapping, con
        con.close()


def _plain(inv) -> list[str]:
    """Repositories with no risk of their own: AES256, no policy naming other accounts, not a replica."""
    r = inv.repositories
    plain = r[r["encryption_type"].ne("KMS") & ~r["repository_policy_text"].fillna("").str.contains(":iam::")]
    return sorted(plain["repository_name"])


def test_risk_points_and_classes(collected):
    inv, mapping, con = collected
    plain = [n for n in _plain(inv) if n in set(mapping[~mapping["replica"] & ~mapping["proxied"]]["repository_name"])]
    a, b = plain[:2]
    scope = inv.repositories.set_index("repository_name").loc[[a, b], ["account_id", "region"]]
    refs = pd.DataFrame(
        [(*scope.loc[a], a, "literal"), (*scope.loc[a], a, "literal"), (*scope.loc[a], a, "templated")]
        + [(*scope.loc[b], b, "literal")],
        columns=["account_id", "region", "repository_name", "form"],
    )
    flags = pd.DataFrame(
        [(*scope.loc[a], a, 1)], columns=["account_id", "region", "repository_name", "lifecycle_inexact"]
    )
    table = repository_table(inv, mapping, refs, flags, con).set_index("repository_name")
    # a: 2 literal (1 each) + 1 templated (2) + an inexact lifecycle translation (1) = 5 → high
    assert (table.loc[a, "risk_points"], table.loc[a, "risk"]) == (5, "high")
    # b: 1 literal = 1 → low
    assert (table.loc[b, "risk_points"], table.loc[b, "risk"]) == (1, "low")
    assert (table["value_gb"] >= table["unique_bytes"] / GIB).all()  # value: unique GB + GB pulled a month
    assert not table["replica"].any() and not table["proxied"].any()  # copies and caches are not migrated


# What `_bytes_by_wave` computed before the profile's blob tables (issue #20): every blob reference of every image
# of the migrated repositories grouped by blob. The oracle the profile-based figures must equal exactly.
_ORACLE_BYTES_BY_WAVE = f"""
WITH regions AS (
    SELECT region, (row_number() OVER (ORDER BY region) - 1)::BIGINT AS r FROM _pp_waves GROUP BY region
),
w AS (
    SELECT account_id, region, repository_name, wave, wave::BIGINT * (SELECT count(*) FROM regions) + r AS k
    FROM _pp_waves JOIN regions USING (region)
),
refs AS (
    SELECT w.k, b.blob, b.size, i.image_status <> 'ARCHIVED' AS active
    FROM current_ecr_images i JOIN w USING (account_id, region, repository_name)
    JOIN ({BLOBS_OF_IMAGES}) b ON b.image_digest = i.image_digest
),
per_blob AS (
    SELECT any_value(size) AS size, bool_or(active) AS active,
           min(k) FILTER (WHERE active) AS first_active, min(k) AS first_any
    FROM refs GROUP BY blob
),
firsts AS (
    SELECT first_active AS k, size AS bytes, 0 AS archived FROM per_blob WHERE active
    UNION ALL SELECT first_any, 0, size FROM per_blob WHERE NOT active
)
SELECT k.wave, k.region, sum(bytes)::DOUBLE AS bytes, sum(archived)::DOUBLE AS archived_bytes
FROM firsts f JOIN (SELECT DISTINCT wave, region, k FROM w) k USING (k)
GROUP BY k.wave, k.region ORDER BY k.wave, k.region
"""


@pytest.mark.parametrize("waves", [3, 40])
def test_bytes_by_wave_from_the_profile_equal_every_reference_grouped(collected, waves):
    inv, _, con = collected
    # every other repository migrated, in waves assigned out of order, so blobs shared across repositories
    # (base layers) are first copied by different waves
    repos = inv.repositories[SCOPE].iloc[::2].reset_index(drop=True)
    repos["wave"] = [(i * 7) % waves + 1 for i in range(len(repos))]
    ours = _bytes_by_wave(repos, con)
    con.register("_pp_waves", repos)
    try:
        oracle = con.execute(_ORACLE_BYTES_BY_WAVE).df()
    finally:
        con.unregister("_pp_waves")
    assert len(oracle) > 1 and oracle["bytes"].sum() > 0
    assert con.execute("SELECT count(*) FROM profile_cross_repository_blobs").fetchall()[0][0] > 0
    pd.testing.assert_frame_equal(ours, oracle, check_exact=True)
