"""ECR records as the warehouse receives them: the conversion keeps every value (tags as lists, times in UTC,
an index's children in order)."""

from __future__ import annotations

from datetime import UTC, datetime

from analysis.collectors.manifests import Child, Layer, ParsedManifest
from analysis.collectors.records import ImageRecord, manifest_tables, to_table

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def test_an_image_keeps_its_tags_and_times():
    img = ImageRecord(
        "111111111111", "us-east-1", "app", "sha256:a", ["v1", "latest"], 1200, AT, None, "ACTIVE", OCI_MANIFEST,
        None, None, None,
    )  # fmt: skip
    untagged = ImageRecord(
        "111111111111", "us-east-1", "app", "sha256:b", [], None, None, None, None, None, None, None, None
    )
    rows = to_table([img, untagged], ImageRecord).to_pylist()
    assert rows[0]["image_tags"] == ["v1", "latest"]
    assert rows[0]["pushed_at"] == AT
    assert rows[0]["last_pull_at"] is None  # never pulled stays unknown, not 0
    assert rows[1]["image_tags"] == []
    assert to_table([], ImageRecord).num_rows == 0


def test_manifest_tables_keep_layers_and_children_in_order():
    image = ParsedManifest(
        "sha256:m",
        OCI_MANIFEST,
        500,
        config_digest="sha256:c",
        config_size=7,
        layers=(Layer("sha256:l1", 100, None), Layer("sha256:l2", 200, None)),
    )
    index = ParsedManifest(
        "sha256:i",
        OCI_INDEX,
        300,
        children=(
            Child("sha256:m", 500, OCI_MANIFEST, "linux", "amd64", None),
            Child("sha256:n", 510, OCI_MANIFEST, "linux", "arm64", "v8"),
        ),
    )
    t = manifest_tables([image, index], AT)
    manifests = t["manifests"].to_pylist()
    assert [(m["digest"], m["is_index"], m["artifact_kind"]) for m in manifests] == [
        ("sha256:m", False, "image"),
        ("sha256:i", True, "index"),
    ]
    assert manifests[0]["fetched_at"] == AT
    layers = t["manifest_layers"].to_pylist()
    assert [(x["manifest_digest"], x["position"], x["layer_digest"], x["size"]) for x in layers] == [
        ("sha256:m", 0, "sha256:l1", 100),
        ("sha256:m", 1, "sha256:l2", 200),
    ]
    children = t["manifest_children"].to_pylist()
    assert [
        (c["position"], c["child_digest"], c["platform_architecture"], c["platform_variant"]) for c in children
    ] == [
        (0, "sha256:m", "amd64", None),
        (1, "sha256:n", "arm64", "v8"),
    ]
