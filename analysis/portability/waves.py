"""Migration waves: which repositories move together, in what order, copying what, for how much.

Order (documented rule, docs/portability.md): low risk before high risk, and within a risk class high value
first — the first waves prove the path on repositories that matter and break little.

* risk points per repository: 1 per literal reference found by the scan, 2 per templated one, 2 for a
  repository policy granting other accounts, 1 for KMS encryption, 1 per approximate/impossible lifecycle
  translation. Class: low (0–1), medium (2–4), high (≥ 5);
* value: the bytes the repository holds and serves — unique GB + GB pulled per month (pulls × image size).

Wave 1 is a pilot of at most PILOT repositories; then waves of at most `wave_size`, never mixing classes.
A wave copies the unique blobs (layers, configs, manifests) of its repositories' ACTIVE images that no earlier
wave copied (Harbor stores a blob once and replication skips blobs the target has). Archived images cannot
be pulled, so they are not copied (their bytes are reported). Copy-out egress is priced at the source region's
internet rate (`aws.transfer.internet_out`), each wave as a month of its own with no other egress in the tier.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.portability.inventory import SCOPE, Inventory
from analysis.portability.translate import registry_key
from analysis.pricing import Catalog, tiered_cost
from analysis.warehouse import queries

GIB = 2**30
PILOT = 10
WAVE_DAYS = 0.5  # [assumption] coordination, cut-over window and checks per wave
REPOSITORY_DAYS = 0.02  # [assumption] per repository: verify the copy, credentials of its consumers
LITERAL_REF_DAYS = 0.05  # [assumption] change one literal reference (search/replace, review, deploy)
TEMPLATED_REF_DAYS = 0.25  # [assumption] a templated reference: find where its value lives, change, test
RISK_CLASSES = ("low", "medium", "high")


@dataclass
class WavePlan:
    repositories: pd.DataFrame  # one row per migrated repository: risk, value, wave
    waves: list[dict[str, Any]]

    def total_days(self) -> float:
        return float(sum(w["engineering_days"] for w in self.waves))

    def traffic_shares(self) -> list[float]:
        """Each wave's share of the pull bytes a month (its repositories' pulls × mean tagged image size, the
        value the waves are ordered by), in wave order; empty when nothing is pulled (no weight to give)."""
        r = self.repositories
        if not len(r):
            return []
        pulled = (r["pulls_per_month"] * r["image_bytes"].fillna(0.0)).groupby(r["wave"]).sum().sort_index()
        total = float(pulled.sum())
        return [float(x) / total for x in pulled] if total > 0 else []


def repository_table(
    inv: Inventory, mapping: pd.DataFrame, refs: pd.DataFrame, lifecycle_flags: pd.DataFrame, con: Any
) -> pd.DataFrame:
    """Repositories to migrate with their risk and value inputs."""
    repos = inv.repositories.merge(mapping, on=SCOPE)
    repos = repos[~repos["replica"] & ~repos["proxied"]].copy()
    lit = refs[refs["form"].eq("literal")].groupby(SCOPE).size().rename("literal_refs") if len(refs) else None
    tpl = (
        refs[refs["form"].isin(["templated", "helm-split"])].groupby(SCOPE).size().rename("templated_refs")
        if len(refs)
        else None
    )
    for s in (lit, tpl):
        if s is not None and len(s):
            repos = repos.merge(s.reset_index(), on=SCOPE, how="left")
    for col in ("literal_refs", "templated_refs"):
        repos[col] = repos[col].fillna(0).astype(int) if col in repos else 0
    repos = repos.merge(lifecycle_flags, on=SCOPE, how="left")
    repos["lifecycle_inexact"] = repos["lifecycle_inexact"].fillna(0).astype(int) if "lifecycle_inexact" in repos else 0
    pulls = inv.pulls.copy()
    per_month = 30.4375 / inv.pull_window_days if inv.pull_window_days else 0.0
    pulls["pulls_per_month"] = pulls["pulls"] * per_month
    repos = repos.merge(pulls[[*SCOPE, "pulls_per_month"]], on=SCOPE, how="left")
    repos["pulls_per_month"] = repos["pulls_per_month"].fillna(0.0)
    # Mean size of a tagged image (NaN without one): an exact integer sum over a count, as pandas' mean gives.
    counts = inv.counts()
    tagged = counts[counts["tagged"] > 0]
    size = tagged[SCOPE].assign(image_bytes=tagged["tagged_bytes"].astype(float) / tagged["tagged"])
    repos = repos.merge(size, on=SCOPE, how="left")
    # Unique bytes per repository: the profile aggregate the estimate reads (one definition of it).
    tables = queries.profile_tables(con)
    unique = con.execute(
        f"""SELECT account_id, region, repository_name, unique_bytes::DOUBLE AS unique_bytes
            FROM {tables["profile_repository_storage"]}"""
    ).df()
    repos = repos.merge(unique, on=SCOPE, how="left")
    repos["unique_bytes"] = repos["unique_bytes"].fillna(0.0)
    cross = repos["repository_policy_text"].fillna("").str.contains(":iam::", regex=False)
    repos["risk_points"] = (
        repos["literal_refs"]
        + 2 * repos["templated_refs"]
        + 2 * cross.astype(int)
        + repos["encryption_type"].eq("KMS").astype(int)
        + repos["lifecycle_inexact"]
    )
    repos["risk"] = np.select([repos["risk_points"] <= 1, repos["risk_points"] <= 4], ["low", "medium"], "high")
    repos["value_gb"] = (repos["unique_bytes"] + repos["pulls_per_month"] * repos["image_bytes"].fillna(0)) / GIB
    return repos


def assign_waves(repos: pd.DataFrame, wave_size: int = 50) -> pd.DataFrame:
    """The repositories in migration order with their wave (a copy of `repos`); no bytes read."""
    repos = repos.copy()
    repos["risk_rank"] = repos["risk"].map({c: i for i, c in enumerate(RISK_CLASSES)})
    repos = repos.sort_values(
        ["risk_rank", "value_gb", "account_id", "region", "repository_name"], ascending=[True, False, True, True, True]
    ).reset_index(drop=True)
    wave, current, n_in, cls = [], 0, 0, None
    for risk in repos["risk"]:
        limit = PILOT if current <= 1 else wave_size
        if risk != cls or n_in >= limit or current == 0:
            current, n_in, cls = current + 1, 0, risk
        wave.append(current)
        n_in += 1
    repos["wave"] = wave
    return repos


def wave_days(group: pd.DataFrame) -> float:
    """A wave's engineer-days from its repositories (the rows of `assign_waves` with that wave)."""
    return float(
        WAVE_DAYS
        + REPOSITORY_DAYS * len(group)
        + LITERAL_REF_DAYS * group["literal_refs"].sum()
        + TEMPLATED_REF_DAYS * group["templated_refs"].sum()
    )


