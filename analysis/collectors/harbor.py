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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from analysis.collectors.ecr import ManifestCache
from analysis.collectors.harbor_api import (
    API,
    FEATURES,
    PAGE_SIZE,
    HarborAuthError,
    HarborReader,
    accessory_kind,
    dump_json,
    explain,
    harbor_bool,
    harbor_int,
    harbor_time,
    parse_version,
    repo_path,
    supports,
    without_credential,
)
from analysis.collectors.http import HttpClient, HttpError
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

PROJECT_WORKERS = 4
REPOSITORY_WORKERS = 8


@dataclass
class HarborOptions:
    manifests: bool = True
    metrics_url: str | None = None
    page_size: int = PAGE_SIZE


Progress = Callable[[str, int], None]


def _noop(_: str, __: int) -> None:
    return None


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
    r = HarborReader(client, out, options.page_size)
    info = _systeminfo(client, r)
    if info is None:
        out.failed = True
        return out
    version = _record_systeminfo(out, info)
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
    per_repo: list[Artifacts] = []
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


def _systeminfo(client: HttpClient, r: HarborReader) -> dict[str, Any] | None:
    """/systeminfo, the first call: None (the failure recorded) when the URL is not a Harbor that answers; a 401
    raises HarborAuthError."""
    try:
        return client.get(API + "/systeminfo", headers={"Accept": "application/json"}).json()
    except HttpError as exc:
        if exc.status == 401:
            raise HarborAuthError(explain(exc, "/systeminfo", r.username)) from None
        r.fail(exc, "/systeminfo")
    except ValueError:  # answered, but not Harbor's API (a login page, another service on that URL)
        r.out.record(
            ValueError(f"{client.base_url}{API}/systeminfo did not answer JSON: is --url a Harbor?"),
            "harbor:GET /systeminfo",
        )
    return None


def _record_systeminfo(out: RegistryResult, info: dict[str, Any]) -> tuple[int, int, int] | None:
    """Which Harbor answered, what its version supports, and its redacted system info; its parsed version."""
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
    return version


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


Artifacts = tuple[str, str, dict[str, list[str]], dict[str, dict[str, Any]]]  # project, repository, tags, extra


def _project(
    r: HarborReader,
    p: dict[str, Any],
    registry: str,
    known: ManifestCache,
    options: HarborOptions,
    progress: Progress,
    version: tuple[int, int, int] | None = None,
) -> tuple[HarborProjectRecord, list[HarborPolicyRecord], list[RegistryRepositoryRecord], list, list, list]:
    name = p["name"]
    row = _project_row(r, p, registry)
    policies = _project_policies(r, row)
    repos = (
        r.pages(f"/projects/{quote(name, safe='')}/repositories", "/projects/{project_name}/repositories", project=name)
        or []
    )
    progress("repos_found", len(repos))
    # Harbor before 2.5 ignores with_accessory (unknown query parameters are); a version we could not read is asked.
    query = {"with_tag": "true", "with_label": "false", "with_scan_overview": "false"}
    if supports(version, "accessories") is not False:
        query["with_accessory"] = "true"

    def one_repo(repo: dict[str, Any]) -> tuple[RegistryRepositoryRecord, list, Artifacts, list[dict[str, Any]]]:
        return _repository(r, registry, name, repo, query, known, options, progress)

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


def _project_row(r: HarborReader, p: dict[str, Any], registry: str) -> HarborProjectRecord:
    """A project with its metadata, its quota (from its summary) and, for a proxy cache, its upstream."""
    name = p["name"]
    pid = int(p["project_id"])
    meta = p.get("metadata") or {}
    summary = r.one(f"/projects/{pid}/summary", "/projects/{project_name_or_id}/summary", project=name) or {}
    quota = summary.get("quota") or {}
    upstream = summary.get("registry")
    return HarborProjectRecord(
        registry=registry,
        project_id=pid,
        name=name,
        public=harbor_bool(meta.get("public")),
        proxy_registry_id=harbor_int(p.get("registry_id")) or None,
        repo_count=harbor_int(p.get("repo_count")),
        owner_name=p.get("owner_name"),
        created_at=harbor_time(p.get("creation_time")),
        updated_at=harbor_time(p.get("update_time")),
        retention_id=harbor_int(meta.get("retention_id")),
        metadata=json.dumps(redact(meta), sort_keys=True),
        quota_hard_bytes=harbor_int((quota.get("hard") or {}).get("storage")),
        quota_used_bytes=harbor_int((quota.get("used") or {}).get("storage")),
        upstream=json.dumps(without_credential(upstream), sort_keys=True) if upstream else None,
    )


