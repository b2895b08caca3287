"""The reference scan on files of real public repositories (tests/fixtures/real-repos/README.md gives their source):
every `dkr.ecr` line a grep finds is reported and read, templated Helm hosts are found and resolved from the
chart's values, bare hosts in scripts are not Helm split values, public upstreams are their own class, and the
rewrite keeps one repository name in four registries apart."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from analysis.portability.references import scan, scan_text
from analysis.portability.rewrite import rewrite_files, unified_diff

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-repos"
VPC_CNI = REAL / "amazon-vpc-cni-k8s"


def grep_hits(root: Path) -> Counter:
    """(file, line) → how many ECR hosts a `grep -E 'dkr\\.(ecr|%s)'` finds there (literal or printf-assembled)."""
    hits: Counter = Counter()
    for fp in root.rglob("*"):
        if fp.is_file() and fp.parent != root:
            for n, line in enumerate(fp.read_text(encoding="utf-8").splitlines(), 1):
                k = len(re.findall(r"dkr\.(?:ecr|%s)", line))
                if k:
                    hits[(fp.relative_to(root).as_posix(), n)] += k
    return hits


def test_every_ecr_line_a_grep_finds_is_reported_and_read():
    refs = [r for r in scan([REAL]) if not r.upstream and r.file != "README.md"]
    hits = grep_hits(REAL)
    got = Counter((r.file, r.line) for r in refs)
    assert sum(hits.values()) == 38  # grep -rnE 'dkr\.(ecr|%s)': 38 lines in 22 files
    assert {k: v for k, v in hits.items() if got[k] < v} == {}
    # read, not just flagged: no hit needs a person to decode it
    assert [r for r in refs if r.form == "unparsed"] == []
    kinds = {r.kind for r in refs}
    assert {"docs", "go", "shell", "makefile", "helm-template", "helm-values", "kubernetes"} <= kinds


def test_helm_hosts_assembled_by_printf_and_inline_templates_are_found_and_resolved():
    refs = scan([VPC_CNI / "charts"])
    printf = sorted((r for r in refs if r.form == "assembled"), key=lambda r: r.line)
    assert [r.repository for r in printf] == [
        "amazon-k8s-cni-init",
        "amazon-k8s-cni",
        "amazon/aws-network-policy-agent",
    ]
    first = printf[1]
    assert first.file == "aws-vpc-cni/templates/_helpers.tpl" and first.line == 81
    assert first.parts == (
        "account=.Values.image.account",
        "endpoint=.Values.image.endpoint",
        "region=.Values.image.region",
        "domain=.Values.image.domain",
    )
    # the chart's values.yaml holds the parts: the default registry is known
    assert (first.account_id, first.region, first.resolved) == ("602401143452", "us-west-2", True)
    (metrics,) = [r for r in refs if r.file.startswith("cni-metrics-helper/templates")]
    assert (metrics.form, metrics.repository, metrics.account_id, metrics.resolved) == (
        "templated",
        "cni-metrics-helper",
        "602401143452",
        True,
    )
    assert not any(r.rewritable for r in printf + [metrics])  # people edit templates; the diff does not


def test_bare_hosts_are_labelled_by_where_they_are():
    refs = scan([VPC_CNI / "scripts", VPC_CNI / "test" / "framework"])
    canary = [r for r in refs if r.file == "run-canary-test.sh"]
    assert [(r.kind, r.form, r.account_id, r.repository) for r in canary] == [("shell", "host", "617930562442", None)]
    flag = [r for r in refs if r.file == "options.go"]
    assert [(r.kind, r.form) for r in flag] == [("go", "host")]
    assert not any(r.form == "helm-split" for r in refs)
    # while a host beside `repository:` in Helm values still is one
    split = scan_text("values.yaml", "image:\n  registry: 602401143452.dkr.ecr.us-west-2.amazonaws.com\n  tag: v1\n")
    assert [r.form for r in split] == ["helm-split"]


def test_docs_and_placeholders():
    refs = [r for r in scan([REAL]) if not r.upstream and r.kind == "docs"]
    readme = [r for r in refs if r.file == "eks-charts/stable/appmesh-controller/README.md"]
    assert [(r.line, r.form) for r in readme] == [
        (106, "templated"),
        (396, "literal"),
        (416, "literal"),
        (429, "literal"),
    ]
    assert readme[0].parts == ("account=your-account-id", "region=your-region")
    trouble = [r for r in refs if r.file.endswith("docs/troubleshooting.md")]
    assert [(r.repository, r.parts) for r in trouble] == [("amazon-k8s-cni", ("account=ACCOUNT", "region=REGION"))]


def test_public_upstreams_are_their_own_class():
    refs = scan([REAL])
    up = Counter(r.registry for r in refs if r.upstream)
    assert up == {"ecr-public": 14, "quay": 3}  # grep -rnoE '(public\.ecr\.aws|quay\.io)/[a-z]': 17
    assert all(r.account_id is None and not r.rewritable for r in refs if r.upstream)
    hub = scan_text(
        "Dockerfile", "FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\nFROM redis/redis-stack\n"
    )
    assert [(r.registry, r.repository, r.tag) for r in hub] == [
        ("docker-hub", "library/golang", "1.22"),
        ("docker-hub", "redis/redis-stack", None),
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_rewrite_keeps_one_name_in_four_registries_apart_and_applies(tmp_path):
    repo = tmp_path / "vpc-cni"
    shutil.copytree(VPC_CNI, repo)
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=repo, check=True)
    refs = scan([repo])
    patch = tmp_path / "rewrite.diff"
    patch.write_text(unified_diff(rewrite_files(repo, refs, "harbor.example.com")))
    subprocess.run(["git", "apply", "--check", str(patch)], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "apply", str(patch)], cwd=repo, check=True)
    multus = repo / "config" / "multus" / "v3.9.2-eksbuild.1"
    images = {
        f.name: re.search(r"image: (\S+)", f.read_text()).group(1) for f in sorted(multus.glob("aws-k8s-multus*.yaml"))
    }
    tag = "v3.9.2-eksbuild.1"
    # the first registry by account keeps eks/; the others move to <team>-<account>-<region>
    assert images == {
        "aws-k8s-multus-cn.yaml": "harbor.example.com/eks-961992271922-cn-northwest-1/multus-cni:" + tag,
        "aws-k8s-multus-us-gov-east-1.yaml": "harbor.example.com/eks-151742754352-us-gov-east-1/multus-cni:" + tag,
        "aws-k8s-multus-us-gov-west-1.yaml": "harbor.example.com/eks/multus-cni:" + tag,
        "aws-k8s-multus.yaml": "harbor.example.com/eks-602401143452-us-west-2/multus-cni:" + tag,
    }
    assert len(set(images.values())) == 4
    # templated hosts are left for people
    assert (
        '{{- printf "%s.dkr.%s.%s.%s/amazon-k8s-cni:%s"'
        in (repo / "charts/aws-vpc-cni/templates/_helpers.tpl").read_text()
    )
