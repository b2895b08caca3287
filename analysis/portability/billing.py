"""Lifecycle policies run over the estate, with what they free as ECR bills it.

ECR bills a blob once per repository (DESIGN.md, Storage semantics): expiring an image frees only the blobs
no remaining image of the repository references. So "bytes freed" is the repository's unique blob bytes
before minus after, never Σ imageSizeInBytes. A blob is billed in the standard class while any ACTIVE image
references it, else in the archive class. Cross-repository de-duplication (BLOB_MOUNTING=ENABLED) is not
assumed here: per repository is the upper bound of what ECR bills and therefore of what a clean-up saves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from analysis.model.costs import flat_price
from analysis.portability.inventory import BLOBS_OF_IMAGES, SCOPE, Inventory
from analysis.portability.lifecycle import Policy, PolicyProblem, parse_policy
from analysis.portability.lifecycle_sql import KEY, evaluate_all
from analysis.pricing import Catalog, tiered_cost
from analysis.warehouse import queries

GIB = 2**30


@dataclass
class LifecycleReport:
    at: datetime
    source: str  # "collected" or the proposed policy file
    repositories: pd.DataFrame  # one row per evaluated repository
    outcomes: pd.DataFrame  # one row per image of the evaluated repositories: action, rule, blocked
    problems: list[dict[str, Any]] = field(default_factory=list)  # malformed policies: repository + reason
    prices: list[dict[str, Any]] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        r = self.repositories
        return {
            "repositories_evaluated": len(r),
            "repositories_with_actions": int(((r["expired"] + r["archived"]) > 0).sum()) if len(r) else 0,
            "images_expired": int(r["expired"].sum()) if len(r) else 0,
            "images_archived": int(r["archived"].sum()) if len(r) else 0,
            "images_held_by_index": int(r["held_by_index"].sum()) if len(r) else 0,
            "bytes_freed": float(r["bytes_freed"].sum()) if len(r) else 0.0,
            "bytes_to_archive": float(r["bytes_to_archive"].sum()) if len(r) else 0.0,
            "monthly_saving": float(r["monthly_saving"].sum()) if len(r) else 0.0,
            "malformed_policies": len(self.problems),
        }


def policies_to_run(inv: Inventory, proposed: str | None, repositories: list[str] | None) -> pd.DataFrame:
    """(account, region, repository, policy text) to evaluate: the collected policies, or the proposed one."""
    repos = inv.repositories
    if repositories:
        repos = repos[repos["repository_name"].isin(repositories)]
    out = repos[[*SCOPE, "lifecycle_policy_text"]].rename(columns={"lifecycle_policy_text": "policy_text"})
    if proposed is not None:
        return out.assign(policy_text=proposed)
    return out[out["policy_text"].notna()]


def parsed_policies(
    inv: Inventory, proposed: str | None = None, repositories: list[str] | None = None
) -> tuple[pd.DataFrame, list[Any], pd.Series, list[dict[str, str]]]:
    """The policies to evaluate (with a `policy_id` into `parsed`, each distinct text parsed once), which of them
    do not parse, and those as problems: what `run_lifecycle` starts from, and all the migration plan's effort
    takes from the lifecycle (its findings count the problems; the estimate reads them without evaluating)."""
    todo = policies_to_run(inv, proposed, repositories)
    texts = list(dict.fromkeys(todo["policy_text"]))
    parsed = [parse_policy(t) for t in texts]
    policy_id = pd.Series(range(len(texts)), index=texts, dtype="int64")
    todo = todo.assign(policy_id=todo["policy_text"].map(policy_id).to_numpy())
    bad = todo["policy_id"].map(lambda i: isinstance(parsed[i], PolicyProblem)).astype(bool)
    problems = [
        {"account_id": a, "region": r, "repository_name": n, "reason": str(parsed[i])}
        for a, r, n, i in todo.loc[bad, [*SCOPE, "policy_id"]].itertuples(index=False)
    ]
    return todo, parsed, bad, problems


def run_lifecycle(
    inv: Inventory,
    con: Any,
    catalog: Catalog,
    *,
    at: datetime,
    proposed: str | None = None,
    source: str = "collected",
    repositories: list[str] | None = None,
    keep_outcomes: bool = True,
) -> LifecycleReport:
    """Evaluate every policy on its repository's images, all repositories at once in the warehouse
    (lifecycle_sql; each distinct policy text parsed once). `keep_outcomes=False` leaves the per-image outcomes
    in the warehouse (a command that shows only the per-repository figures never reads millions of rows)."""
    todo, parsed, bad, problems = parsed_policies(inv, proposed, repositories)
    evaluate_all(
        con, todo.loc[~bad, [*SCOPE, "policy_id"]], [p if isinstance(p, Policy) else None for p in parsed], at=at
    )
    repos, prices = _bytes_and_saving(con, catalog)
    outcomes = read_outcomes(con) if keep_outcomes else pd.DataFrame(columns=OUTCOME_COLUMNS)
    return LifecycleReport(at, source, repos, outcomes, problems, prices)


def read_outcomes(con: Any, scopes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The per-image outcomes `run_lifecycle` left in the warehouse (OUTCOME_COLUMNS), of every evaluated image or
    of the repositories in `scopes` (a frame of SCOPE). Through Arrow: DuckDB's pandas conversion turns each
    list of tags into a NumPy array one by one (seconds per million images); Arrow gives the lists at once."""
    query = _OUTCOMES
    if scopes is not None:
        con.register("_lc_scopes", scopes[SCOPE])
        on = " AND ".join(f"s.{c} = i.{c}" for c in SCOPE)
        query = _OUTCOMES.replace("ORDER BY", f"SEMI JOIN _lc_scopes s ON {on}\nORDER BY")
    try:
        table = con.sql(query).to_arrow_table()
    finally:
        if scopes is not None:
            con.unregister("_lc_scopes")
    tags = table.column("image_tags").to_pylist()
    outcomes = table.drop_columns(["image_tags"]).to_pandas()
    outcomes.insert(OUTCOME_COLUMNS.index("image_tags"), "image_tags", [t if t is not None else [] for t in tags])
    outcomes["action"] = outcomes["action"].astype(object).where(outcomes["action"].notna(), None)
    return outcomes