def _project_policies(r: HarborReader, row: HarborProjectRecord) -> list[HarborPolicyRecord]:
    """The project's retention policy and immutable-tag rules."""
    registry, pid, name = row.registry, row.project_id, row.name
    policies: list[HarborPolicyRecord] = []
    if row.retention_id:
        ret = r.one(f"/retentions/{row.retention_id}", "/retentions/{id}", project=name)
        if ret is not None:
            policies.append(
                HarborPolicyRecord(registry, "retention", pid, name, str(row.retention_id), None, None, dump_json(ret))
            )
    immutable = r.pages(
        f"/projects/{pid}/immutabletagrules", "/projects/{project_name_or_id}/immutabletagrules", project=name
    )
    for rule in immutable or []:
        policies.append(
            HarborPolicyRecord(
                registry, "immutable", pid, name, str(rule.get("id")), None, not rule.get("disabled"), dump_json(rule)
            )
        )
    return policies


def _repository(
    r: HarborReader,
    registry: str,
    name: str,
    repo: dict[str, Any],
    query: dict[str, str],
    known: ManifestCache,
    options: HarborOptions,
    progress: Progress,
) -> tuple[RegistryRepositoryRecord, list, Artifacts, list[dict[str, Any]]]:
    """One repository of project `name`: its record, the manifests fetched, its artifacts and their accessories."""
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
        extra[digest] = _artifact_extra(a)
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
        created_at=harbor_time(repo.get("creation_time")),
        updated_at=harbor_time(repo.get("update_time")),
        artifact_count=harbor_int(repo.get("artifact_count")),
        pull_count=harbor_int(repo.get("pull_count")),
        tag_count=sum(len(t) for t in tags_by_digest.values()) if artifacts is not None else None,
        description=repo.get("description") or None,
    )
    progress("repo_done", 1)
    return rec, parsed, (name, full, tags_by_digest, extra), accessories


def _artifact_extra(a: dict[str, Any]) -> dict[str, Any]:
    """What Harbor says of an artifact beyond its tags: size, push and pull times, types, index children."""
    return {
        "size": harbor_int(a.get("size")),
        "pushed_at": harbor_time(a.get("push_time")),
        "last_pull_at": harbor_time(a.get("pull_time")),
        "manifest_media_type": a.get("manifest_media_type"),
        "artifact_media_type": a.get("media_type"),
        "artifact_type": a.get("artifact_type"),  # the manifest's artifactType (Harbor ≥ 2.11)
        "harbor_type": a.get("type"),  # IMAGE, CHART, CNAB …
        "children": [ref["child_digest"] for ref in a.get("references") or [] if ref.get("child_digest")],
    }


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
        size_bytes=harbor_int(a.get("size")),
        created_at=harbor_time(a.get("creation_time")),
    )


def _quotas(quotas: list[dict[str, Any]], registry: str) -> list[HarborQuotaRecord]:
    rows = []
    for q in quotas:
        ref = q.get("ref") or {}
        rows.append(
            HarborQuotaRecord(
                registry=registry,
                quota_id=int(q["id"]),
                project_id=harbor_int(ref.get("id")),
                project_name=ref.get("name"),
                hard_storage_bytes=harbor_int((q.get("hard") or {}).get("storage")),
                used_storage_bytes=harbor_int((q.get("used") or {}).get("storage")),
                created_at=harbor_time(q.get("creation_time")),
                updated_at=harbor_time(q.get("update_time")),
            )
        )
    return rows


def _system_policies(r: HarborReader, registry: str) -> list[HarborPolicyRecord]:
    rows = []
    for p in r.pages("/replication/policies", "/replication/policies") or []:
        rows.append(
            HarborPolicyRecord(
                registry, "replication", None, None, str(p.get("id")), p.get("name"), p.get("enabled"), dump_json(p)
            )
        )
    for s in r.pages("/scanners", "/scanners") or []:
        rows.append(
            HarborPolicyRecord(
                registry,
                "scanner",
                None,
                None,
                s.get("uuid"),
                s.get("name"),
                not s.get("disabled", False),
                dump_json(s),
            )
        )
    return rows


def _endpoints(r: HarborReader, registry: str) -> list[HarborRegistryEndpointRecord]:
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


def _gc(r: HarborReader, registry: str) -> list[HarborGcRecord]:
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
                created_at=harbor_time(g.get("creation_time")),
                updated_at=harbor_time(g.get("update_time")),
                dry_run=params.get("dry_run"),
                delete_untagged=params.get("delete_untagged"),
                freed_space_bytes=harbor_int(params.get("freed_space")),
                purged_blobs=harbor_int(params.get("purged_blobs")),
                purged_manifests=harbor_int(params.get("purged_manifests")),
                # Harbor ≤ 2.14 puts `redis_url_reg` here: a URL whose user-info is the Redis password.
                job_parameters=json.dumps(redact(params), sort_keys=True),
            )
        )
    return rows
