"""The rules that find ECR-specific features in the inventory: one function per feature, registered with `@rule`.

Each rule reads the estate (the inventory, the lifecycle translations, the reference scan) and returns the findings
it makes — none when the estate does not use the feature. `estate_findings` runs them in the order they are
registered here, which is the order the plan and the report list them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.portability.finding import Finding, make_finding, where_repositories
from analysis.portability.inventory import Inventory
from analysis.portability.retention import Translation
from analysis.portability.translate import load_json
from analysis.units import counted


@dataclass(frozen=True)
class Estate:
    """What the rules read. `live` is the repositories that move (replicas dropped: their source counts once)."""

    inv: Inventory
    live: pd.DataFrame
    translations: list[Translation]
    malformed: list[dict[str, Any]]
    scan: dict[str, Any] | None
    supply_chain_counted: bool  # supply_chain_findings counts signatures by kind: the signature rule stays quiet


Rule = Callable[[Estate], list[Finding]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register a rule; `estate_findings` runs the rules in registration order."""
    RULES.append(fn)
    return fn


def estate_findings(
    inv: Inventory,
    translations: list[Translation],
    malformed: list[dict[str, Any]],
    scan: dict[str, Any] | None = None,
    replica: pd.Series | None = None,
    supply_chain_counted: bool = False,
) -> list[Finding]:
    repos = inv.repositories
    live = repos if replica is None else repos[~replica.to_numpy()]
    estate = Estate(inv, live, translations, malformed, scan, supply_chain_counted)
    return [finding for check in RULES for finding in check(estate)]


def _cross_account(policy_text: str) -> bool:
    """Whether a repository policy names IAM principals (another account's, or everyone)."""
    doc = load_json(policy_text, {})
    for st in doc.get("Statement", []) if isinstance(doc, dict) else []:
        principal = st.get("Principal", {})
        aws = principal.get("AWS", []) if isinstance(principal, dict) else principal
        if isinstance(aws, str):
            aws = [aws]
        if any(":iam::" in p or p == "*" for p in aws):
            return True
    return False


def _scanning(e: Estate) -> list[tuple[str, str, dict[str, Any]]]:
    regs = e.inv.registries
    return [(r.account_id, r.region, load_json(r.scanning_configuration, {})) for r in regs.itertuples()]


@rule
def iam_pull_auth(e: Estate) -> list[Finding]:
    accounts = sorted(e.live["account_id"].unique())
    return [
        make_finding(
            "iam-pull-auth",
            "IAM-authenticated pulls and pushes",
            f"{len(accounts)} accounts, {len(e.live)} repositories",
            len(accounts),
            "robot accounts (per project/CI system), OIDC for people, imagePullSecrets or a kubelet "
            "credential provider",
        )
    ]


@rule
def repository_policy(e: Estate) -> list[Finding]:
    pol = e.live[e.live["repository_policy_text"].notna()]
    if not len(pol):
        return []
    cross = pol[pol["repository_policy_text"].map(_cross_account)]
    return [
        make_finding(
            "repository-policy",
            "IAM repository policies",
            f"{len(pol)} repositories with a policy ({len(cross)} grant other accounts), "
            f"{pol['repository_policy_text'].nunique()} distinct",
            int(pol["repository_policy_text"].nunique()),
            "project membership (guest/developer/maintainer roles), robot accounts with per-project scopes",
            where_repositories(pol),
        )
    ]


@rule
def registry_policy(e: Estate) -> list[Finding]:
    regs = e.inv.registries
    rp = regs[regs["registry_policy_text"].notna()]
    if not len(rp):
        return []
    return [
        make_finding(
            "registry-policy",
            "Registry policy",
            counted(len(rp), "registry", "registries"),
            len(rp),
            "system-level robot accounts and project roles",
            [f"{a}/{r}" for a, r in rp[["account_id", "region"]].itertuples(index=False)],
        )
    ]


@rule
def kms_encryption(e: Estate) -> list[Finding]:
    kms = e.live[e.live["encryption_type"].eq("KMS")]
    if not len(kms):
        return []
    return [
        make_finding(
            "kms-encryption",
            "KMS-encrypted repositories",
            f"{len(kms)} repositories, {kms['kms_key'].nunique()} keys",
            int(kms["kms_key"].nunique()),
            "encryption at the storage backend (S3 SSE-KMS / SSE-C, encrypted volumes); no per-repository keys",
            where_repositories(kms),
        )
    ]


