"""A unified diff that repoints ECR references to Harbor: `HOST/<project>/<repository>`, tag and digest kept.

The project comes from the same mapping as the Harbor payloads (translate.split_name, with collisions
resolved), so the diff and the replication policies agree on every path. Templated hosts are not rewritten
(their value lives elsewhere — the scan lists them); a Helm `registry:` value is, and its `repository:`
sibling too when the path changes. The diff is `git apply`-able from the scan root: `a/` and `b/` prefixes,
exact context, and the "\\ No newline at end of file" marker where a file ends without one.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from analysis.portability.references import Reference
from analysis.portability.translate import split_name

Mapper = Callable[[str | None, str | None, str], tuple[str, str]]


def default_mapper(account: str | None, region: str | None, repository: str) -> tuple[str, str]:
    return split_name(repository)


def mapper_from(mapping) -> Mapper:  # mapping: translate.HarborDesign.mapping
    table = {
        (r.account_id, r.region, r.repository_name): (r.project, r.harbor_repository) for r in mapping.itertuples()
    }

    def lookup(account: str | None, region: str | None, repository: str) -> tuple[str, str]:
        return table.get((account, region, repository)) or split_name(repository)

    return lookup


def rewrite_files(
    root: Path, refs: list[Reference], host: str, mapper: Mapper = default_mapper
) -> dict[str, tuple[str, str]]:
    """{relative path: (old text, new text)} for every file with a rewritable reference."""
    host = host.rstrip("/")
    edits: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)  # file → (line, start, end, new)
    for ref in refs:
        if not ref.rewritable or not ref.repository:
            continue
        project, repo = mapper(ref.account_id, ref.region, ref.repository)
        if ref.form == "helm-split":
            edits[ref.file].append((ref.line, ref.column, ref.end, host))
            if ref.repo_line is not None and f"{project}/{repo}" != ref.repository:
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
