"""ECR-specific features the estate uses, what Harbor offers instead, and the effort to move each.

Every effort figure is an assumption in engineer-days, stated in EFFORT with its reason; a finding's effort is
fixed + per-unit × the units counted in the warehouse (or the scan). Reference rewriting is counted per
wave (waves.py), not here, so nothing is counted twice.

The portability summary scores five rows (the comparison's rows) from 5 (moves as is) down to 1, each from
counted evidence only: every point taken off says which count took it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from analysis.portability.inventory import Inventory
from analysis.portability.retention import Translation
from analysis.portability.translate import load_json
from analysis.units import human_bytes

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


@dataclass
class Finding:
    feature: str
    title: str
    evidence: str
    count: int
    harbor: str
    effort_days: float
    effort_basis: str
    where: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _effort(feature: str, units: int) -> tuple[float, str]:
    fixed, per, unit, why = EFFORT[feature]
    days = (fixed if units else 0.0) + per * units
    basis = f"{fixed:g} d" + (f" + {per:g} d × {units} {unit}" if per else "") + f" [assumption: {why}]"
    return days, basis


def _finding(
    feature: str, title: str, evidence: str, count: int, harbor: str, where: list[str] | None = None
) -> Finding:
    days, basis = _effort(feature, count)
    return Finding(feature, title, evidence, count, harbor, round(days, 2), basis, (where or [])[:10])


def _where(df: pd.DataFrame) -> list[str]:
    return [f"{a}/{r}/{n}" for a, r, n in df[["account_id", "region", "repository_name"]].itertuples(index=False)]


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
    regs = inv.registries
    out: list[Finding] = []
    accounts = sorted(live["account_id"].unique())
    out.append(
        _finding(
            "iam-pull-auth",
            "IAM-authenticated pulls and pushes",
            f"{len(accounts)} accounts, {len(live)} repositories",
            len(accounts),
            "robot accounts (per project/CI system), OIDC for people, imagePullSecrets or a kubelet "
            "credential provider",
        )
    )
    pol = live[live["repository_policy_text"].notna()]
    if len(pol):
        cross = pol[pol["repository_policy_text"].map(lambda t: _cross_account(t, None))]
        out.append(
            _finding(
                "repository-policy",
                "IAM repository policies",
                f"{len(pol)} repositories with a policy ({len(cross)} grant other accounts), "
                f"{pol['repository_policy_text'].nunique()} distinct",
                int(pol["repository_policy_text"].nunique()),
                "project membership (guest/developer/maintainer roles), robot accounts with per-project scopes",
                _where(pol),
            )
        )
    rp = regs[regs["registry_policy_text"].notna()]
    if len(rp):
        out.append(
            _finding(
                "registry-policy",
                "Registry policy",
                f"{len(rp)} registries",
                len(rp),
                "system-level robot accounts and project roles",
                [f"{a}/{r}" for a, r in rp[["account_id", "region"]].itertuples(index=False)],
            )
        )
    kms = live[live["encryption_type"].eq("KMS")]
    if len(kms):
        out.append(
            _finding(
                "kms-encryption",
                "KMS-encrypted repositories",
                f"{len(kms)} repositories, {kms['kms_key'].nunique()} keys",
                int(kms["kms_key"].nunique()),
                "encryption at the storage backend (S3 SSE-KMS / SSE-C, encrypted volumes); no per-repository keys",
                _where(kms),
            )
        )
    archived = inv.images[inv.images["image_status"].eq("ARCHIVED")]
    if len(archived):
        n_repos = archived.groupby(["account_id", "region", "repository_name"]).ngroups
        out.append(
            _finding(
                "archive-class",
                "Archive storage class",
                f"{len(archived):,} archived images in {n_repos} repositories",
                1,
                "no archive tier (one storage class); retention deletes instead. Archived images cannot be pulled: "
                "restore them (retrieval fee) before replication, or leave them behind",
            )
        )
    scanning = [(r.account_id, r.region, load_json(r.scanning_configuration, {})) for r in regs.itertuples()]
    enhanced = [f"{a}/{r}" for a, r, s in scanning if s.get("scanType") == "ENHANCED"]
    if enhanced:
        out.append(
            _finding(
                "enhanced-scanning",
                "Enhanced scanning (Amazon Inspector)",
                f"{len(enhanced)} registries",
                1,
                "Trivy (bundled) with scan on push and scheduled scans; CVE allowlists and 'prevent vulnerable images'",
                enhanced,
            )
        )
    basic = [f"{a}/{r}" for a, r, s in scanning if s.get("scanType") == "BASIC" and s.get("rules")]
    if basic or live["scan_on_push"].fillna(False).any():
        out.append(
            _finding(
                "basic-scanning",
                "Basic scan on push",
                f"{len(basic)} registries, {int(live['scan_on_push'].fillna(False).sum())} repositories",
                1,
                "project metadata auto_scan=true with Trivy",
                basic,
            )
        )
    ptc = inv.pull_through_cache
    if len(ptc):
        out.append(
            _finding(
                "pull-through-cache",
                "Pull-through cache rules",
                f"{len(ptc)} rules ({', '.join(sorted(set(ptc['upstream_registry'].dropna())))})",
                len(ptc),
                "proxy-cache projects (registry endpoint + project with registry_id)",
                [
                    f"{a}/{r}/{p}"
                    for a, r, p in ptc[["account_id", "region", "ecr_repository_prefix"]].itertuples(index=False)
                ],
            )
        )
    rules = [(r.account_id, r.region, rule) for r in regs.itertuples() for rule in load_json(r.replication_rules, [])]
    if rules:
        kinds = Counter(
            "cross-account"
            if any((d.get("registryId") or a) != a for d in rule.get("destinations", []))
            else "cross-region"
            for a, _, rule in rules
        )
        out.append(
            _finding(
                "replication",
                "ECR replication",
                ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + " rule(s)",
                len(rules),
                "Harbor-to-Harbor push replication to a DR Harbor (event-based)",
                [f"{a}/{r}" for a, r, _ in rules],
            )
        )
    mounting = regs[regs["blob_mounting"].eq("ENABLED")]
    if len(mounting):
        out.append(
            _finding(
                "blob-mounting",
                "Blob mounting",
                f"{len(mounting)} registries",
                len(mounting),
                "global blob de-duplication is built in (but per-project quotas count shared blobs in every project)",
            )
        )
    imm = live[live["tag_mutability"].isin(["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"])]
    if len(imm):
        excl = int(imm["tag_mutability"].eq("IMMUTABLE_WITH_EXCLUSION").sum())
        projects = imm["repository_name"].map(lambda n: n.split("/", 1)[0]).nunique()
        out.append(
            _finding(
                "tag-immutability",
                "Tag immutability (with exclusions)",
                f"{len(imm)} repositories ({excl} with exclusions) in {projects} prefixes",
                int(projects),
                "immutable tag rules (tags matches/excludes patterns), ≤ 15 per project",
            )
        )
    excl_rows = [(r.account_id, r.region, load_json(r.pull_time_update_exclusions, [])) for r in regs.itertuples()]
    excl_rows = [(a, r, e) for a, r, e in excl_rows if e]
    if excl_rows:
        out.append(
            _finding(
                "pull-time-exclusions",
                "Pull-time update exclusions",
                f"{sum(len(e) for *_, e in excl_rows)} principals",
                1,
                "none: every pull updates Harbor's pull time",
                [f"{a}/{r}" for a, r, _ in excl_rows],
            )
        )
    by_status = Counter(t.status for t in translations if t.kind == "lifecycle")
    for status in ("exact", "approximate", "impossible"):
        if by_status.get(status):
            out.append(
                _finding(
                    f"lifecycle-{status}",
                    f"Lifecycle rules translated {status}ly"
                    if status != "impossible"
                    else "Lifecycle rules impossible in Harbor",
                    f"{by_status[status]} rule translations",
                    by_status[status],
                    "tag retention rules (retain, OR, ≤ 15 per project, one cron)",
                )
            )
    if malformed:
        out.append(
            _finding(
                "lifecycle-malformed",
                "Malformed lifecycle policies",
                f"{len(malformed)} repositories",
                len(malformed),
                "fix before translating",
                [f"{m['account_id']}/{m['region']}/{m['repository_name']}: {m['reason']}" for m in malformed],
            )
        )
    media = inv.images["artifact_media_type"].fillna("")
    signed = inv.images[media.str.contains("sigstore|notation|cosign", regex=True)]
    if len(signed) and not supply_chain_counted:  # else supply_chain_findings counts them by kind
        out.append(
            _finding(
                "signatures",
                "Signatures and other OCI referrers",
                f"{len(signed):,} signature artifacts in {signed['repository_name'].nunique()} repositories",
                1,
                "accessories (cosign/notation); replication copies them with their subject",
            )
        )
    bound = inv.bound_to_ecr
    if bound is not None and len(bound):
        services = sorted({x for row in bound["services"] for x in row})
        out.append(
            _finding(
                "ecr-bound",
                "Repositories that cannot leave ECR",
                f"{len(bound)} repositories used by {bound['workloads'].sum()} {'/'.join(services)} workload(s), "
                "which pull only from ECR",
                len(bound),
                "none: Lambda, App Runner and EMR Serverless pull only from ECR — keep these repositories on ECR",
                _where(bound),
            )
        )
    if scan is not None:
        missing = scan["missing_repositories"] + scan["missing_images"]
        if missing:
            out.append(
                _finding(
                    "missing-references",
                    "References to repositories or images that do not exist",
                    f"{len(scan['missing_repositories'])} to missing repositories, "
                    f"{len(scan['missing_images'])} to missing images",
                    len(missing),
                    "fix or delete before the cut-over",
                    [f"{r.file}:{r.line} {r.text}" for r in missing],
                )
            )
        tf = [r for r in scan["references"] if r.form == "terraform-resource"]
        if tf:
            out.append(
                _finding(
                    "ecr-terraform",
                    "Terraform managing ECR",
                    f"{len(tf)} aws_ecr_* resources",
                    len(tf),
                    "the goharbor/harbor Terraform provider (projects, retention, robot accounts, replication)",
                    [f"{r.file}:{r.line} {r.text}" for r in tf],
                )
            )
    return out


# -- supply-chain artifacts and public upstreams (generic: kind, count, bytes, per registry) ---------------------

# What Harbor needs to receive each kind. Sources: goharbor/harbor release notes v2.5.0 (cosign signatures are
# accessories of the signed artifact, replicated with it), v2.11.0 (SBOM accessories replicated; legacy cosign
# tag signatures: one per artifact replicates, OCI 1.1 mode for more), goharbor/community proposal "distribution
# spec v1.1" (the referrers API), harbor-api-v2.0-swagger.yaml (`with_accessory`, `accessories[]`).
SUPPLY_CHAIN_HARBOR: dict[str, str] = {
    "attestation": "buildx attestation manifests travel as children of their index (platform unknown/unknown): "
    "replicate the whole index, do not filter children by platform",
    "signature": "accessories of the signed artifact (cosign `.sig` tags and OCI 1.1 referrers; notation): "
    "replication copies them with their subject; legacy `.sig` tags carry one signature per artifact, "
    "re-sign in OCI 1.1 mode for several; set cosign/notation verification per project",
    "sbom": "accessories (OCI 1.1 referrers); Harbor can also generate its own (project auto_sbom_generation)",
    "referrer": "accessories through the OCI 1.1 referrers API (GET /v2/<name>/referrers/<digest>)",
    "other": "accessories of another type (Harbor `subject.accessory`): replicated with their subject; check the "
    "tools that read them find them at the destination",
    "unclassified": "kind unknown: the manifest was never fetched (collected without manifests, or the fetch "
    "failed) — collect again with manifests to classify it",
}
UPSTREAM_HARBOR: dict[str, str] = {
    "docker-hub": "endpoint type docker-hub + proxy-cache project",
    "ghcr": "endpoint type github-ghcr + proxy-cache project",
    "quay": "endpoint type quay + proxy-cache project (add quay to the permitted proxy types)",
    "ecr-public": "endpoint type docker-registry (https://public.ecr.aws) + proxy-cache project",
}


def supply_chain_by_kind(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{kind: {count, bytes, repositories, registries}} over the per-(source, registry, kind) rows of
    `warehouse.supply_chain.supply_chain_artifacts`."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        k = out.setdefault(r["kind"], {"count": 0, "bytes": 0, "repositories": 0, "registries": 0})
        k["count"] += int(r["count"])
        k["bytes"] += int(r["bytes"] or 0)
        k["repositories"] += int(r["repositories"])
        k["registries"] += 1
    return out


def supply_chain_findings(rows: list[dict[str, Any]]) -> list[Finding]:
    """One finding for the supply-chain artifacts the estate holds, effort per kind present."""
    kinds = supply_chain_by_kind(rows)
    known = [k for k in kinds if k != "unclassified"]
    if not kinds:
        return []
    evidence = ", ".join(
        f"{v['count']:,} {k} ({human_bytes(v['bytes'])}, {v['repositories']} repositories)" for k, v in kinds.items()
    )
    harbor = "; ".join(f"{k}: {SUPPLY_CHAIN_HARBOR[k]}" for k in kinds)
    where = [
        f"{r['source']} {r['registry']}: {r['count']:,} {r['kind']}, {human_bytes(r['bytes'], 'size unknown')}"
        for r in rows
    ]
    return [
        _finding(
            "supply-chain-artifacts",
            "Supply-chain artifacts (attestations, signatures, SBOMs, referrers)",
            evidence,
            len(known),
            harbor,
            where,
        )
    ]


def upstream_findings(upstreams: list[Any]) -> list[Finding]:
    """Public upstream images referenced in the scanned files: one proxy-cache project per upstream registry."""
    by_registry = Counter(r.registry for r in upstreams)
    if not by_registry:
        return []
    return [
        _finding(
            "public-upstreams",
            "Public upstream images referenced (proxy-cache projects)",
            ", ".join(f"{n} {k} references" for k, n in by_registry.most_common()),
            len(by_registry),
            "; ".join(f"{k}: {UPSTREAM_HARBOR[k]}" for k in by_registry),
            [f"{r.file}:{r.line} {r.text}" for r in upstreams],
        )
    ]


def _cross_account(policy_text: str, own: str | None) -> bool:
    doc = load_json(policy_text, {})
    for st in doc.get("Statement", []) if isinstance(doc, dict) else []:
        principal = st.get("Principal", {})
        aws = principal.get("AWS", []) if isinstance(principal, dict) else principal
        if isinstance(aws, str):
            aws = [aws]
        if any(":iam::" in p or p == "*" for p in aws):
            return True
    return False


# -- portability summary ---------------------------------------------------------------------------


@dataclass
class Score:
    row: str
    score: int  # 5: moves as is … 1: much to rebuild
    evidence: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _score(row: str, deductions: list[tuple[bool, str]]) -> Score:
    taken = [why for hit, why in deductions if hit]
    return Score(row, max(1, 5 - len(taken)), taken or ["no evidence of ECR-specific use"])


def portability_scores(findings: list[Finding], scan: dict[str, Any] | None, inv: Inventory) -> list[Score]:
    f = {x.feature: x for x in findings}
    n = lambda k: f[k].count if k in f else 0  # noqa: E731
    regs = inv.registries
    refs = scan["references"] if scan else []
    k8s = [r for r in refs if r.kind in ("kubernetes", "helm-values", "helm-template", "kustomize")]
    templated = [r for r in refs if r.templated]
    lifecycle = n("lifecycle-exact") + n("lifecycle-approximate") + n("lifecycle-impossible")
    scopes = regs[["account_id", "region"]].drop_duplicates()
    return [
        _score(
            "operating model",
            [
                (len(scopes) > 3, f"{len(scopes)} (account, region) registries to consolidate"),
                (n("replication") > 0, f"{n('replication')} ECR replication rule(s) need a second Harbor"),
                (
                    n("pull-through-cache") > 0,
                    f"{n('pull-through-cache')} pull-through cache rule(s) become proxy projects",
                ),
                (n("archive-class") > 0, "archived images: no archive tier to move them to"),
            ],
        ),
        _score(
            "access control",
            [
                (n("repository-policy") > 0, f"{n('repository-policy')} distinct repository policies"),
                (n("repository-policy") > 10, "more than 10 distinct repository policies"),
                (n("registry-policy") > 0, f"{n('registry-policy')} registry policies"),
                (n("pull-time-exclusions") > 0, "pull-time update exclusions (no Harbor equivalent)"),
            ],
        ),
        _score(
            "portability",
            [
                (len(refs) > 0, f"{len(refs)} ECR references in scanned files"),
                (len(templated) > 0, f"{len(templated)} templated references (rewrite by hand)"),
                (
                    n("kms-encryption") > 0,
                    f"{n('kms-encryption')} KMS keys (per-repository encryption has no Harbor equivalent)",
                ),
                (n("ecr-terraform") > 0, f"{n('ecr-terraform')} Terraform resources manage ECR"),
            ],
        ),
        _score(
            "Kubernetes integration",
            [
                (
                    len(k8s) > 0,
                    f"{len(k8s)} references in Kubernetes/Helm/Kustomize files need pull secrets or a "
                    "credential provider",
                ),
                (len({r.file for r in k8s}) > 5, f"{len({r.file for r in k8s})} Kubernetes files to change"),
                (
                    any(r.kind == "helm-values" and r.form == "helm-split" for r in k8s),
                    "Helm values split registry/repository",
                ),
                (n("iam-pull-auth") > 1, f"{n('iam-pull-auth')} AWS accounts pull with IAM roles today"),
            ],
        ),
        _score(
            "governance & policies",
            [
                (
                    n("lifecycle-approximate") > 0,
                    f"{n('lifecycle-approximate')} of {lifecycle} lifecycle rule translations approximate",
                ),
                (n("lifecycle-impossible") > 0, f"{n('lifecycle-impossible')} lifecycle rule translations impossible"),
                (n("enhanced-scanning") > 0, "enhanced scanning (Inspector) to replace"),
                (n("lifecycle-malformed") > 0, f"{n('lifecycle-malformed')} malformed lifecycle policies"),
            ],
        ),
    ]


def dump(findings: list[Finding]) -> str:
    return json.dumps([x.as_dict() for x in findings], indent=2)