@rule
def archive_class(e: Estate) -> list[Finding]:
    counts = e.inv.counts()
    archived = int(counts["archived"].sum())
    if not archived:
        return []
    n_repos = int((counts["archived"] > 0).sum())
    return [
        make_finding(
            "archive-class",
            "Archive storage class",
            f"{archived:,} archived images in {n_repos} repositories",
            1,
            "no archive tier (one storage class); retention deletes instead. Archived images cannot be pulled: "
            "restore them (retrieval fee) before replication, or leave them behind",
        )
    ]


@rule
def enhanced_scanning(e: Estate) -> list[Finding]:
    enhanced = [f"{a}/{r}" for a, r, s in _scanning(e) if s.get("scanType") == "ENHANCED"]
    if not enhanced:
        return []
    return [
        make_finding(
            "enhanced-scanning",
            "Enhanced scanning (Amazon Inspector)",
            counted(len(enhanced), "registry", "registries"),
            1,
            "Trivy (bundled) with scan on push and scheduled scans; CVE allowlists and 'prevent vulnerable images'",
            enhanced,
        )
    ]


@rule
def basic_scanning(e: Estate) -> list[Finding]:
    basic = [f"{a}/{r}" for a, r, s in _scanning(e) if s.get("scanType") == "BASIC" and s.get("rules")]
    on_push = e.live["scan_on_push"].fillna(False)
    if not (basic or on_push.any()):
        return []
    return [
        make_finding(
            "basic-scanning",
            "Basic scan on push",
            counted(len(basic), "registry", "registries")
            + ", "
            + counted(int(on_push.sum()), "repository", "repositories"),
            1,
            "project metadata auto_scan=true with Trivy",
            basic,
        )
    ]


@rule
def pull_through_cache(e: Estate) -> list[Finding]:
    ptc = e.inv.pull_through_cache
    if not len(ptc):
        return []
    return [
        make_finding(
            "pull-through-cache",
            "Pull-through cache rules",
            f"{counted(len(ptc), 'rule')} ({', '.join(sorted(set(ptc['upstream_registry'].dropna())))})",
            len(ptc),
            "proxy-cache projects (registry endpoint + project with registry_id)",
            [f"{a}/{r}/{p}" for a, r, p in ptc[["account_id", "region", "ecr_repository_prefix"]].itertuples(False)],
        )
    ]


@rule
def replication(e: Estate) -> list[Finding]:
    regs = e.inv.registries
    rules = [(r.account_id, r.region, x) for r in regs.itertuples() for x in load_json(r.replication_rules, [])]
    if not rules:
        return []
    kinds = Counter(
        "cross-account" if any((d.get("registryId") or a) != a for d in x.get("destinations", [])) else "cross-region"
        for a, _, x in rules
    )
    return [
        make_finding(
            "replication",
            "ECR replication",
            ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + (" rule" if len(rules) == 1 else " rules"),
            len(rules),
            "Harbor-to-Harbor push replication to a DR Harbor (event-based)",
            [f"{a}/{r}" for a, r, _ in rules],
        )
    ]


@rule
def blob_mounting(e: Estate) -> list[Finding]:
    regs = e.inv.registries
    mounting = regs[regs["blob_mounting"].eq("ENABLED")]
    if not len(mounting):
        return []
    return [
        make_finding(
            "blob-mounting",
            "Blob mounting",
            counted(len(mounting), "registry", "registries"),
            len(mounting),
            "global blob de-duplication is built in (but per-project quotas count shared blobs in every project)",
        )
    ]


@rule
def tag_immutability(e: Estate) -> list[Finding]:
    imm = e.live[e.live["tag_mutability"].isin(["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"])]
    if not len(imm):
        return []
    excl = int(imm["tag_mutability"].eq("IMMUTABLE_WITH_EXCLUSION").sum())
    projects = imm["repository_name"].map(lambda n: n.split("/", 1)[0]).nunique()
    return [
        make_finding(
            "tag-immutability",
            "Tag immutability (with exclusions)",
            f"{len(imm)} repositories ({excl} with exclusions) in {projects} prefixes",
            int(projects),
            "immutable tag rules (tags matches/excludes patterns), ≤ 15 per project",
        )
    ]


