"""OCI distribution collector: any registry speaking `/v2/` (CNCF distribution, Harbor's registry, Zot …).

Reads the catalog (paginated with `n=` and `Link`), each repository's tags, resolves every tag to a digest
with a HEAD on the manifest, and fetches (GET) only manifests whose digest nobody has yet — manifests are
content-addressed, so the warehouse's cache (`ManifestCache`) is good forever. Index children are fetched by
digest and listed as untagged artifacts of their repository, as Harbor lists them. The debug server's
Prometheus metrics (`registry_http_*`, `registry_storage_*`) are scraped when a URL is given.

Like the ECR collector it returns records and never writes; failures are recorded per (repository,
endpoint); a registry whose catalog cannot be read is `failed` and nothing of it is loaded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from analysis.collectors.ecr import ManifestCache
from analysis.collectors.http import HttpClient, HttpError, parse_link_next
from analysis.collectors.manifests import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    ManifestError,
    ParsedManifest,
    digest_of,
    parse_manifest,
)
from analysis.collectors.metrics import MetricsError, scrape
from analysis.collectors.registry_records import (
    MetricSampleRecord,
    RegistryArtifactRecord,
    RegistryErrorRecord,
    RegistryRepositoryRecord,
)

# Every endpoint the OCI collector calls (GET/HEAD only): the read-only story and docs/harbor.md list these.
ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("GET", "/v2/"),
    ("GET", "/v2/_catalog"),
    ("GET", "/v2/{name}/tags/list"),
    ("HEAD", "/v2/{name}/manifests/{tag}"),
    ("GET", "/v2/{name}/manifests/{digest}"),
    ("GET", "<token realm> (only when the registry answers 401 with a Bearer challenge)"),
    ("GET", "<metrics url>"),
)

# Without an Accept header distribution answers an OCI manifest with 404 MANIFEST_UNKNOWN ("accept header does
# not support OCI manifests", environment.md §5) and converts nothing it cannot; with all four it returns every
# manifest exactly as pushed, so digest = sha256(body).
MANIFEST_ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST])
PAGE_SIZE = 100
REPOSITORY_WORKERS = 8


@dataclass(frozen=True)
class ManifestInfo:
    """What an artifact row needs of a manifest, whether fetched now or cached by an earlier run."""

    media_type: str | None
    artifact_media_type: str | None
    own_bytes: int  # manifest + config + layers (an index: its own manifest only)
    children: tuple[str, ...]


Lookup = Callable[[set[str]], dict[str, "ManifestInfo"]]  # digests → what the warehouse's cache knows of them


def no_lookup(_: set[str]) -> dict[str, ManifestInfo]:
    return {}


def resolve_info(digests: Iterable[str], parsed: list[ParsedManifest], lookup: Lookup) -> dict[str, ManifestInfo]:
    """ManifestInfo of `digests` and, transitively, of index children: fetched now, else from the cache."""
    info = {m.digest: info_of(m) for m in parsed}
    need = {d for d in digests if d not in info}
    while need:
        found = lookup(need)
        info.update(found)
        need = {c for d in found for c in found[d].children if c not in info}
    return info


def info_of(m: ParsedManifest) -> ManifestInfo:
    own = m.manifest_size + (m.config_size or 0) + sum(layer.size for layer in m.layers)
    config_type = None if m.is_index else m.artifact_type
    return ManifestInfo(m.media_type, config_type, own, tuple(c.digest for c in m.children))


@dataclass
class RegistryResult:
    """One collection of one self-hosted registry (kind 'oci' or 'harbor')."""

    registry: str
    kind: str
    repositories: list[RegistryRepositoryRecord] = field(default_factory=list)
    artifacts: list[RegistryArtifactRecord] = field(default_factory=list)
    manifests: list[ParsedManifest] = field(default_factory=list)
    metrics: list[MetricSampleRecord] = field(default_factory=list)
    errors: list[RegistryErrorRecord] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    storage_provider: str | None = None
    physical_bytes: int | None = None
    physical_source: str | None = None
    failed: bool = False
    extra: dict[str, list[Any]] = field(default_factory=dict)  # Harbor's own tables, by table name
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        return "partial" if self.errors else "complete"

    def record(
        self, exc: BaseException, operation: str, *, project: str | None = None, repository: str | None = None
    ) -> None:
        code = exc.code if isinstance(exc, HttpError) else type(exc).__name__
        message = exc.message if isinstance(exc, HttpError) else str(exc).strip().splitlines()[0] if str(exc) else ""
        with self._lock:
            self.errors.append(
                RegistryErrorRecord(
                    self.registry, project, repository, operation, code, message or None, datetime.now(UTC)
                )
            )


Progress = Callable[[str, int], None]


def _noop(_: str, __: int) -> None:
    return None


def project_of(repository: str) -> str | None:
    return repository.split("/", 1)[0] if "/" in repository else None


def collect_oci(
    client: HttpClient,
    registry: str,
    known: ManifestCache,
    lookup: Lookup = no_lookup,
    *,
    metrics_url: str | None = None,
    page_size: int = PAGE_SIZE,
    progress: Progress = _noop,
) -> RegistryResult:
    out = RegistryResult(registry, "oci")
    try:
        resp = client.get("/v2/", ok=(200,))
        out.info["api_version"] = resp.headers.get("Docker-Distribution-Api-Version")
        repos = _paged_list(client, "/v2/_catalog", "repositories", page_size)
    except HttpError as exc:
        out.record(exc, f"oci:{exc.method} {'/v2/_catalog' if exc.path.endswith('_catalog') else '/v2/'}")
        out.failed = True
        return out
    progress("repos_found", len(repos))

    def one(name: str) -> tuple[RegistryRepositoryRecord, dict[str, list[str]]]:
        tags_by_digest = _tags(client, name, page_size, out)
        out_manifests = fetch_manifests(client, name, tags_by_digest, known, out, "oci")
        with out._lock:
            out.manifests.extend(out_manifests)
        rec = RegistryRepositoryRecord(
            registry=registry,
            project=project_of(name),
            repository_name=name,
            created_at=None,
            updated_at=None,
            artifact_count=None,
            pull_count=None,
            tag_count=sum(len(t) for t in tags_by_digest.values()),
        )
        progress("repo_done", 1)
        return rec, tags_by_digest

    with ThreadPoolExecutor(max_workers=REPOSITORY_WORKERS, thread_name_prefix="oci-repo") as pool:
        done = list(pool.map(one, repos))
    manifests = resolve_info((d for _, t in done for d in t), out.manifests, lookup)
    for rec, tags_by_digest in done:
        artifacts = artifact_rows(registry, rec.repository_name, tags_by_digest, manifests, {})
        rec.artifact_count = len(artifacts)
        out.repositories.append(rec)
        out.artifacts.extend(artifacts)

    if metrics_url:
        scrape_into(out, client, metrics_url, "oci")
    return out


def scrape_into(out: RegistryResult, client: HttpClient, metrics_url: str, prefix: str) -> None:
    try:
        out.metrics = scrape(client, metrics_url, out.registry)
    except (HttpError, MetricsError) as exc:
        out.record(exc, f"{prefix}:GET <metrics url>")


def _paged_list(client: HttpClient, path: str, key: str, page_size: int) -> list[str]:
    """`?n=` pages following `Link: <…>; rel="next"` (distribution spec: the last entry drives `last=`)."""
    items: list[str] = []
    next_path: str | None = path
    params: dict[str, Any] | None = {"n": page_size}
    while next_path:
        resp = client.get(next_path, params=params)
        items.extend((resp.json() or {}).get(key) or [])
        next_path = parse_link_next(resp.headers.get("Link"))
        params = None  # the Link URL carries n= and last=
    return items


def _tags(client: HttpClient, name: str, page_size: int, out: RegistryResult) -> dict[str, list[str]]:
    """digest → tags of one repository: tags listed, then each resolved by HEAD (no body, no pull counted)."""
    try:
        tags = _paged_list(client, f"/v2/{name}/tags/list", "tags", page_size)
    except HttpError as exc:
        out.record(exc, "oci:GET /v2/{name}/tags/list", project=project_of(name), repository=name)
        return {}
    by_digest: dict[str, list[str]] = {}
    for tag in tags:
        try:
            resp = client.head(f"/v2/{name}/manifests/{quote(tag, safe='')}", headers={"Accept": MANIFEST_ACCEPT})
        except HttpError as exc:
            out.record(exc, "oci:HEAD /v2/{name}/manifests/{tag}", project=project_of(name), repository=name)
            continue
        digest = resp.headers.get("Docker-Content-Digest")
        if not digest:
            out.record(
                ValueError(f"{name}:{tag}: no Docker-Content-Digest header"),
                "oci:HEAD /v2/{name}/manifests/{tag}",
                project=project_of(name),
                repository=name,
            )
            continue
        by_digest.setdefault(digest, []).append(tag)
    return by_digest


def fetch_manifests(
    client: HttpClient,
    repository: str,
    digests: Iterable[str],
    cache: ManifestCache,
    out: RegistryResult,
    prefix: str,
) -> list[ParsedManifest]:
    """GET the manifests of digests nobody has yet, then the children of indexes among them, by digest."""
    found: list[ParsedManifest] = []
    todo = cache.claim(digests)
    operation = f"{prefix}:GET /v2/{{name}}/manifests/{{digest}}"
    while todo:
        fetched: list[ParsedManifest] = []
        for digest in todo:
            try:
                resp = client.get(f"/v2/{repository}/manifests/{digest}", headers={"Accept": MANIFEST_ACCEPT})
                body = resp.content
                if digest_of(body) != digest:
                    # The registry converted the manifest (it did not accept our media types): its digest is not
                    # the stored one, so its sizes would describe another object.
                    raise ManifestError(f"{digest}: the body's sha256 is {digest_of(body)}")
                fetched.append(parse_manifest(body.decode(), resp.headers.get("Content-Type"), digest))
            except (HttpError, ManifestError, UnicodeDecodeError) as exc:
                out.record(exc, operation, project=project_of(repository), repository=repository)
        found.extend(fetched)
        todo = cache.claim(c.digest for m in fetched for c in m.children)
    return found


def artifact_rows(
    registry: str,
    repository: str,
    tags_by_digest: dict[str, list[str]],
    manifests: dict[str, ManifestInfo],
    extra: dict[str, dict[str, Any]],
    project: str | None = None,
) -> list[RegistryArtifactRecord]:
    """One row per digest of a repository: tagged ones, then index children not listed themselves.

    `extra` carries what a registry API knows beyond the manifest (Harbor: push/pull time, size, type).
    """
    rows: dict[str, RegistryArtifactRecord] = {}
    children: set[str] = set()

    def size(digest: str, depth: int = 0) -> int | None:
        info = manifests.get(digest)
        if info is None or depth > 4:
            return None
        if not info.children:
            return info.own_bytes
        parts = [size(c, depth + 1) for c in info.children]
        return info.own_bytes + sum(p for p in parts if p is not None)

    def add(digest: str, tags: list[str], is_child: bool) -> None:
        info = manifests.get(digest)
        e = extra.get(digest, {})
        rows[digest] = RegistryArtifactRecord(
            registry=registry,
            project=project if project is not None else project_of(repository),
            repository_name=repository,
            image_digest=digest,
            image_tags=sorted(tags),
            image_size_bytes=e.get("size", size(digest)),
            pushed_at=e.get("pushed_at"),
            last_pull_at=e.get("last_pull_at"),
            manifest_media_type=e.get("manifest_media_type") or (info.media_type if info else None),
            artifact_media_type=e.get("artifact_media_type") or (info.artifact_media_type if info else None),
            artifact_type=e.get("artifact_type"),
            child_digests=list(e.get("children") or (info.children if info else ())),
            is_child=is_child,
        )
        for c in rows[digest].child_digests:
            children.add(c)

    for digest, tags in tags_by_digest.items():
        add(digest, tags, False)
    pending = [c for c in children if c not in rows]
    while pending:
        for c in pending:
            add(c, [], True)
        pending = [c for c in children if c not in rows]
    for digest in children:
        rows[digest].is_child = True
    return list(rows.values())


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)
