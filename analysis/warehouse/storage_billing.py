"""How the storage ECR bills is counted: the blobs each image references, and the profile tables derived from them.

The product's edge: ECR bills the unique blobs of a repository (of a registry when blob mounting is on), not
the sum of image sizes, and one self-hosted registry stores each blob of the whole estate once. A blob is a
layer, a config blob or the manifest itself, each counted by digest (DESIGN.md, Storage semantics). The writer
derives the profile_* tables (migration 4) with PROFILE_TABLES when a run finishes; readers whose tables are
stale run the same statements into temp tables (queries.profile_tables).
"""

from __future__ import annotations


def blob_refs(images: str, columns: str = "", digest: str = "image_digest") -> str:
    """Every blob each image of `images` (aliased `i`) references, one row per reference: (columns…, blob, size).

    `columns` is selected before blob and size (e.g. "i.*, " or "i.registry, "); `digest` names the image's
    manifest digest column. A UNION ALL of three SELECTs, for a CTE or a subquery; duplicates are the caller's to fold.
    """
    return f"""
    SELECT {columns}l.layer_digest AS blob, l.size
    FROM {images} i JOIN manifest_layers l ON l.manifest_digest = i.{digest}
    UNION ALL
    SELECT {columns}m.config_digest, m.config_size FROM {images} i JOIN manifests m ON m.digest = i.{digest}
    WHERE m.config_digest IS NOT NULL
    UNION ALL
    SELECT {columns}m.digest, m.manifest_size FROM {images} i JOIN manifests m ON m.digest = i.{digest}
    """


# How the profile tables of migration 4 are derived, in order. Each statement is a SELECT over the current
# snapshot, the manifest cache and the relations before it, named by {placeholders}: the writer fills the
# profile_* tables with them; a reader whose profile tables are stale runs them into temp tables instead.
# `img` keeps the image digest (to join manifests) and `repo_blobs` holds one row per (repository, blob);
# both are intermediate and never stored.
PROFILE_TABLES: list[tuple[str, str]] = [
    (
        "img",
        """
        WITH img AS (
            SELECT account_id, region, repository_name, image_digest, image_size_bytes, pushed_at,
                   image_status = 'ARCHIVED' AS archived,
                   len(image_tags) > 0 AS tagged,
                   last_pull_at
            FROM current_ecr_images
        ),
        parent AS (  -- the strongest keep-signal an index gives its children in the same repository
            SELECT i.account_id, i.region, i.repository_name, c.child_digest,
                   bool_or(i.tagged) AS tagged, max(i.last_pull_at) AS last_pull_at,
                   bool_or(NOT i.archived) AS active
            FROM img i JOIN manifest_children c ON c.index_digest = i.image_digest
            GROUP BY ALL
        )
        SELECT img.account_id, img.region, img.repository_name, img.image_digest, img.image_size_bytes,
               img.pushed_at,
               img.archived AND NOT coalesce(p.active, false) AS archived,
               img.tagged OR coalesce(p.tagged, false) AS kept_by_tag,
               greatest(img.last_pull_at, p.last_pull_at) AS effective_pull_at,
               p.child_digest IS NOT NULL AS is_child
        FROM img LEFT JOIN parent p
          ON p.account_id = img.account_id AND p.region = img.region
         AND p.repository_name = img.repository_name AND p.child_digest = img.image_digest
        """,
    ),
    (
        "repo_blobs",
        f"""
        WITH refs AS ({blob_refs("{img}", "i.*, ")})
        SELECT account_id, region, repository_name, blob, any_value(size) AS size,
               bool_or(NOT archived) AS active,
               bool_or(kept_by_tag) AS tagged,
               bool_or(effective_pull_at IS NOT NULL) AS pulled,
               min(pushed_at) AS first_pushed_at
        FROM refs GROUP BY account_id, region, repository_name, blob
        """,
    ),
    (
        "profile_images",
        """
        SELECT account_id, region, repository_name, image_size_bytes, pushed_at, archived, kept_by_tag,
               effective_pull_at, is_child
        FROM {img}
        """,
    ),
    (
        "profile_repository_storage",
        """
        SELECT account_id, region, repository_name,
               sum(size) AS unique_bytes,
               sum(size) FILTER (WHERE active) AS standard_bytes,
               sum(size) FILTER (WHERE NOT active) AS archive_bytes,
               sum(size) FILTER (WHERE NOT tagged) AS untagged_bytes,
               sum(size) FILTER (WHERE NOT pulled) AS never_pulled_bytes
        FROM {repo_blobs} GROUP BY account_id, region, repository_name
        """,
    ),
    (
        "profile_repository_first_push",
        """
        SELECT account_id, region, repository_name, first_pushed_at, sum(size) AS bytes
        FROM {repo_blobs} GROUP BY account_id, region, repository_name, first_pushed_at
        ORDER BY first_pushed_at NULLS FIRST
        """,
    ),
    (
        "profile_scope_storage",
        """
        SELECT account_id, region, sum(size) AS scope_unique_bytes,
               sum(size) FILTER (WHERE active) AS scope_standard_bytes
        FROM (SELECT account_id, region, blob, any_value(size) AS size, bool_or(active) AS active
              FROM {repo_blobs} GROUP BY account_id, region, blob)
        GROUP BY account_id, region
        """,
    ),
    (
        "profile_global_first_push",
        """
        SELECT first_pushed_at, sum(size) AS bytes
        FROM (SELECT blob, any_value(size) AS size, min(first_pushed_at) AS first_pushed_at
              FROM {repo_blobs} GROUP BY blob)
        GROUP BY first_pushed_at ORDER BY first_pushed_at NULLS FIRST
        """,
    ),
]

# What the profile tables were derived from; compared with PROFILE_BASIS_NOW by readers.
PROFILE_BASIS_NOW = """
SELECT s.run_id, s.account_id, s.region, c.images, c.manifests, c.manifest_layers, c.manifest_children
FROM (SELECT (SELECT count(*) FROM current_ecr_images) AS images,
             (SELECT count(*) FROM manifests) AS manifests,
             (SELECT count(*) FROM manifest_layers) AS manifest_layers,
             (SELECT count(*) FROM manifest_children) AS manifest_children) c
LEFT JOIN latest_scopes s ON true
"""

# True when the profile tables still describe the current snapshot (and were derived at all).
PROFILE_FRESH = f"""
WITH now AS ({PROFILE_BASIS_NOW})
SELECT (SELECT count(*) FROM profile_basis) > 0
   AND NOT EXISTS (SELECT * FROM now EXCEPT SELECT * FROM profile_basis)
   AND NOT EXISTS (SELECT * FROM profile_basis EXCEPT SELECT * FROM now)
"""

PROFILE_TABLE_NAMES = tuple(name for name, _ in PROFILE_TABLES if name.startswith("profile_"))
