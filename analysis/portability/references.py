"""Find ECR image references in the files that deploy and build images.

A reference is `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn][:port]/<repository>[:tag][@sha256:…]`
in Kubernetes manifests, Helm values and templates, Kustomize (`newName:`), Terraform, Dockerfiles (`FROM`),
CI files (.gitlab-ci.yml, GitHub workflows) and compose files. Also reported, marked `templated`:

* Helm values that split an image across keys (`registry:` holding the ECR host, `repository:` and
  `tag:`/`digest:` beside it in the same mapping) — form `helm-split`;
* a host or repository built from template expressions (`{{ .Values.x }}`, `${var}`) — form `templated`;
  what can be read (account, region, repository) is reported, the rest is None;
* Terraform resources that manage ECR itself (`aws_ecr_*`) — form `terraform-resource`.

Line-based on purpose: files are read as text (a reference in a comment is still a reference someone will
copy), and every hit has its file, line and column so the rewrite can repoint it exactly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

REGION = r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d"
HOST = (
    r"(?P<account>\d{12})\.dkr\.ecr(?P<fips>-fips)?\.(?P<region>" + REGION + r")\.amazonaws\.com(?P<cn>\.cn)?"
    r"(?::(?P<port>\d{1,5}))?"
)
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPO = rf"(?P<repository>{COMPONENT}(?:/{COMPONENT})*)"
TAG = r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
DIGEST = r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
LITERAL = re.compile(HOST + "/" + REPO + TAG + DIGEST + r"(?![A-Za-z0-9_.-]*\{\{)")
TEMPLATE_PART = r"(?:\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_]\w*)"
# A host with a template somewhere in it, optionally followed by /repository (literal or templated).
TEMPLATED = re.compile(
    r"(?P<host>(?:[A-Za-z0-9_.-]|"
    + TEMPLATE_PART
    + r")*\.dkr\.ecr(?:-fips)?\.(?:[A-Za-z0-9_.-]|"
    + TEMPLATE_PART
    + r")*\.amazonaws\.com(?:\.cn)?)(?P<rest>/[^\s\"',;)]*)?"
)
HOST_ONLY = re.compile(HOST + r"(?![/\w.-])")
TF_RESOURCE = re.compile(r'resource\s+"(?P<type>aws_ecr_[a-z_]+)"\s+"(?P<name>[^"]+)"')
KEY_VALUE = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<quote>[\"']?)(?P<value>[^\"'#\s]*)"
)

SKIP_DIRS = {".git", "node_modules", "vendor", ".terraform", ".venv", "__pycache__"}
SUFFIXES = {
    ".yaml",
    ".yml",
    ".json",
    ".tf",
    ".tfvars",
    ".hcl",
    ".tpl",
    ".env",
    ".sh",
    ".toml",
    ".jsonnet",
    ".libsonnet",
}
NAMES = {"dockerfile", "containerfile", "jenkinsfile", "makefile", "procfile"}
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Reference:
    file: str  # relative to the scan root
    line: int  # 1-based
    column: int  # 0-based start of the replaced span
    end: int  # 0-based end of the replaced span (host/repository, not tag or digest)
    text: str
    # kubernetes | helm-values | helm-template | kustomize | terraform | dockerfile | gitlab-ci | github-workflow
    # | compose | other
    kind: str
    form: str  # literal | helm-split | templated | terraform-resource
    account_id: str | None = None
    region: str | None = None
    repository: str | None = None
    tag: str | None = None
    digest: str | None = None
    fips: bool = False
    china: bool = False
    port: int | None = None
    repo_line: int | None = None  # helm-split: where `repository:` is
    repo_column: int | None = None
    repo_end: int | None = None
    rewritable: bool = False  # host and repository are literal text at [column, end)

    @property
    def templated(self) -> bool:
        return self.form in ("templated", "helm-split")


def file_kind(rel: str, text: str) -> str:
    p = Path(rel)
    name = p.name.lower()
    parts = [x.lower() for x in p.parts]
    if name in ("dockerfile", "containerfile") or name.endswith(".dockerfile") or name.startswith("dockerfile."):
        return "dockerfile"
    if p.suffix in (".tf", ".tfvars", ".hcl"):
        return "terraform"
    if name == ".gitlab-ci.yml" or name.endswith(".gitlab-ci.yml"):
        return "gitlab-ci"
    if ".github" in parts and "workflows" in parts:
        return "github-workflow"
    if name.startswith(("docker-compose", "compose")) and p.suffix in (".yml", ".yaml"):
        return "compose"
    if name in ("kustomization.yaml", "kustomization.yml"):
        return "kustomize"
    if "templates" in parts and p.suffix in (".yaml", ".yml", ".tpl"):
        return "helm-template"
    if name.startswith("values") and p.suffix in (".yaml", ".yml"):
        return "helm-values"
    if p.suffix in (".yaml", ".yml") and re.search(r"^apiVersion:", text, re.M) and re.search(r"^kind:", text, re.M):
        return "kubernetes"
    return "other"


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(root, file) for every candidate file under each path (a file path is its own root's child)."""
    for path in paths:
        path = Path(path)
        if path.is_file():
            yield path.parent, path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for f in sorted(filenames):
                fp = Path(dirpath) / f
                low = f.lower()
                if (
                    fp.suffix.lower() in SUFFIXES
                    or low in NAMES
                    or low.startswith(("dockerfile", "containerfile"))
                    or low.endswith(".dockerfile")
                ):
                    yield path, fp


