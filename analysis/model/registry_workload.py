"""The workload profile of a self-hosted registry (Harbor, or any OCI registry) from its current snapshot.

`load_registry_profile` builds the same `WorkloadProfile` as `workload.load_profile` does from ECR — the same
repository and scope columns — so every scenario prices either side: what the estate collected from Harbor would
cost on ECR (the baseline scenarios) against hosting it yourself.

The mapping (docs/harbor.md, "Estimating from a Harbor collection"):

- `account_id` is the registry's id (its URL without credentials), `region` the AWS region the estate would live
  in on ECR (`--as-region`, default us-east-1): one scope, as if every repository moved to one ECR registry;
  `repository_name` is the full name, project included (`team/app`).
- Storage is counted as on ECR, by the same statements (storage_billing.PROFILE_TABLES): unique layers, configs and
  manifests per repository (what ECR bills without blob mounting), per registry and globally (what one
  self-hosted registry stores); an index's children and an artifact's accessories (signatures, SBOMs) inherit
  its tags and pull time. Nothing is archived.
- Growth: bytes of blobs first pushed in the last 12 months (Harbor's push times), per month. An OCI registry
  reports no push times: growth 0, with a note.
- Pulls: Harbor's `pull_count` is cumulative per repository, so pulls per month are its change between the
  current snapshot and an earlier one, per month elapsed. One snapshot (or an OCI registry): 0, with a note.
- Repositories of a Harbor proxy-cache project are priced as ECR pull-through cache repositories.
- The scope: blob mounting DISABLED, no replication rules, no scanning configuration (ECR defaults).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from analysis.model.workload import (
    _GLOBAL,
    DAYS_PER_MONTH,
    GROWTH_MONTHS,
    REPOSITORY_FIGURES,
    WorkloadProfile,
    _days_before,
    _months_before,
)
from analysis.urls import registry_id
from analysis.warehouse import Warehouse
from analysis.warehouse.storage_billing import PROFILE_TABLES

DEFAULT_REGION = "us-east-1"
PULL_MIN_GAP_DAYS = 1  # an earlier snapshot must be at least this much older to measure pull rates
PULL_LOOKBACK_DAYS = 90  # the oldest earlier snapshot within this window is taken (the longest recent window)

# The registry's current artifacts shaped like the ECR path's `img` (storage_billing.PROFILE_TABLES): one row per
# artifact, account_id = the registry, region = the ECR region it is priced in. Children of an index inherit
# its tags and pull time, from the artifact's own list of children and from the manifest cache.
_IMG = """
WITH listed AS (
    SELECT repository_name, image_digest, image_size_bytes, pushed_at, last_pull_at,
           len(coalesce(image_tags, [])) > 0 AS tagged,
           coalesce(child_digests, []) AS child_digests,
           coalesce(is_child, false) AS is_child
    FROM registry_artifacts WHERE run_id = $run_id AND registry = $registry
),
acc AS (  -- accessories (signatures, SBOMs): stored like artifacts, kept and pulled with their subject
    SELECT DISTINCT repository_name, accessory_digest, subject_digest, size_bytes, created_at
    FROM registry_accessories WHERE run_id = $run_id AND registry = $registry
),
art AS (
    SELECT * FROM listed
    UNION ALL
    SELECT DISTINCT c.repository_name, c.accessory_digest, c.size_bytes, c.created_at, NULL, false, [], true
    FROM acc c ANTI JOIN listed l ON l.repository_name = c.repository_name AND l.image_digest = c.accessory_digest
),
links AS (
    SELECT repository_name, image_digest AS index_digest, unnest(child_digests) AS child_digest FROM art
    UNION
    SELECT repository_name, subject_digest, accessory_digest FROM acc
    UNION
    SELECT a.repository_name, a.image_digest, c.child_digest
    FROM art a JOIN manifest_children c ON c.index_digest = a.image_digest
),
parent AS (
    SELECT l.repository_name, l.child_digest, bool_or(a.tagged) AS tagged, max(a.last_pull_at) AS last_pull_at
    FROM links l JOIN art a ON a.repository_name = l.repository_name AND a.image_digest = l.index_digest
    GROUP BY ALL
)
SELECT $registry AS account_id, $region AS region, a.repository_name, a.image_digest, a.image_size_bytes,
       a.pushed_at,
       false AS archived,
       false AS own_archived,  -- no archive class here (storage_billing's repo_blobs counts ACTIVE references)
       a.tagged AS own_tagged,
       a.tagged OR coalesce(p.tagged, false) AS kept_by_tag,
       greatest(a.last_pull_at, p.last_pull_at) AS effective_pull_at,
       a.is_child OR p.child_digest IS NOT NULL AS is_child
FROM art a LEFT JOIN parent p ON p.repository_name = a.repository_name AND p.child_digest = a.image_digest
"""

# The columns of workload._PER_REPO, from the registry's tables.
_PER_REPO = (
    """
WITH blobs AS (
    SELECT * FROM {profile_repository_storage}
),
growth AS (
    SELECT repository_name, sum(bytes) AS bytes_added
    FROM {profile_repository_first_push} WHERE first_pushed_at >= $growth_start GROUP BY ALL
),
images AS (
    SELECT repository_name,
           count(*) AS images,
           count(*) FILTER (WHERE kept_by_tag) AS tagged_images,
           count(*) FILTER (WHERE NOT kept_by_tag) AS untagged_images,
           count(*) FILTER (WHERE archived) AS archived_images,
           count(*) FILTER (WHERE effective_pull_at IS NULL) AS never_pulled_images,
           -- Harbor's size of an index already holds its children's: summed once (accessories are not in it)
           coalesce(sum(image_size_bytes) FILTER (WHERE NOT is_child), 0) AS naive_bytes,
           count(*) FILTER (WHERE pushed_at >= $push_start AND NOT is_child) AS recent_pushes,
           avg(image_size_bytes) FILTER (WHERE effective_pull_at >= $pull_start AND NOT is_child) AS pulled_image_bytes,
           avg(image_size_bytes) FILTER (WHERE kept_by_tag AND NOT is_child) AS tagged_image_bytes
    FROM {profile_images} GROUP BY ALL
),
cur AS (
    SELECT repository_name, any_value(pull_count) AS pull_count, any_value(created_at) AS created_at
    FROM registry_repositories WHERE run_id = $run_id AND registry = $registry GROUP BY ALL
),
old AS (
    SELECT repository_name, any_value(pull_count) AS pull_count
    FROM registry_repositories WHERE run_id = $old_run_id AND registry = $registry GROUP BY ALL
),
pulls AS (  -- pull_count is cumulative: its change since the earlier snapshot
    SELECT c.repository_name,
           CASE WHEN c.pull_count IS NULL THEN 0
                WHEN o.pull_count IS NULL THEN  -- not in the earlier snapshot: created since, or unknown
                     CASE WHEN c.created_at >= $old_at THEN c.pull_count ELSE 0 END
                WHEN c.pull_count >= o.pull_count THEN c.pull_count - o.pull_count
                ELSE c.pull_count  -- the counter restarted: the repository was deleted and re-created
           END AS pulls
    FROM cur c LEFT JOIN old o USING (repository_name)
),
names AS (
    SELECT repository_name FROM cur UNION SELECT repository_name FROM {profile_images}
)
SELECT $registry AS account_id, $region AS region, r.repository_name,
"""
    + REPOSITORY_FIGURES
    + """       $host || '/' || r.repository_name AS repository_uri,
       CAST(NULL AS VARCHAR) AS encryption_type, CAST(NULL AS VARCHAR) AS kms_key, false AS scan_on_push,
       false AS has_lifecycle_policy
FROM names r
LEFT JOIN images i USING (repository_name)
LEFT JOIN blobs b USING (repository_name)
LEFT JOIN growth g USING (repository_name)
LEFT JOIN pulls p USING (repository_name)
ORDER BY r.repository_name
"""
)

_SCOPE = """
SELECT $registry AS account_id, $region AS region, $run_id AS run_id, $finished_at AS finished_at,
       'DISABLED' AS blob_mounting,
       CAST(NULL AS VARCHAR) AS replication_rules, CAST(NULL AS VARCHAR) AS scanning_configuration,
       coalesce((SELECT sum(scope_unique_bytes) FROM {profile_scope_storage}), 0) AS scope_unique_bytes,
       coalesce((SELECT sum(scope_standard_bytes) FROM {profile_scope_storage}), 0) AS scope_standard_bytes
"""

_SNAPSHOTS = """
SELECT s.registry, s.run_id, s.kind, s.finished_at
FROM registry_snapshots s JOIN runs r USING (run_id)
WHERE r.status IN ('complete', 'partial', 'failed')
ORDER BY s.registry, s.finished_at DESC, s.run_id DESC
"""


class RegistryNotFound(LookupError):
    """No current snapshot of the registry asked for (or, with none named, not exactly one registry)."""


def load_registry_profile(
    warehouse: Warehouse,
    registry: str | None = None,
    *,
    region: str = DEFAULT_REGION,
    now: datetime | None = None,
) -> WorkloadProfile:
    """The workload profile of a self-hosted registry's current snapshot, as if it lived in ECR `region`.

    `registry`: its URL or id (the URL without credentials, as `regcost status` lists it; the scheme may be
    left out); None when the warehouse holds exactly one registry.
    """
    now = now or datetime.now(UTC)
    con = warehouse.cursor()  # temp tables live on this cursor only; readers stay read-only
    try:
        snapshots = con.execute(_SNAPSHOTS).fetchall()
        registry_id = _pick_registry(sorted({s[0] for s in snapshots}), registry)
        mine = [s for s in snapshots if s[0] == registry_id]
        _, run_id, kind, finished_at = mine[0]
        earlier = _earlier_snapshot(finished_at, [(s[1], s[3]) for s in mine[1:]]) if kind != "oci" else None
        old_run_id, old_at = earlier if earlier else (-1, finished_at)
        gap_days = (finished_at - old_at).total_seconds() / 86_400

        params = {
            "registry": registry_id,
            "region": region,
            "run_id": run_id,
            "old_run_id": old_run_id,
            "old_at": old_at,
            "host": registry_id.split("://", 1)[-1],
            "growth_start": _months_before(now, GROWTH_MONTHS),
            "push_start": _days_before(now, 90),
            "pull_start": old_at if earlier else now,
        }
        tables = _derive(con, params)
        repos = con.execute(_PER_REPO.format(**tables), params).df()
        scope_params = {k: params[k] for k in ("registry", "region", "run_id")} | {"finished_at": finished_at}
        scopes = con.execute(_SCOPE.format(**tables), scope_params).df()
        pushed = con.execute(f"SELECT count(pushed_at) FROM {tables['profile_images']}").fetchall()[0][0]
        proxies = {
            r[0]
            for r in con.execute(
                "SELECT name FROM harbor_projects WHERE run_id = ? AND registry = ? AND proxy_registry_id > 0",
                [run_id, registry_id],
            ).fetchall()
        }
        global_bytes, global_added = con.execute(
            _GLOBAL.format(**tables), {"growth_start": params["growth_start"]}
        ).fetchall()[0]
    finally:
        con.close()

    notes, pull_days = _add_rates(repos, registry_id, kind, measured=earlier is not None, gap_days=gap_days)
    # A Harbor proxy-cache project is what a pull-through cache rule is on ECR (its repositories live under it).
    repos["pull_through_cache"] = repos["repository_name"].map(lambda n: n.split("/", 1)[0] in proxies).astype(bool)
    repos["replication_destinations"] = [[] for _ in range(len(repos))]

    if not pushed:
        method = "none: the registry reports no push times (an OCI registry never does), so growth is 0"
        notes.append(f"{registry_id} reports no push times: growth is 0 (estimate from a usage file to set it)")
    else:
        method = (
            f"push history ({registry_id}): bytes of blobs still present, first pushed in the last "
            f"{GROWTH_MONTHS} months, per month (net of what retention already removed)"
        )
    notes.append(
        f"estate of {registry_id} priced as one ECR registry in {region} (blob mounting disabled, no replication, "
        "no enhanced scanning)"
    )
    return WorkloadProfile(
        as_of=now,
        repositories=repos,
        scopes=scopes,
        global_unique_bytes=int(global_bytes),
        global_growth_bytes_per_month=float(global_added) / GROWTH_MONTHS,
        pull_window_days=pull_days,
        growth_method=method,
        notes=notes,
    )


def _add_rates(
    repos: pd.DataFrame, registry: str, kind: str, *, measured: bool, gap_days: float
) -> tuple[list[str], int]:
    """Pulls, pushes and growth per month on each repository row, from the counts over their windows; (notes on
    what could not be measured, the pull window in days — 0 when pulls are not measured)."""
    notes: list[str] = []
    pull_days = 0
    if kind == "oci":
        repos["pulls_in_window"] = 0
        repos["never_pulled_bytes"] = 0  # no pull times: unknown, not "never"
        repos["never_pulled_images"] = 0
        notes.append(
            f"{registry} is a plain OCI registry: it counts no pulls and reports no pull times, so pulls per "
            "month are 0 and never-pulled bytes unknown (0)"
        )
    elif not measured:
        notes.append(
            f"{registry}: one snapshot only, so pulls per month are 0 — collect twice, a few days apart, to "
            "measure pull rates (Harbor's pull_count is cumulative)"
        )
    else:
        pull_days = max(round(gap_days), 1)
    per_month = DAYS_PER_MONTH / gap_days if pull_days else 0.0
    repos["pulls_per_month"] = repos["pulls_in_window"] * per_month
    repos["pushes_per_month"] = repos["recent_pushes"] * (DAYS_PER_MONTH / 90)
    repos["growth_bytes_per_month"] = repos["bytes_added_in_window"] / GROWTH_MONTHS
    return notes, pull_days


def _pick_registry(known: list[str], wanted: str | None) -> str:
    if not known:
        raise RegistryNotFound(
            "no Harbor or OCI registry collected yet: run `regcost collect harbor` or `regcost collect oci`"
        )
    if wanted is None:
        if len(known) == 1:
            return known[0]
        raise RegistryNotFound(f"{len(known)} registries collected: name one of {', '.join(known)}")
    want = registry_id(wanted)
    for k in known:
        if want in (k, k.split("://", 1)[-1]):
            return k
    raise RegistryNotFound(f"no collected registry {want}: collected are {', '.join(known)}")


def _earlier_snapshot(current: datetime, earlier: list[tuple[int, datetime]]) -> tuple[int, datetime] | None:
    """The snapshot to difference pull counts against: the oldest one within PULL_LOOKBACK_DAYS and at least
    PULL_MIN_GAP_DAYS before the current one, else the newest one older than that window."""
    usable = [(r, t) for r, t in earlier if t <= current - timedelta(days=PULL_MIN_GAP_DAYS)]
    recent = [(r, t) for r, t in usable if t >= current - timedelta(days=PULL_LOOKBACK_DAYS)]
    if recent:
        return min(recent, key=lambda s: (s[1], s[0]))
    return max(usable, key=lambda s: (s[1], s[0]), default=None)


def _derive(con: duckdb.DuckDBPyConnection, params: dict[str, object]) -> dict[str, str]:
    """The profile tables of the registry's snapshot, as temp tables, by the ECR path's own statements with the
    registry's artifacts in place of ECR's images."""
    names = {name: f"_registry_{name}" for name, _ in PROFILE_TABLES}
    img_params = {k: params[k] for k in ("registry", "region", "run_id")}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {names['img']} AS {_IMG}", img_params)
    for name, sql in PROFILE_TABLES:
        if name != "img":
            con.execute(f"CREATE OR REPLACE TEMP TABLE {names[name]} AS {sql.format(**names)}")
    return names
