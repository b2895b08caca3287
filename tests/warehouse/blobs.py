"""A small manifest cache for the storage tests: two images of one repository that share a layer.

Image 0: manifest 500 B, config 1,000 B, layers L1 10,000 B and L2 20,000 B.
Image 1: manifest 600 B, config 2,000 B, layers L1 10,000 B (shared) and L3 30,000 B.
Digests are those of tests/warehouse/test_warehouse._tables (sha256:0…0 and sha256:0…1).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from analysis.collectors.records import MANIFEST_SCHEMAS

IMAGES = [f"sha256:{i:064x}" for i in range(2)]
LAYERS = {"L1": 10_000, "L2": 20_000, "L3": 30_000}


def manifest_cache() -> dict[str, pa.Table]:
    manifests = {
        "digest": IMAGES,
        "media_type": ["application/vnd.oci.image.manifest.v1+json"] * 2,
        "artifact_type": [None, None],
        "config_digest": ["sha256:config0", "sha256:config1"],
        "config_size": [1_000, 2_000],
        "manifest_size": [500, 600],
        "is_index": [False, False],
        "fetched_at": [datetime(2026, 11, 1, tzinfo=UTC)] * 2,
        "artifact_kind": ["image", "image"],
        "subject_digest": [None, None],
    }
    layers = [(IMAGES[0], 0, "L1"), (IMAGES[0], 1, "L2"), (IMAGES[1], 0, "L1"), (IMAGES[1], 1, "L3")]
    manifest_layers = {
        "manifest_digest": [m for m, _, _ in layers],
        "position": [p for _, p, _ in layers],
        "layer_digest": [f"sha256:{name}" for _, _, name in layers],
        "size": [LAYERS[name] for _, _, name in layers],
        "media_type": ["application/vnd.oci.image.layer.v1.tar+gzip"] * len(layers),
    }
    return {
        "manifests": pa.table(manifests, schema=MANIFEST_SCHEMAS["manifests"]),
        "manifest_layers": pa.table(manifest_layers, schema=MANIFEST_SCHEMAS["manifest_layers"]),
        "manifest_children": MANIFEST_SCHEMAS["manifest_children"].empty_table(),
    }


# Unique blobs of the repository: 500 + 1,000 + 10,000 + 20,000 (image 0) + 600 + 2,000 + 30,000 (image 1;
# L1 already counted) = 64,100 bytes. Counting L1 twice would give 74,100.
UNIQUE_BYTES = 64_100
