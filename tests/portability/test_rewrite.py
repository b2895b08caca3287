"""The rewrite to Harbor: `HOST/<project>/<repository>` with the tag and digest kept, two source registries never
merged into one Harbor path, and a diff whose every line a reviewer can read."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.portability.references import scan
from analysis.portability.rewrite import rewrite_files, unified_diff

EAST = "111111111111.dkr.ecr.us-east-1.amazonaws.com"
WEST = "222222222222.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "a" * 64
GITOPS = Path(__file__).resolve().parents[2] / "data" / "demo-gitops"


def test_tag_and_digest_are_kept_and_a_flat_name_goes_to_library(tmp_path):
    (tmp_path / "deploy.yaml").write_text(f"image: {EAST}/payments/api:1.2\nsidecar: {EAST}/proxy@{DIGEST}\n")
    files = rewrite_files(tmp_path, scan([tmp_path]), "harbor.example.com/")  # a trailing slash is dropped
    old, new = files["deploy.yaml"]
    assert new == f"image: harbor.example.com/payments/api:1.2\nsidecar: harbor.example.com/library/proxy@{DIGEST}\n"


def test_the_same_name_in_two_registries_gets_two_harbor_paths(tmp_path):
    (tmp_path / "a.yaml").write_text(f"image: {EAST}/team/web:1\n")
    (tmp_path / "b.yaml").write_text(f"image: {WEST}/team/web:1\n")
    files = rewrite_files(tmp_path, scan([tmp_path]), "h.example")
    # the first source by account keeps `team`; the other moves to `<project>-<account>-<region>`
    assert files["a.yaml"][1] == "image: h.example/team/web:1\n"
    assert files["b.yaml"][1] == "image: h.example/team-222222222222-eu-west-1/web:1\n"


def test_the_diff_is_git_style_with_the_missing_newline_marked(tmp_path):
    (tmp_path / "x.yaml").write_text(f"image: {EAST}/solo:3")
    diff = unified_diff(rewrite_files(tmp_path, scan([tmp_path]), "h.example"))
    assert diff == (
        "--- a/x.yaml\n"
        "+++ b/x.yaml\n"
        "@@ -1 +1 @@\n"
        f"-image: {EAST}/solo:3\n"
        "\\ No newline at end of file\n"
        "+image: h.example/library/solo:3\n"
        "\\ No newline at end of file\n"
    )


def test_files_without_rewritable_references_are_left_out(tmp_path):
    (tmp_path / "other.yaml").write_text("image: docker.io/library/nginx:1.27\n")
    (tmp_path / "tpl.yaml").write_text("image: {{ .Values.registry }}/api:1\n")
    assert unified_diff(rewrite_files(tmp_path, scan([tmp_path]), "h.example")) == ""


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_rewrite_diff_applies_cleanly_with_git_apply(tmp_path):
    repo = tmp_path / "gitops"
    shutil.copytree(GITOPS, repo)
    (repo / "no-newline.yaml").write_text("image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/solo:1")  # no final \n
    (repo / "crlf.yaml").write_bytes(b"a: 1\r\nimage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/x/y:2\r\n")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=repo, check=True)
    refs = scan([repo])
    diff = unified_diff(rewrite_files(repo, refs, "harbor.example.com"))
    patch = tmp_path / "rewrite.diff"
    patch.write_text(diff)
    subprocess.run(["git", "apply", "--check", str(patch)], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "apply", str(patch)], cwd=repo, check=True)
    assert "harbor.example.com/payments/api:v2.3.1" in (repo / "k8s" / "payments-api.yaml").read_text()
    assert (repo / "no-newline.yaml").read_text().split("image: ")[1] == "harbor.example.com/library/solo:1"
    assert (repo / "crlf.yaml").read_bytes().endswith(b"harbor.example.com/x/y:2\r\n")
    values = (repo / "helm" / "checkout" / "values.yaml").read_text()
    assert "registry: harbor.example.com\n" in values and "repository: data/etl\n" in values
    assert ":443" not in (repo / "docker" / "Dockerfile").read_text()
    # templated hosts are left for people: the scan lists them
    assert "${var.account_id}.dkr.ecr" in (repo / "terraform" / "ecr.tf").read_text()