def plan_waves(repos: pd.DataFrame, con: Any, catalog: Catalog, wave_size: int = 50) -> WavePlan:
    repos = assign_waves(repos, wave_size)
    copied = _bytes_by_wave(repos, con)
    replication = _replication_by_wave(repos)
    waves = []
    for w, group in repos.groupby("wave", sort=True):
        rows = copied[copied["wave"] == w]
        egress = 0.0
        cost_by_region: dict[str, float] = {}
        for region, gb in zip(rows["region"], rows["bytes"] / GIB, strict=True):
            entry = catalog.get("aws.transfer.internet_out", region=region).in_unit("GB")
            cost = float(tiered_cost(gb, entry.tier_pairs()))
            cost_by_region[region] = cost_by_region.get(region, 0.0) + cost
            egress += cost
        waves.append(
            {
                "wave": int(w),
                "risk": group["risk"].iloc[0],
                "repositories": len(group),
                "names": group["repository_name"].tolist(),
                "references": int(group["literal_refs"].sum() + group["templated_refs"].sum()),
                "pulls_per_month": float(group["pulls_per_month"].sum()),
                "bytes_copied": float(rows["bytes"].sum()),
                "archived_bytes_left": float(rows["archived_bytes"].sum()),
                "egress_cost": egress,
                "egress_by_region": cost_by_region,
                "engineering_days": wave_days(group),
                "replication": replication.get(int(w), []),
            }
        )
    return WavePlan(repos, waves)


