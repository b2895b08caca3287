"""Portability scores: 5 minus one point per counted deduction, never below 1, each point naming its count."""

from __future__ import annotations

import pandas as pd

from analysis.portability.finding import make_finding
from analysis.portability.inventory import Inventory
from analysis.portability.scores import portability_scores


def _inventory(scopes: int) -> Inventory:
    regs = pd.DataFrame({"account_id": [f"{i:012d}" for i in range(scopes)], "region": ["eu-west-1"] * scopes})
    empty = pd.DataFrame()
    return Inventory(empty, empty, empty, regs, empty, empty, 30)


def test_a_clean_estate_scores_five_everywhere():
    scores = portability_scores([], None, _inventory(1))
    assert [s.row for s in scores] == [
        "operating model",
        "access control",
        "portability",
        "Kubernetes integration",
        "governance & policies",
    ]
    assert {s.score for s in scores} == {5}
    assert scores[0].evidence == ["no evidence of ECR-specific use"]


def test_each_deduction_takes_a_point_and_says_why():
    findings = [
        make_finding("replication", "r", "e", 2, "h"),
        make_finding("pull-through-cache", "p", "e", 1, "h"),
        make_finding("archive-class", "a", "e", 1, "h"),
    ]
    (operating, *_) = portability_scores(findings, None, _inventory(4))
    # 4 registries (> 3), replication, pull-through cache, archive: 5 − 4 = 1
    assert operating.score == 1
    assert operating.evidence[0] == "4 (account, region) registries to consolidate"
    assert "2 ECR replication rules need a second Harbor" in operating.evidence


def test_the_score_never_drops_below_one():
    findings = [make_finding(k, k, "e", 20, "h") for k in ("repository-policy", "registry-policy")]
    findings.append(make_finding("pull-time-exclusions", "x", "e", 1, "h"))
    access = portability_scores(findings, None, _inventory(1))[1]
    assert len(access.evidence) == 4  # four deductions
    assert access.score == 1
