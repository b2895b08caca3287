"""A finding: one ECR-specific feature the estate uses, what Harbor offers instead, and the effort to move it.

Every effort figure is an assumption in engineer-days, stated in EFFORT with its reason; a finding's effort is
fixed + per-unit × the units counted in the warehouse (or the scan). Reference rewriting is counted per
wave (waves.py), not here, so nothing is counted twice.

The rules that produce findings from the inventory are in finding_rules.py; the supply-chain and upstream findings in
findings.py; the portability scores in scores.py.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

# feature → (fixed days, days per unit, unit, why). [assumption]: no published effort data exists; these are
# our documented choices for a team that knows Kubernetes and AWS but has not run Harbor (docs/portability.md).
EFFORT: dict[str, tuple[float, float, str, str]] = {
    "iam-pull-auth": (
        2.0,
        0.5,
        "account",
        "robot accounts + image pull secrets or a credential provider per cluster; ECR pulls use IAM roles",
    ),
    "repository-policy": (
        1.0,
        0.25,
        "distinct policy",
        "each distinct policy becomes project members / robot-account permissions",
    ),
    "registry-policy": (
        1.0,
        0.5,
        "registry",
        "registry-wide permissions become system robot accounts and project roles",
    ),
    "kms-encryption": (
        1.0,
        0.1,
        "key",
        "encryption moves to the storage backend (S3 SSE-KMS, disk encryption): one design, then per key",
    ),
    "archive-class": (
        1.0,
        0.0,
        "",
        "no archive tier: decide per repository to restore + copy (retrieval fee) or leave behind",
    ),
    "enhanced-scanning": (
        2.0,
        0.0,
        "",
        "deploy Trivy (or another scanner), vulnerability policies, and replace Inspector findings flows",
    ),
    "basic-scanning": (0.5, 0.0, "", "project auto_scan with Trivy"),
    "pull-through-cache": (
        0.5,
        1.0,
        "rule",
        "a registry endpoint + proxy-cache project per upstream; consumers repointed",
    ),
    "replication": (2.0, 1.0, "rule", "a second Harbor (DR site) and push replication per ECR rule"),
    "blob-mounting": (0.0, 0.0, "", "Harbor de-duplicates blobs globally anyway: nothing to do"),
    "tag-immutability": (0.25, 0.1, "project", "immutable tag rules per project"),
    "pull-time-exclusions": (
        0.5,
        0.0,
        "",
        "no equivalent: scanners' pulls update Harbor's pull time (affects nDaysSinceLastPull)",
    ),
    "lifecycle-exact": (0.0, 0.05, "rule", "review a translated rule"),
    "lifecycle-approximate": (0.0, 0.25, "rule", "decide whether Harbor's different outcome is acceptable, adjust"),
    "lifecycle-impossible": (0.0, 0.5, "rule", "redesign (e.g. no archive tier: retention by pull age instead)"),
    "lifecycle-malformed": (0.0, 0.25, "policy", "fix or drop a policy ECR itself would reject"),
    "signatures": (1.0, 0.0, "", "cosign/notation signatures are Harbor accessories: check they replicate and verify"),
    "supply-chain-artifacts": (
        1.0,
        0.5,
        "kind",
        "per kind: check Harbor receives it with its subject (accessory / index child), replicates and verifies it",
    ),
    "public-upstreams": (
        0.5,
        0.5,
        "upstream registry",
        "a registry endpoint + proxy-cache project per public upstream; references repointed through the proxy",
    ),
    "missing-references": (
        0.0,
        0.1,
        "reference",
        "investigate a reference to a repository or image that does not exist",
    ),
    "ecr-bound": (
        0.5,
        0.0,
        "",
        "nothing moves: the repositories stay on ECR (as the hybrid scenario keeps them); CI keeps pushing there",
    ),
    "ecr-terraform": (
        0.5,
        0.25,
        "resource",
        "Terraform that manages ECR moves to the Harbor provider (goharbor/harbor)",
    ),
}


class Finding(BaseModel):
    """Frozen: the plan, its JSON and the report all show the same finding."""

    model_config = ConfigDict(frozen=True)

    feature: str
    title: str
    evidence: str
    count: int
    harbor: str
    effort_days: float
    effort_basis: str
    where: list[str] = []

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()


def effort(feature: str, units: int) -> tuple[float, str]:
    """(engineer-days, how they were counted) for `units` of a feature."""
    fixed, per, unit, why = EFFORT[feature]
    days = (fixed if units else 0.0) + per * units
    basis = f"{fixed:g} d" + (f" + {per:g} d × {units} {unit}" if per else "") + f" [assumption: {why}]"
    return days, basis


def make_finding(
    feature: str, title: str, evidence: str, count: int, harbor: str, where: list[str] | None = None
) -> Finding:
    """A finding with its effort from EFFORT; `where` keeps the first ten places (the report shows examples)."""
    days, basis = effort(feature, count)
    return Finding(
        feature=feature,
        title=title,
        evidence=evidence,
        count=count,
        harbor=harbor,
        effort_days=round(days, 2),
        effort_basis=basis,
        where=(where or [])[:10],
    )


def where_repositories(df: pd.DataFrame) -> list[str]:
    """account/region/repository of each row."""
    return [f"{a}/{r}/{n}" for a, r, n in df[["account_id", "region", "repository_name"]].itertuples(index=False)]
