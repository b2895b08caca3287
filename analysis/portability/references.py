"""Find image references in every text file a repository keeps: ECR ones to repoint, public upstreams to proxy.

A literal ECR reference is `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn][:port]/<repository>[:tag][@sha256:…]`.
Every text file under the scanned folders is read (binary files — a NUL byte in the first 8 KiB — and files over
`MAX_FILE_BYTES` are skipped and counted; `.git`, `node_modules`, `vendor`, `.terraform` and virtualenvs are not
entered: they hold other people's code). Each reference is labelled twice:

* `kind` — the file's ecosystem (Kubernetes manifest, Helm values or template, Kustomize, Terraform, CloudFormation,
  CDK, ECS task definition, GitHub workflow, GitLab CI, Dockerfile, compose, shell, Makefile, Go / other source,
  docs, other);
* `form` — how the reference is written there:
  `literal` (the whole reference in the text), `helm-split` (a bare ECR host in a values mapping with `repository:`
  / `tag:` beside it), `host` (a bare ECR host anywhere else: a shell default, a flag default, `docker login`),
  `templated` (host or path from `{{ … }}`, `${…}`, `$(…)`, `$VAR`, `{placeholder}` or `<placeholder>` inline),
  `assembled` (a host built by `printf`/`Sprintf` from `%s` parts, or by string concatenation),
  `terraform-resource` / `cloudformation-resource` (resources that manage ECR itself), `unparsed` (text with
  `dkr.ecr` that none of these read — string concatenation in code, a malformed account id: a person looks).
  Templated and assembled references carry the expressions they use in `parts` (`account=.Values.image.account`);
  in a Helm chart they are resolved against the chart's `values.yaml` where it holds the parts (`resolved`).

`registry` is `ecr` for the above and `ecr-public`, `docker-hub`, `ghcr` or `quay` for public upstream images
(`public.ecr.aws/…`, `docker.io/…` or a Dockerfile `FROM` / an `image:` without a registry host, `ghcr.io/…`,
`quay.io/…`): a Harbor proxy-cache project serves them; they are not repointed one by one.

Line-based on purpose: files are read as text (a reference in a comment or a README is still a reference someone
will copy), and every hit has its file, line and column so the rewrite can repoint it exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.portability import reference_files
from analysis.portability.helm_values import resolve_chart_values
from analysis.portability.reference import Reference
from analysis.portability.reference_files import MAX_FILE_BYTES as MAX_FILE_BYTES  # read here by cli/portability.py
from analysis.portability.reference_files import file_kind, iter_files, read_text

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
# One template expression or placeholder, in the syntaxes repositories use: Helm/Go templates, shell, Terraform,
# CloudFormation Fn::Sub and JS template literals, Make, printf, Python format / docs placeholders.
TEMPLATE_PART = (
    r"(?:\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_]\w*|%[sdv]|\{[A-Za-z_][\w.-]*\}|<[A-Za-z_][\w -]*>)"
)
_P = TEMPLATE_PART
# A host with a template in at least one of its parts: account, endpoint (`ecr`), region, domain.
TEMPLATED = re.compile(
    rf"(?P<account>\d{{12}}|{_P})\.dkr\.(?P<endpoint>ecr(?:-fips)?|{_P})\.(?P<region>{REGION}|{_P})"
    rf"\.(?P<domain>amazonaws\.com(?:\.cn)?|{_P})(?::(?P<port>\d{{1,5}}))?(?P<rest>/[^\s\"'`,;)]*)?"
)
HOST_ONLY = re.compile(HOST + r"(?![/\w.-])")
# Whatever the patterns above did not take is still reported (`unparsed`): a grep finds it, so a person must look.
RESIDUE = re.compile(r"dkr\.ecr")
PRINTF = re.compile(r"(?:printf|Sprintf|format)\s*\(?\s*\"(?P<fmt>[^\"]*)\"\s*,?\s*(?P<args>[^)}\n]*)")
TF_RESOURCE = re.compile(r'resource\s+"(?P<type>aws_ecr_[a-z_]+)"\s+"(?P<name>[^"]+)"')
CFN_RESOURCE = re.compile(r"[\"']?Type[\"']?\s*:\s*[\"']?(?P<type>AWS::ECR::\w+)")
KEY_VALUE = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<quote>[\"']?)(?P<value>[^\"'#\s]*)"
)
UPSTREAM_HOSTS = {
    "public.ecr.aws": "ecr-public",
    "docker.io": "docker-hub",
    "registry-1.docker.io": "docker-hub",
    "index.docker.io": "docker-hub",
    "registry.hub.docker.com": "docker-hub",
    "ghcr.io": "ghcr",
    "quay.io": "quay",
}
UPSTREAM = re.compile(
    r"(?<![\w.-])(?P<host>" + "|".join(re.escape(h) for h in UPSTREAM_HOSTS) + r")/"
    r"(?P<repository>" + COMPONENT + r"(?:/" + COMPONENT + r")*)" + TAG + DIGEST + r"(?![\w$({-]|/[$({])"
)
# An image named without a registry host comes from Docker Hub: `FROM golang:1.22`, `image: nginx:1.25`.
IMPLICIT_HUB = re.compile(
    r"^\s*(?:FROM\s+(?:--platform=\S+\s+)?|-?\s*image:\s*[\"']?)(?P<name>(?P<repository>"
    + COMPONENT
    + r"(?:/"
    + COMPONENT
    + r")?)"
    + TAG
    + DIGEST
    + r")(?=[\"']?\s*(?:$|\s+AS\s|#))",
    re.I,
)

YAML_KINDS = {
    "helm-values",
    "helm-template",
    "kubernetes",
    "kustomize",
    "compose",
    "github-workflow",
    "gitlab-ci",
    "cloudformation",
    "other",
}
IMAGE_KEY_KINDS = {"dockerfile", "kubernetes", "compose", "github-workflow", "gitlab-ci", "helm-template"}


def scan(paths: Iterable[Path], skipped: list[tuple[str, str]] | None = None) -> list[Reference]:
    """Every reference in the files under `paths`; `skipped` (when given) receives (file, reason) of files not
    read: too large, binary, unreadable."""
    out: list[Reference] = []
    for root, fp in iter_files(paths):
        rel = fp.relative_to(root).as_posix()
        try:
            text = read_text(fp)
        except OSError as exc:
            if skipped is not None:
                skipped.append((rel, f"unreadable: {exc.strerror}"))
            continue
        if text is None:
            if skipped is not None:
                limit = reference_files.MAX_FILE_BYTES  # the module's, so that one setting governs both
                big = fp.stat().st_size > limit
                skipped.append((rel, f"larger than {limit:,} bytes" if big else "binary"))
            continue
        found = scan_text(rel, text)
        if any(r.parts for r in found):
            found = resolve_chart_values(found, root)
        out += found
    return out


def scan_text(rel: str, text: str) -> list[Reference]:
    kind = file_kind(rel, text)
    lines = text.splitlines()
    out: list[Reference] = []
    # Dockerfile stage names and `scratch` are not images: `FROM build AS test` names an earlier stage.
    stages = {"scratch"} | {m.lower() for m in re.findall(r"^\s*FROM\s.*?\s+AS\s+(\S+)", text, re.M | re.I)}
    for i, line in enumerate(lines):
        if "dkr." in line:
            out += _ecr_line(rel, lines, i, kind)
        if kind == "terraform":
            out += [_tf_resource(rel, lines, i, m) for m in TF_RESOURCE.finditer(line)]
        if kind == "cloudformation":
            out += [_cfn_resource(rel, lines, i, m) for m in CFN_RESOURCE.finditer(line)]
        out += _upstream_line(rel, line, i, kind, stages)
    return out


def _ecr_line(rel: str, lines: list[str], i: int, kind: str) -> list[Reference]:
    line = lines[i]
    out: list[Reference] = []
    taken: list[tuple[int, int]] = []

    def free(start: int) -> bool:
        return not any(s <= start < e for s, e in taken)

    for m in LITERAL.finditer(line):
        taken.append(m.span())
        templated_tail = line[m.end() :].startswith((":{{", ":${", "@{{", "@${", ":$"))
        ref = _literal(rel, i + 1, m, kind, "templated" if templated_tail else "literal")
        if not ref.tag and not ref.digest:
            ref = _sibling_tag(ref, lines, i)
        out.append(ref)
    for m in TEMPLATED.finditer(line):
        if not free(m.start()) or not re.search(TEMPLATE_PART, m.group(0)):
            continue
        taken.append(m.span())
        out.append(_templated(rel, line, i + 1, m, kind))
    for m in HOST_ONLY.finditer(line):
        if free(m.start()):
            taken.append(m.span())
            out.append(_split(rel, lines, i, m, kind))
    for m in RESIDUE.finditer(line):
        if free(m.start()):
            s = max(0, m.start() - 40)
            taken.append((s, m.end()))
            out.append(Reference(rel, i + 1, s, m.end(), line[s : m.end() + 40].strip(), kind, "unparsed"))
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


def _sibling_tag(ref: Reference, lines: list[str], i: int) -> Reference:
    """Kustomize keeps the tag (or digest) of `newName:` in a sibling `newTag:` (`digest:`); Helm values keep the
    tag of `repository: <host>/<repo>` in a sibling `tag:`."""
    own = KEY_VALUE.match(lines[i])
    if own is None or own.group("key") not in ("newName", "repository"):
        return ref
    keys = {"newName": ("newTag", "digest"), "repository": ("tag", "digest")}[own.group("key")]
    for j in range(max(0, i - 3), min(len(lines), i + 4)):
        kv = KEY_VALUE.match(lines[j])
        if kv and j != i and kv.group("key") in keys and kv.group("indent") == own.group("indent"):
            value = kv.group("value")
            if value and "{" not in value:
                return replace(ref, tag=value) if kv.group("key") == keys[0] else replace(ref, digest=value)
    return ref


def _templated(rel: str, line: str, number: int, m: re.Match[str], kind: str) -> Reference:
    """A host with template parts. Inline parts (`{{ .Values.x }}`, `${var}`) name themselves; `%s` parts of a
    printf take the printf's arguments in order."""
    rest = m.group("rest") or ""
    repo = re.match(r"/(" + COMPONENT + r"(?:/" + COMPONENT + r")*)(?=$|[:@\"'`])", rest) if rest else None
    if repo and re.match(r"/" + _P, rest):
        repo = None
    tag = re.match(r"[^:@]*:(" + r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}" + r")$", rest) if repo else None
    names = ("account", "endpoint", "region", "domain")
    values = {n: m.group(n) for n in names}
    form = "templated"
    if "%" in m.group(0):
        printf = next((p for p in PRINTF.finditer(line) if p.start("fmt") <= m.start() < p.end("fmt")), None)
        args = _printf_args(printf.group("args")) if printf else []
        placeholders = re.findall(r"%[sdv]", printf.group("fmt")[: m.start() - printf.start("fmt")]) if printf else []
        offset = len(placeholders)
        for n in names:
            if re.fullmatch(r"%[sdv]", values[n]):
                values[n] = args[offset] if offset < len(args) else "?"
                offset += 1
        form = "assembled"
    parts = tuple(f"{n}={_expr(v)}" for n, v in values.items() if re.fullmatch(_P, m.group(n)))
    literal = {n: values[n] for n in names if not re.fullmatch(_P, m.group(n))}
    return Reference(
        file=rel,
        line=number,
        column=m.start(),
        end=m.end(),
        text=m.group(0),
        kind=kind,
        form=form,
        account_id=literal.get("account"),
        region=literal.get("region"),
        repository=repo.group(1) if repo else None,
        tag=tag.group(1) if tag else None,
        fips="-fips" in (literal.get("endpoint") or ""),
        china=(literal.get("domain") or "").endswith(".cn"),
        port=int(m.group("port")) if m.group("port") else None,
        parts=parts,
    )


