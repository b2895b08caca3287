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


# Per repository: its unique blob bytes, and those an ACTIVE image references (bytes, blobs) and none does.
REPOSITORY_BLOB_TOTALS = """
SELECT account_id, region, repository_name, sum(size) AS unique_bytes,
       coalesce(sum(size) FILTER (WHERE active_refs > 0), 0) AS active_bytes,
       count(*) FILTER (WHERE active_refs > 0) AS active_blobs,
       coalesce(sum(size) FILTER (WHERE active_refs = 0), 0) AS archived_bytes,
       count(*) FILTER (WHERE active_refs = 0) AS archived_blobs
FROM {repo_blobs} GROUP BY account_id, region, repository_name
"""


def solo_bytes(totals: str) -> str:
    """profile_repository_blob_bytes from `totals` (REPOSITORY_BLOB_TOTALS' columns, a SELECT) less the blobs other
    repositories share ({profile_cross_repository_blobs}): what each repository's own wave copies."""
    return f"""
        WITH own AS ({totals}),
        shared AS (
            SELECT account_id, region, repository_name,
                   coalesce(sum(size) FILTER (WHERE active), 0) AS active_bytes,
                   count(*) FILTER (WHERE active) AS active_blobs,
                   coalesce(sum(size) FILTER (WHERE NOT active), 0) AS archived_bytes,
                   count(*) FILTER (WHERE NOT active) AS archived_blobs
            FROM {{profile_cross_repository_blobs}} GROUP BY account_id, region, repository_name
        )
        SELECT account_id, region, repository_name, o.unique_bytes, o.active_bytes, o.active_blobs,
               o.archived_bytes, o.archived_blobs,
               o.active_bytes - coalesce(s.active_bytes, 0) AS solo_active_bytes,
               o.active_blobs - coalesce(s.active_blobs, 0) AS solo_active_blobs,
               o.archived_bytes - coalesce(s.archived_bytes, 0) AS solo_archived_bytes,
               o.archived_blobs - coalesce(s.archived_blobs, 0) AS solo_archived_blobs
        FROM own o LEFT JOIN shared s USING (account_id, region, repository_name)
        """


# What the lifecycle's bytes freed (portability/billing.py) and the migration waves (portability/waves.py) read
# instead of every blob reference (migration 11). A blob is "active" when an image ACTIVE by its own status
# references it, as ECR bills it; a repository's other blobs are billed in the archive class.
PROFILE_BLOB_TABLES: list[tuple[str, str]] = [
    (
        "profile_cross_repository_blobs",
        """
        SELECT account_id, region, repository_name, blob, size, active_refs > 0 AS active, first_pushed_at,
               active AS standard  -- last: migration 14 added it
        FROM {repo_blobs}
        WHERE blob IN (SELECT blob FROM {cross_blobs})
        """,
    ),
    ("profile_repository_blob_bytes", solo_bytes(REPOSITORY_BLOB_TOTALS)),
    (
        "profile_image_own_bytes",
        """
        SELECT i.account_id, i.region, i.repository_name, i.image_digest, b.own_bytes
        FROM (SELECT only_image_row, sum(size) AS own_bytes FROM {repo_blobs}
              WHERE only_image_row IS NOT NULL GROUP BY only_image_row) b
        JOIN {img} i ON i.rowid = b.only_image_row
        """,
    ),
    (
        "profile_repository_shared_blobs",
        """
        SELECT account_id, region, repository_name, blob, size, refs, active_refs FROM {repo_blobs}
        WHERE only_image_row IS NULL
        """,
    ),
]