OUTCOME_COLUMNS = [*SCOPE, "image_digest", "image_tags", "pushed_at", "last_pull_at", "image_status"]
OUTCOME_COLUMNS += ["action", "rule", "blocked"]
_OUTCOMES = f"""
SELECT {", ".join("o." + c if c in ("action", "rule", "blocked") else "i." + c for c in OUTCOME_COLUMNS)}
FROM _lc_out o JOIN _lc_img i ON i.rowid = o.rid
ORDER BY i.account_id, i.region, i.repository_name, i.pushed_at, i.image_digest
"""
_PER_REPOSITORY = """
SELECT account_id, region, repository_name, count(*) AS images,
       count(*) FILTER (WHERE action = 'expire') AS expired,
       count(*) FILTER (WHERE action = 'archive') AS archived,
       count(*) FILTER (WHERE blocked) AS held_by_index
FROM _lc_out GROUP BY ALL ORDER BY ALL
"""
# Per repository where something is acted on: its unique blob bytes (as ECR bills them, a blob once per repository)
# and those an ACTIVE image references, before and after. From the profile's blob tables, not by grouping every
# blob reference of those repositories again (issue #20): a blob only one image references goes with that image
# (`profile_image_own_bytes`); a blob several images share goes when every reference to it goes (`shared_refs`,
# below). `inventory.state_bytes` is the plain definition the tests hold this to.
_STATE_BYTES = f"""
WITH acting AS (SELECT DISTINCT account_id, region, repository_name FROM _lc_out WHERE action IS NOT NULL),
acted AS (
    SELECT {", ".join("i." + k for k in KEY.split(", "))}, o.action = 'expire' AS expired,
           NOT i.archived AS lost  -- ACTIVE before, not after
    FROM _lc_out o JOIN _lc_img i ON i.rowid = o.rid WHERE o.action IN ('expire', 'archive')
),
own AS (
    SELECT account_id, region, repository_name,
           coalesce(sum(b.own_bytes) FILTER (WHERE a.expired), 0) AS freed,
           coalesce(sum(b.own_bytes) FILTER (WHERE a.lost), 0) AS lost
    FROM acted a JOIN {{profile_image_own_bytes}} b USING ({KEY}) GROUP BY ALL
),
{{shared_refs}}shared AS (
    SELECT account_id, region, repository_name, coalesce(sum(size) FILTER (WHERE freed), 0) AS freed,
           coalesce(sum(size) FILTER (WHERE lost), 0) AS lost
    FROM shared_refs GROUP BY ALL
)
SELECT account_id, region, repository_name, b.unique_bytes::DOUBLE AS all_before,
       b.active_bytes::DOUBLE AS active_before,
       (b.unique_bytes - coalesce(o.freed, 0) - coalesce(s.freed, 0))::DOUBLE AS kept,
       (b.active_bytes - coalesce(o.lost, 0) - coalesce(s.lost, 0))::DOUBLE AS active_after
FROM acting JOIN {{profile_repository_blob_bytes}} b USING (account_id, region, repository_name)
LEFT JOIN own o USING (account_id, region, repository_name)
LEFT JOIN shared s USING (account_id, region, repository_name)
ORDER BY account_id, region, repository_name
"""


