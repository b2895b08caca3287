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

import pandas as pd

from analysis.portability.inventory import SCOPE, Inventory, state_bytes
from analysis.portability.lifecycle import PolicyProblem, evaluate, parse_policy
from analysis.pricing import Catalog, tiered_cost

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


def run_lifecycle(
    inv: Inventory,
    con: Any,
    catalog: Catalog,
    *,
    at: datetime,
    proposed: str | None = None,
    source: str = "collected",
    repositories: list[str] | None = None,
) -> LifecycleReport:
    """Evaluate every policy on its repository's images (a Python loop per repository, pandas inside)."""
    todo = policies_to_run(inv, proposed, repositories)
    images = inv.images.merge(todo[SCOPE], on=SCOPE)
    by_repo = dict(tuple(images.groupby(SCOPE, sort=False)))
    children = dict(tuple(inv.children.groupby(SCOPE, sort=False)))
    empty = images.iloc[:0]
    outcomes, problems, parsed_cache = [], [], {}
    for account, region, name, text in todo.itertuples(index=False):
        if text not in parsed_cache:
            parsed_cache[text] = parse_policy(text)
        policy = parsed_cache[text]
        if isinstance(policy, PolicyProblem):
            problems.append({"account_id": account, "region": region, "repository_name": name, "reason": str(policy)})
            continue
        key = (account, region, name)
        outcome = evaluate(policy, by_repo.get(key, empty), children.get(key), at=at)
        outcomes.append(outcome.images)
    cols = [*images.columns, "action", "rule", "blocked"]
    result = pd.concat(outcomes, ignore_index=True) if outcomes else pd.DataFrame(columns=cols)
    repos, prices = _bytes_and_saving(result, con, catalog)
    return LifecycleReport(at, source, repos, result, problems, prices)


def _bytes_and_saving(out: pd.DataFrame, con: Any, catalog: Catalog) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    if out.empty:
        cols = [*SCOPE, "images", "expired", "archived", "held_by_index", "bytes_freed", "bytes_to_archive"]
        return pd.DataFrame(columns=[*cols, "monthly_saving"]), []
    g = out.groupby(SCOPE, sort=True)
    repos = g.size().rename("images").to_frame()
    repos["expired"] = g["action"].apply(lambda a: int((a == "expire").sum()))
    repos["archived"] = g["action"].apply(lambda a: int((a == "archive").sum()))
    repos["held_by_index"] = g["blocked"].sum().astype(int)
    repos = repos.reset_index()
    acting = repos.loc[(repos["expired"] + repos["archived"]) > 0, SCOPE]
    sub = out.merge(acting, on=SCOPE)
    active_before = sub["image_status"].ne("ARCHIVED")
    kept = sub["action"].ne("expire")
    states = sub[[*SCOPE, "image_digest"]].assign(
        active_before=active_before, kept=kept, active_after=kept & active_before & sub["action"].ne("archive")
    )
    totals = acting.merge(state_bytes(con, states), on=SCOPE, how="left").fillna(0.0)
    all_before, std_before = totals["all_before"].to_numpy(), totals["active_before"].to_numpy()
    all_after, std_after = totals["kept"].to_numpy(), totals["active_after"].to_numpy()
    acting = acting.assign(
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
    repos["monthly_saving"] = [
        row.std_delta / GIB * float(std_prices[row.region].in_unit("GB-month").price)
        + float(tiered_cost(max(row.arch_delta, 0.0) / GIB, arch_prices[row.region].in_unit("GB-month").tier_pairs()))
        - float(tiered_cost(max(-row.arch_delta, 0.0) / GIB, arch_prices[row.region].in_unit("GB-month").tier_pairs()))
        for row in repos.itertuples()
    ]
    prices = [
        {"id": e.id, "location": e.location, "price": e.tier_summary(), "unit": e.unit, "source": e.source}
        for e in {id(e): e for e in [*std_prices.values(), *arch_prices.values()]}.values()
    ]
    return repos.drop(columns=["std_delta", "arch_delta"]), prices