# Globally unique blob bytes by first push, without grouping every blob of the estate: each repository's bytes by
# first push (with their blob counts) less the blobs it shares with other repositories, plus each shared blob once at
# its first push anywhere (the same figures as grouping every blob by its first push: tests/warehouse hold it to that).
GLOBAL_FIRST_PUSH = """
WITH parts AS (
    SELECT first_pushed_at, bytes, blobs FROM {profile_repository_first_push}
    UNION ALL SELECT first_pushed_at, -size, -1 FROM {profile_cross_repository_blobs}
    UNION ALL SELECT min(first_pushed_at), any_value(size), 1 FROM {profile_cross_repository_blobs} GROUP BY blob
)
SELECT first_pushed_at, sum(bytes) AS bytes FROM parts
GROUP BY first_pushed_at HAVING sum(blobs) > 0 ORDER BY first_pushed_at NULLS FIRST
"""

# Each scope's unique blob bytes from the stored per-repository tables, without grouping the scope's blobs again:
# its repositories' sums, less the shared blobs as each repository counted them, plus each shared blob once (a blob
# only one repository references cannot be counted twice in a scope). The same figures as PROFILE_TABLES'
# profile_scope_storage (the tests hold them to it); a sum stays NULL where that one's is (no blob with a size).
SCOPE_STORAGE_FROM_REPOSITORIES = """
WITH by_repo AS (
    SELECT account_id, region, sum(unique_bytes) AS u, sum(standard_bytes) AS s
    FROM {profile_repository_storage} GROUP BY account_id, region
),
counted AS (
    SELECT account_id, region, sum(size) AS u, sum(size) FILTER (WHERE standard) AS s
    FROM {profile_cross_repository_blobs} GROUP BY account_id, region
),
once AS (
    SELECT account_id, region, sum(size) AS u, sum(size) FILTER (WHERE standard) AS s
    FROM (SELECT account_id, region, blob, any_value(size) AS size, bool_or(standard) AS standard
          FROM {profile_cross_repository_blobs} GROUP BY account_id, region, blob)
    GROUP BY account_id, region
)
SELECT account_id, region,
       r.u - coalesce(c.u, 0) + coalesce(o.u, 0) AS scope_unique_bytes,
       r.s - coalesce(c.s, 0) + coalesce(o.s, 0) AS scope_standard_bytes
FROM by_repo r LEFT JOIN counted c USING (account_id, region) LEFT JOIN once o USING (account_id, region)
"""

