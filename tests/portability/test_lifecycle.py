"""The examples of the AWS page "Examples of lifecycle policies in Amazon ECR" (lifecycle_policy_examples),
on hand-built image lists, with the outcome the page's evaluation rules give written down per example."""

from __future__ import annotations

import pandas as pd
import pytest
from lifecycle_images import AT, frame, image, policy, rule

from analysis.portability.lifecycle import Policy, PolicyProblem, evaluate, parse_policy


def run(text: str, images: pd.DataFrame, children: pd.DataFrame | None = None) -> dict[str, str | None]:
    parsed = parse_policy(text)
    assert isinstance(parsed, Policy), parsed
    out = evaluate(parsed, images, children, at=AT).images
    return dict(zip(out["image_digest"], out["action"], strict=True))


def test_expire_untagged_images_older_than_14_days():
    images = frame(
        image("old-untagged", [], 20),
        image("young-untagged", [], 3),
        image("old-tagged", ["v1"], 40),
    )
    result = run(policy(rule(1, "untagged", "sinceImagePushed", 14)), images)
    assert result == {"old-untagged": "expire", "young-untagged": None, "old-tagged": None}


def test_keep_one_untagged_image():
    images = frame(image("a", [], 3), image("b", [], 2), image("c", [], 1))
    assert run(policy(rule(1, "untagged", "imageCountMoreThan", 1)), images) == {
        "a": "expire",
        "b": "expire",
        "c": None,
    }


def test_keep_last_n_tagged_with_prefix():
    # prefix "prod", keep 2: the two newest prod images stay, older prod images go, others are untouched
    images = frame(
        image("p1", ["prod-1"], 10),
        image("p2", ["prod-2"], 9),
        image("p3", ["prod-3"], 8),
        image("d1", ["dev-1"], 20),
    )
    result = run(policy(rule(1, "tagged", "imageCountMoreThan", 2, prefixes=["prod"])), images)
    assert result == {"p1": "expire", "p2": None, "p3": None, "d1": None}


def test_multiple_rules_example_a_an_image_matched_by_rule_1_cannot_be_expired_by_rule_2():
    # Rule 1 (prod, keep 1) selects A, B: keeps B, expires A. Rule 2 (beta, keep 1) selects A, B, C: keeps C and
    # would expire B — but B matched rule 1's tagging requirements, so rule 2 cannot act on it.
    images = frame(image("A", ["beta-1", "prod-1"], 10), image("B", ["beta-2", "prod-2"], 9), image("C", ["beta-3"], 8))
    text = policy(
        rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["prod"]),
        rule(2, "tagged", "imageCountMoreThan", 1, prefixes=["beta"]),
    )
    assert run(text, images) == {"A": "expire", "B": None, "C": None}


def test_multiple_rules_example_b():
    images = frame(
        image("A", ["beta-1", "prod-1"], 10), image("B", ["beta-2", "prod-2"], 9), image("C", ["beta-3", "prod-3"], 8)
    )
    text = policy(
        rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["prod"]),
        rule(2, "tagged", "imageCountMoreThan", 1, prefixes=["beta"]),
    )
    assert run(text, images) == {"A": "expire", "B": "expire", "C": None}


def test_multiple_prefixes_in_one_rule_all_must_match():
    # only images carrying both an alpha… and a beta… tag are selected (C, E): keep E, expire C
    images = frame(
        image("A", ["alpha-1"], 12),
        image("B", ["beta-1"], 11),
        image("C", ["alpha-2", "beta-2"], 10),
        image("D", ["alpha-3"], 4),
        image("E", ["alpha-4", "beta-3"], 3),
    )
    result = run(policy(rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["alpha", "beta"])), images)
    assert result == {"A": None, "B": None, "C": "expire", "D": None, "E": None}


def test_filtering_on_all_images_the_any_rule_comes_last():
    # Rule 1 (alpha, keep 1): A, C → expire A. Rule 2 (any, keep 1): D, C, B, A → keep D; C and A matched rule 1
    # (tagging requirements), so only B is expired by rule 2.
    images = frame(image("A", ["alpha-1"], 4), image("B", [], 3), image("C", ["alpha-2"], 2), image("D", ["git-1"], 1))
    text = policy(
        rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["alpha"]), rule(2, "any", "imageCountMoreThan", 1)
    )
    out = evaluate(parse_policy(text), images, at=AT).images.set_index("image_digest")
    assert out["action"].to_dict() == {"A": "expire", "B": "expire", "C": None, "D": None}
    assert out.loc["A", "rule"] == 1 and out.loc["B", "rule"] == 2


