"""The full profile derivation in one grouping of every blob reference, keyed by integers (issue #20).

storage_billing.PROFILE_TABLES stays the definition (readers with stale tables and the incremental derivation run
it); this module derives the same tables faster for a full derivation (a first run, a run of every scope, an
upgrade). Where the 5M-image derivation's time went (step timings and py-spy, 2 cores): grouping the ~45M blob
references by (account, region, repository, blob) — three strings besides the blob in every key, 39–66 s — then
grouping the ~28M (repository, blob) rows again per table: by scope and blob (20 s), by first push (12 s), by
blob across repositories (9 s). So:

* every repository gets an integer id (20,000 rows) and the references are grouped by (id, blob): ~12 s;
* the blobs several repositories share are found by grouping the blobs' 64-bit hashes (integers), then grouping
  by digest only the rows whose hash occurs twice (a hash collision only adds candidates: exact);
* each scope's unique bytes are its repositories' sums less the shared blobs counted once per repository, plus
  each shared blob once per scope (only shared blobs can be counted twice in a scope): from the stored tables, as
  the incremental derivation counts them (storage_billing.SCOPE_STORAGE_FROM_REPOSITORIES);
* the names are joined back on the per-repository results (thousands of rows), not on the 28M rows.

tests/warehouse/test_profile_derive.py holds every table to the definition's, row by row.
"""

from __future__ import annotations

import duckdb

from analysis.warehouse.storage_billing import (
    GLOBAL_FIRST_PUSH,
    PROFILE_BASIS_NOW,
    PROFILE_TABLES,
    REPOSITORY_BLOB_TOTALS,
    REPOSITORY_FINGERPRINTS,
    SCOPE_STORAGE_FROM_REPOSITORIES,
    blob_refs,
    solo_bytes,
)

_REPO = "account_id, region, repository_name"
_DEFINITION = dict(PROFILE_TABLES)

# Each repository's integer id, and each image with it (the image's row in {img} kept to name it again).
_REPOS = f"SELECT row_number() OVER ()::INTEGER AS repo_id, {_REPO} FROM (SELECT DISTINCT {_REPO} FROM {{img}})"
_IMG_IDS = f"""
SELECT i.rowid AS image_row, r.repo_id, i.image_digest, i.pushed_at, i.archived, i.own_archived, i.kept_by_tag,
       i.effective_pull_at
FROM {{img}} i JOIN {{repos}} r USING ({_REPO})
"""
# The definition's repo_blobs, keyed by the repository's id (the same aggregates over the same references).
_AGGREGATES = _DEFINITION["repo_blobs"][_DEFINITION["repo_blobs"].index(f"SELECT {_REPO}, blob") :]
_REPO_BLOBS = f"WITH refs AS ({blob_refs('{img_ids}', 'i.*, ')})\n" + _AGGREGATES.replace(_REPO, "repo_id")
# Blobs more than one repository references: candidates by hash, then grouped by digest.
_CROSS_BLOBS = """
WITH twice AS (SELECT hash(blob) AS h FROM {repo_blobs} GROUP BY h HAVING count(*) > 1)
SELECT blob FROM {repo_blobs} WHERE hash(blob) IN (SELECT h FROM twice) GROUP BY blob HAVING count(*) > 1
"""
_CROSS_ROWS = "SELECT * FROM {repo_blobs} WHERE blob IN (SELECT blob FROM {cross_blobs})"


def _named(select: str) -> str:
    """`select` (with a repo_id column) with each repository's names instead of its id."""
    names = _REPO.replace(", ", ", r.")
    return f"SELECT r.{names}, s.* EXCLUDE (repo_id) FROM ({select}) s JOIN {{repos}} r USING (repo_id)"


_STORED = {
    "profile_repository_storage": _named(_DEFINITION["profile_repository_storage"].replace(_REPO, "repo_id")),
    "profile_repository_first_push": _named(
        _DEFINITION["profile_repository_first_push"].split("ORDER BY")[0].replace(_REPO, "repo_id")
    )
    + " ORDER BY first_pushed_at NULLS FIRST",
    "profile_cross_repository_blobs": _named(
        "SELECT repo_id, blob, size, active_refs > 0 AS active, active AS standard, first_pushed_at FROM {cross_rows}"
    ),
    "profile_repository_blob_bytes": solo_bytes(_named(REPOSITORY_BLOB_TOTALS.replace(_REPO, "repo_id"))),
    "profile_image_own_bytes": _DEFINITION["profile_image_own_bytes"],
    "profile_repository_shared_blobs": _named(
        "SELECT repo_id, blob, size, refs, active_refs FROM {repo_blobs} WHERE only_image_row IS NULL"
    ),
    "profile_global_first_push": GLOBAL_FIRST_PUSH,
}

# In order: (name, statement); names starting with "profile_" are stored, the others are temp tables.
STEPS: list[tuple[str, str]] = [
    ("img", _DEFINITION["img"]),
    ("repos", _REPOS),
    ("img_ids", _IMG_IDS),
    ("repo_blobs", _REPO_BLOBS),
    ("profile_images", _DEFINITION["profile_images"]),
    ("profile_repository_images", _DEFINITION["profile_repository_images"]),
    ("profile_repository_storage", _STORED.pop("profile_repository_storage")),
    ("profile_repository_first_push", _STORED.pop("profile_repository_first_push")),
    ("profile_repository_push_months", _DEFINITION["profile_repository_push_months"]),
    ("cross_blobs", _CROSS_BLOBS),
    ("cross_rows", _CROSS_ROWS),
    *_STORED.items(),
    ("profile_scope_storage", SCOPE_STORAGE_FROM_REPOSITORIES),
]


def derive_all(con: duckdb.DuckDBPyConnection, prefix: str = "_derive_") -> None:
    """Replace every profile_* table with a full derivation, and record what they were derived from
    (profile_basis, profile_repository_basis), inside the caller's transaction."""
    names = {name: name if name.startswith("profile_") else prefix + name for name, _ in STEPS}
    names["images"] = "current_ecr_images"
    for name, sql in STEPS:
        select = sql.format(**names)
        if name.startswith("profile_"):
            con.execute(f"DELETE FROM {name}")
            con.execute(f"INSERT INTO {name} BY NAME {select}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {names[name]} AS {select}")
    for name, _ in reversed(STEPS):
        if not name.startswith("profile_"):
            con.execute(f"DROP TABLE {names[name]}")
    # what they were derived from, as refresh_repositories records it
    con.execute("DELETE FROM profile_repository_basis")
    con.execute(
        f"INSERT INTO profile_repository_basis BY NAME {REPOSITORY_FINGERPRINTS.format(images='current_ecr_images')}"
    )
    con.execute("DELETE FROM profile_basis")
    con.execute(f"INSERT INTO profile_basis {PROFILE_BASIS_NOW}")
