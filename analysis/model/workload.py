"""The workload profile: what the estate stores, how it grows and how it is pulled, from the warehouse.

Computed in DuckDB over the current snapshot. Storage is counted three ways (DESIGN.md, Storage semantics):
naive Σ imageSizeInBytes (for contrast only), ECR-billable (unique blobs per repository, or per registry
when BLOB_MOUNTING is enabled) and globally unique (what one self-hosted registry stores). A blob here is a
layer, a config blob or a manifest, each counted by digest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from analysis.model.result import ProfileSummary
from analysis.warehouse import Warehouse, queries
from analysis.warehouse.storage_billing import blob_refs

DAYS_PER_MONTH = 365.25 / 12  # 30.4375: an average month, for turning window counts into monthly rates
GROWTH_MONTHS = 12  # push history window for growth

# The blob unions (per repository, per registry, globally) are derived by the warehouse when a run finishes
# (analysis.warehouse.storage_billing.PROFILE_TABLES: every blob a repository's images reference, with whether an
# ACTIVE, tagged or pulled image references it; children of an index inherit the index's tags and pull time).
# The queries below read those aggregates, named by {placeholders}: the warehouse's profile_* tables when they
# describe the current snapshot, or temp tables derived by the same statements when they do not.

# The per-repository figures every workload source (ECR, a Harbor/OCI registry) selects, from its `images` (i),
# `blobs` (b), `growth` (g) and `pulls` (p) relations: one list, so both profiles have the same columns.
REPOSITORY_FIGURES = """
       coalesce(i.images, 0) AS images, coalesce(i.tagged_images, 0) AS tagged_images,
       coalesce(i.untagged_images, 0) AS untagged_images, coalesce(i.archived_images, 0) AS archived_images,
       coalesce(i.never_pulled_images, 0) AS never_pulled_images,
       coalesce(i.naive_bytes, 0) AS naive_bytes,
       coalesce(b.unique_bytes, 0) AS unique_bytes,
       coalesce(b.standard_bytes, 0) AS standard_bytes,
       coalesce(b.archive_bytes, 0) AS archive_bytes,
       coalesce(b.untagged_bytes, 0) AS untagged_bytes,
       coalesce(b.never_pulled_bytes, 0) AS never_pulled_bytes,
       coalesce(g.bytes_added, 0) AS bytes_added_in_window,
       coalesce(i.recent_pushes, 0) AS recent_pushes,
       coalesce(p.pulls, 0) AS pulls_in_window,
       coalesce(i.pulled_image_bytes, i.tagged_image_bytes, 0) AS bytes_per_pull_uncached,
"""

_PER_REPO = (
    """
WITH blobs AS (
    SELECT * FROM {profile_repository_storage}
),
growth AS (  -- the months after the window's first, whole; that month from its start, exactly (UTC months)
    SELECT account_id, region, repository_name, sum(bytes) AS bytes_added FROM (
        SELECT account_id, region, repository_name, bytes FROM {profile_repository_push_months}
        WHERE month > date_trunc('month', $growth_start AT TIME ZONE 'UTC')
        UNION ALL
        SELECT account_id, region, repository_name, bytes FROM {profile_repository_first_push}
        WHERE first_pushed_at >= $growth_start
          AND first_pushed_at < $growth_start + INTERVAL 32 DAY  -- implied by the next line; lets the scan skip
          AND first_pushed_at AT TIME ZONE 'UTC'
              < date_trunc('month', $growth_start AT TIME ZONE 'UTC') + INTERVAL 1 MONTH
    ) GROUP BY ALL
),
counted AS (SELECT * FROM {profile_repository_images}),
-- what depends on the as-of date, from the few images it selects (not a grouping of every image)
pushed AS (
    SELECT account_id, region, repository_name, count(*) AS recent_pushes
    FROM {profile_images} WHERE pushed_at >= $push_start AND NOT is_child GROUP BY ALL
),
pulled AS (  -- what one pull transfers at most: an image's compressed size (an index reports one child's)
    SELECT account_id, region, repository_name, avg(image_size_bytes) AS pulled_image_bytes
    FROM {profile_images} WHERE effective_pull_at >= $pull_start AND NOT is_child GROUP BY ALL
),
images AS (  -- as the profile sees them: an index's child by its index
    SELECT c.account_id, c.region, c.repository_name, c.images, c.kept_images AS tagged_images,
           c.unkept_images AS untagged_images, c.inactive_images AS archived_images, c.never_pulled_images,
           c.naive_bytes, s.recent_pushes, l.pulled_image_bytes, c.tagged_image_bytes
    FROM counted c LEFT JOIN pushed s USING (account_id, region, repository_name)
    LEFT JOIN pulled l USING (account_id, region, repository_name)
),
pulls AS (
    SELECT account_id, region, repository_name, sum(pulls) AS pulls
    FROM current_ecr_pull_counts GROUP BY ALL
)
SELECT r.account_id, r.region, r.repository_name,
"""
    + REPOSITORY_FIGURES
    + """       r.repository_uri, r.encryption_type, r.kms_key, r.scan_on_push,
       r.lifecycle_policy_text IS NOT NULL AS has_lifecycle_policy
