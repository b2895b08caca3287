"""The workload profile of a Harbor/OCI collection, in ECR's shape, on a tiny hand-made warehouse.

Every expectation is computed by hand in the comments. Sizes: MiB = 2**20; configs are 1 KiB, image manifests
2 KiB, the index manifest 1 KiB, so unique bytes read as "layers in MiB + manifest/config bytes".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.model.estimate import EmptyWarehouse
from analysis.model.registry_workload import RegistryNotFound, load_registry_profile
from analysis.model.workload import DAYS_PER_MONTH, summary
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.warehouse import Warehouse, queries, with_run_id

MIB = 2**20
GIB = 2**30
REGISTRY = "https://harbor.test"
OLD_AT = datetime(2025, 1, 1, tzinfo=UTC)
CUR_AT = datetime(2025, 1, 11, tzinfo=UTC)  # 10 days after the first snapshot
NOW = CUR_AT


def t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


# Layers: L1 1024 MiB (in both repositories), L2 512, L3 256, L4 128, L5 64.
LAYERS = {"L1": 1024 * MIB, "L2": 512 * MIB, "L3": 256 * MIB, "L4": 128 * MIB, "L5": 64 * MIB}
MANIFESTS = [
    # digest, config, layers, is_index, children
    ("M1", "C1", ["L1", "L2"], False, []),
    ("M2", "C2", ["L1", "L3"], False, []),
    ("M3", "C3", ["L1", "L4"], False, []),
    ("M4", "C3", ["L5"], False, []),  # shares its config with M3
    ("I", None, [], True, ["M3", "M4"]),
]

ARTIFACT_SCHEMA = pa.schema(
    [
        ("registry", pa.string()),
        ("project", pa.string()),
        ("repository_name", pa.string()),
        ("image_digest", pa.string()),
        ("image_tags", pa.list_(pa.string())),
        ("image_size_bytes", pa.int64()),
        ("pushed_at", pa.timestamp("us", tz="UTC")),
        ("last_pull_at", pa.timestamp("us", tz="UTC")),
        ("child_digests", pa.list_(pa.string())),
        ("is_child", pa.bool_()),
    ]
)


def _art(repo: str, digest: str, tags: list[str], pushed: str, pulled: str | None, children=(), is_child=False):
    size = sum(LAYERS[x] for m in MANIFESTS if m[0] == digest for x in m[2]) + 3072
    return {
        "registry": REGISTRY,
        "project": repo.split("/")[0],
        "repository_name": repo,
        "image_digest": digest,
        "image_tags": tags,
        "image_size_bytes": size,  # manifest + config + layers, like Harbor's Artifact.size (not additive)
        "pushed_at": t(pushed),
        "last_pull_at": t(pulled) if pulled else None,
        "child_digests": list(children),
        "is_child": is_child,
    }


# team/app: M1 tagged and pulled; M2 untagged, never pulled. Pushed in December 2024.
# team/multi: the index I (tagged, pulled) with its children M3, M4 (untagged, no pull time: they inherit).
# Pushed in 2023, outside a 12-month growth window ending 2025-01-11.
ARTIFACTS = [
    _art("team/app", "M1", ["v1"], "2024-12-01", "2025-01-10"),
    _art("team/app", "M2", [], "2024-12-15", None),
    _art("team/multi", "I", ["latest"], "2023-06-01", "2025-01-05", children=["M3", "M4"]),
    _art("team/multi", "M3", [], "2023-06-01", None, is_child=True),
    _art("team/multi", "M4", [], "2023-06-01", None, is_child=True),
]


def _repo(name: str, pulls: int, created: str) -> dict:
    return {
        "registry": REGISTRY,
        "project": name.split("/")[0],
        "repository_name": name,
        "created_at": t(created),
        "pull_count": pulls,
    }


def _snapshot(wh: Warehouse, at: datetime, repos: list[dict], artifacts: list[dict], kind: str = "harbor") -> int:
    run_id = wh.start_run(kind, {"url": REGISTRY})
    with wh.transaction() as con:
        Warehouse.insert(con, "registry_repositories", with_run_id(pa.Table.from_pylist(repos), run_id))
        arts = pa.Table.from_pylist(artifacts, schema=ARTIFACT_SCHEMA)
        Warehouse.insert(con, "registry_artifacts", with_run_id(arts, run_id))
        con.execute(
            "INSERT INTO registry_snapshots (run_id, registry, kind, status, finished_at) VALUES (?, ?, ?, ?, ?)",
            [run_id, REGISTRY, kind, "complete", at],
        )
    wh.finish_run(run_id, "complete", {})
    return run_id


def _manifests(wh: Warehouse) -> None:
    manifests, layers, children = [], [], []
    for digest, config, ls, is_index, kids in MANIFESTS:
        manifests.append(
            {
                "digest": digest,
                "config_digest": config,
                "config_size": 1024 if config else None,
                "manifest_size": 1024 if is_index else 2048,
                "is_index": is_index,
                "fetched_at": CUR_AT,
            }
        )
        layers += [
            {"manifest_digest": digest, "position": i, "layer_digest": x, "size": LAYERS[x]} for i, x in enumerate(ls)
        ]
        children += [{"index_digest": digest, "position": i, "child_digest": c} for i, c in enumerate(kids)]
    wh.load_manifests(
        {
            "manifests": pa.Table.from_pylist(manifests),
            "manifest_layers": pa.Table.from_pylist(layers),
            "manifest_children": pa.Table.from_pylist(
                children,
                schema=pa.schema(
                    [("index_digest", pa.string()), ("position", pa.int32()), ("child_digest", pa.string())]
                ),
            ),
        }
    )


def _build(path: Path, *, snapshots: int = 2, kind: str = "harbor", artifacts: list[dict] = ARTIFACTS) -> Path:
    with Warehouse(path) as wh:
        _manifests(wh)
        if snapshots == 2:
            # The first snapshot: team/new does not exist yet.
            _snapshot(
                wh,
                OLD_AT,
                [_repo("team/app", 100, "2024-01-01"), _repo("team/multi", 50, "2023-01-01")],
                artifacts,
                kind,
            )
        _snapshot(
            wh,
            CUR_AT,
            [
                _repo("team/app", 400, "2024-01-01"),
                _repo("team/multi", 50, "2023-01-01"),
                _repo("team/new", 20, "2025-01-05"),  # created after the first snapshot, no artifacts yet
            ],
            artifacts,
            kind,
        )
    return path


@pytest.fixture
def harbor_db(tmp_path: Path) -> Path:
    return _build(tmp_path / "w.duckdb")


def test_storage_per_repository_and_global_like_ecr(harbor_db):
    with Warehouse(harbor_db, read_only=True) as wh:
        p = load_registry_profile(wh, REGISTRY, now=NOW)
        [status] = queries.registry_storage(wh)
    r = p.repositories.set_index("repository_name")
    assert list(r.index) == ["team/app", "team/multi", "team/new"]
    assert set(r["account_id"]) == {REGISTRY} and set(r["region"]) == {"us-east-1"}
    # team/app: L1 + L2 + L3 = 1024 + 512 + 256 = 1792 MiB; configs C1, C2 = 2 × 1024; manifests M1, M2 = 2 × 2048
    assert r.loc["team/app", "unique_bytes"] == 1792 * MIB + 6144
    # team/multi: L1 + L4 + L5 = 1024 + 128 + 64 = 1216 MiB; config C3 once = 1024; M3, M4 = 2 × 2048; index 1024
    assert r.loc["team/multi", "unique_bytes"] == 1216 * MIB + 6144
    assert r.loc["team/new", "unique_bytes"] == 0
    assert (r["standard_bytes"] == r["unique_bytes"]).all() and (r["archive_bytes"] == 0).all()
    # globally L1 once: 1024 + 512 + 256 + 128 + 64 = 1984 MiB; C1..C3 = 3072; M1..M4 = 8192; I = 1024
    assert p.global_unique_bytes == 1984 * MIB + 12288 == status["unique_blob_bytes"]
    # ECR without blob mounting bills per repository: 1792 + 1216 = 3008 MiB + 12288
    assert p.ecr_billable_bytes == 3008 * MIB + 12288
    assert p.scopes[["account_id", "region", "blob_mounting"]].values.tolist() == [[REGISTRY, "us-east-1", "DISABLED"]]
    assert p.scopes["scope_unique_bytes"].item() == 1984 * MIB + 12288
    # naive: Artifact.size summed over artifacts that are no index's child (Harbor's index size already holds its
    # children's, so M3 and M4 are not counted again) — M1 1536 MiB, M2 1280, I 0 (no layers), each + 3072
    # → 2816 MiB + 3 × 3072
    assert r["naive_bytes"].sum() == 2816 * MIB + 9216


def test_untagged_and_never_pulled_children_inherit_the_index(harbor_db):
    with Warehouse(harbor_db, read_only=True) as wh:
        p = load_registry_profile(wh, REGISTRY, now=NOW)
    r = p.repositories.set_index("repository_name")
    # team/app: only M2 is untagged and never pulled; its own blobs are L3 + C2 + M2 = 256 MiB + 1024 + 2048
    # (L1 is kept by M1)
    assert r.loc["team/app", "untagged_bytes"] == 256 * MIB + 3072
    assert r.loc["team/app", "never_pulled_bytes"] == 256 * MIB + 3072
    assert (r.loc["team/app", "untagged_images"], r.loc["team/app", "never_pulled_images"]) == (1, 1)
    # team/multi: M3, M4 are untagged and never pulled themselves, but the index is tagged and pulled: 0
    assert r.loc["team/multi", "untagged_bytes"] == 0 and r.loc["team/multi", "never_pulled_bytes"] == 0
    assert r.loc["team/multi", "tagged_images"] == 3
    assert summary(p).untagged_bytes == 256 * MIB + 3072


def test_pulls_per_month_from_two_snapshots(harbor_db):
    with Warehouse(harbor_db, read_only=True) as wh:
        p = load_registry_profile(wh, REGISTRY, now=NOW)
    r = p.repositories.set_index("repository_name")
    # 10 days between the snapshots; a month is 30.4375 days
    assert DAYS_PER_MONTH == 30.4375 and p.pull_window_days == 10
    assert r.loc["team/app", "pulls_in_window"] == 300  # 400 − 100
    assert r.loc["team/app", "pulls_per_month"] == pytest.approx(913.125)  # 300 × 30.4375 / 10
    assert r.loc["team/multi", "pulls_per_month"] == 0  # 50 − 50
    assert r.loc["team/new", "pulls_per_month"] == pytest.approx(60.875)  # created since: all 20 × 3.04375
    assert p.pulls_per_month == pytest.approx(974.0)
    # bytes per pull: the mean size of images pulled since the first snapshot (not children): M1 1536 MiB + 3072
    assert r.loc["team/app", "bytes_per_pull_uncached"] == 1536 * MIB + 3072
    # team/multi: the index I, pulled 2025-01-05: its own Artifact.size here is 3072
    assert r.loc["team/multi", "bytes_per_pull_uncached"] == 3072
    assert not any("collect twice" in n for n in p.notes)


def test_growth_from_push_history(harbor_db):
    with Warehouse(harbor_db, read_only=True) as wh:
        p = load_registry_profile(wh, REGISTRY, now=NOW)
    r = p.repositories.set_index("repository_name")
    # team/app's blobs were all first pushed in December 2024, within 12 months: (1792 MiB + 6144) / 12
    assert r.loc["team/app", "growth_bytes_per_month"] == pytest.approx((1792 * MIB + 6144) / 12)
    assert r.loc["team/multi", "growth_bytes_per_month"] == 0  # pushed 2023
    # globally L1 was first pushed with team/multi (2023), so only L2 + L3 + C1 + C2 + M1 + M2 are new:
    # 768 MiB + 6144, per month / 12
    assert p.global_growth_bytes_per_month == pytest.approx((768 * MIB + 6144) / 12)


def test_one_snapshot_has_no_pull_rate_and_says_so(tmp_path):
    db = _build(tmp_path / "one.duckdb", snapshots=1)
    with Warehouse(db, read_only=True) as wh:
        p = load_registry_profile(wh, "harbor.test/", region="eu-west-1", now=NOW)  # id without scheme: found
    assert p.pulls_per_month == 0 and p.pull_window_days == 0
    assert any("collect twice, a few days apart, to measure pull rates" in n for n in p.notes)
    assert set(p.repositories["region"]) == {"eu-west-1"}


def test_oci_registry_has_no_growth_and_no_pulls(tmp_path):
    # an OCI registry knows neither push nor pull times, nor pull counts
    oci = [a | {"pushed_at": None, "last_pull_at": None} for a in ARTIFACTS]
    db = _build(tmp_path / "oci.duckdb", kind="oci", artifacts=oci)
    with Warehouse(db, read_only=True) as wh:
        p = load_registry_profile(wh, now=NOW)  # the only registry: no need to name it
    assert p.global_unique_bytes == 1984 * MIB + 12288  # storage is the same
    assert p.pulls_per_month == 0 and p.global_growth_bytes_per_month == 0
    assert p.repositories["never_pulled_bytes"].sum() == 0  # unknown, not "never"
    # untagged still counts: M2 = 256 MiB + 3072
    assert p.repositories["untagged_bytes"].sum() == 256 * MIB + 3072
    assert any("no push times" in n for n in p.notes) and any("counts no pulls" in n for n in p.notes)


def test_unknown_registry_is_said_plainly(harbor_db):
    with (
        Warehouse(harbor_db, read_only=True) as wh,
        pytest.raises(RegistryNotFound, match="no collected registry https://other.test"),
    ):
        load_registry_profile(wh, "https://other.test")
    with pytest.raises(EmptyWarehouse, match="collected are https://harbor.test"):
        run(EstimateRequest(db=harbor_db, scenarios=("ecr",), registry="https://other.test"))


def test_cli_estimate_from_registry_prices_the_estate_on_ecr(harbor_db):
    result = CliRunner().invoke(
        app, ["estimate", "--db", str(harbor_db), "--from-registry", REGISTRY, "--draws", "0", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ecr = data["scenarios"][0]
    assert data["baseline"] == ecr["name"] == "ecr"
    assert len(data["scenarios"]) > 1  # the self-hosted scenarios price the same estate
    [storage] = [c for c in ecr["components"] if c["component"] == "ECR storage (standard)"]
    # every push is older than 12 months by now: no growth, so month 1 is the per-repository unique bytes
    # (3008 MiB + 12288 = 2.9375 + 0.0000114 GiB) × $0.10 = $0.293751
    assert storage["quantity_month1"] == pytest.approx(3008 / 1024 + 12288 / GIB)
    assert storage["cost_month1"] == pytest.approx((3008 / 1024 + 12288 / GIB) * 0.10)
    assert data["profile"]["global_unique_bytes"] == 1984 * MIB + 12288
    assert any("collect" not in n and REGISTRY in n for n in data["notes"])
