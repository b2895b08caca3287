"""The portability summary: five rows (the comparison's rows) scored from 5 (moves as is) down to 1.

Each score comes from counted evidence only: every point taken off says which count took it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from analysis.portability.finding import Finding
from analysis.portability.inventory import Inventory
from analysis.units import counted


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
                (n("replication") > 0, f"{counted(n('replication'), 'ECR replication rule')} need a second Harbor"),
                (
                    n("pull-through-cache") > 0,
                    f"{counted(n('pull-through-cache'), 'pull-through cache rule')} become proxy projects",
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
