"""Which files a reference scan reads, and which ecosystem each one is."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.portability.reference_files import BINARY_SNIFF, MAX_FILE_BYTES, file_kind, iter_files, read_text


@pytest.mark.parametrize(
    ("rel", "text", "kind"),
    [
        ("Dockerfile", "FROM x", "dockerfile"),
        ("build/api.dockerfile", "FROM x", "dockerfile"),
        ("infra/main.tf", "", "terraform"),
        (".gitlab-ci.yml", "", "gitlab-ci"),
        (".github/workflows/ci.yml", "", "github-workflow"),
        ("docker-compose.yaml", "", "compose"),
        ("overlays/kustomization.yaml", "", "kustomize"),
        ("stack.yaml", "AWSTemplateFormatVersion: '2010-09-09'", "cloudformation"),
        ("task.json", '{"containerDefinitions": []}', "ecs-task-definition"),
        ("chart/templates/deploy.yaml", "", "helm-template"),
        ("chart/values-prod.yaml", "", "helm-values"),
        ("k8s/app.yaml", "apiVersion: v1\nkind: Pod\n", "kubernetes"),
        ("deploy", "#!/bin/bash\necho", "shell"),
        ("Makefile", "", "makefile"),
        ("main.go", "", "go"),
        ("cdk/app.ts", "import * from 'aws-cdk-lib'", "cdk"),
        ("app.py", "", "source"),
        ("README.md", "", "docs"),
        ("notes.cfg", "", "other"),
    ],
)
def test_file_kind(rel: str, text: str, kind: str):
    assert file_kind(rel, text) == kind


def test_vendored_and_version_control_folders_are_not_entered(tmp_path: Path):
    for rel in ("app/k8s.yaml", ".git/config", "node_modules/x/y.yaml", "vendor/z.go", "Dockerfile"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = [fp.relative_to(root).as_posix() for root, fp in iter_files([tmp_path])]
    assert found == ["Dockerfile", "app/k8s.yaml"]


def test_a_file_path_is_scanned_as_itself(tmp_path: Path):
    fp = tmp_path / "Dockerfile"
    fp.write_text("FROM x")
    assert list(iter_files([fp])) == [(tmp_path, fp)]


def test_binary_and_large_files_are_not_read(tmp_path: Path):
    text, binary, large = tmp_path / "a.txt", tmp_path / "b.bin", tmp_path / "c.txt"
    text.write_text("héllo")
    binary.write_bytes(b"x" * (BINARY_SNIFF - 1) + b"\0")
    large.write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    assert read_text(text) == "héllo"
    assert read_text(binary) is None
    assert read_text(large) is None
