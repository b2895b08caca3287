"""Harbor collector: REST API v2.0 (read-only), the OCI API for manifests, and the Prometheus exporter.

Reads system info, health and statistics; projects with metadata (proxy-cache projects by `registry_id`),
their summaries (quota) and `/quotas`; repositories (pull_count, artifact_count) and artifacts (digest, size,
push/pull time, tags, index children via `references`, accessories — signatures, SBOMs, attestations — with
`with_accessory=true`); retention and immutable-tag policies; replication policies and endpoints; GC history
(freed space from `job_parameters`); scanners. Every free-form value passes `redact.redact` before it is kept.

Versions: `/systeminfo` says which Harbor answered; `FEATURES` says since which version a field or endpoint exists,
so a missing one is recorded as unknown with the reason (never as 0), and the fallback is named.

Manifests of digests not already cached are fetched from Harbor's `/v2/` API so unique blob bytes can be
computed, as for ECR.

Every list is paged with `page_size=100` (the spec's maximum) following `Link: rel="next"` and checked
against `X-Total-Count`. Repository names go into paths URL-encoded twice (`a/b` → `a%252Fb`). Failures are
recorded per (project, repository, endpoint) and the run goes on; only a 401, or no answer at all, fails it.
Sources: shared/reference/harbor-facts.md §1–§3 and the official swagger.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from analysis.collectors.ecr import ManifestCache
from analysis.collectors.http import HttpClient, HttpError, parse_link_next
from analysis.collectors.metrics import value
from analysis.collectors.oci import (
    Lookup,
    RegistryResult,
    artifact_rows,
    fetch_manifests,
    no_lookup,
    resolve_info,
    scrape_into,
)
from analysis.collectors.redact import redact
from analysis.collectors.registry_records import (
    HarborGcRecord,
    HarborPolicyRecord,
    HarborProjectRecord,
    HarborQuotaRecord,
    HarborRegistryEndpointRecord,
    RegistryAccessoryRecord,
    RegistryRepositoryRecord,
)

API = "/api/v2.0"
PAGE_SIZE = 100  # swagger `pageSize` maximum
PROJECT_WORKERS = 4
REPOSITORY_WORKERS = 8


@dataclass(frozen=True)
class Endpoint:
    path: str  # relative to /api/v2.0, as the swagger names it
    permission: str  # what the caller needs (harbor-facts §1.1), said in a 403's message


# Every Harbor API endpoint the collector calls — all GET. The read-only test, docs/harbor.md and the 403
# messages come from this one list.
ENDPOINTS: dict[str, Endpoint] = {
    e.path: e
    for e in (
        Endpoint("/systeminfo", "any authenticated user (anonymous callers get no version or storage provider)"),
        Endpoint("/health", "none"),
        Endpoint("/statistics", "any authenticated user; the storage total only for a system administrator"),
        Endpoint("/projects", "system project:list, or membership of each project (public ones are listed)"),
        Endpoint("/projects/{project_name_or_id}/summary", "project membership (guest or better)"),
        Endpoint("/quotas", "system quota:list"),
        Endpoint("/projects/{project_name}/repositories", "project repository:list"),
        Endpoint("/projects/{project_name}/repositories/{repository_name}/artifacts", "project artifact:list"),
        Endpoint("/retentions/{id}", "project tag-retention:read"),
        Endpoint("/projects/{project_name_or_id}/immutabletagrules", "project immutable-tag:list"),
        Endpoint("/replication/policies", "system replication-policy:list"),
        Endpoint("/registries", "system registry:list"),
        Endpoint("/system/gc", "system garbage-collection:list"),
        Endpoint("/scanners", "system scanner:list"),
    )
}
# Outside /api/v2.0: manifests over the OCI API (project repository:pull; Harbor's token service issues the
# bearer token with the same credentials) and the exporter's /metrics page (no credentials unless configured).
OCI_ENDPOINTS = (
    ("GET", "/service/token (the realm of Harbor's Bearer challenge)"),
    ("GET", "/v2/{project}/{repository}/manifests/{digest}"),
    ("GET", "<metrics url> (Harbor exporter, e.g. :9090/metrics)"),
)


@dataclass(frozen=True)
class Feature:
    since: tuple[int, int]
    what: str  # what it is, and where that was found


# What a Harbor of a given version answers, from the version it appeared in (release tags' swagger and the PRs).
FEATURES: dict[str, Feature] = {
    "storage_total": Feature(
        (2, 3), "/statistics total_storage_consumption (goharbor/harbor#14772, released in v2.3.0)"
    ),
    "accessories": Feature((2, 5), "artifact accessories, with_accessory=true (goharbor/harbor#16150, v2.5.0)"),
    "artifact_type": Feature(
        (2, 11), "Artifact.artifact_type, the manifest's artifactType (OCI 1.1; goharbor/harbor#20030, v2.11.0)"
    ),
    "exporter_storage_total": Feature(
        (2, 12), "exporter metric harbor_statistics_total_storage_consumption (goharbor/harbor#18679, v2.12.0)"
    ),
}


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`v2.13.1-9384ed0e` → (2, 13, 1); None for an anonymous caller's empty version or another shape."""
    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


