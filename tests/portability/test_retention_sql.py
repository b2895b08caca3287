"""Harbor's retention in the warehouse (retention_sql) against the per-repository oracle (retention.harbor_deletes)
on random estates: repositories in two projects, every rule template and tag decoration, untagged on and off,
patterns with brace lists, `?`, quotes and regex characters, ties in push and pull times, images never pulled,
and indexes (nested too) whose children go only with every index listing them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifecycle_images import AT
from test_lifecycle_properties import rules_st
from test_lifecycle_sql import TAGS, _estate, _tagged_rules, _warehouse

from analysis.portability.billing import read_outcomes
from analysis.portability.lifecycle import PolicyProblem, parse_policy
from analysis.portability.lifecycle_sql import evaluate_all
from analysis.portability.retention import HarborRule, harbor_deletes
from analysis.portability.retention_sql import DIFFERENCE_COLUMNS, harbor_deleted, retention_differences

SCOPE = ["account_id", "region", "repository_name"]
NAMES = ["api", "web.v2", "team/a-b_c"]  # Harbor repository names of repo0, repo1, repo2
TAG_PATTERNS = ["", "**", "*", "v*", "v?", "prod-*", "{v1,git-*}", "v1_2", "it'*", "50%", "latest", "v1.*"]
TEMPLATES = ["always", "latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull"]

harbor_rule_st = st.builds(
    lambda template, k, days, decoration, pattern, untagged, names: HarborRule(
        template,
        None if template == "always" else (k if template.startswith("latest") else days),
        decoration,
        pattern,
        untagged,
        tuple(names),
    ),
    st.sampled_from(TEMPLATES),
    st.integers(0, 4),
    st.integers(0, 8),  # days: the boundary falls among the images' days
    st.sampled_from(["matches", "excludes"]),
    st.sampled_from(TAG_PATTERNS),
    st.booleans(),
    # a plain list of names (Harbor's scope selector as the translation writes it), once in a while a glob
    st.one_of(
        st.just(NAMES),
        st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True),
        st.just(["w*"]),
        st.just(["nope"]),
    ),
)


def _setup(estate, projects, rules):
    """The warehouse relations, the lifecycle outcomes on `con`, and the repositories → project/name frame."""
    images, links = _estate([r for r, _, _ in estate])
    policies = [parse_policy(json.dumps({"rules": _tagged_rules(rs, picks)})) for _, rs, picks in estate]
    # a repository whose ECR policy is malformed is evaluated with none (ECR acts on nothing there)
    todo = pd.DataFrame(
        [("1", "eu-west-1", f"repo{r}", r) for r in range(len(policies))], columns=[*SCOPE, "policy_id"]
    )
    con = _warehouse(images, links)
    evaluate_all(con, todo, [None if isinstance(p, PolicyProblem) else p for p in policies], at=AT)
    repos = todo[SCOPE].assign(
        project=[projects[int(n[4:])] for n in todo["repository_name"]],
        harbor_repository=[NAMES[int(n[4:])] for n in todo["repository_name"]],
    )
    return con, links, repos, {"p0": rules[0], "p1": rules[1]}


def _oracle(con, links, repos, rules) -> pd.DataFrame:
    """harbor_deletes per repository where some rule applies, on the images in read_outcomes' order."""
    outcomes = read_outcomes(con, repos)
    out = []
    for row in repos.itertuples():
        mine = rules[row.project]
        if not any(r.applies_to(row.harbor_repository) for r in mine):
            continue
        imgs = outcomes[outcomes["repository_name"] == row.repository_name].reset_index(drop=True)
        deleted = harbor_deletes(mine, row.harbor_repository, imgs, links, at=AT)
        out.append(imgs[[*SCOPE, "image_digest", "action"]].assign(deleted=deleted))
    columns = [*SCOPE, "image_digest", "action", "deleted"]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)


