"""The reference scan (analysis/portability/references.py): tricky forms are found and marked, every ecosystem
labels its references, the demo GitOps repository joins to the estate, and unreadable files are said so.
(That the rewrite of what it finds applies with `git apply`: tests/portability/test_rewrite.py.)"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.portability.references import join, scan, scan_text

DIGEST = "sha256:" + "ab" * 32
GITOPS = Path(__file__).resolve().parents[2] / "data" / "demo-gitops"


def one(text: str, name: str = "deploy.yaml"):
    refs = scan_text(name, text)
    assert len(refs) == 1, refs
    return refs[0]


def test_digest_port_fips_and_china_endpoints():
    r = one(f"image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@{DIGEST}\n")
    assert (r.account_id, r.region, r.repository, r.tag, r.digest) == (
        "123456789012",
        "eu-west-1",
        "team/app",
        None,
        DIGEST,
    )
    r = one("FROM 123456789012.dkr.ecr.us-east-1.amazonaws.com:443/base/python:3.12-slim AS build\n", "Dockerfile")
    assert (r.port, r.repository, r.tag, r.kind) == (443, "base/python", "3.12-slim", "dockerfile")
    r = one("image: 123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/gov/app:1\n")
    assert r.fips and r.region == "us-gov-west-1"
    r = one('x = "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/cn/app:2"\n', "main.tf")
    assert r.china and r.region == "cn-north-1" and r.repository == "cn/app"
    r = one(f"image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/a/b/c:v1@{DIGEST}\n")
    assert (r.repository, r.tag, r.digest) == ("a/b/c", "v1", DIGEST)


def test_templated_helm_values_split_across_keys():
    text = (
        "image:\n  registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com\n  repository: payments/api\n  tag: v1.2.3\n"
    )
    r = one(text, "charts/api/values.yaml")
    assert (r.form, r.kind, r.repository, r.tag, r.repo_line) == (
        "helm-split",
        "helm-values",
        "payments/api",
        "v1.2.3",
        3,
    )
    assert r.templated


def test_templated_tags_and_hosts_are_marked():
    r = one(
        'image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api:{{ .Values.tag }}"\n',
        "charts/api/templates/deploy.yaml",
    )
    assert r.form == "templated" and r.repository == "payments/api" and r.tag is None and r.rewritable
    r = one('image = "${var.account}.dkr.ecr.${var.region}.amazonaws.com/payments/api:v1"\n', "main.tf")
    assert r.form == "templated" and r.account_id is None and r.repository == "payments/api" and not r.rewritable
    assert scan_text("x.yaml", 'image: "{{ .Values.image.registry }}/{{ .Values.image.repository }}"\n') == []


def test_not_ecr_is_not_an_ecr_reference():
    refs = scan_text("x.yaml", "image: ghcr.io/org/app:1\nimage: 1234.dkr.ecr.us-east-1.amazonaws.com/x\n")
    # ghcr.io is an upstream for a proxy-cache project; a 4-digit account is no ECR host, but a grep finds it
    assert [(r.registry, r.form, r.account_id) for r in refs] == [("ghcr", "literal", None), ("ecr", "unparsed", None)]


def test_demo_gitops_join_reports_missing_repositories_and_images():
    refs = scan([GITOPS])
    repos = pd.DataFrame({"account_id": ["111111111111"], "region": ["us-east-1"], "repository_name": ["payments/api"]})
    images = pd.DataFrame(
        {
            "account_id": ["111111111111"],
            "region": ["us-east-1"],
            "repository_name": ["payments/api"],
            "image_digest": [DIGEST],
            "image_tags": [["v2.3.1"]],
        }
    )
    joined = join(refs, repos, images)
    missing = {r.repository for r in joined["missing_repositories"]}
    assert "payments/legacy-gateway" in missing and "payments/api" not in missing
    kinds = {r.kind for r in refs}
    assert {
        "kubernetes",
        "helm-values",
        "kustomize",
        "dockerfile",
        "github-workflow",
        "terraform",
        "compose",
        "gitlab-ci",
        "helm-template",
    } <= kinds
    assert any(r.form == "terraform-resource" for r in refs)


ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("name", "text", "kind", "form"),
    [
        (
            "task-def.json",
            f'{{"containerDefinitions": [{{"image": "{ECR}/team/app:1"}}]}}',
            "ecs-task-definition",
            "literal",
        ),
        (
            "stack.yaml",
            f"AWSTemplateFormatVersion: '2010-09-09'\nx:\n  Image: {ECR}/team/app:1\n",
            "cloudformation",
            "literal",
        ),
        (
            "stack.yaml",
            "Resources:\n  R:\n    Type: AWS::ECR::Repository\n",
            "cloudformation",
            "cloudformation-resource",
        ),
        (
            "stack.yaml",
            "Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n"
            "    Image: !Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/team/app:1\n",
            "cloudformation",
            "templated",
        ),
        ("lib/stack.ts", f"import * as cdk from 'aws-cdk-lib';\nconst i = '{ECR}/team/app:1';\n", "cdk", "literal"),
        ("app.py", 'uri = f"{account}.dkr.ecr.{region}.amazonaws.com/team/app"\n', "source", "templated"),
        ("main.go", 'host := fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", account, region)\n', "go", "assembled"),
        (
            ".github/workflows/ci.yml",
            f"jobs:\n  b:\n    container:\n      image: {ECR}/ci/runner:2\n",
            "github-workflow",
            "literal",
        ),
        ("Dockerfile", f"FROM x AS a\nCOPY --from={ECR}/base/tools:1 /bin/t /bin/t\n", "dockerfile", "literal"),
        ("deploy.sh", f'docker login --username AWS --password-stdin "{ECR}"\n', "shell", "host"),
    ],
)
def test_each_ecosystem_labels_its_references(name, text, kind, form):
    refs = [r for r in scan_text(name, text) if not r.upstream]
    assert [(r.kind, r.form) for r in refs] == [(kind, form)]


def test_sprintf_parts_name_the_arguments():
    (r,) = scan_text("main.go", 'host := fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", account, region)\n')
    assert r.parts == ("account=account", "region=region")


def test_binary_and_oversized_files_are_skipped_and_said_so(tmp_path, monkeypatch):
    from analysis.portability import reference_files, references

    (tmp_path / "logo.png").write_bytes(b"\x89PNG\x00\x00" + f"{ECR}/x/y:1".encode())
    (tmp_path / "big.txt").write_text(f"image: {ECR}/x/y:1\n" + "#" * 200)
    (tmp_path / "notes.txt").write_text(f"docker pull {ECR}/x/y:1\n")
    monkeypatch.setattr(reference_files, "MAX_FILE_BYTES", 100)
    skipped: list[tuple[str, str]] = []
    refs = references.scan([tmp_path], skipped)
    assert [(r.file, r.kind) for r in refs] == [("notes.txt", "docs")]
    assert sorted(skipped) == [("big.txt", "larger than 100 bytes"), ("logo.png", "binary")]