def scan(paths: Iterable[Path]) -> list[Reference]:
    out: list[Reference] = []
    for root, fp in iter_files(paths):
        try:
            if fp.stat().st_size > MAX_FILE_BYTES:
                continue
            text = fp.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        rel = fp.relative_to(root).as_posix()
        out += scan_text(rel, text)
    return out


def scan_text(rel: str, text: str) -> list[Reference]:
    kind = file_kind(rel, text)
    lines = text.splitlines()
    out: list[Reference] = []
    for i, line in enumerate(lines):
        taken: list[tuple[int, int]] = []
        for m in LITERAL.finditer(line):
            taken.append(m.span())
            templated_tail = line[m.end() :].startswith((":{{", ":${", "@{{", "@${", ":$"))
            ref = _literal(rel, i + 1, m, kind, "templated" if templated_tail else "literal")
            if "newName:" in line and not ref.tag and not ref.digest:
                ref = _kustomize_tag(ref, lines, i)
            out.append(ref)
        for m in TEMPLATED.finditer(line):
            if any(s <= m.start() < e for s, e in taken) or not re.search(TEMPLATE_PART, m.group(0)):
                continue
            out.append(_templated(rel, i + 1, m, kind))
        for m in HOST_ONLY.finditer(line):
            if any(s <= m.start() < e for s, e in taken):
                continue
            out.append(_split(rel, lines, i, m, kind))
        if kind == "terraform":
            for m in TF_RESOURCE.finditer(line):
                out.append(_tf_resource(rel, lines, i, m))
    return out


def _literal(rel: str, line: int, m: re.Match[str], kind: str, form: str) -> Reference:
    return Reference(
        file=rel,
        line=line,
        column=m.start(),
        end=m.end("repository"),
        text=m.group(0),
        kind=kind,
        form=form,
        account_id=m.group("account"),
        region=m.group("region"),
        repository=m.group("repository"),
        tag=m.group("tag"),
        digest=m.group("digest"),
        fips=bool(m.group("fips")),
        china=bool(m.group("cn")),
        port=int(m.group("port")) if m.group("port") else None,
        rewritable=True,
    )


def _kustomize_tag(ref: Reference, lines: list[str], i: int) -> Reference:
    """Kustomize keeps the tag (or digest) of `newName:` in a sibling `newTag:` (`digest:`)."""
    for j in range(max(0, i - 3), min(len(lines), i + 4)):
        kv = re.match(r"\s*(?:-\s+)?(newTag|digest)\s*:\s*[\"']?([^\"'\s#]+)", lines[j])
        if kv and "{" not in kv.group(2):
            key = "tag" if kv.group(1) == "newTag" else "digest"
            return replace(ref, **{key: kv.group(2)})
    return ref


def _templated(rel: str, line: int, m: re.Match[str], kind: str) -> Reference:
    host, rest = m.group("host"), (m.group("rest") or "")
    account = re.match(r"(\d{12})\.", host)
    region = re.search(r"\.(" + REGION + r")\.amazonaws", host)
    repo = (
        re.match(r"/(" + COMPONENT + r"(?:/" + COMPONENT + r")*)(?=$|[:@])", rest)
        if "{" not in rest and "$" not in rest
        else None
    )
    return Reference(
        file=rel,
        line=line,
        column=m.start(),
        end=m.end(),
        text=m.group(0),
        kind=kind,
        form="templated",
        account_id=account.group(1) if account else None,
        region=region.group(1) if region else None,
        repository=repo.group(1) if repo else None,
        fips="-fips." in host,
        china=host.endswith(".cn"),
    )


