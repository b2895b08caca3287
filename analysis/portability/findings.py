"""Findings from outside the inventory: the supply-chain artifacts the estate holds and the public upstream images
its files reference. The inventory's findings come from the rules in finding_rules.py; the model in finding.py.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from analysis.portability.finding import Finding, make_finding
from analysis.units import human_bytes

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
        make_finding(
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
        make_finding(
            "public-upstreams",
            "Public upstream images referenced (proxy-cache projects)",
            ", ".join(f"{n} {k} references" for k, n in by_registry.most_common()),
            len(by_registry),
            "; ".join(f"{k}: {UPSTREAM_HARBOR[k]}" for k in by_registry),
            [f"{r.file}:{r.line} {r.text}" for r in upstreams],
        )
    ]


def dump(findings: list[Finding]) -> str:
    return json.dumps([x.as_dict() for x in findings], indent=2)
