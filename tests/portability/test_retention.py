"""ECR lifecycle → Harbor retention: each kind of translation, and Harbor's outcome against ECR's."""

from __future__ import annotations

import json

import numpy as np
from lifecycle_images import AT, frame, image, policy, rule

from analysis.portability.harbor_payloads import validate
from analysis.portability.lifecycle import evaluate, parse_policy
from analysis.portability.retention import HarborRule, fit_to_limit, harbor_deletes, retention_payload, translate_policy


def translate(text: str):
    return translate_policy(parse_policy(text), ("api",), "payments/api")


def test_untagged_expiry_is_exact_and_keeps_tagged_images_explicitly():
    rules, notes = translate(policy(rule(1, "untagged", "sinceImagePushed", 14)))
    assert {n.status for n in notes} == {"exact"}
    shapes = {(r.template, r.param, r.decoration, r.pattern, r.untagged) for r in rules}
    # retain untagged pushed within 14 days (untagged only = excludes ** with untagged false) + every tagged image
    assert shapes == {("nDaysSinceLastPush", 14, "excludes", "**", False), ("always", None, "matches", "**", False)}
    images = frame(image("old", [], 20), image("new", [], 3), image("tagged", ["v1"], 400))
    deleted = harbor_deletes(rules, "api", images, None, at=AT)
    assert deleted.tolist() == [True, False, False]  # the same outcome as ECR


def test_an_any_count_rule_is_exact():
    rules, notes = translate(policy(rule(1, "any", "imageCountMoreThan", 2)))
    assert [n.status for n in notes] == ["exact"]
    assert [(r.template, r.param, r.untagged) for r in rules] == [("latestPushedK", 2, True)]


def test_a_tag_pattern_rule_is_approximate_and_says_why():
    rules, notes = translate(
        policy(
            rule(1, "untagged", "sinceImagePushed", 14), rule(2, "tagged", "imageCountMoreThan", 1, patterns=["git-*"])
        )
    )
    by_status = {n.status for n in notes}
    assert "approximate" in by_status
    why = " ".join(n.note for n in notes if n.status == "approximate")
    assert "another tag" in why  # an image with a git-* tag and e.g. latest is always kept by Harbor
    # Harbor keeps an image ECR expires: the older git-* image also carries the tag "main"
    images = frame(image("a", ["git-a", "main"], 30), image("b", ["git-b"], 20), image("c", ["git-c"], 10))
    ecr = (
        evaluate(
            parse_policy(
                policy(
                    rule(1, "untagged", "sinceImagePushed", 14),
                    rule(2, "tagged", "imageCountMoreThan", 1, patterns=["git-*"]),
                )
            ),
            images,
            at=AT,
        )
        .images["action"]
        .tolist()
    )
    harbor = harbor_deletes(rules, "api", images, None, at=AT)
    assert ecr == ["expire", "expire", None]
    assert harbor.tolist() == [False, True, False]  # "a" differs: ECR expires it, Harbor keeps it


def test_archive_transition_without_expiry_is_impossible():
    rules, notes = translate(policy(rule(1, "untagged", "sinceImagePulled", 90, action="transition")))
    impossible = [n for n in notes if n.status == "impossible"]
    assert impossible and "no archive storage class" in impossible[0].note
    assert rules[0].template == "always"  # what ECR archives still exists: Harbor keeps it


def test_archive_then_expire_becomes_pull_age_retention_approximately():
    text = policy(
        rule(1, "any", "sinceImagePulled", 90, action="transition"),
        rule(2, "any", "sinceImageTransitioned", 180, storage="archive"),
    )
    rules, notes = translate(text)
    assert (rules[0].template, rules[0].param) == ("nDaysSinceLastPull", 270)
    assert [n.status for n in notes] == ["approximate", "impossible"]


def test_more_than_15_rules_are_merged_then_reported():
    rules = []
    for i in range(20):
        r, _ = translate_policy(parse_policy(policy(rule(1, "untagged", "imageCountMoreThan", i + 1))), (f"r{i}",), "x")
        rules += r
    fitted, notes = fit_to_limit(rules, "payments")
    assert len(fitted) <= 15
    assert notes and notes[0].status == "approximate" and "15 rules" in notes[0].note
    merged = next(r for r in fitted if r.template == "latestPushedK")
    assert merged.param == 20 and len(merged.repositories) == 20  # the most generous count wins


def test_retention_payload_follows_the_spec_and_harbor_rules():
    rules, _ = translate(policy(rule(1, "untagged", "sinceImagePushed", 14)))
    body = retention_payload(rules, project_id=7)
    assert validate("RetentionPolicy", body) == []
    assert (
        body["trigger"]["settings"]["cron"].split()[0] == "0" and len(body["trigger"]["settings"]["cron"].split()) == 6
    )
    assert json.loads(body["rules"][0]["tag_selectors"][0]["extras"]) in ({"untagged": True}, {"untagged": False})


def test_index_children_follow_their_index_in_harbor():
    rules, _ = translate(policy(rule(1, "any", "imageCountMoreThan", 1)))
    images = frame(image("idx-old", ["v1"], 30), image("child-old", [], 30), image("idx-new", ["v2"], 5))
    import pandas as pd

    children = pd.DataFrame({"index_digest": ["idx-old"], "child_digest": ["child-old"]})
    deleted = harbor_deletes(rules, "api", images, children, at=AT)
    assert deleted.tolist() == [True, True, False]
    assert np.sum(deleted) == 2


def test_latest_pulled_keeps_pulled_images_before_never_pulled_ones():
    # Harbor sorts by pull time, newest first, a never-pulled artifact having time zero: it ranks last
    # (the negated int64 minimum used to overflow and rank it first)
    rules = [HarborRule("latestPulledN", 1, "matches", "**", False, ("api",))]
    images = frame(image("never", ["v1"], 1), image("pulled", ["v2"], 30, pulled_days=20))
    assert harbor_deletes(rules, "api", images, None, at=AT).tolist() == [True, False]