# How the profile tables of migrations 4 and 11 are derived, in order. Each statement is a SELECT over the current
# snapshot, the manifest cache and the relations before it, named by {placeholders}: the writer fills the
# profile_* tables with them; a reader whose profile tables are stale runs them into temp tables instead.
# `img` keeps the image digest (to join manifests), `repo_blobs` holds one row per (repository, blob) and
# `cross_blobs` the blobs several repositories share; the three are intermediate (temp tables: the statements after
# them read `img`'s rowid), never stored.
PROFILE_TABLES: list[tuple[str, str]] = [
    (
        "img",
        """
        WITH img AS (
            SELECT account_id, region, repository_name, image_digest, image_size_bytes, pushed_at,
                   image_status = 'ARCHIVED' AS archived,
                   len(image_tags) > 0 AS tagged,
                   last_pull_at
            FROM {images}
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
               img.archived AS own_archived,
               img.tagged AS own_tagged,
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
        WITH refs AS ({blob_refs("{img}", "i.*, i.rowid AS image_row, ")})
        SELECT account_id, region, repository_name, blob, any_value(size) AS size,
               bool_or(NOT archived) AS active,
               bool_or(kept_by_tag) AS tagged,
               bool_or(effective_pull_at IS NOT NULL) AS pulled,
               min(pushed_at) AS first_pushed_at,
               -- for the lifecycle and the waves (profile_repository_blob_bytes and the tables after it): the
               -- references, those of images ACTIVE by their own status, and the image when only one references it
               count(*) AS refs, count(*) FILTER (WHERE NOT own_archived) AS active_refs,
               CASE WHEN min(image_row) = max(image_row) THEN min(image_row) END AS only_image_row
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
        # Per repository, its images counted: by their own tags and status, as the inventory shows them (`status`,
        # the Data page), and as the profile sees them (an index's child by its index), as the estimate reads them;
        # what depends on the as-of date (recent pushes, recent pulls) is read from profile_images.
        "profile_repository_images",
        """
        SELECT account_id, region, repository_name,
               count(*) AS images,
               count(*) FILTER (WHERE own_tagged) AS tagged_images,
               count(*) FILTER (WHERE NOT own_tagged) AS untagged_images,
               count(*) FILTER (WHERE own_archived) AS archived_images,
               coalesce(sum(image_size_bytes), 0) AS naive_bytes,
               count(*) FILTER (WHERE kept_by_tag) AS kept_images,
               count(*) FILTER (WHERE NOT kept_by_tag) AS unkept_images,
               count(*) FILTER (WHERE archived) AS inactive_images,
               count(*) FILTER (WHERE effective_pull_at IS NULL) AS never_pulled_images,
               avg(image_size_bytes) FILTER (WHERE kept_by_tag AND NOT is_child) AS tagged_image_bytes
        FROM {img} GROUP BY account_id, region, repository_name
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
        SELECT account_id, region, repository_name, first_pushed_at, sum(size) AS bytes, count(*) AS blobs
        FROM {repo_blobs} GROUP BY account_id, region, repository_name, first_pushed_at
        ORDER BY first_pushed_at NULLS FIRST
        """,
    ),
    (
        # The same bytes by calendar month of first push (UTC), so a reader sums a growth window from whole months
        # plus its first month's exact part (workload._PER_REPO): ~24 rows a repository instead of one per push.
        "profile_repository_push_months",
        """
        SELECT account_id, region, repository_name,
               date_trunc('month', first_pushed_at AT TIME ZONE 'UTC') AS month, sum(bytes) AS bytes
        FROM {profile_repository_first_push} GROUP BY ALL
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
        "cross_blobs",  # the blobs more than one repository references (base layers: few); a group-by's only output
        "SELECT blob FROM {repo_blobs} GROUP BY blob HAVING count(*) > 1",
    ),
    *PROFILE_BLOB_TABLES,
    ("profile_global_first_push", GLOBAL_FIRST_PUSH),
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

# Per repository with images: what its profile rows are derived from (profile_repository_basis, migration 14). The
# fingerprint sums a hash of what the blob aggregates read of each image — digest, size, push time, own status,
# tagged or not, pulled ever or not, manifest cached or not — so a repository whose images are as they were keeps
# its rows; the exact last pull time is left out (it moves every day and only profile_images holds it, which is
# derived again whole). An index and its children live in one repository, so what an index gives its children
# changes only that repository's fingerprint.
REPOSITORY_FINGERPRINTS = """
SELECT i.account_id, i.region, i.repository_name, count(*) AS images,
       sum(hash(i.image_digest, i.image_size_bytes, i.pushed_at, i.image_status = 'ARCHIVED', len(i.image_tags) > 0,
                i.last_pull_at IS NULL, m.digest IS NULL)) AS fingerprint
FROM {images} i LEFT JOIN (SELECT digest FROM manifests) m ON m.digest = i.image_digest
GROUP BY ALL
"""

# True when the profile tables still describe the current snapshot (and were derived at all).
PROFILE_FRESH = f"""
WITH now AS ({PROFILE_BASIS_NOW})
SELECT (SELECT count(*) FROM profile_basis) > 0
   AND NOT EXISTS (SELECT * FROM now EXCEPT SELECT * FROM profile_basis)
   AND NOT EXISTS (SELECT * FROM profile_basis EXCEPT SELECT * FROM now)
"""

PROFILE_TABLE_NAMES = tuple(name for name, _ in PROFILE_TABLES if name.startswith("profile_"))


def statement_names(prefix: str, images: str = "current_ecr_images", stored: bool = False) -> dict[str, str]:
    """The {placeholders} of PROFILE_TABLES: `images` (the current images to derive from) and each relation, as
    `prefix` + its name (temp tables), or, with `stored`, the profile_* tables themselves."""
    names = {n: n if stored and n.startswith("profile_") else f"{prefix}{n}" for n, _ in PROFILE_TABLES}
    return {"images": images, **names}
