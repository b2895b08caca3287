"""Named read queries over the current snapshot. Readers (CLI status, demo summary, tests) use these."""

from __future__ import annotations

from typing import Any

from analysis.warehouse.db import Warehouse

# Storage three ways, per (account, region): the naive sum of imageSizeInBytes (double counts shared
# layers and index children), unique blobs per repository (what ECR bills without blob mounting) and
# unique blobs across the whole scope. Blobs = layers + config blobs of every image manifest.
INVENTORY_BY_SCOPE = """
WITH img AS (SELECT * FROM current_ecr_images),
blobs AS (
    SELECT i.account_id, i.region, i.repository_name, l.layer_digest AS blob, l.size
    FROM img i JOIN manifest_layers l ON l.manifest_digest = i.image_digest
    UNION ALL
    SELECT i.account_id, i.region, i.repository_name, m.config_digest, m.config_size
    FROM img i JOIN manifests m ON m.digest = i.image_digest
    WHERE m.config_digest IS NOT NULL
),
per_repo AS (
    SELECT account_id, region, sum(size) AS bytes
    FROM (SELECT DISTINCT account_id, region, repository_name, blob, size FROM blobs)
    GROUP BY ALL
),
per_scope AS (
    SELECT account_id, region, sum(size) AS bytes
    FROM (SELECT DISTINCT account_id, region, blob, size FROM blobs)
    GROUP BY ALL
),
images AS (
    SELECT account_id, region,
           count(DISTINCT repository_name) AS repositories_with_images,
           count(*) AS images,
           count(*) FILTER (WHERE len(image_tags) > 0) AS tagged_images,
           count(*) FILTER (WHERE len(image_tags) = 0) AS untagged_images,
           count(*) FILTER (WHERE image_status = 'ARCHIVED') AS archived_images,
           coalesce(sum(image_size_bytes), 0) AS naive_bytes
    FROM img GROUP BY ALL
),
repos AS (SELECT account_id, region, count(*) AS repositories FROM current_ecr_repositories GROUP BY ALL),
pulls AS (SELECT account_id, region, sum(pulls) AS pulls FROM current_ecr_pull_counts GROUP BY ALL)
SELECT s.account_id, s.region, s.status, s.run_id,
       coalesce(r.repositories, 0) AS repositories,
       coalesce(i.images, 0) AS images,
       coalesce(i.tagged_images, 0) AS tagged_images,
       coalesce(i.untagged_images, 0) AS untagged_images,
       coalesce(i.archived_images, 0) AS archived_images,
       coalesce(i.naive_bytes, 0) AS naive_bytes,
       coalesce(pr.bytes, 0) AS repository_unique_bytes,
       coalesce(ps.bytes, 0) AS scope_unique_bytes,
       coalesce(p.pulls, 0) AS pulls
FROM latest_scopes s
LEFT JOIN repos r USING (account_id, region)
LEFT JOIN images i USING (account_id, region)
LEFT JOIN per_repo pr USING (account_id, region)
LEFT JOIN per_scope ps USING (account_id, region)
LEFT JOIN pulls p USING (account_id, region)
ORDER BY s.account_id, s.region
"""

# Globally unique blob bytes: what a single self-hosted registry would store for the whole estate.
GLOBAL_UNIQUE_BYTES = """
SELECT coalesce(sum(size), 0) FROM (
    SELECT DISTINCT blob, size FROM (
        SELECT l.layer_digest AS blob, l.size FROM current_ecr_images i
        JOIN manifest_layers l ON l.manifest_digest = i.image_digest
        UNION ALL
        SELECT m.config_digest, m.config_size FROM current_ecr_images i
        JOIN manifests m ON m.digest = i.image_digest WHERE m.config_digest IS NOT NULL
    )
)
"""

RECENT_RUNS = """
SELECT run_id, source, status, started_at, finished_at, counts,
       (SELECT count(*) FROM collection_errors e WHERE e.run_id = r.run_id) AS errors
FROM runs r ORDER BY run_id DESC LIMIT ?
"""

RUN_ERRORS = """
SELECT account_id, region, repository, operation, error_code, message
FROM collection_errors WHERE run_id = ? ORDER BY account_id, region, operation, repository
"""


def _dicts(warehouse: Warehouse, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = warehouse.con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def inventory_by_scope(warehouse: Warehouse) -> list[dict[str, Any]]:
    return _dicts(warehouse, INVENTORY_BY_SCOPE)


def global_unique_bytes(warehouse: Warehouse) -> int:
    return int(warehouse.con.execute(GLOBAL_UNIQUE_BYTES).fetchall()[0][0])


def recent_runs(warehouse: Warehouse, limit: int = 10) -> list[dict[str, Any]]:
    return _dicts(warehouse, RECENT_RUNS, [limit])


def run_errors(warehouse: Warehouse, run_id: int) -> list[dict[str, Any]]:
    return _dicts(warehouse, RUN_ERRORS, [run_id])