def supports(version: tuple[int, int, int] | None, feature: str) -> bool | None:
    """Whether that Harbor has the feature; None when its version is unknown (then the collector asks anyway)."""
    return None if version is None else version[:2] >= FEATURES[feature].since


# Harbor's accessory types (src/pkg/accessory/model) and OCI artifact types, by the kind a migration must carry.
_KIND_BY_HARBOR_TYPE = {
    "signature.cosign": "signature",
    "signature.notation": "signature",
    "harbor.sbom": "sbom",
    "sbom.harbor": "sbom",
}


def accessory_kind(harbor_type: str | None, artifact_type: str | None) -> str:
    """signature | sbom | attestation | other, from Harbor's accessory type, else the artifact's media type."""
    if (harbor_type or "").lower() in _KIND_BY_HARBOR_TYPE:
        return _KIND_BY_HARBOR_TYPE[harbor_type.lower()]  # type: ignore[union-attr]
    at = (artifact_type or "").lower()
    if any(w in at for w in ("spdx", "cyclonedx", "sbom", "syft")):
        return "sbom"
    if any(w in at for w in ("in-toto", "attestation", "provenance", "slsa", "vuln", "openvex")):
        return "attestation"
    if any(w in at for w in ("signature", "cosign", "notary", "notation", "sigstore")):
        return "signature"
    return "other"


class HarborAuthError(Exception):
    """Harbor rejected the credentials (401): nothing can be read."""


@dataclass
class HarborOptions:
    manifests: bool = True
    metrics_url: str | None = None
    page_size: int = PAGE_SIZE


Progress = Callable[[str, int], None]


def _noop(_: str, __: int) -> None:
    return None


def explain(exc: HttpError, endpoint: str, username: str | None) -> str:
    """A person-readable line for a failed Harbor call: what to do for 401, which role for 403, Harbor's text."""
    if exc.status == 401:
        who = f"'{username}'" if username else "the caller"
        return (
            f"Harbor rejected the credentials of {who} (401 on GET {endpoint}): check --username and the password "
            "(robot accounts are named robot$<name>, project robots robot$<project>+<name>, and expire)"
        )
    if exc.status == 403:
        need = ENDPOINTS[endpoint].permission if endpoint in ENDPOINTS else "a role that may read it"
        return (
            f"403 on GET {endpoint}: the account lacks the permission it needs ({need}); grant it to the "
            f"robot account or use a Harbor administrator — {exc.message}"
        )
    if exc.status is not None and exc.status >= 500:
        return f"Harbor failed on GET {endpoint} ({exc.status}); Harbor said: {exc.message}"
    return exc.message


def repo_path(project: str, repository: str) -> str:
    """`/projects/{p}/repositories/{r}` with r = name without project, URL-encoded twice (swagger)."""
    short = repository[len(project) + 1 :] if repository.startswith(project + "/") else repository
    return f"/projects/{quote(project, safe='')}/repositories/{quote(quote(short, safe=''), safe='')}"