# Dense on purpose: few days (ties in push and pull times at the "latest K" boundary), several indexes per child
repo_st = st.tuples(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
            st.integers(0, 6),  # pushed days ago
            st.one_of(st.none(), st.integers(0, 4)),  # pulled days ago (None: never)
            st.one_of(st.none(), st.integers(0, 300)),  # archived days ago
            st.none(),
        ),
        min_size=2,
        max_size=10,
    ),
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=10),  # index → child (by position)
)
estate_st = st.lists(
    st.tuples(repo_st, rules_st(), st.lists(st.integers(0, 7), min_size=4, max_size=4)), min_size=1, max_size=3
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    estate_st,
    st.lists(st.sampled_from(["p0", "p1"]), min_size=3, max_size=3),
    st.tuples(st.lists(harbor_rule_st, min_size=1, max_size=4), st.lists(harbor_rule_st, min_size=1, max_size=4)),
)
def test_the_warehouse_deletes_exactly_what_the_per_repository_oracle_deletes(estate, projects, rules):
    con, links, repos, by_project = _setup(estate, projects, rules)
    try:
        got = harbor_deleted(con, repos, by_project, at=AT).sort_values("image_digest", ignore_index=True)
        want = _oracle(con, links, repos, by_project).sort_values("image_digest", ignore_index=True)
        counts = retention_differences(con, repos, by_project, at=AT).sort_values(SCOPE, ignore_index=True)
    finally:
        con.close()
    assert got["image_digest"].tolist() == want["image_digest"].tolist()  # the same repositories, every image
    assert got["deleted"].tolist() == want["deleted"].tolist(), (got, want)
    action = want["action"].astype(object)
    want_counts = (
        want.assign(
            ecr_expires_harbor_keeps=(action == "expire") & ~want["deleted"].astype(bool),
            harbor_deletes_ecr_keeps=want["deleted"].astype(bool) & (action != "expire"),
            ecr_archives_harbor_keeps=(action == "archive") & ~want["deleted"].astype(bool),
        )
        .groupby(SCOPE, as_index=False)[DIFFERENCE_COLUMNS]
        .sum()
    )
    assert counts[SCOPE].to_numpy().tolist() == want_counts[SCOPE].to_numpy().tolist()
    for column in DIFFERENCE_COLUMNS:
        assert counts[column].tolist() == want_counts[column].tolist(), column


def _one_repository(
    rows: list[tuple[str, list[str], datetime, datetime | None]], links=()
) -> duckdb.DuckDBPyConnection:
    images = pd.DataFrame(
        [
            {
                "account_id": "1",
                "region": "eu-west-1",
                "repository_name": "payments/api",
                "image_digest": digest,
                "image_tags": tags,
                "pushed_at": pushed,
                "last_pull_at": pulled,
                "image_status": "ACTIVE",
                "last_archived_at": None,
                "last_activated_at": None,
            }
            for digest, tags, pushed, pulled in rows
        ]
    )
    con = _warehouse(images, pd.DataFrame(list(links), columns=["index_digest", "child_digest"]))
    todo = pd.DataFrame([("1", "eu-west-1", "payments/api", 0)], columns=[*SCOPE, "policy_id"])
    evaluate_all(con, todo, [None], at=AT)  # no ECR rule: the outcomes with every image kept by ECR
    return con


REPOS = pd.DataFrame(
    [("1", "eu-west-1", "payments/api", "payments", "api")], columns=[*SCOPE, "project", "harbor_repository"]
)


def _deleted(con, *rules: HarborRule) -> dict[str, bool]:
    out = harbor_deleted(con, REPOS, {"payments": list(rules)}, at=AT)
    return dict(zip(out["image_digest"], out["deleted"], strict=True))


def test_equal_push_times_keep_the_smaller_digest_and_a_never_pulled_image_ranks_last():
    same = AT - timedelta(days=3)
    con = _one_repository(
        [
            ("sha256:b", ["v2"], same, AT - timedelta(days=1)),
            ("sha256:a", ["v1"], same, None),  # never pulled
            ("sha256:c", ["v0"], AT - timedelta(days=9), AT - timedelta(days=200)),
        ]
    )
    # latest 1 pushed: a and b were pushed at the same instant; the smaller digest wins, as the oracle's order
    assert _deleted(con, HarborRule("latestPushedK", 1, "matches", "**", False, ("api",))) == {
        "sha256:a": False,
        "sha256:b": True,
        "sha256:c": True,
    }
    # latest 2 pulled: b (1 day) and c (200 days); a was never pulled, so it goes (Harbor's zero pull time)
    assert _deleted(con, HarborRule("latestPulledN", 2, "matches", "**", False, ("api",))) == {
        "sha256:a": True,
        "sha256:b": False,
        "sha256:c": False,
    }


