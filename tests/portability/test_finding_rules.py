"""Each finding rule fires on a small estate that uses its feature and stays quiet on a clean one."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis.portability.finding_rules import RULES, estate_findings
from analysis.portability.inventory import Inventory
from analysis.portability.retention import Translation

A, B = "111111111111", "222222222222"


def _repo(name: str, **over: object) -> dict[str, object]:
    row = {
        "account_id": A,
        "region": "eu-west-1",
        "repository_name": name,
        "repository_policy_text": None,
        "encryption_type": "AES256",
        "kms_key": None,
        "scan_on_push": False,
        "tag_mutability": "MUTABLE",
    }
    return row | over


def _registry(**over: object) -> dict[str, object]:
    row = {
        "account_id": A,
        "region": "eu-west-1",
        "registry_policy_text": None,
        "scanning_configuration": json.dumps({"scanType": "BASIC", "rules": []}),
        "replication_rules": "[]",
        "blob_mounting": "DISABLED",
        "pull_time_update_exclusions": "[]",
    }
    return row | over


def _image(name: str, **over: object) -> dict[str, object]:
    row = {
        "account_id": A,
        "region": "eu-west-1",
        "repository_name": name,
        "image_status": "ACTIVE",
        "artifact_media_type": "application/vnd.oci.image.config.v1+json",
    }
    return row | over


def _inventory(repos: list[dict], registries: list[dict], images: list[dict], **extra: object) -> Inventory:
    return Inventory(
        repositories=pd.DataFrame(repos),
        images=pd.DataFrame(images),
        children=pd.DataFrame(),
        registries=pd.DataFrame(registries),
        pull_through_cache=extra.get(
            "ptc", pd.DataFrame(columns=["account_id", "region", "ecr_repository_prefix", "upstream_registry"])
        ),
        pulls=pd.DataFrame(),
        pull_window_days=30,
        bound_to_ecr=extra.get("bound"),
    )


CLEAN = _inventory([_repo("app/api")], [_registry()], [_image("app/api")])


def test_a_clean_estate_has_only_the_one_finding_every_estate_has():
    # Every ECR estate authenticates with IAM: that finding is always there; nothing else is.
    found = estate_findings(CLEAN, [], [])
    assert [f.feature for f in found] == ["iam-pull-auth"]
    assert found[0].evidence == "1 accounts, 1 repositories"
    # 2 d fixed + 0.5 d × 1 account = 2.5 d
    assert found[0].effort_days == 2.5


def test_every_rule_is_registered_once_in_the_order_of_the_report():
    names = [r.__name__ for r in RULES]
    assert len(names) == len(set(names))
    assert names[:3] == ["iam_pull_auth", "repository_policy", "registry_policy"]
    assert names[-2:] == ["missing_references", "ecr_terraform"]


POLICY = json.dumps({"Statement": [{"Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "ecr:*"}]})
SIGNED = "application/vnd.dev.cosign.artifact.sig.v1+json"


def _ref(form: str, text: str) -> SimpleNamespace:
    return SimpleNamespace(file="k8s/app.yaml", line=3, text=text, form=form)


CASES = {
    "repository-policy": dict(repos=[_repo("app/api", repository_policy_text=POLICY)]),
    "registry-policy": dict(registries=[_registry(registry_policy_text="{}")]),
    "kms-encryption": dict(repos=[_repo("app/api", encryption_type="KMS", kms_key="arn:aws:kms:key/1")]),
    "archive-class": dict(images=[_image("app/api", image_status="ARCHIVED")]),
    "enhanced-scanning": dict(registries=[_registry(scanning_configuration=json.dumps({"scanType": "ENHANCED"}))]),
    "basic-scanning": dict(repos=[_repo("app/api", scan_on_push=True)]),
    "replication": dict(
        registries=[_registry(replication_rules=json.dumps([{"destinations": [{"region": "us-east-1"}]}]))]
    ),
    "blob-mounting": dict(registries=[_registry(blob_mounting="ENABLED")]),
    "tag-immutability": dict(repos=[_repo("app/api", tag_mutability="IMMUTABLE")]),
    "pull-time-exclusions": dict(
        registries=[_registry(pull_time_update_exclusions=json.dumps([f"arn:aws:iam::{A}:role/scanner"]))]
    ),
    "signatures": dict(images=[_image("app/api", artifact_media_type=SIGNED)]),
}


@pytest.mark.parametrize("feature", sorted(CASES))
def test_each_inventory_rule_fires_on_the_estate_that_uses_its_feature(feature: str):
    case = CASES[feature]
    inv = _inventory(
        case.get("repos", [_repo("app/api")]),
        case.get("registries", [_registry()]),
        case.get("images", [_image("app/api")]),
    )
    features = [f.feature for f in estate_findings(inv, [], [])]
    assert features == ["iam-pull-auth", feature]


def test_pull_time_exclusions_are_counted_in_words():
    one = [_registry(pull_time_update_exclusions=json.dumps([f"arn:aws:iam::{A}:role/scanner"]))]
    (f,) = [
        f
        for f in estate_findings(_inventory([_repo("app/api")], one, [_image("app/api")]), [], [])
        if f.feature == "pull-time-exclusions"
    ]
    assert f.evidence == "1 principal"  # not "1 principals"


def test_pull_through_cache_rules_are_counted_per_rule():
    ptc = pd.DataFrame(
        [
            {"account_id": A, "region": "eu-west-1", "ecr_repository_prefix": "hub", "upstream_registry": "docker-hub"},
            {"account_id": A, "region": "eu-west-1", "ecr_repository_prefix": "gh", "upstream_registry": "ghcr"},
        ]
    )
    inv = _inventory([_repo("app/api")], [_registry()], [_image("app/api")], ptc=ptc)
    (f,) = [f for f in estate_findings(inv, [], []) if f.feature == "pull-through-cache"]
    assert f.evidence == "2 rules (docker-hub, ghcr)"
    # 0.5 d fixed + 1 d × 2 rules = 2.5 d
    assert f.effort_days == 2.5


def test_lifecycle_rules_are_counted_by_how_they_translate_and_malformed_policies_by_repository():
    translations = [
        Translation("lifecycle", "rule 1", "retain", "exact"),
        Translation("lifecycle", "rule 2", "retain", "approximate"),
        Translation("lifecycle", "rule 3", "retain", "approximate"),
        Translation("immutability", "tags", "rule", "impossible"),  # not a lifecycle rule: not counted here
    ]
    malformed = [{"account_id": A, "region": "eu-west-1", "repository_name": "app/api", "reason": "no rules"}]
    found = {f.feature: f for f in estate_findings(CLEAN, translations, malformed)}
    assert set(found) == {"iam-pull-auth", "lifecycle-exact", "lifecycle-approximate", "lifecycle-malformed"}
    # 0 d fixed + 0.25 d × 2 rules = 0.5 d
    assert found["lifecycle-approximate"].effort_days == 0.5
    assert found["lifecycle-malformed"].where == [f"{A}/eu-west-1/app/api: no rules"]


def test_signatures_are_left_to_the_supply_chain_finding_when_it_counts_them():
    inv = _inventory([_repo("app/api")], [_registry()], [_image("app/api", artifact_media_type=SIGNED)])
    assert "signatures" not in [f.feature for f in estate_findings(inv, [], [], supply_chain_counted=True)]


def test_replicas_are_not_counted_as_repositories_that_move():
    inv = _inventory(
        [_repo("app/api"), _repo("app/api", region="us-east-1", encryption_type="KMS", kms_key="k")],
        [_registry()],
        [_image("app/api")],
    )
    found = estate_findings(inv, [], [], replica=pd.Series([False, True]))
    assert [f.feature for f in found] == ["iam-pull-auth"]  # the KMS repository is a replica


def test_scan_rules_fire_on_missing_references_and_terraform_and_not_without_a_scan():
    scan = {
        "references": [_ref("terraform-resource", 'resource "aws_ecr_repository" "api"'), _ref("literal", "x")],
        "missing_repositories": [_ref("literal", f"{A}.dkr.ecr.eu-west-1.amazonaws.com/gone")],
        "missing_images": [],
    }
    found = {f.feature: f for f in estate_findings(CLEAN, [], [], scan)}
    assert set(found) == {"iam-pull-auth", "missing-references", "ecr-terraform"}
    assert found["ecr-terraform"].evidence == "1 aws_ecr_* resources"
    clean_scan = {"references": [_ref("literal", "x")], "missing_repositories": [], "missing_images": []}
    assert [f.feature for f in estate_findings(CLEAN, [], [], clean_scan)] == ["iam-pull-auth"]


def test_repositories_bound_to_ecr_are_named():
    bound = pd.DataFrame(
        [
            {
                "account_id": A,
                "region": "eu-west-1",
                "repository_name": "fn/handler",
                "services": ["lambda"],
                "workloads": 3,
            }
        ]
    )
    inv = _inventory([_repo("app/api")], [_registry()], [_image("app/api")], bound=bound)
    (f,) = [f for f in estate_findings(inv, [], []) if f.feature == "ecr-bound"]
    assert f.evidence == "1 repositories used by 3 lambda workload(s), which pull only from ECR"
    assert f.where == [f"{A}/eu-west-1/fn/handler"]