def test_tag_pattern_list_with_wildcards():
    images = frame(
        image("a", ["prod-eu-1"], 30),
        image("b", ["prod-us-2"], 20),
        image("c", ["prod-eu-3"], 10),
        image("d", ["stage-eu-1"], 40),
    )
    text = policy(rule(1, "tagged", "sinceImagePushed", 15, patterns=["prod*eu*"]))
    assert run(text, images) == {"a": "expire", "b": None, "c": None, "d": None}


def test_tag_pattern_list_every_pattern_must_match_a_tag():
    images = frame(image("a", ["release", "v1"], 30), image("b", ["release"], 30), image("c", ["v2"], 30))
    text = policy(rule(1, "tagged", "sinceImagePushed", 7, patterns=["release", "v*"]))
    assert run(text, images) == {"a": "expire", "b": None, "c": None}


def test_archive_images_not_pulled_for_90_days_falls_back_to_push_time():
    images = frame(
        image("pulled-recently", ["v1"], 400, pulled_days=10),
        image("pulled-long-ago", ["v2"], 400, pulled_days=120),
        image("never-pulled-old", ["v3"], 100),
        image("never-pulled-new", ["v4"], 30),
    )
    text = policy(rule(1, "any", "sinceImagePulled", 90, action="transition"))
    assert run(text, images) == {
        "pulled-recently": None,
        "pulled-long-ago": "archive",
        "never-pulled-old": "archive",
        "never-pulled-new": None,
    }


def test_expire_archived_images_after_days_in_archive():
    images = frame(
        image("a", ["v1"], 900, archived_days=400),
        image("b", ["v2"], 900, archived_days=100),
        image("standard", ["v3"], 900),
    )
    text = policy(rule(1, "any", "sinceImageTransitioned", 365, storage="archive"))
    assert run(text, images) == {"a": "expire", "b": None, "standard": None}


def test_archive_minimum_90_days_is_honoured_even_when_the_rule_says_less():
    images = frame(image("a", ["v1"], 900, archived_days=30), image("b", ["v2"], 900, archived_days=91))
    text = policy(rule(1, "any", "sinceImageTransitioned", 1, storage="archive"))
    assert run(text, images) == {"a": None, "b": "expire"}


def test_children_of_an_index_that_stays_are_held():
    images = frame(image("index", ["v1"], 30), image("amd64", [], 30), image("arm64", [], 30), image("loose", [], 30))
    children = pd.DataFrame({"index_digest": ["index", "index"], "child_digest": ["amd64", "arm64"]})
    out = evaluate(parse_policy(policy(rule(1, "untagged", "sinceImagePushed", 14))), images, children, at=AT).images
    result = out.set_index("image_digest")
    assert result["action"].to_dict() == {"index": None, "amd64": None, "arm64": None, "loose": "expire"}
    assert result["blocked"].to_dict() == {"index": False, "amd64": True, "arm64": True, "loose": False}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"rules": [', "not valid JSON"),
        ('{"rules": []}', "non-empty"),
        (
            policy(rule(1, "any", "imageCountMoreThan", 5), rule(2, "untagged", "imageCountMoreThan", 1)),
            "must have the highest rulePriority",
        ),
        (policy(rule(1, "untagged", "sinceImagePulled", 30)), "only be used with transition"),
        (policy(rule(1, "tagged", "imageCountMoreThan", 5)), "needs tagPrefixList or tagPatternList"),
        (policy(rule(1, "tagged", "imageCountMoreThan", 5, patterns=["a*b*c*d*e*f"])), "more than 4 wildcards"),
        (policy(rule(1, "untagged", "imageCountMoreThan", 0)), "positive integer"),
        (policy(rule(1, "any", "sinceImageTransitioned", 30)), 'needs storageClass "archive"'),
        (
            policy(
                rule(1, "untagged", "imageCountMoreThan", 1), rule(1, "tagged", "imageCountMoreThan", 1, patterns=["x"])
            ),
            "unique",
        ),
    ],
)
def test_malformed_policies_are_reasons_never_crashes(text, reason):
    result = parse_policy(text)
    assert isinstance(result, PolicyProblem)
    assert reason in str(result)
