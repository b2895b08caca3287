"""Invariants of the lifecycle evaluation, over random image lists and random (valid) policies."""

from __future__ import annotations

import json
import re

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifecycle_images import AT, image, rule

from analysis.portability.lifecycle import ARCHIVE_MINIMUM_DAYS, Policy, PolicyProblem, evaluate, parse_policy

TAGS = ["v1", "v2", "prod-1", "prod-2", "git-a", "git-b", "latest"]

images_st = st.lists(
    st.tuples(
        st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
        st.integers(0, 800),  # pushed days ago
        st.one_of(st.none(), st.integers(0, 400)),  # pulled days ago
        st.one_of(st.none(), st.integers(0, 300)),  # archived days ago
    ),
    min_size=0,
    max_size=25,
)


@st.composite
def rules_st(draw):
    n = draw(st.integers(1, 4))
    priorities = sorted(draw(st.lists(st.integers(1, 50), min_size=n, max_size=n, unique=True)))
    out = []
    for i, p in enumerate(priorities):
        last = i == n - 1
        status = draw(st.sampled_from(["tagged", "untagged", "any"] if last else ["tagged", "untagged"]))
        kind = draw(st.sampled_from(["count", "pushed", "pulled", "archived"]))
        number = draw(st.integers(1, 200))
        kw = {}
        if status == "tagged":
            kw["patterns" if draw(st.booleans()) else "prefixes"] = draw(
                st.lists(st.sampled_from(["v*", "prod*", "git-*", "*", "latest"]), min_size=1, max_size=2, unique=True)
            )
        if kind == "count":
            out.append(rule(p, status, "imageCountMoreThan", number, **kw))
        elif kind == "pushed":
            out.append(rule(p, status, "sinceImagePushed", number, **kw))
        elif kind == "pulled":
            out.append(rule(p, status, "sinceImagePulled", number, action="transition", **kw))
        else:
            out.append(rule(p, status, "sinceImageTransitioned", number, storage="archive", **kw))
    return out


def _frame(spec) -> pd.DataFrame:
    rows = [
        image(f"d{i}", tags, pushed, pulled_days=pulled, archived_days=archived)
        for i, (tags, pushed, pulled, archived) in enumerate(spec)
    ]
    return pd.DataFrame(rows, columns=list(image("x", [], 0).keys()))


def _selects(r, row) -> bool:
    """Whether rule `r` (parsed) selects the image `row` by its tagging requirements and storage class."""
    archived = row["image_status"] == "ARCHIVED"
    if (r.storage_class == "archive") != archived:
        return False
    tags = list(row["image_tags"])
    if r.tag_status == "untagged":
        return not tags
    if r.tag_status == "any":
        return True
    return bool(tags) and all(any(rx.fullmatch(t) for t in tags) for rx in r.tag_regexes())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images_st, rules_st())
def test_the_first_rule_whose_selection_matches_decides(spec, rules):
    parsed = parse_policy(json.dumps({"rules": rules}))
    if isinstance(parsed, PolicyProblem):  # e.g. two untagged rules: rejected, as ECR does
        return
    out = evaluate(parsed, _frame(spec), at=AT).images
    for _, row in out.iterrows():
        if row["action"] is None:
            continue
        deciding = [r for r in parsed.rules if _selects(r, row)]
        # one rule acted, and it is the lowest-priority-number rule whose tagging requirements match
        assert deciding and deciding[0].priority == row["rule"]
        assert row["action"] == deciding[0].action


@settings(max_examples=150, deadline=None)
@given(images_st, rules_st())
def test_archived_images_are_never_expired_before_90_days(spec, rules):
    parsed = parse_policy(json.dumps({"rules": rules}))
    if isinstance(parsed, PolicyProblem):
        return
    frame = _frame(spec)
    out = evaluate(parsed, frame, at=AT).images
    young = out["image_status"].eq("ARCHIVED") & (
        out["last_archived_at"] > AT - pd.Timedelta(days=ARCHIVE_MINIMUM_DAYS)
    )
    assert not (young & out["action"].eq("expire")).any()
    # and archived images are never archived again, standard images never expired by archive-class rules
    assert not (out["image_status"].eq("ARCHIVED") & out["action"].eq("archive")).any()


@given(st.integers(1, 5), st.integers(0, 4))
def test_an_any_rule_must_come_last(n_before, position):
    priorities = list(range(1, n_before + 2))
    any_priority = priorities[min(position, len(priorities) - 1)]
    rules = [
        rule(p, "any", "imageCountMoreThan", 3)
        if p == any_priority
        else rule(p, "tagged", "imageCountMoreThan", 3, prefixes=[f"t{p}"])
        for p in priorities
    ]
    parsed = parse_policy(json.dumps({"rules": rules}))
    if any_priority == max(priorities):
        assert isinstance(parsed, Policy)
    else:
        assert isinstance(parsed, PolicyProblem) and re.search("highest rulePriority", str(parsed))


@settings(max_examples=60, deadline=None)
@given(images_st, st.integers(1, 10))
def test_lower_priority_number_wins_when_two_rules_select_the_same_images(spec, keep):
    # the same selection twice: the first rule decides everything, the second never acts
    rules = [
        rule(1, "tagged", "imageCountMoreThan", keep, patterns=["*"]),
        rule(2, "tagged", "sinceImagePushed", 1, patterns=["*"]),
    ]
    out = evaluate(parse_policy(json.dumps({"rules": rules})), _frame(spec), at=AT).images
    assert not out["rule"].eq(2).any()