def _bytes_by_wave(repos: pd.DataFrame, con: Any) -> pd.DataFrame:
    """Bytes of blobs first copied by each wave, by the source region they are copied from.

    From the profile's blob tables, not from every blob reference (issue #20): a blob only one repository
    references is copied by that repository's wave (per-repository sums), and only the blobs several repositories
    share (base layers: a few thousand) are grouped here to find the first wave that copies each."""
    tables = queries.profile_tables(con)
    con.register("_pp_waves", repos[[*SCOPE, "wave"]])
    try:
        return con.execute(
            f"""
            -- (wave, region) as one integer that orders as the pair does: wave first, then the region by name.
            WITH regions AS (
                SELECT region, (row_number() OVER (ORDER BY region) - 1)::BIGINT AS r FROM _pp_waves GROUP BY region
            ),
            w AS (
                SELECT account_id, region, repository_name, wave,
                       wave::BIGINT * (SELECT count(*) FROM regions) + r AS k
                FROM _pp_waves JOIN regions USING (region)
            ),
            -- the first wave (and its region, the first by name on a tie) that copies each shared blob, among
            -- the repositories whose images are active, and among all for a blob only archived images reference
            per_blob AS (
                SELECT any_value(c.size) AS size, bool_or(c.active) AS active,
                       min(w.k) FILTER (WHERE c.active) AS first_active, min(w.k) AS first_any
                FROM {tables["profile_cross_repository_blobs"]} c JOIN w USING (account_id, region, repository_name)
                GROUP BY c.blob
            ),
            solo AS (
                SELECT w.k, b.* FROM {tables["profile_repository_blob_bytes"]} b
                JOIN w USING (account_id, region, repository_name)
            ),
            -- one row per (wave, region) and kind with its blobs: a (wave, region) that copies no blob has no row
            firsts AS (
                SELECT first_active AS k, size AS bytes, 0 AS archived FROM per_blob WHERE active
                UNION ALL SELECT first_any, 0, size FROM per_blob WHERE NOT active
                UNION ALL SELECT k, solo_active_bytes, 0 FROM solo WHERE solo_active_blobs > 0
                UNION ALL SELECT k, 0, solo_archived_bytes FROM solo WHERE solo_archived_blobs > 0
            )
            SELECT k.wave, k.region, sum(bytes)::DOUBLE AS bytes, sum(archived)::DOUBLE AS archived_bytes
            FROM firsts f JOIN (SELECT DISTINCT wave, region, k FROM w) k USING (k)
            GROUP BY k.wave, k.region ORDER BY k.wave, k.region
            """
        ).df()
    finally:
        con.unregister("_pp_waves")


def _replication_by_wave(repos: pd.DataFrame) -> dict[int, list[dict[str, Any]]]:
    """Each wave's replication policies. One sort of the estate and a walk over it: a pandas groupby per wave
    cost 9 ms × 399 waves at 20,000 repositories (issue #20)."""
    keys = ["wave", "account_id", "region", "project"]
    rows = repos[[*keys, "repository_name"]].sort_values([*keys, "repository_name"])
    out: dict[int, list[dict[str, Any]]] = {}
    walk = zip(*(rows[c].tolist() for c in rows.columns), strict=True)
    for (wave, account, region, project), group in itertools.groupby(walk, key=lambda r: r[:4]):
        names = [r[4] for r in group]
        out.setdefault(int(wave), []).extend(_replication_policies(int(wave), account, region, project, names))
    return out


def _replication_policies(wave: int, account: str, region: str, project: str, names: list[str]) -> list[dict[str, Any]]:
    """Pull-based replication from one source ECR registry into one project, filtered to the wave's names
    (sorted)."""
    out = []
    flat = [n for n in names if "/" not in n]
    nested = [n for n in names if "/" in n]
    for kind, subset in (("nested", nested), ("flat", flat)):
        if not subset:
            continue
        if kind == "nested":
            head = subset[0].split("/", 1)[0]
            tails = [n.split("/", 1)[1] for n in subset]
            same_head = all(n.split("/", 1)[0] == head for n in subset)
            filt = (
                (f"{head}/" + (tails[0] if len(tails) == 1 else "{" + ",".join(tails) + "}"))
                if same_head
                else ("{" + ",".join(subset) + "}")
            )
        else:
            filt = subset[0] if len(subset) == 1 else "{" + ",".join(subset) + "}"
        out.append(
            {
                "name": f"wave{wave}-{project}-{account}-{region}" + ("-flat" if kind == "flat" else ""),
                "description": f"wave {wave}: copy {len(subset)} repositories from ECR {account}/{region} "
                f"into {project}",
                "registry_key": registry_key(account, region),
                "project": project,
                "replace_count": 1 if kind == "nested" else 0,
                "filter": filt,
            }
        )
    return out