class _Reader:
    """Harbor API calls of one collection, recording failures into the result."""

    def __init__(self, client: HttpClient, out: RegistryResult, page_size: int) -> None:
        self.client = client
        self.out = out
        self.page_size = page_size
        self.username = client.credentials.username if client.credentials else None

    def fail(self, exc: HttpError, endpoint: str, project: str | None = None, repository: str | None = None) -> None:
        if exc.status == 401:
            raise HarborAuthError(explain(exc, endpoint, self.username))
        exc.message = explain(exc, endpoint, self.username)
        self.out.record(exc, f"harbor:GET {endpoint}", project=project, repository=repository)

    def one(self, path: str, endpoint: str, **where: Any) -> Any:
        try:
            return self.client.get(API + path, headers={"Accept": "application/json"}).json()
        except HttpError as exc:
            self.fail(exc, endpoint, **where)
        except ValueError as exc:  # 200 but not JSON: a proxy's login page, a truncated body
            self.out.record(ValueError(f"GET {endpoint}: not JSON ({exc})"), f"harbor:GET {endpoint}", **where)
        return None

    def pages(self, path: str, endpoint: str, params: dict[str, Any] | None = None, **where: Any) -> list[Any] | None:
        """Every page of a list endpoint, by Link rel="next"; checked against X-Total-Count."""
        items: list[Any] = []
        total: int | None = None
        url: str | None = API + path
        query: dict[str, Any] | None = {**(params or {}), "page": 1, "page_size": self.page_size}
        guard = 0
        try:
            while url:
                resp = self.client.get(url, params=query, headers={"Accept": "application/json"})
                items.extend(resp.json() or [])
                if resp.headers.get("X-Total-Count") is not None:
                    total = int(resp.headers["X-Total-Count"])
                url = parse_link_next(resp.headers.get("Link"))
                query = None  # the Link URL carries page and page_size
                if url is None and total is not None and len(items) < total:
                    # No Link (a proxy dropped it): fall back to page numbers from X-Total-Count.
                    page = len(items) // self.page_size + 1
                    if page <= math.ceil(total / self.page_size):
                        url, query = API + path, {**(params or {}), "page": page, "page_size": self.page_size}
                guard += 1
                if guard > 100_000:
                    raise HttpError("GET", path, None, "PaginationLoop", f"GET {endpoint}: pagination did not end")
        except HttpError as exc:
            self.fail(exc, endpoint, **where)
            return None
        except ValueError as exc:
            self.out.record(ValueError(f"GET {endpoint}: not JSON ({exc})"), f"harbor:GET {endpoint}", **where)
            return None
        if total is not None and len(items) != total:
            self.out.record(
                ValueError(f"GET {endpoint}: X-Total-Count says {total}, the pages held {len(items)}"),
                f"harbor:GET {endpoint}",
                **where,
            )
        return items


def collect_harbor(
    client: HttpClient,
    registry: str,
    known: ManifestCache,
    options: HarborOptions,
    lookup: Lookup = no_lookup,
    progress: Progress = _noop,
) -> RegistryResult:
    """Collect one Harbor; raises HarborAuthError on 401 (the caller records it and fails the run)."""
    out = RegistryResult(registry, "harbor")
    r = _Reader(client, out, options.page_size)
    try:
        info = client.get(API + "/systeminfo", headers={"Accept": "application/json"}).json()
    except HttpError as exc:
        if exc.status == 401:
            raise HarborAuthError(explain(exc, "/systeminfo", r.username)) from None
        r.fail(exc, "/systeminfo")
        out.failed = True
        return out
    except ValueError:  # answered, but not Harbor's API (a login page, another service on that URL)
        out.record(
            ValueError(f"{client.base_url}{API}/systeminfo did not answer JSON: is --url a Harbor?"),
            "harbor:GET /systeminfo",
        )
        out.failed = True
        return out
    out.version = info.get("harbor_version")
    version = parse_version(out.version)
    out.info["harbor"] = {
        "version": out.version,
        "parsed": ".".join(map(str, version)) if version else None,
        "features": {name: supports(version, name) for name in FEATURES},
    }
    out.storage_provider = info.get("registry_storage_provider_name")
    out.info["systeminfo"] = {
        k: redact(info.get(k))
        for k in (
            "harbor_version",
            "registry_storage_provider_name",
            "external_url",
            "auth_mode",
            "read_only",
            "current_time",
        )
    }
    health = r.one("/health", "/health")
    if health is not None:
        out.info["health"] = health
    stats = r.one("/statistics", "/statistics")
    out.info["statistics"] = stats

    projects = r.pages("/projects", "/projects", {"with_detail": "true"})
    if projects is None:
        out.failed = True
        return out
    progress("projects_found", len(projects))
    quotas = r.pages("/quotas", "/quotas", {"reference": "project"})

    with ThreadPoolExecutor(max_workers=PROJECT_WORKERS, thread_name_prefix="harbor-project") as pool:
        per_project = list(pool.map(lambda p: _project(r, p, registry, known, options, progress, version), projects))
    project_rows: list[HarborProjectRecord] = []
    policies: list[HarborPolicyRecord] = []
    parsed_all = []
    per_repo: list[tuple[str, str, dict[str, list[str]], dict[str, dict[str, Any]]]] = []
    accessories: list[dict[str, Any]] = []
    for prow, ppolicies, repos, parsed, artifacts, accs in per_project:
        project_rows.append(prow)
        policies.extend(ppolicies)
        out.repositories.extend(repos)
        parsed_all.extend(parsed)
        per_repo.extend(artifacts)
        accessories.extend(accs)
    out.manifests = parsed_all
    digests = {d for _p, _r, tags, _e in per_repo for d in tags}
    digests |= {c for _p, _r, _t, extra in per_repo for e in extra.values() for c in e["children"]}
    digests |= {a["digest"] for a in accessories}
    manifests = resolve_info(digests, parsed_all, lookup)
    for project, repository, tags_by_digest, extra in per_repo:
        rows = artifact_rows(registry, repository, tags_by_digest, manifests, extra, project)
        for row in rows:
            row.harbor_type = extra.get(row.image_digest, {}).get("harbor_type")
        out.artifacts.extend(rows)

    policies.extend(_system_policies(r, registry))
    out.extra = {
        "harbor_projects": project_rows,
        "harbor_quotas": _quotas(quotas or [], registry),
        "harbor_policies": policies,
        "harbor_registries": _endpoints(r, registry),
        "harbor_gc_runs": _gc(r, registry),
        "registry_accessories": [_accessory(registry, a, manifests) for a in accessories],
    }
    if options.metrics_url:
        scrape_into(out, client, options.metrics_url, "harbor")
    _physical(out, stats, len(projects), version)
    return out


