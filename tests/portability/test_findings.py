"""Findings from outside the inventory: supply-chain artifacts by kind, public upstreams by registry."""

from __future__ import annotations

import json
from types import SimpleNamespace

from analysis.portability.findings import dump, supply_chain_by_kind, supply_chain_findings, upstream_findings

ROWS = [
    {
        "source": "ecr",
        "registry": "111111111111/eu-west-1",
        "kind": "signature",
        "count": 40,
        "bytes": 2048,
        "repositories": 4,
    },
    {
        "source": "harbor",
        "registry": "https://harbor.example",
        "kind": "signature",
        "count": 10,
        "bytes": None,
        "repositories": 1,
    },
    {
        "source": "ecr",
        "registry": "111111111111/eu-west-1",
        "kind": "unclassified",
        "count": 3,
        "bytes": 0,
        "repositories": 1,
    },
]


def test_kinds_add_up_over_registries():
    kinds = supply_chain_by_kind(ROWS)
    # 40 + 10 signatures in 4 + 1 repositories of 2 registries; unknown bytes count as 0
    assert kinds["signature"] == {"count": 50, "bytes": 2048, "repositories": 5, "registries": 2}
    assert kinds["unclassified"]["count"] == 3


def test_effort_counts_the_known_kinds_only():
    (f,) = supply_chain_findings(ROWS)
    # 1 d fixed + 0.5 d × 1 kind (signature; unclassified is not a kind to check) = 1.5 d
    assert f.count == 1
    assert f.effort_days == 1.5
    assert f.evidence.startswith("50 signature (2.0 KiB, 5 repositories)")
    assert "https://harbor.example: 10 signature, size unknown" in f.where[1]


def test_no_artifacts_no_finding():
    assert supply_chain_findings([]) == []
    assert upstream_findings([]) == []


def test_one_proxy_cache_project_per_upstream_registry():
    refs = [
        SimpleNamespace(registry="docker-hub", file="Dockerfile", line=1, text="nginx:1.27"),
        SimpleNamespace(registry="docker-hub", file="Dockerfile", line=9, text="redis:7"),
        SimpleNamespace(registry="ghcr", file="k8s/app.yaml", line=4, text="ghcr.io/org/tool:1"),
    ]
    (f,) = upstream_findings(refs)
    assert f.evidence == "2 docker-hub references, 1 ghcr references"
    # 0.5 d fixed + 0.5 d × 2 upstream registries = 1.5 d
    assert f.effort_days == 1.5
    assert json.loads(dump([f]))[0]["feature"] == "public-upstreams"