def _printf_args(text: str) -> list[str]:
    """`printf` arguments: Helm separates them with spaces, Go/C with commas."""
    return [a for a in re.split(r"[\s,]+", text.strip()) if a and a not in ("}}", "-}}")]


def _expr(value: str) -> str:
    """The expression inside a template part: `{{- .Values.image.region }}` → `.Values.image.region`."""
    inner = re.sub(r"^(?:\{\{-?|\$\{|\$\(|\$|\{|<)\s*|\s*(?:-?\}\}|\}|\)|>)$", "", value)
    return inner.strip() or value


def _split(rel: str, lines: list[str], i: int, m: re.Match[str], kind: str) -> Reference:
    """A bare ECR host: in Helm-style values its repository and tag are sibling keys of the same mapping
    (`helm-split`); anywhere else (a shell default, a flag, `docker login`) it is a `host` and names no repository."""
    repo = tag = digest = None
    repo_line = repo_col = repo_end = None
    own = KEY_VALUE.match(lines[i]) if kind in YAML_KINDS else None
    indent = len(own.group("indent")) if own else None
    if own is not None and indent is not None:
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
    split = repo is not None or (kind == "helm-values" and own is not None)
    return Reference(
        file=rel,
        line=i + 1,
        column=m.start(),
        end=m.end(),
        text=m.group(0),
        kind=kind,
        form="helm-split" if split else "host",
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
        rewritable=split,  # the host line; the repository line too when it is literal
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


def _cfn_resource(rel: str, lines: list[str], i: int, m: re.Match[str]) -> Reference:
    """`AWS::ECR::Repository` and friends: the stack manages ECR itself; its RepositoryName when literal."""
    name = None
    for j in range(i + 1, min(len(lines), i + 15)):
        nm = re.search(r"[\"']?RepositoryName[\"']?\s*:\s*[\"']?([a-z0-9][a-z0-9._/-]*)", lines[j])
        if nm:
            name = nm.group(1)
            break
    return Reference(
        rel,
        i + 1,
        m.start("type"),
        m.end("type"),
        m.group("type"),
        "cloudformation",
        "cloudformation-resource",
        repository=name,
    )


def _upstream_line(rel: str, line: str, i: int, kind: str, stages: set[str]) -> list[Reference]:
    """Public upstream images: by host, or (Dockerfile `FROM`, an `image:` key) without one — Docker Hub."""
    out = []
    m: re.Match[str] | None
    for m in UPSTREAM.finditer(line):
        out.append(
            Reference(
                rel,
                i + 1,
                m.start(),
                m.end("repository"),
                m.group(0),
                kind,
                "literal",
                repository=m.group("repository"),
                tag=m.group("tag"),
                digest=m.group("digest"),
                registry=UPSTREAM_HOSTS[m.group("host")],
            )
        )
    if kind in IMAGE_KEY_KINDS:
        m = IMPLICIT_HUB.match(line)
        repo = m.group("repository") if m else ""
        first = repo.split("/")[0] if "/" in repo else ""
        if m and repo.lower() not in stages and "." not in first and first != "localhost":
            out.append(
                Reference(
                    rel,
                    i + 1,
                    m.start("name"),
                    m.end("repository"),
                    m.group("name"),
                    kind,
                    "literal",
                    repository=repo if "/" in repo else f"library/{repo}",
                    tag=m.group("tag"),
                    digest=m.group("digest"),
                    registry="docker-hub",
                )
            )
    return out


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