FROM current_ecr_repositories r
LEFT JOIN images i USING (account_id, region, repository_name)
LEFT JOIN blobs b USING (account_id, region, repository_name)
LEFT JOIN growth g USING (account_id, region, repository_name)
LEFT JOIN pulls p USING (account_id, region, repository_name)
ORDER BY r.account_id, r.region, r.repository_name
"""
)

_PER_SCOPE = """
WITH scope_blobs AS (SELECT * FROM {profile_scope_storage})
SELECT s.account_id, s.region, s.run_id, s.finished_at,
       coalesce(reg.blob_mounting, 'DISABLED') AS blob_mounting,
       reg.replication_rules, reg.scanning_configuration,
       coalesce(b.scope_unique_bytes, 0) AS scope_unique_bytes,
       coalesce(b.scope_standard_bytes, 0) AS scope_standard_bytes
FROM latest_scopes s
LEFT JOIN current_ecr_registries reg USING (account_id, region)
LEFT JOIN scope_blobs b USING (account_id, region)
ORDER BY s.account_id, s.region
"""

_GLOBAL = """
SELECT coalesce(sum(bytes), 0) AS bytes, coalesce(sum(bytes) FILTER (WHERE first_pushed_at >= $growth_start), 0)
FROM {profile_global_first_push}
"""

_PULL_WINDOW = "SELECT min(day), max(day), count(DISTINCT day) FROM current_ecr_pull_counts"

_PTC = "SELECT account_id, region, ecr_repository_prefix FROM current_ecr_pull_through_cache_rules"

SNAPSHOT_GAP_DAYS = 28  # an earlier snapshot at least this much older measures growth over a whole month or more

# Unique bytes per repository of each scope's newest snapshot at least SNAPSHOT_GAP_DAYS older than the
# current one: the net growth between two snapshots, deletions and lifecycle expiry included.
_EARLIER_SNAPSHOT = f"""
WITH cur AS (SELECT account_id, region, finished_at FROM latest_scopes),
old AS (
    SELECT s.account_id, s.region, arg_max(s.run_id, s.finished_at) AS run_id,
           max(s.finished_at) AS old_at, any_value(c.finished_at) AS cur_at
    FROM run_scopes s JOIN runs r USING (run_id) JOIN cur c USING (account_id, region)
    WHERE r.status IN ('complete', 'partial', 'failed')
      AND s.finished_at <= c.finished_at - INTERVAL {SNAPSHOT_GAP_DAYS} DAY
    GROUP BY s.account_id, s.region
),
imgs AS (
    SELECT i.account_id, i.region, i.repository_name, i.image_digest
    FROM ecr_images i JOIN old o USING (run_id, account_id, region)
),
blobs AS (
    SELECT DISTINCT account_id, region, repository_name, blob, size FROM (
        {blob_refs("imgs", "i.account_id, i.region, i.repository_name, ")}
    )
)
SELECT o.account_id, o.region, o.old_at, o.cur_at, coalesce(sum(b.size), 0) AS old_bytes
FROM old o LEFT JOIN blobs b USING (account_id, region)
GROUP BY o.account_id, o.region, o.old_at, o.cur_at
"""


@dataclass(frozen=True)
class WorkloadProfile:
    """What the model needs to know about the estate. Byte figures are bytes; rates are per month."""

    as_of: datetime
    repositories: pd.DataFrame  # one row per repository (see _PER_REPO) plus derived monthly rates
    scopes: pd.DataFrame  # one row per (account, region): blob mounting, registry-wide unique bytes
    global_unique_bytes: int
    global_growth_bytes_per_month: float
    pull_window_days: int
    growth_method: str
    notes: list[str] = field(default_factory=list)

    # -- storage three ways ------------------------------------------------------------------------
    @property
    def naive_bytes(self) -> int:
        return int(self.repositories["naive_bytes"].sum())

    def ecr_billable_by_scope(self) -> pd.DataFrame:
        """Standard and archive bytes ECR bills per (account, region).

        Without blob mounting a blob is stored (and billed) once per repository; with BLOB_MOUNTING=ENABLED
        repositories of one registry share it. That mounting de-duplicates fully is an assumption: mounts
        happen only when the pushing client sends the OCI mount parameters (ecr-facts §2).
        """
        per_repo = self.repositories.groupby(["account_id", "region"], as_index=False)[
            ["standard_bytes", "archive_bytes"]
        ].sum()
        out = self.scopes[["account_id", "region", "blob_mounting", "scope_unique_bytes", "scope_standard_bytes"]]
        out = out.merge(per_repo, on=["account_id", "region"], how="left").fillna(
            {"standard_bytes": 0, "archive_bytes": 0}
        )
        mounted = out["blob_mounting"].eq("ENABLED")
        out["billable_standard_bytes"] = np.where(mounted, out["scope_standard_bytes"], out["standard_bytes"])
        out["billable_archive_bytes"] = np.where(
            mounted, out["scope_unique_bytes"] - out["scope_standard_bytes"], out["archive_bytes"]
        )
        return out

    @property
    def ecr_billable_bytes(self) -> int:
        b = self.ecr_billable_by_scope()
        return int(b["billable_standard_bytes"].sum() + b["billable_archive_bytes"].sum())

    @property
    def pulls_per_month(self) -> float:
        return float(self.repositories["pulls_per_month"].sum())


def load_profile(warehouse: Warehouse, *, now: datetime | None = None) -> WorkloadProfile:
    now = now or datetime.now(UTC)
    con = warehouse.cursor()  # temp tables live on this cursor only; readers stay read-only
    growth_start = _months_before(now, GROWTH_MONTHS)
    window = con.execute(_PULL_WINDOW).fetchall()[0]
    pull_days = int(window[2] or 0)
    pull_start = window[0] if window[0] is not None else now
    params = {"growth_start": growth_start, "push_start": _days_before(now, 90), "pull_start": pull_start}

    tables = queries.profile_tables(con, warehouse)  # the one definition of the aggregates, shared with `status`
    repos = con.execute(_PER_REPO.format(**tables), params).df()
    scopes = con.execute(_PER_SCOPE.format(**tables)).df()
    global_bytes, global_added = con.execute(_GLOBAL.format(**tables), {"growth_start": growth_start}).fetchall()[0]
    ptc = con.execute(_PTC).fetchall()
    earlier = con.execute(_EARLIER_SNAPSHOT).df()
    con.close()

    repos["pulls_per_month"] = repos["pulls_in_window"] * (DAYS_PER_MONTH / pull_days) if pull_days else 0.0
    repos["pushes_per_month"] = repos["recent_pushes"] * (DAYS_PER_MONTH / 90)
    repos["growth_bytes_per_month"] = repos["bytes_added_in_window"] / GROWTH_MONTHS
    repos["pull_through_cache"] = _under_prefixes(repos, ptc)
    repos["replication_destinations"] = _replication_destinations(repos, scopes)
    notes = []
    if not pull_days:
        notes.append("no CloudWatch pull counts collected: pulls per month are 0 until `--metric-days` > 0")
    global_growth = float(global_added) / GROWTH_MONTHS
    method = (
        f"push history: bytes of blobs still present, first pushed in the last {GROWTH_MONTHS} months, "
        "per month (net of what lifecycle rules already expired)"
    )
    factor, snapshot_method = _snapshot_growth_factor(repos, earlier)
    if factor is not None:
        repos["growth_bytes_per_month"] = repos["growth_bytes_per_month"] * factor
        global_growth *= factor
        method = snapshot_method
    return WorkloadProfile(
        as_of=now,
        repositories=repos,
        scopes=scopes,
        global_unique_bytes=int(global_bytes),
        global_growth_bytes_per_month=global_growth,
        pull_window_days=pull_days,
        growth_method=method,
        notes=notes,
    )


def _snapshot_growth_factor(repos: pd.DataFrame, earlier: pd.DataFrame) -> tuple[float | None, str]:
    """How much the measured net growth between snapshots differs from what push history suggests.

    Push history sees only blobs still present; two snapshots a month or more apart see the net change of what
    is stored (pushes minus deletions). Where such an earlier snapshot exists, the growth of every repository
    is scaled so that the estate grows as the snapshots say, and push history only decides the split.
    """
    if earlier.empty:
        return None, ""
    per_scope = repos.groupby(["account_id", "region"], as_index=False)[
        ["unique_bytes", "growth_bytes_per_month"]
    ].sum()
    both = earlier.merge(per_scope, on=["account_id", "region"], how="inner")
    months = (both["cur_at"] - both["old_at"]).dt.total_seconds() / 86_400 / DAYS_PER_MONTH
    measured = float(((both["unique_bytes"] - both["old_bytes"]) / months).sum())
    pushed = float(both["growth_bytes_per_month"].sum())
    if not len(both) or pushed <= 0:
        return None, ""
    span = f"{months.min():.1f}" if months.min() == months.max() else f"{months.min():.1f}–{months.max():.1f}"
    return measured / pushed, (
        f"snapshots: net change of unique bytes per repository between the current snapshot and one {span} "
        f"months earlier in {len(both)} account-region(s) ({measured / 2**30:,.1f} GiB/month), split over "
        "repositories by their push history"
    )


def _months_before(now: datetime, months: int) -> datetime:
    return now - pd.Timedelta(days=DAYS_PER_MONTH * months).to_pytimedelta()


def _days_before(now: datetime, days: int) -> datetime:
    return now - pd.Timedelta(days=days).to_pytimedelta()


def _under_prefixes(repos: pd.DataFrame, rules: list[tuple[str, str, str]]) -> np.ndarray:
    """Repositories created by a pull-through cache rule live under its ECR repository prefix."""
    flags = np.zeros(len(repos), dtype=bool)
    for account, region, prefix in rules:
        flags |= (
            repos["account_id"].eq(account)
            & repos["region"].eq(region)
            & repos["repository_name"].str.startswith(prefix.rstrip("/") + "/")
        ).to_numpy()
    return flags


def _replication_destinations(repos: pd.DataFrame, scopes: pd.DataFrame) -> list[list[str]]:
    """Destination regions each repository is replicated to (PREFIX_MATCH filters; no filter = all).

    Rule by rule over the repositories of its scope (a prefix match over a column), not rule by repository: most
    registries replicate nothing, and at 80,000 repositories a loop over every one took 0.5 s of each estimate."""
    out: list[list[str]] = [[] for _ in range(len(repos))]
    for row in scopes.itertuples():
        # A registry whose settings could not be read has NULL rules, which pandas hands over as NaN (truthy).
        rules = json.loads(row.replication_rules) if isinstance(row.replication_rules, str) else []
        if not rules:
            continue
        at = np.flatnonzero((repos["account_id"].eq(row.account_id) & repos["region"].eq(row.region)).to_numpy())
        names = repos["repository_name"].iloc[at]
        dests: list[set[str]] = [set() for _ in at]
        for rule in rules:
            filters = [f["filter"] for f in rule.get("repositoryFilters", []) if f.get("filterType") == "PREFIX_MATCH"]
            regions = {d["region"] for d in rule.get("destinations", []) if d.get("region") != row.region}
            matched = names.str.startswith(tuple(filters)).to_numpy() if filters else np.ones(len(at), dtype=bool)
            for k in np.flatnonzero(matched):
                dests[k] |= regions
        for j, i in enumerate(at.tolist()):
            out[i] = sorted(dests[j])
    return out


def summary(profile: WorkloadProfile) -> ProfileSummary:
    """The profile's headline figures for the result object."""
    repos = profile.repositories
    return ProfileSummary(
        source="warehouse",
        accounts=int(profile.scopes["account_id"].nunique()),
        regions=sorted(profile.scopes["region"].unique().tolist()),
        repositories=len(repos),
        images=int(repos["images"].sum()),
        naive_bytes=float(profile.naive_bytes),
        ecr_billable_bytes=float(profile.ecr_billable_bytes),
        global_unique_bytes=float(profile.global_unique_bytes),
        growth_bytes_per_month=float(profile.global_growth_bytes_per_month),
        untagged_bytes=float(repos["untagged_bytes"].sum()),
        never_pulled_bytes=float(repos["never_pulled_bytes"].sum()),
        pulls_per_month=float(profile.pulls_per_month),
        pull_bytes_per_month=float((repos["pulls_per_month"] * repos["bytes_per_pull_uncached"]).sum()),
        pull_window_days=profile.pull_window_days,
        growth_method=profile.growth_method,
    )