def _physical(
    out: RegistryResult, stats: dict[str, Any] | None, projects: int, version: tuple[int, int, int] | None
) -> None:
    """Bytes Harbor's blob table holds: /statistics for an administrator, else the exporter's metric, else
    unknown with the reason (`collect_registry` then falls back to the blob sums of the manifests, named).

    The total_* fields are filled only for a system administrator (robots never are one); others get 0s
    (the fields are not omitted), so a 0 while projects are visible means "not shown", not "empty". Before
    Harbor 2.3 the field does not exist at all: absent is unknown, never 0.
    """
    if stats is None:
        reason = "/statistics could not be read (see the run's errors)"
    elif "total_storage_consumption" not in stats:
        was = f"Harbor {out.version}" if out.version else "this Harbor"
        reason = f"{was} has no storage total in /statistics (total_storage_consumption came with v2.3.0)"
    elif not (stats.get("total_project_count") or projects == 0):
        reason = "/statistics shows the storage total only to a system administrator"
    else:
        out.physical_bytes, out.physical_source = int(stats["total_storage_consumption"]), "statistics"
        return
    metric = value(out.metrics, "harbor_statistics_total_storage_consumption")
    if metric is not None:
        out.physical_bytes, out.physical_source = int(metric), "exporter"
        out.info["physical_note"] = f"{reason}; read from the exporter metric"
        return
    if out.metrics:
        reason += "; the exporter has no harbor_statistics_total_storage_consumption (it came with v2.12.0)"
    elif supports(version, "exporter_storage_total") is not False:
        reason += "; no exporter was scraped (pass --metrics-url)"
    out.info["physical_note"] = reason


def _time(text: str | None) -> datetime | None:
    # Harbor answers "0001-01-01T00:00:00.000Z" for a time never set (e.g. an artifact never pulled).
    if not text or text.startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _bool(text: Any) -> bool | None:
    return None if text is None else str(text).lower() == "true"


def _int(x: Any) -> int | None:
    try:
        return int(x) if x not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _without_credential(obj: Any) -> Any:
    """A Harbor object redacted by rule, and a `credential` object replaced by its type (basic, oauth …)."""
    if isinstance(obj, dict):
        out = {k: _without_credential(v) for k, v in obj.items() if k != "credential"}
        if isinstance(obj.get("credential"), dict):
            out["credential_type"] = obj["credential"].get("type")
        return redact(out)
    if isinstance(obj, list):
        return [_without_credential(x) for x in obj]
    return redact(obj)


