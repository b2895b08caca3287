"""The end-of-run profile derivation made incremental: a run derives again only the repositories whose images
changed (issue #20).

A user collects every region every day (`collect ecr --regions all`): every scope gets a new run, yet most
repositories hold the same images as the day before. So what changed is decided by content, per repository: the
fingerprint of what the blob aggregates read of its images (storage_billing.REPOSITORY_FINGERPRINTS, kept in
profile_repository_basis) against the one the profile was derived from. A repository changed when its fingerprint
did, or when it appeared or went. Manifests that arrive for images a repository already had change its fingerprint
too (an image gets blobs once its manifest is cached; the cache only grows).

Five tables hold rows of one repository, derived from its images alone: those rows are replaced for the changed
repositories and kept for the others. `profile_images` (one row per image, with its exact last pull, which moves
every day) and `profile_repository_images` (its counts per repository) are derived again whole: one pass over the
images, no blob in it. The rest span repositories and are derived from small relations, never from every blob
again:
* `profile_cross_repository_blobs`: only blobs the changed repositories hold, or shared before, can start or stop
  being shared; their references in the other repositories are found by those blobs (a probe of the manifest
  cache);
* `profile_repository_blob_bytes`: each repository's stored totals less what it shares;
* `profile_scope_storage`: each scope's repositories' sums corrected by the shared blobs
  (storage_billing.SCOPE_STORAGE_FROM_REPOSITORIES);
* `profile_global_first_push`: each repository's bytes by first push (with their blob counts), less the shared
  blobs counted per repository, plus each shared blob once at its first push anywhere.

`Warehouse.refresh_profile_tables(full=True)` (storage_billing.PROFILE_TABLES) stays the definition; the tests hold
the incremental result to it.
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
    solo_bytes,
    statement_names,
)

# Tables whose rows each belong to one repository, derived from its images only.
PER_REPOSITORY = (
    "profile_repository_storage",
    "profile_repository_first_push",
    "profile_repository_push_months",
    "profile_image_own_bytes",
    "profile_repository_shared_blobs",
)
# Tables derived again whole, from every image without its blobs: they hold the last pull, which moves every day.
WHOLE = ("profile_images", "profile_repository_images")
_REPO = ("account_id", "region", "repository_name")
# A full derivation is cheaper than an incremental one that derives most of the estate again.
FULL_ABOVE_SHARE = 0.5


def _of_changed(alias: str, negate: bool = False) -> str:
    """A predicate: the row of `alias` belongs to a changed repository (_inc_repos), or with `negate` does not."""
    on = " AND ".join(f"c.{c} = {alias}.{c}" for c in _REPO)
    return f"{'NOT ' if negate else ''}EXISTS (SELECT 1 FROM _inc_repos c WHERE {on})"


# Repositories whose fingerprint differs from the one the profile was derived from, or that appeared or went.
_CHANGED = """
SELECT account_id, region, repository_name FROM (
    SELECT account_id, region, repository_name, images, fingerprint FROM _inc_fingerprints
    EXCEPT SELECT account_id, region, repository_name, images, fingerprint FROM profile_repository_basis)
UNION SELECT account_id, region, repository_name FROM (
    SELECT account_id, region, repository_name FROM profile_repository_basis
    EXCEPT SELECT account_id, region, repository_name FROM _inc_fingerprints)
"""
# (manifests, layers, children) now and when the profile was derived; the cache only grows.
_CACHE_COUNTS = """
SELECT (SELECT count(*) FROM manifests), (SELECT count(*) FROM manifest_layers),
       (SELECT count(*) FROM manifest_children),
       (SELECT max(manifests) FROM profile_basis), (SELECT max(manifest_layers) FROM profile_basis),
       (SELECT max(manifest_children) FROM profile_basis)
"""

# References, in the repositories that did not change, to the blobs whose sharing may have changed (`_inc_x`), as
# profile_cross_repository_blobs holds them: the image's own status (`active`) and the status it is billed by
# (`standard`, an index's child by its index's: `_inc_img_all`).
_OTHER_REFERENCES = f"""
WITH refs AS (
    SELECT l.manifest_digest AS digest, l.layer_digest AS blob, l.size FROM manifest_layers l
    WHERE l.layer_digest IN (SELECT blob FROM _inc_x)
    UNION ALL SELECT digest, config_digest, config_size FROM manifests WHERE config_digest IN (SELECT blob FROM _inc_x)
    UNION ALL SELECT digest, digest, manifest_size FROM manifests WHERE digest IN (SELECT blob FROM _inc_x)
)
SELECT i.account_id, i.region, i.repository_name, r.blob, any_value(r.size) AS size,
       bool_or(NOT i.own_archived) AS active, bool_or(NOT i.archived) AS standard,
       min(i.pushed_at) AS first_pushed_at
