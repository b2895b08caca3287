"""Named queries of a registry collection run: what the manifest cache knows, and the blob-sum fallback.

The registry pipeline (analysis/pipeline/registry.py) calls these instead of running SQL on the warehouse's
connection: the statements live with the tables they read.
"""

from __future__ import annotations

from typing import Any

from analysis.warehouse.db import Warehouse
from analysis.warehouse.storage_billing import blob_refs

# The fallback for physical bytes when Harbor gave none: every distinct blob the run's artifacts and accessories
# reference (layers, configs, the manifests themselves), summed once. A lower bound: blobs deleted but not yet
# garbage-collected are not in any manifest.
BLOB_SUM = f"""
WITH a AS (
    SELECT image_digest AS digest FROM registry_artifacts WHERE run_id = $run_id AND registry = $registry
    UNION SELECT accessory_digest FROM registry_accessories WHERE run_id = $run_id AND registry = $registry
),
refs AS ({blob_refs("a", digest="digest")})
SELECT (SELECT sum(size) FROM (SELECT blob, any_value(size) AS size FROM refs GROUP BY blob)),
       (SELECT count(*) FROM a WHERE digest NOT IN (SELECT digest FROM manifests)),
       (SELECT count(*) FROM a)
"""

# What the cache knows of digests this run did not fetch: kind, naive size (manifest + config + layers) and
# children, so artifact rows of an OCI registry carry sizes without fetching a manifest twice.
KNOWN_INFO = """
SELECT m.digest, m.media_type, CASE WHEN m.is_index THEN NULL ELSE m.artifact_type END,
       m.manifest_size + coalesce(m.config_size, 0) + coalesce(l.bytes, 0),
       coalesce(c.children, [])
FROM manifests m
LEFT JOIN (SELECT manifest_digest, sum(size) AS bytes FROM manifest_layers
           WHERE manifest_digest IN (SELECT unnest($d)) GROUP BY ALL) l ON l.manifest_digest = m.digest
LEFT JOIN (SELECT index_digest, list(child_digest ORDER BY position) AS children FROM manifest_children
           WHERE index_digest IN (SELECT unnest($d)) GROUP BY ALL) c ON c.index_digest = m.digest
WHERE m.digest IN (SELECT unnest($d))
"""


def known_manifest_info(warehouse: Warehouse, digests: set[str]) -> list[tuple[Any, ...]]:
    """(digest, media_type, artifact_type, naive bytes, children) of each cached manifest among `digests`."""
    return warehouse.query(KNOWN_INFO, {"d": sorted(digests)})


def blob_sum(warehouse: Warehouse, run_id: int, registry: str) -> tuple[int | None, int, int]:
    """(bytes of the distinct blobs, artifacts without a cached manifest, artifacts) of one registry's run."""
    total, missing, artifacts = warehouse.query(BLOB_SUM, {"run_id": run_id, "registry": registry})[0]
    return (None if total is None else int(total)), int(missing), int(artifacts)


def set_physical_bytes(
    warehouse: Warehouse, run_id: int, registry: str, physical_bytes: int | None, source: str | None, note: str
) -> None:
    """Record the registry's physical bytes, where they come from and the note that says so."""
    warehouse.query(
        "UPDATE registry_snapshots SET physical_bytes = ?, physical_source = ?, physical_note = ? "
        "WHERE run_id = ? AND registry = ?",
        [physical_bytes, source, note, run_id, registry],
    )