def _project(
    r: _Reader,
    p: dict[str, Any],
    registry: str,
    known: ManifestCache,
    options: HarborOptions,
    progress: Progress,
    version: tuple[int, int, int] | None = None,
) -> tuple[HarborProjectRecord, list[HarborPolicyRecord], list[RegistryRepositoryRecord], list, list, list]:
    name = p["name"]
    pid = int(p["project_id"])
    meta = p.get("metadata") or {}
    summary = r.one(f"/projects/{pid}/summary", "/projects/{project_name_or_id}/summary", project=name) or {}
    quota = summary.get("quota") or {}
    upstream = summary.get("registry")
    row = HarborProjectRecord(
        registry=registry,
        project_id=pid,
        name=name,
        public=_bool(meta.get("public")),
        proxy_registry_id=_int(p.get("registry_id")) or None,
        repo_count=_int(p.get("repo_count")),
        owner_name=p.get("owner_name"),
        created_at=_time(p.get("creation_time")),
        updated_at=_time(p.get("update_time")),
        retention_id=_int(meta.get("retention_id")),
        metadata=json.dumps(redact(meta), sort_keys=True),
        quota_hard_bytes=_int((quota.get("hard") or {}).get("storage")),
        quota_used_bytes=_int((quota.get("used") or {}).get("storage")),
        upstream=json.dumps(_without_credential(upstream), sort_keys=True) if upstream else None,
    )
    policies: list[HarborPolicyRecord] = []
    if row.retention_id:
        ret = r.one(f"/retentions/{row.retention_id}", "/retentions/{id}", project=name)
        if ret is not None:
            policies.append(
                HarborPolicyRecord(registry, "retention", pid, name, str(row.retention_id), None, None, _dump(ret))
            )
    immutable = r.pages(
        f"/projects/{pid}/immutabletagrules", "/projects/{project_name_or_id}/immutabletagrules", project=name
    )
    for rule in immutable or []:
        policies.append(
            HarborPolicyRecord(
                registry, "immutable", pid, name, str(rule.get("id")), None, not rule.get("disabled"), _dump(rule)
            )
        )

    repos = (
        r.pages(f"/projects/{quote(name, safe='')}/repositories", "/projects/{project_name}/repositories", project=name)
        or []
    )
    progress("repos_found", len(repos))
    # Harbor before 2.5 ignores with_accessory (unknown query parameters are); a version we could not read is asked.
    query = {"with_tag": "true", "with_label": "false", "with_scan_overview": "false"}
    if supports(version, "accessories") is not False:
        query["with_accessory"] = "true"

    def one_repo(repo: dict[str, Any]):
        full = repo["name"]
        artifacts = r.pages(
            repo_path(name, full) + "/artifacts",
            "/projects/{project_name}/repositories/{repository_name}/artifacts",
            query,
            project=name,
            repository=full,
        )
        tags_by_digest: dict[str, list[str]] = {}
        extra: dict[str, dict[str, Any]] = {}
        accessories: list[dict[str, Any]] = []
        for a in artifacts or []:
            digest = a["digest"]
            tags_by_digest[digest] = [redact(t["name"]) for t in a.get("tags") or [] if t.get("name")]
            extra[digest] = {
                "size": _int(a.get("size")),
                "pushed_at": _time(a.get("push_time")),
                "last_pull_at": _time(a.get("pull_time")),
                "manifest_media_type": a.get("manifest_media_type"),
                "artifact_media_type": a.get("media_type"),
                "artifact_type": a.get("artifact_type"),  # the manifest's artifactType (Harbor ≥ 2.11)
                "harbor_type": a.get("type"),  # IMAGE, CHART, CNAB …
                "children": [ref["child_digest"] for ref in a.get("references") or [] if ref.get("child_digest")],
            }
            for acc in a.get("accessories") or []:
                if acc.get("digest"):
                    accessories.append({**acc, "project": name, "repository": full, "subject": digest})
        parsed = []
        if options.manifests and artifacts:
            digests = list(tags_by_digest) + [c for e in extra.values() for c in e["children"]]
            digests += [acc["digest"] for acc in accessories]
            parsed = fetch_manifests(r.client, full, digests, known, r.out, "harbor")
        rec = RegistryRepositoryRecord(
            registry=registry,
            project=name,
            repository_name=full,
            created_at=_time(repo.get("creation_time")),
            updated_at=_time(repo.get("update_time")),
            artifact_count=_int(repo.get("artifact_count")),
            pull_count=_int(repo.get("pull_count")),
            tag_count=sum(len(t) for t in tags_by_digest.values()) if artifacts is not None else None,
            description=repo.get("description") or None,
        )
        progress("repo_done", 1)
        return rec, parsed, (name, full, tags_by_digest, extra), accessories

    with ThreadPoolExecutor(max_workers=REPOSITORY_WORKERS, thread_name_prefix="harbor-repo") as pool:
        done = list(pool.map(one_repo, repos))
    return (
        row,
        policies,
        [d[0] for d in done],
        [m for d in done for m in d[1]],
        [d[2] for d in done],
        [acc for d in done for acc in d[3]],
    )


