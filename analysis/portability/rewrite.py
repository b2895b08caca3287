"""A unified diff that repoints ECR references to Harbor: `HOST/<project>/<repository>`, tag and digest kept.

The project comes from the same mapping as the Harbor payloads (translate.split_name, with collisions
resolved), so the diff and the replication policies agree on every path. Sources the warehouse does not know
(a scan without `--db`, or references to registries not collected) get the same rule among themselves: the same
repository name in two registries goes to `<team>-<account>-<region>` for every registry but the first, so the
diff never merges two source registries into one Harbor path (`keep_apart`). Templated hosts are not rewritten
(their value lives elsewhere — the scan lists them); a Helm `registry:` value is, and its `repository:`
sibling too when the path changes. The diff is `git apply`-able from the scan root: `a/` and `b/` prefixes,
exact context, and the "\\ No newline at end of file" marker where a file ends without one.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from analysis.portability.reference import Reference
from analysis.portability.translate import _project_name, split_name

Mapper = Callable[[str | None, str | None, str], tuple[str, str]]


def default_mapper(account: str | None, region: str | None, repository: str) -> tuple[str, str]:
    return split_name(repository)


def mapper_from(mapping) -> Mapper:  # mapping: translate.HarborDesign.mapping
    table = {
        (r.account_id, r.region, r.repository_name): (r.project, r.harbor_repository) for r in mapping.itertuples()
    }

    def lookup(account: str | None, region: str | None, repository: str) -> tuple[str, str]:
        return table.get((account, region, repository)) or split_name(repository)

    lookup.known = set(table)  # type: ignore[attr-defined]
    return lookup


def keep_apart(refs: list[Reference], mapper: Mapper) -> Mapper:
    """`mapper`, but two source registries never share a Harbor path: the first source to claim a path keeps it
    (sources the warehouse mapped first, then by account, region), a later one moves to the project
    `<project>-<account>-<region>` — the rule translate.design applies to collected repositories."""
    known: set[tuple[str | None, str | None, str]] = getattr(mapper, "known", set())
    sources = {(r.account_id, r.region, r.repository) for r in refs if r.rewritable and r.repository}
    order = sorted(sources, key=lambda k: (k not in known, k[0] or "", k[1] or "", k[2]))
    claimed: dict[tuple[str, str], tuple] = {}
    table: dict[tuple, tuple[str, str]] = {}
    for key in order:
        project, repo = mapper(*key)
        owner = claimed.setdefault((project, repo), key)
        if owner[:2] != key[:2]:
            project = _project_name(f"{project}-{key[0]}-{key[1]}")
        table[key] = (project, repo)

    def lookup(account: str | None, region: str | None, repository: str) -> tuple[str, str]:
        return table.get((account, region, repository)) or mapper(account, region, repository)

    return lookup


def rewrite_files(
    root: Path, refs: list[Reference], host: str, mapper: Mapper = default_mapper
) -> dict[str, tuple[str, str]]:
    """{relative path: (old text, new text)} for every file with a rewritable reference."""
    host = host.rstrip("/")
    mapper = keep_apart(refs, mapper)
    edits: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)  # file → (line, start, end, new)
    for ref in refs:
        if not ref.rewritable or not ref.repository:
            continue
        project, repo = mapper(ref.account_id, ref.region, ref.repository)
        if ref.form == "helm-split":
            edits[ref.file].append((ref.line, ref.column, ref.end, host))
            if (  # references.py sets the three repo_* fields together
                ref.repo_line is not None
                and ref.repo_column is not None
                and ref.repo_end is not None
                and f"{project}/{repo}" != ref.repository
            ):
                edits[ref.file].append((ref.repo_line, ref.repo_column, ref.repo_end, f"{project}/{repo}"))
        else:
            edits[ref.file].append((ref.line, ref.column, ref.end, f"{host}/{project}/{repo}"))
    out = {}
    for rel, changes in edits.items():
        with open(root / rel, encoding="utf-8", newline="") as fh:  # keep CRLF: the diff must match the bytes
            old = fh.read()
        lines = old.splitlines(keepends=True)
        for line, start, end, new in sorted(set(changes), key=lambda c: (c[0], -c[1])):
            text = lines[line - 1]
            lines[line - 1] = text[:start] + new + text[end:]
        out[rel] = (old, "".join(lines))
    return out


def unified_diff(files: dict[str, tuple[str, str]]) -> str:
    chunks = []
    for rel in sorted(files):
        old, new = files[rel]
        if old == new:
            continue
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
        for line in difflib.unified_diff(a, b, f"a/{rel}", f"b/{rel}", n=3):
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            chunks.append(line)
    return "".join(chunks)