# Per (repository, shared blob): `freed` when every image referencing it is expired, `lost` when it was ACTIVE and
# no ACTIVE image references it after. Counted from the side with fewer images: the acted-on images' references
# (a blob goes when they are all of its references), or, when most images are acted on (79 % at 5M images with an
# untagged-14-days / keep-50 policy: 30 s of joining), the references of the images that stay (a blob goes when
# none stays). The same figures both ways (tests/portability/test_billing.py holds both to the plain definition).
_SHARED_BY_ACTED = f"""shared_refs AS (
    SELECT s.account_id, s.region, s.repository_name, s.blob, any_value(s.size) AS size,
           any_value(s.refs) = count(*) FILTER (WHERE a.expired) AS freed,
           any_value(s.active_refs) > 0 AND any_value(s.active_refs) = count(*) FILTER (WHERE a.lost) AS lost
    -- the acted-on images' references only, filtered before the join (several times faster than after it)
    FROM acted a JOIN (SELECT * FROM ({BLOBS_OF_IMAGES}) WHERE image_digest IN (SELECT image_digest FROM acted)) r
      USING (image_digest)
    JOIN {{profile_repository_shared_blobs}} s
      ON s.account_id = a.account_id AND s.region = a.region AND s.repository_name = a.repository_name
     AND s.blob = r.blob
    GROUP BY s.account_id, s.region, s.repository_name, s.blob
),
"""
_SHARED_BY_STAYING = f"""staying AS (  -- images of acting repositories not expired; active: still ACTIVE after
    SELECT i.account_id, i.region, i.repository_name, i.image_digest,
           o.action IS NULL AND NOT i.archived AS active
    FROM _lc_out o JOIN _lc_img i ON i.rowid = o.rid
    WHERE o.action IS DISTINCT FROM 'expire'
      AND (i.account_id, i.region, i.repository_name) IN (SELECT (account_id, region, repository_name) FROM acting)
),
still AS (
    SELECT s.account_id, s.region, s.repository_name, s.blob, bool_or(k.active) AS active
    FROM staying k
    JOIN (SELECT * FROM ({BLOBS_OF_IMAGES}) WHERE image_digest IN (SELECT image_digest FROM staying)) r
      USING (image_digest)
    JOIN {{profile_repository_shared_blobs}} s
      ON s.account_id = k.account_id AND s.region = k.region AND s.repository_name = k.repository_name
     AND s.blob = r.blob
    GROUP BY s.account_id, s.region, s.repository_name, s.blob
),
shared_refs AS (
    SELECT s.account_id, s.region, s.repository_name, s.blob, s.size, t.blob IS NULL AS freed,
           s.active_refs > 0 AND NOT coalesce(t.active, false) AS lost
    FROM {{profile_repository_shared_blobs}} s JOIN acting USING (account_id, region, repository_name)
    LEFT JOIN still t USING (account_id, region, repository_name, blob)
),
"""
_COUNT_SIDES = """
SELECT count(*) FILTER (WHERE o.action IN ('expire', 'archive')),
       count(*) FILTER (WHERE o.action IS DISTINCT FROM 'expire')
FROM _lc_out o WHERE (o.account_id, o.region, o.repository_name) IN (
    SELECT (account_id, region, repository_name) FROM _lc_out WHERE action IS NOT NULL
)
"""