def test_equal_pull_times_keep_the_earlier_push_then_the_smaller_digest():
    pulled = AT - timedelta(days=2)
    con = _one_repository(
        [
            ("sha256:a", ["v1"], AT - timedelta(days=5), pulled),
            ("sha256:b", ["v2"], AT - timedelta(days=9), pulled),  # pushed first: the oracle receives it first
            ("sha256:c", ["v3"], AT - timedelta(days=9), pulled),
        ]
    )
    rule = HarborRule("latestPulledN", 2, "matches", "**", False, ("api",))
    assert _deleted(con, rule) == {"sha256:a": True, "sha256:b": False, "sha256:c": False}


def test_days_since_push_count_whole_days_whatever_the_session_time_zone():
    # at is 2026-11-01 00:00 UTC, a day after Europe/Berlin left summer time (2026-10-25): 10 days back is
    # 2026-10-22 00:00 UTC exactly, not an hour off as calendar days in Berlin would make it
    con = _one_repository(
        [
            ("sha256:edge", ["v1"], AT - timedelta(days=10), None),  # exactly at the cut-off: retained (>=)
            ("sha256:over", ["v2"], AT - timedelta(days=10, seconds=1), None),
        ]
    )
    con.execute("SET TimeZone = 'Europe/Berlin'")
    rule = HarborRule("nDaysSinceLastPush", 10, "matches", "**", False, ("api",))
    assert _deleted(con, rule) == {"sha256:edge": False, "sha256:over": True}


def test_a_child_goes_only_when_every_index_listing_it_goes():
    old, new = AT - timedelta(days=40), AT - timedelta(days=1)
    con = _one_repository(
        [
            ("sha256:idx-old", ["v1"], old, None),
            ("sha256:idx-new", ["v2"], new, None),
            ("sha256:shared", [], old, None),  # listed by both indexes
            ("sha256:alone", [], old, None),  # listed by the old index only
        ],
        links=[
            ("sha256:idx-old", "sha256:shared"),
            ("sha256:idx-new", "sha256:shared"),
            ("sha256:idx-old", "sha256:alone"),
        ],
    )
    rule = HarborRule("nDaysSinceLastPush", 7, "matches", "**", True, ("api",))
    assert _deleted(con, rule) == {
        "sha256:idx-old": True,
        "sha256:idx-new": False,
        "sha256:shared": False,  # its newer index stays
        "sha256:alone": True,
    }


def test_a_repository_no_rule_selects_is_not_evaluated():
    con = _one_repository([("sha256:a", ["v1"], AT - timedelta(days=400), None)])
    other = HarborRule("always", None, "matches", "**", True, ("web", "worker"))
    assert harbor_deleted(con, REPOS, {"payments": [other]}, at=AT).empty
    counts = retention_differences(con, REPOS, {"payments": [other]}, at=AT)
    assert counts.empty and list(counts.columns) == [*SCOPE, *DIFFERENCE_COLUMNS]


def test_at_is_an_instant_whatever_its_zone():
    # `at` 2026-10-31 14:00 in Berlin (CET, +01:00) is 13:00 UTC; one day back is 2026-10-30 13:00 UTC, so an
    # image pushed at 13:30 UTC is retained. Read as 14:00 UTC, the cut-off would pass it by and delete it.
    con = _one_repository([("sha256:a", ["v1"], datetime(2026, 10, 30, 13, 30, tzinfo=UTC), None)])
    rule = HarborRule("nDaysSinceLastPush", 1, "matches", "**", False, ("api",))
    at = datetime(2026, 10, 31, 14, tzinfo=ZoneInfo("Europe/Berlin"))
    assert harbor_deleted(con, REPOS, {"payments": [rule]}, at=at)["deleted"].tolist() == [False]
