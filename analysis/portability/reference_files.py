"""The files a reference scan reads, and the ecosystem each belongs to (its `kind`).

Every text file under the scanned folders is read; binary files (a NUL byte in the first 8 KiB) and files over
`MAX_FILE_BYTES` are skipped; `.git`, `node_modules`, `vendor`, `.terraform` and virtualenvs are not entered: they
hold other people's code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIP_DIRS = {".git", "node_modules", "vendor", ".terraform", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}
MAX_FILE_BYTES = 2_000_000
BINARY_SNIFF = 8192

SOURCE_SUFFIXES = {".py", ".js", ".ts", ".mjs", ".java", ".kt", ".rb", ".cs", ".rs", ".scala", ".groovy", ".php"}
DOC_SUFFIXES = {".md", ".markdown", ".rst", ".txt", ".adoc"}
SHELL_SUFFIXES = {".sh", ".bash", ".zsh", ".ps1", ".env", ".envrc"}


def file_kind(rel: str, text: str) -> str:
    p = Path(rel)
    name = p.name.lower()
    suffix = p.suffix.lower()
    parts = [x.lower() for x in p.parts]
    if name in ("dockerfile", "containerfile") or name.endswith(".dockerfile") or name.startswith("dockerfile."):
        return "dockerfile"
    if suffix in (".tf", ".tfvars", ".hcl"):
        return "terraform"
    if name == ".gitlab-ci.yml" or name.endswith(".gitlab-ci.yml"):
        return "gitlab-ci"
    if ".github" in parts and "workflows" in parts:
        return "github-workflow"
    if name.startswith(("docker-compose", "compose")) and suffix in (".yml", ".yaml"):
        return "compose"
    if name in ("kustomization.yaml", "kustomization.yml"):
        return "kustomize"
    if suffix in (".json", ".yaml", ".yml", ".template") and (
        "AWSTemplateFormatVersion" in text or re.search(r"[\"']?Type[\"']?\s*:\s*[\"']?AWS::", text)
    ):
        return "cloudformation"
    if suffix == ".json" and '"containerDefinitions"' in text:
        return "ecs-task-definition"
    if "templates" in parts and suffix in (".yaml", ".yml", ".tpl", ".txt"):
        return "helm-template"
    if name.startswith("values") and suffix in (".yaml", ".yml"):
        return "helm-values"
    if suffix in (".yaml", ".yml") and re.search(r"^apiVersion:", text, re.M) and re.search(r"^kind:", text, re.M):
        return "kubernetes"
    if (
        suffix in SHELL_SUFFIXES
        or text.startswith("#!/")
        and re.match(r"#!\S*(?:ba|z|k)?sh\b|#!/usr/bin/env (?:ba)?sh", text)
    ):
        return "shell"
    if name in ("makefile", "gnumakefile") or suffix == ".mk":
        return "makefile"
    if suffix == ".go":
        return "go"
    if suffix in SOURCE_SUFFIXES:
        return "cdk" if re.search(r"aws[-_]cdk", text) else "source"
    if suffix in DOC_SUFFIXES:
        return "docs"
    return "other"


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(root, file) for every file under each path (a file path is its own root's child)."""
    for path in paths:
        path = Path(path)
        if path.is_file():
            yield path.parent, path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for f in sorted(filenames):
                yield path, Path(dirpath) / f


def read_text(fp: Path) -> str | None:
    """The file as text, or None when it is too large or binary (a NUL byte early on)."""
    if fp.stat().st_size > MAX_FILE_BYTES:
        return None
    data = fp.read_bytes()
    if b"\0" in data[:BINARY_SNIFF]:
        return None
    return data.decode("utf-8", errors="replace")