@rule
def pull_time_exclusions(e: Estate) -> list[Finding]:
    regs = e.inv.registries
    rows = [(r.account_id, r.region, load_json(r.pull_time_update_exclusions, [])) for r in regs.itertuples()]
    rows = [(a, r, x) for a, r, x in rows if x]
    if not rows:
        return []
    return [
        make_finding(
            "pull-time-exclusions",
            "Pull-time update exclusions",
            counted(sum(len(x) for *_, x in rows), "principal"),
            1,
            "none: every pull updates Harbor's pull time",
            [f"{a}/{r}" for a, r, _ in rows],
        )
    ]


@rule
def lifecycle_translations(e: Estate) -> list[Finding]:
    by_status = Counter(t.status for t in e.translations if t.kind == "lifecycle")
    return [
        make_finding(
            f"lifecycle-{status}",
            f"Lifecycle rules translated {status}ly"
            if status != "impossible"
            else "Lifecycle rules impossible in Harbor",
            f"{by_status[status]} rule translations",
            by_status[status],
            "tag retention rules (retain, OR, ≤ 15 per project, one cron)",
        )
        for status in ("exact", "approximate", "impossible")
        if by_status.get(status)
    ]


@rule
def lifecycle_malformed(e: Estate) -> list[Finding]:
    if not e.malformed:
        return []
    return [
        make_finding(
            "lifecycle-malformed",
            "Malformed lifecycle policies",
            f"{len(e.malformed)} repositories",
            len(e.malformed),
            "fix before translating",
            [f"{m['account_id']}/{m['region']}/{m['repository_name']}: {m['reason']}" for m in e.malformed],
        )
    ]


@rule
def signatures(e: Estate) -> list[Finding]:
    counts = e.inv.counts()
    signed = counts[counts["signed"] > 0]
    if not len(signed) or e.supply_chain_counted:
        return []
    return [
        make_finding(
            "signatures",
            "Signatures and other OCI referrers",
            f"{int(signed['signed'].sum()):,} signature artifacts in {signed['repository_name'].nunique()} "
            "repositories",
            1,
            "accessories (cosign/notation); replication copies them with their subject",
        )
    ]


@rule
def ecr_bound(e: Estate) -> list[Finding]:
    bound = e.inv.bound_to_ecr
    if bound is None or not len(bound):
        return []
    services = sorted({x for row in bound["services"] for x in row})
    return [
        make_finding(
            "ecr-bound",
            "Repositories that cannot leave ECR",
            f"{len(bound)} repositories used by {bound['workloads'].sum()} {'/'.join(services)} workload(s), "
            "which pull only from ECR",
            len(bound),
            "none: Lambda, App Runner and EMR Serverless pull only from ECR — keep these repositories on ECR",
            where_repositories(bound),
        )
    ]


@rule
def missing_references(e: Estate) -> list[Finding]:
    if e.scan is None:
        return []
    missing = e.scan["missing_repositories"] + e.scan["missing_images"]
    if not missing:
        return []
    return [
        make_finding(
            "missing-references",
            "References to repositories or images that do not exist",
            f"{len(e.scan['missing_repositories'])} to missing repositories, "
            f"{len(e.scan['missing_images'])} to missing images",
            len(missing),
            "fix or delete before the cut-over",
            [f"{r.file}:{r.line} {r.text}" for r in missing],
        )
    ]


@rule
def ecr_terraform(e: Estate) -> list[Finding]:
    if e.scan is None:
        return []
    tf = [r for r in e.scan["references"] if r.form == "terraform-resource"]
    if not tf:
        return []
    return [
        make_finding(
            "ecr-terraform",
            "Terraform managing ECR",
            f"{len(tf)} aws_ecr_* resources",
            len(tf),
            "the goharbor/harbor Terraform provider (projects, retention, robot accounts, replication)",
            [f"{r.file}:{r.line} {r.text}" for r in tf],
        )
    ]