def state_bytes_sql(con: Any, *, by_staying: bool | None = None) -> str:
    """_STATE_BYTES for `con`'s profile tables, its shared blobs counted from the side with fewer images (or the
    side asked for: tests compare both)."""
    if by_staying is None:
        acted, staying = con.execute(_COUNT_SIDES).fetchall()[0]
        by_staying = staying < acted
    tables = queries.profile_tables(con)  # once: a stale profile is derived into temp tables here
    shared = _SHARED_BY_STAYING if by_staying else _SHARED_BY_ACTED
    return _STATE_BYTES.format(**tables, shared_refs=shared.format(**tables))


def _bytes_and_saving(con: Any, catalog: Catalog) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    repos = con.execute(_PER_REPOSITORY).df()
    if repos.empty:
        cols = [*SCOPE, "images", "expired", "archived", "held_by_index", "bytes_freed", "bytes_to_archive"]
        return pd.DataFrame(columns=[*cols, "monthly_saving"]), []
    totals = con.execute(state_bytes_sql(con)).df()
    all_before, std_before = totals["all_before"].to_numpy(), totals["active_before"].to_numpy()
    all_after, std_after = totals["kept"].to_numpy(), totals["active_after"].to_numpy()
    acting = totals[SCOPE].assign(
        bytes_freed=all_before - all_after,
        std_delta=std_before - std_after,
        arch_delta=(all_before - std_before) - (all_after - std_after),
    )
    acting["bytes_to_archive"] = (-acting["arch_delta"]).clip(lower=0.0) + 0.0  # + 0.0: no "-0.00"
    repos = repos.merge(acting, on=SCOPE, how="left").fillna(
        {"bytes_freed": 0.0, "std_delta": 0.0, "arch_delta": 0.0, "bytes_to_archive": 0.0}
    )
    std_prices = {r: catalog.get("ecr.storage.standard", region=r) for r in repos["region"].unique()}
    arch_prices = {r: catalog.get("ecr.storage.archive", region=r) for r in repos["region"].unique()}
    # Archive tiers aggregate over the account's archive storage; the first tier (0–150 TB) is the one that
    # applies to nearly every estate, so a repository's archive change is priced at it.
    # One region's repositories at a time (the same arithmetic per element; a price looked up per repository took
    # seconds at 20,000 repositories).
    saving = np.zeros(len(repos))
    for region in std_prices:
        at = (repos["region"] == region).to_numpy()
        std, arch = repos["std_delta"].to_numpy()[at], repos["arch_delta"].to_numpy()[at]
        tiers = arch_prices[region].in_unit("GB-month").tier_pairs()
        saving[at] = (
            std / GIB * flat_price(std_prices[region].in_unit("GB-month"))
            + tiered_cost(np.maximum(arch, 0.0) / GIB, tiers)
            - tiered_cost(np.maximum(-arch, 0.0) / GIB, tiers)
        )
    repos["monthly_saving"] = saving
    prices = [
        {"id": e.id, "location": e.location, "price": e.tier_summary(), "unit": e.unit, "source": e.source}
        # A region without a price of its own borrows another's (a new entry object each time): cite it once.
        for e in {(e.id, e.location): e for e in [*std_prices.values(), *arch_prices.values()]}.values()
    ]
    return repos.drop(columns=["std_delta", "arch_delta"]), prices