def _accessory(registry: str, a: dict[str, Any], manifests: dict[str, Any]) -> RegistryAccessoryRecord:
    info = manifests.get(a["digest"])
    artifact_type = info.artifact_media_type if info else None
    return RegistryAccessoryRecord(
        registry=registry,
        project=a["project"],
        repository_name=a["repository"],
        subject_digest=a.get("subject_artifact_digest") or a["subject"],
        accessory_digest=a["digest"],
        kind=accessory_kind(a.get("type"), artifact_type),
        harbor_type=a.get("type"),
        artifact_type=artifact_type,
        size_bytes=_int(a.get("size")),
        created_at=_time(a.get("creation_time")),
    )


def _dump(obj: Any) -> str:
    return json.dumps(_without_credential(obj), sort_keys=True)


def _quotas(quotas: list[dict[str, Any]], registry: str) -> list[HarborQuotaRecord]:
    rows = []
    for q in quotas:
        ref = q.get("ref") or {}
        rows.append(
            HarborQuotaRecord(
                registry=registry,
                quota_id=int(q["id"]),
                project_id=_int(ref.get("id")),
                project_name=ref.get("name"),
                hard_storage_bytes=_int((q.get("hard") or {}).get("storage")),
                used_storage_bytes=_int((q.get("used") or {}).get("storage")),
                created_at=_time(q.get("creation_time")),
                updated_at=_time(q.get("update_time")),
            )
        )
    return rows


def _system_policies(r: _Reader, registry: str) -> list[HarborPolicyRecord]:
    rows = []
    for p in r.pages("/replication/policies", "/replication/policies") or []:
        rows.append(
            HarborPolicyRecord(
                registry, "replication", None, None, str(p.get("id")), p.get("name"), p.get("enabled"), _dump(p)
            )
        )
    for s in r.pages("/scanners", "/scanners") or []:
        rows.append(
            HarborPolicyRecord(
                registry, "scanner", None, None, s.get("uuid"), s.get("name"), not s.get("disabled", False), _dump(s)
            )
        )
    return rows


def _endpoints(r: _Reader, registry: str) -> list[HarborRegistryEndpointRecord]:
    return [
        HarborRegistryEndpointRecord(
            registry=registry,
            endpoint_id=int(e["id"]),
            name=redact(e.get("name")),
            type=e.get("type"),
            url=redact(e.get("url")),
            status=e.get("status"),
            insecure=e.get("insecure"),
            credential_type=(e.get("credential") or {}).get("type"),
        )
        for e in r.pages("/registries", "/registries") or []
    ]


def _gc(r: _Reader, registry: str) -> list[HarborGcRecord]:
    rows = []
    for g in r.pages("/system/gc", "/system/gc") or []:
        try:
            params = json.loads(g.get("job_parameters") or "{}")
        except ValueError:
            params = {}
        params = params if isinstance(params, dict) else {}
        rows.append(
            HarborGcRecord(
                registry=registry,
                gc_id=int(g["id"]),
                job_name=g.get("job_name"),
                job_kind=g.get("job_kind"),
                job_status=g.get("job_status"),
                schedule_type=(g.get("schedule") or {}).get("type"),
                created_at=_time(g.get("creation_time")),
                updated_at=_time(g.get("update_time")),
                dry_run=params.get("dry_run"),
                delete_untagged=params.get("delete_untagged"),
                freed_space_bytes=_int(params.get("freed_space")),
                purged_blobs=_int(params.get("purged_blobs")),
                purged_manifests=_int(params.get("purged_manifests")),
                # Harbor ≤ 2.14 puts `redis_url_reg` here: a URL whose user-info is the Redis password.
                job_parameters=json.dumps(redact(params), sort_keys=True),
            )
        )
    return rows