FROM refs r JOIN _inc_img_all i ON i.image_digest = r.digest
WHERE {_of_changed("i", negate=True)}
GROUP BY i.account_id, i.region, i.repository_name, r.blob
"""


def changed_repositories(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]] | None:
    """The repositories to derive again, or None when only a full derivation will do (no profile yet, a manifest
    cache that shrank, or more than FULL_ABOVE_SHARE of the images to derive again). Leaves the fingerprints of
    now in the temp table `_inc_fingerprints` (refresh_repositories keeps them)."""
    if not con.execute("SELECT count(*) FROM profile_basis").fetchall()[0][0]:
        return None
    counts = con.execute(_CACHE_COUNTS).fetchall()[0]
    if any(w is None or n < w for n, w in zip(counts[:3], counts[3:], strict=True)):
        return None
    fingerprints = REPOSITORY_FINGERPRINTS.format(images="current_ecr_images")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_fingerprints AS {fingerprints}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_repos AS {_CHANGED}")  # in SQL: a first run changes them all
    share = con.execute(
        f"""SELECT coalesce(sum(images) FILTER (WHERE {_of_changed("f")}), 0) / greatest(sum(images), 1)
        FROM _inc_fingerprints f"""
    ).fetchall()[0][0]
    if share > FULL_ABOVE_SHARE:
        con.execute("DROP TABLE _inc_repos")
        con.execute("DROP TABLE _inc_fingerprints")
        return None
    return sorted(tuple(r) for r in con.execute("SELECT * FROM _inc_repos").fetchall())


def refresh_repositories(con: duckdb.DuckDBPyConnection) -> None:
    """Derive the profile again for the repositories in `_inc_repos` (changed_repositories left it, with
    `_inc_fingerprints`) inside the caller's transaction (see the module's docstring)."""
    names = statement_names("_inc_", images="current_ecr_images")
    definition = dict(PROFILE_TABLES)
    # Every image as the profile sees it (an index's child by its index), then the changed repositories' images.
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_img_all AS {definition['img'].format(**names)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_img AS SELECT * FROM _inc_img_all i WHERE {_of_changed('i')}")
    derived = ("repo_blobs", *PER_REPOSITORY)
    for name in derived:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {names[name]} AS {definition[name].format(**names)}")
    for name in PER_REPOSITORY:
        con.execute(f"DELETE FROM {name} t WHERE {_of_changed('t')}")
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM {names[name]}")
    for name in WHOLE:
        con.execute(f"DELETE FROM {name}")
        con.execute(f"INSERT INTO {name} BY NAME {definition[name].format(img='_inc_img_all')}")
    # Blobs whose sharing may have changed: those the changed repositories hold now or shared before.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _inc_x AS
        SELECT DISTINCT blob FROM _inc_repo_blobs
        UNION SELECT blob FROM profile_cross_repository_blobs t WHERE {_of_changed("t")}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _inc_x_rows AS
        SELECT account_id, region, repository_name, blob, size, active_refs > 0 AS active, active AS standard,
               first_pushed_at
        FROM _inc_repo_blobs
        UNION ALL SELECT * FROM ({_OTHER_REFERENCES})"""
    )
    con.execute("DELETE FROM profile_cross_repository_blobs WHERE blob IN (SELECT blob FROM _inc_x)")
    con.execute(
        """INSERT INTO profile_cross_repository_blobs BY NAME SELECT * FROM _inc_x_rows
        WHERE blob IN (SELECT blob FROM _inc_x_rows GROUP BY blob HAVING count(*) > 1)"""
    )
    totals = f"""
        SELECT account_id, region, repository_name, unique_bytes, active_bytes, active_blobs, archived_bytes,
               archived_blobs
        FROM profile_repository_blob_bytes t WHERE {_of_changed("t", negate=True)}
        UNION ALL {REPOSITORY_BLOB_TOTALS.format(repo_blobs="_inc_repo_blobs")}"""
    stored = {
        n: n for n in ("profile_cross_repository_blobs", "profile_repository_first_push", "profile_repository_storage")
    }
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_blob_bytes AS {solo_bytes(totals).format(**stored)}")
    for name, select in (
        ("profile_repository_blob_bytes", "SELECT * FROM _inc_blob_bytes"),
        ("profile_scope_storage", SCOPE_STORAGE_FROM_REPOSITORIES.format(**stored)),
        ("profile_global_first_push", GLOBAL_FIRST_PUSH.format(**stored)),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_new AS {select}")
        con.execute(f"DELETE FROM {name}")
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _inc_new")
    con.execute("DELETE FROM profile_repository_basis")
    con.execute("INSERT INTO profile_repository_basis BY NAME SELECT * FROM _inc_fingerprints")
    temp = ("_inc_img_all", *(names[n] for n in ("img", *derived)), "_inc_x", "_inc_x_rows", "_inc_blob_bytes")
    for name in (*temp, "_inc_new", "_inc_repos", "_inc_fingerprints"):
        con.execute(f"DROP TABLE {name}")
    con.execute("DELETE FROM profile_basis")
    con.execute(f"INSERT INTO profile_basis {PROFILE_BASIS_NOW}")
