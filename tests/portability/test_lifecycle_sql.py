"""The warehouse evaluator (lifecycle_sql) against the per-repository oracle (lifecycle.evaluate) on random estates:
several repositories, each with its own random policy, ties in push time, restored images, tags with LIKE's own
wildcards in them, and indexes (nested too) whose children may not go before them."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifecycle_images import AT, image
from test_lifecycle_properties import rules_st

from analysis.portability.lifecycle import PolicyProblem, evaluate, parse_policy
from analysis.portability.lifecycle_sql import evaluate_all

# `%` and `_` are LIKE wildcards: a tag "v1x2" must not match the pattern "v1_2*"
TAGS = ["v1", "v2", "prod-1", "prod-2", "git-a", "git-b", "latest", "v1_2", "v1x2", "50%", "it's"]
PATTERNS = ["v*", "prod*", "git-*", "*", "latest", "v1_2*", "50%", "it'*"]

repo_st = st.tuples(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
            st.integers(0, 60),  # pushed days ago: ties are common
            st.one_of(st.none(), st.integers(0, 400)),  # pulled days ago
            st.one_of(st.none(), st.integers(0, 300)),  # archived days ago
            st.one_of(st.none(), st.integers(0, 50)),  # restored days ago
        ),
        max_size=14,
    ),
    st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=6),  # index → child (by position)
)


def _tagged_rules(rules: list[dict], picks: list[int]) -> list[dict]:
    """rules_st's rules with this file's patterns (LIKE wildcards, quotes) in place of its own."""
    for i, r in enumerate(rules):
        sel = r["selection"]
        for key in ("tagPrefixList", "tagPatternList"):
            if key in sel:
                sel[key] = list(dict.fromkeys(PATTERNS[(picks[i] + j) % len(PATTERNS)] for j in range(len(sel[key]))))
    return rules


def _estate(repos):
    images, links = [], []
    for r, (spec, edges) in enumerate(repos):
        for i, (tags, pushed, pulled, archived, restored) in enumerate(spec):
            row = image(f"sha256:{r}-{i:02d}", tags, pushed, pulled_days=pulled, archived_days=archived)
            if restored is not None and archived is None:
                row["last_activated_at"] = AT - timedelta(days=restored)
            images.append({"account_id": "1", "region": "eu-west-1", "repository_name": f"repo{r}", **row})
        for parent, child in edges:
            if parent < len(spec) and child < len(spec) and parent != child:
                links.append((f"sha256:{r}-{parent:02d}", f"sha256:{r}-{child:02d}"))
    columns = ["account_id", "region", "repository_name", *image("x", [], 0)]
    return pd.DataFrame(images, columns=columns), pd.DataFrame(
        sorted(set(links)), columns=["index_digest", "child_digest"]
    )


def _warehouse(images: pd.DataFrame, links: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """The two warehouse relations the evaluator reads, with the warehouse's column types."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE current_ecr_images (account_id VARCHAR, region VARCHAR, repository_name VARCHAR, "
        "image_digest VARCHAR, image_tags VARCHAR[], pushed_at TIMESTAMPTZ, last_pull_at TIMESTAMPTZ, "
        "image_status VARCHAR, last_archived_at TIMESTAMPTZ, last_activated_at TIMESTAMPTZ)"
    )
    con.execute("CREATE TABLE manifest_children (index_digest VARCHAR, child_digest VARCHAR)")
    if len(images):
        con.register("_i", images)
        con.execute("INSERT INTO current_ecr_images BY NAME SELECT * FROM _i")
    if len(links):
        con.register("_l", links)
        con.execute("INSERT INTO manifest_children SELECT * FROM _l")
    return con


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(repo_st, rules_st(), st.lists(st.integers(0, 7), min_size=4, max_size=4)), max_size=3))
def test_warehouse_evaluation_equals_the_per_repository_oracle(estate):
    images, links = _estate([r for r, _, _ in estate])
    policies = [parse_policy(json.dumps({"rules": _tagged_rules(rules, picks)})) for _, rules, picks in estate]
    todo = pd.DataFrame(
        [("1", "eu-west-1", f"repo{r}", r) for r, p in enumerate(policies) if not isinstance(p, PolicyProblem)],
        columns=["account_id", "region", "repository_name", "policy_id"],
    )
    con = _warehouse(images, links)
    evaluate_all(con, todo, [p if not isinstance(p, PolicyProblem) else None for p in policies], at=AT)
    got = con.execute("SELECT image_digest, action, rule, blocked FROM _lc_out ORDER BY image_digest").df()
    expected = []
    for repo in todo.itertuples():
        mine = images[images["repository_name"] == repo.repository_name].drop(
            columns=["account_id", "region", "repository_name"]
        )
        out = evaluate(policies[repo.policy_id], mine, links, at=AT).images
        expected.append(out[["image_digest", "action", "rule", "blocked"]])
    want = pd.concat(expected).sort_values("image_digest").reset_index(drop=True) if expected else got.iloc[:0]
    assert got["image_digest"].tolist() == want["image_digest"].tolist()
    kept_as_none = got["action"].astype(object).where(got["action"].notna(), None)  # NULL = kept, like the oracle
    assert kept_as_none.tolist() == want["action"].tolist(), (got, want)
    np.testing.assert_array_equal(got["rule"].to_numpy(dtype=float), want["rule"].to_numpy(dtype=float))
    assert got["blocked"].tolist() == want["blocked"].tolist()
