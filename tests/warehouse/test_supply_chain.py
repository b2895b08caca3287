"""Supply-chain artifacts per registry source (analysis/warehouse/supply_chain.py): what each ECR image is
classified as — an attestation child of an index, a cosign tag, a manifest never fetched — with the bytes a
migration carries, and Harbor's accessories beside them, in one order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from analysis.collectors.records import MANIFEST_SCHEMAS, ImageRecord, to_table
from analysis.collectors.registry_records import RegistryAccessoryRecord
from analysis.warehouse import ScopeKey, Warehouse, with_run_id
from analysis.warehouse.supply_chain import supply_chain_artifacts
from tests.warehouse.blobs import IMAGES, manifest_cache
from tests.warehouse.test_warehouse import _tables

SCOPE = ScopeKey("111111111111", "eu-west-1")
INDEX, ATTESTATION = "sha256:" + "a" * 64, "sha256:" + "b" * 64
SIGNED = IMAGES[1]  # a plain image in the cache, which a cosign signature is tagged after
SIGNATURE, UNKNOWN = "sha256:" + "d" * 64, "sha256:" + "e" * 64
HARBOR = "harbor.example.com"


def _image(digest: str, tags: list[str]) -> ImageRecord:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    return ImageRecord(
        SCOPE.account_id, SCOPE.region, "team/app", digest, tags, 1_000, when, None, "ACTIVE", None, None, None, None
    )


def _ecr_cache() -> dict[str, pa.Table]:
    """The shared cache (two plain images) plus an index whose child attests it: manifest 700 B, config 300 B,
    one layer of 1,500 B."""
    cache = manifest_cache()
    extra = {
        "digest": [INDEX, ATTESTATION],
        "media_type": ["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json"],
        "artifact_type": [None, None],
        "config_digest": [None, "sha256:att-config"],
        "config_size": [None, 300],
        "manifest_size": [400, 700],
        "is_index": [True, False],
        "fetched_at": [datetime(2026, 11, 1, tzinfo=UTC)] * 2,
        "artifact_kind": ["index", "image"],
        "subject_digest": [None, None],
    }
    layer = {
        "manifest_digest": [ATTESTATION],
        "position": [0],
        "layer_digest": ["sha256:in-toto"],
        "size": [1_500],
        "media_type": ["application/vnd.in-toto+json"],
    }
    child = {name: [None] for name in MANIFEST_SCHEMAS["manifest_children"].names}
    child |= {"index_digest": [INDEX], "position": [1], "child_digest": [ATTESTATION]}
    child |= {"reference_type": ["attestation-manifest"], "platform_os": ["unknown"]}
    return {
        "manifests": pa.concat_tables([cache["manifests"], pa.table(extra, schema=MANIFEST_SCHEMAS["manifests"])]),
        "manifest_layers": pa.concat_tables(
            [cache["manifest_layers"], pa.table(layer, schema=MANIFEST_SCHEMAS["manifest_layers"])]
        ),
        "manifest_children": pa.table(child, schema=MANIFEST_SCHEMAS["manifest_children"]),
    }


def _accessory(digest: str, kind: str, size: int | None) -> RegistryAccessoryRecord:
    return RegistryAccessoryRecord(
        HARBOR, "library", "library/app", SIGNED, digest, kind, None, None, size, datetime(2026, 11, 1, tzinfo=UTC)
    )


def _warehouse(path: Path) -> Warehouse:
    wh = Warehouse(path)
    wh.load_manifests(_ecr_cache())
    run = wh.start_run("ecr", {})
    images = [
        _image(INDEX, ["v1"]),  # the index is the image; its attestation child is listed too
        _image(ATTESTATION, []),
        _image(SIGNED, ["v2"]),
        _image(SIGNATURE, [f"sha256-{SIGNED.removeprefix('sha256:')}.sig"]),  # a cosign tag, manifest never fetched
        _image(UNKNOWN, ["v3"]),  # manifest never fetched: its kind is not known, never assumed an image
    ]
    tables = _tables(run, 0) | {"ecr_images": with_run_id(to_table(images, ImageRecord), run)}
    wh.load_scope(run, SCOPE, "complete", tables)
    wh.finish_run(run, "complete", {})
    harbor = wh.start_run("harbor", {"url": HARBOR})
    accessories = [_accessory("sha256:h-sig", "signature", 1_200), _accessory("sha256:h-sbom", "sbom", None)]
    with wh.transaction() as con:
        Warehouse.insert(
            con, "registry_accessories", with_run_id(to_table(accessories, RegistryAccessoryRecord), harbor)
        )
        con.execute(
            "INSERT INTO registry_snapshots (run_id, registry, kind, status, finished_at) VALUES (?, ?, ?, ?, ?)",
            [harbor, HARBOR, "harbor", "complete", datetime(2026, 11, 1, tzinfo=UTC)],
        )
    wh.finish_run(harbor, "complete", {})
    return wh


def test_each_source_lists_its_artifacts_by_kind_with_their_bytes(tmp_path: Path):
    with _warehouse(tmp_path / "w.duckdb") as wh:
        rows = supply_chain_artifacts(wh)
    shown = [(r["source"], r["registry"], r["kind"], r["count"], r["bytes"], r["bytes_unknown"]) for r in rows]
    assert shown == [
        ("ecr", "111111111111/eu-west-1", "signature", 1, None, 1),  # by its tag; never fetched: no size
        # the attestation's own blobs: manifest 700 + config 300 + layer 1,500 = 2,500 bytes
        ("ecr", "111111111111/eu-west-1", "attestation", 1, 2_500, 0),
        ("ecr", "111111111111/eu-west-1", "unclassified", 1, None, 1),
        # Harbor gives an accessory's size itself; the SBOM without one is counted as unknown
        ("harbor", HARBOR, "signature", 1, 1_200, 0),
        ("harbor", HARBOR, "sbom", 1, None, 1),
    ]  # each source in the order of KINDS: signatures, SBOMs, attestations, …, unclassified last
    harbor = rows[-1]
    assert (harbor["subjects"], harbor["repositories"], harbor["account_id"]) == (1, 1, None)
    assert rows[1]["subjects"] is None  # ECR does not link an artifact to its subject here


def test_an_estate_of_plain_images_has_no_supply_chain(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert supply_chain_artifacts(wh) == []
        wh.load_manifests(manifest_cache())
        run = wh.start_run("ecr", {})
        wh.load_scope(run, SCOPE, "complete", _tables(run, 2))  # the two cached plain images
        wh.finish_run(run, "complete", {})
        assert supply_chain_artifacts(wh) == []
