"""The end-of-run profile derivation made incremental: a run derives again only what its scopes changed (issue #20).

Every profile table but three holds rows of one (account, region) scope, derived from that scope's images alone,
so a run's end replaces the rows of the scopes whose snapshot changed and keeps the others. A scope changed when
its current run is not the one the profile was derived from, when it appeared or went, or when manifests arrived
for images it already had (the manifest cache only grows: an image gets blobs once its manifest is cached, and
`profile_image_own_bytes` holds a row for every image whose manifest was cached then, its manifest being a blob
only it references).

The three that span scopes are derived from small relations, never from every blob again:
* `profile_cross_repository_blobs`: only blobs the changed scopes hold, held before, can start or stop being
  shared; their references in the other scopes are found by those blobs (a probe of the manifest cache);
* `profile_repository_blob_bytes`: each repository's stored totals less what it shares;
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
    solo_bytes,
    statement_names,
)

# Tables whose rows each belong to one scope, derived from its images only.
PER_SCOPE = (
    "profile_images",
    "profile_repository_storage",
    "profile_repository_first_push",
    "profile_scope_storage",
    "profile_image_own_bytes",
    "profile_repository_shared_blobs",
)
_IN_CHANGED = "(account_id, region) IN (SELECT (account_id, region) FROM _inc_scopes)"
_NOT_CHANGED = _IN_CHANGED.replace(" IN ", " NOT IN ")

# Scopes whose current run is not the one the profile was derived from, or that appeared or went since.
_RUN_CHANGED = """
WITH now AS (SELECT account_id, region, run_id FROM latest_scopes),
was AS (SELECT account_id, region, run_id FROM profile_basis WHERE account_id IS NOT NULL)
SELECT account_id, region FROM (SELECT * FROM now EXCEPT SELECT * FROM was)
UNION SELECT account_id, region FROM (SELECT * FROM was EXCEPT SELECT * FROM now)
"""
# Scopes with an image whose manifest is cached now but was not when the profile was derived.
_MANIFESTS_ARRIVED = """
SELECT DISTINCT i.account_id, i.region FROM current_ecr_images i
WHERE i.image_digest IN (SELECT digest FROM manifests)
  AND NOT EXISTS (SELECT 1 FROM profile_image_own_bytes o
                  WHERE o.account_id = i.account_id AND o.region = i.region
                    AND o.repository_name = i.repository_name AND o.image_digest = i.image_digest)
"""
# (manifests, layers, children) now and when the profile was derived; the cache only grows.
_CACHE_COUNTS = """
SELECT (SELECT count(*) FROM manifests), (SELECT count(*) FROM manifest_layers),
       (SELECT count(*) FROM manifest_children),
       (SELECT max(manifests) FROM profile_basis), (SELECT max(manifest_layers) FROM profile_basis),
       (SELECT max(manifest_children) FROM profile_basis)
"""

# References, in the scopes that did not change, to the blobs whose sharing may have changed (`_inc_x`).
_OTHER_REFERENCES = f"""
WITH refs AS (
    SELECT l.manifest_digest AS digest, l.layer_digest AS blob, l.size FROM manifest_layers l
    WHERE l.layer_digest IN (SELECT blob FROM _inc_x)
    UNION ALL SELECT digest, config_digest, config_size FROM manifests WHERE config_digest IN (SELECT blob FROM _inc_x)
    UNION ALL SELECT digest, digest, manifest_size FROM manifests WHERE digest IN (SELECT blob FROM _inc_x)
)
SELECT i.account_id, i.region, i.repository_name, r.blob, any_value(r.size) AS size,
       bool_or(coalesce(i.image_status <> 'ARCHIVED', false)) AS active,
       min(i.pushed_at) AS first_pushed_at
FROM refs r JOIN current_ecr_images i ON i.image_digest = r.digest
WHERE {_NOT_CHANGED.replace("(account_id, region) NOT", "(i.account_id, i.region) NOT")}
GROUP BY i.account_id, i.region, i.repository_name, r.blob
"""


def changed_scopes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]] | None:
    """The scopes to derive again, or None when only a full derivation will do (no profile yet, or a manifest
    cache that shrank)."""
    if not con.execute("SELECT count(*) FROM profile_basis").fetchall()[0][0]:
        return None
    counts = con.execute(_CACHE_COUNTS).fetchall()[0]
    now, was = counts[:3], counts[3:]
    if any(w is None or n < w for n, w in zip(now, was, strict=True)):
        return None
    changed = {tuple(r) for r in con.execute(_RUN_CHANGED).fetchall()}
    if now != was:
        changed |= {tuple(r) for r in con.execute(_MANIFESTS_ARRIVED).fetchall()}
    return sorted(changed)


def refresh_scopes(con: duckdb.DuckDBPyConnection, scopes: list[tuple[str, str]]) -> None:
    """Derive the profile again for `scopes` inside the caller's transaction (see the module's docstring)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _inc_scopes (account_id VARCHAR, region VARCHAR)")
    if scopes:
        con.executemany("INSERT INTO _inc_scopes VALUES (?, ?)", [list(s) for s in scopes])
    names = statement_names("_inc_", images=f"(SELECT * FROM current_ecr_images WHERE {_IN_CHANGED})")
    wanted = ("img", "repo_blobs", *PER_SCOPE)
    for name, sql in PROFILE_TABLES:
        if name in wanted:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {names[name]} AS {sql.format(**names)}")
    for name in PER_SCOPE:
        con.execute(f"DELETE FROM {name} WHERE {_IN_CHANGED}")
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM {names[name]}")
    # Blobs whose sharing may have changed: those the changed scopes hold now or shared before.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _inc_x AS
        SELECT DISTINCT blob FROM _inc_repo_blobs
        UNION SELECT blob FROM profile_cross_repository_blobs WHERE {_IN_CHANGED}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _inc_x_rows AS
        SELECT account_id, region, repository_name, blob, size, active_refs > 0 AS active, first_pushed_at
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
        FROM profile_repository_blob_bytes WHERE {_NOT_CHANGED}
        UNION ALL {REPOSITORY_BLOB_TOTALS.format(repo_blobs="_inc_repo_blobs")}"""
    stored = {n: n for n in ("profile_cross_repository_blobs", "profile_repository_first_push")}
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_blob_bytes AS {solo_bytes(totals).format(**stored)}")
    con.execute("DELETE FROM profile_repository_blob_bytes")
    con.execute("INSERT INTO profile_repository_blob_bytes BY NAME SELECT * FROM _inc_blob_bytes")
    con.execute("DELETE FROM profile_global_first_push")
    con.execute(f"INSERT INTO profile_global_first_push BY NAME {GLOBAL_FIRST_PUSH.format(**stored)}")
    for name in (*(names[n] for n in wanted), "_inc_x", "_inc_x_rows", "_inc_blob_bytes", "_inc_scopes"):
        con.execute(f"DROP TABLE {name}")
    con.execute("DELETE FROM profile_basis")
    con.execute(f"INSERT INTO profile_basis {PROFILE_BASIS_NOW}")