def _split(rel: str, lines: list[str], i: int, m: re.Match[str], kind: str) -> Reference:
    """A bare ECR host: in Helm-style values its repository and tag are sibling keys of the same mapping."""
    repo = tag = digest = None
    repo_line = repo_col = repo_end = None
    own = KEY_VALUE.match(lines[i])
    indent = len(own.group("indent")) if own else None
    if own is not None:
        for j in list(range(i - 1, max(-1, i - 12), -1)) + list(range(i + 1, min(len(lines), i + 12))):
            kv = KEY_VALUE.match(lines[j])
            if kv is None:
                if lines[j].strip() and (len(lines[j]) - len(lines[j].lstrip())) < indent:
                    break
                continue
            if len(kv.group("indent")) != indent:
                if len(kv.group("indent")) < indent:
                    if j > i:
                        break
                    continue
                continue
            key, value = kv.group("key"), kv.group("value")
            if key in ("repository", "image", "name", "repo") and value and repo is None:
                repo, repo_line, repo_col, repo_end = value, j + 1, kv.start("value"), kv.end("value")
            elif key == "tag" and value:
                tag = value
            elif key == "digest" and value:
                digest = value
    return Reference(
        file=rel,
        line=i + 1,
        column=m.start(),
        end=m.end(),
        text=m.group(0),
        kind=kind,
        form="helm-split",
        account_id=m.group("account"),
        region=m.group("region"),
        repository=repo if repo and "{" not in repo else None,
        tag=tag if tag and "{" not in tag else None,
        digest=digest,
        fips=bool(m.group("fips")),
        china=bool(m.group("cn")),
        port=int(m.group("port")) if m.group("port") else None,
        repo_line=repo_line if repo and "{" not in repo else None,
        repo_column=repo_col,
        repo_end=repo_end,
        rewritable=True,  # the host line; the repository line too when it is literal
    )


def _tf_resource(rel: str, lines: list[str], i: int, m: re.Match[str]) -> Reference:
    name = None
    for j in range(i + 1, min(len(lines), i + 15)):
        nm = re.match(r'\s*(?:name|repository)\s*=\s*"([^"$]+)"', lines[j])
        if nm:
            name = nm.group(1)
            break
        if lines[j].startswith("}"):
            break
    return Reference(
        file=rel,
        line=i + 1,
        column=m.start(),
        end=m.end(),
        text=m.group(0),
        kind="terraform",
        form="terraform-resource",
        repository=name,
    )


def as_frame(refs: list[Reference]) -> pd.DataFrame:
    cols = [f for f in Reference.__dataclass_fields__]
    return pd.DataFrame([asdict(r) for r in refs], columns=cols)


def join(refs: list[Reference], repositories: pd.DataFrame, images: pd.DataFrame) -> dict[str, Any]:
    """References against the collected estate: to missing repositories or images, and repositories nobody
    references (replicas excluded when `repositories` has a `replica` column)."""
    known = set(zip(repositories["account_id"], repositories["region"], repositories["repository_name"], strict=True))
    tags: dict[tuple[str, str, str], set[str]] = {}
    digests: dict[tuple[str, str, str], set[str]] = {}
    for a, r, n, d, ts in images[["account_id", "region", "repository_name", "image_digest", "image_tags"]].itertuples(
        index=False
    ):
        digests.setdefault((a, r, n), set()).add(d)
        tags.setdefault((a, r, n), set()).update(ts)
    missing_repo, missing_image, referenced = [], [], set()
    for ref in refs:
        if ref.form == "terraform-resource" or not (ref.account_id and ref.region and ref.repository):
            continue
        key = (ref.account_id, ref.region, ref.repository)
        if key not in known:
            missing_repo.append(ref)
            continue
        referenced.add(key)
        wrong_digest = bool(ref.digest) and ref.digest not in digests.get(key, set())
        wrong_tag = bool(ref.tag) and not ref.digest and ref.tag not in tags.get(key, set())
        if wrong_digest or wrong_tag:
            missing_image.append(ref)
    live = repositories
    if "replica" in live:
        live = live[~live["replica"]]
    unreferenced = [
        (a, r, n)
        for a, r, n in live[["account_id", "region", "repository_name"]].itertuples(index=False)
        if (a, r, n) not in referenced
    ]
    return {
        "missing_repositories": missing_repo,
        "missing_images": missing_image,
        "referenced": referenced,
        "unreferenced": unreferenced,
    }
