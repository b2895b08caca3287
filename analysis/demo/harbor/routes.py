"""The API routes: each `/api/v2.0` template and the JSON Harbor answers it with, from the data it holds
(permissions and totals as Harbor's handlers compute them, harbor-facts.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from analysis.collectors.manifests import parse_manifest
from analysis.demo.harbor.projects import FakeArtifact, FakeProject, FakeRepository, FakeUser, HarborData, ts


@dataclass
class Page:
    items: list[Any]


def _project(data: HarborData, key: str) -> FakeProject:
    key = unquote(key)
    for p in data.projects:
        if str(p.project_id) == key or p.name == key:
            return p
    raise KeyError(f"project {key}")


def _repository(data: HarborData, params: dict[str, str]) -> tuple[FakeProject, FakeRepository]:
    project = _project(data, params["project_name"])
    raw = params["repository_name"]
    if re.search(r"%2f", raw, re.IGNORECASE) and not re.search(r"%252f", raw, re.IGNORECASE):
        # encoded once: Harbor's router decodes %2F into a path separator and finds no such route
        raise KeyError(f"repository {raw} (a name with / must be URL-encoded twice)")
    name = f"{project.name}/{unquote(unquote(raw))}"
    for r in project.repositories:
        if r.name == name:
            return project, r
    raise KeyError(f"repository {name}")


def _project_json(data: HarborData, p: FakeProject) -> dict[str, Any]:
    meta: dict[str, str] = {"public": str(p.public).lower(), "auto_scan": "false"}
    if p.retention is not None:
        meta["retention_id"] = str(p.retention["id"])
    out = {
        "project_id": p.project_id,
        "name": p.name,
        "owner_id": 1,
        "owner_name": "admin",
        "repo_count": len(p.repositories),
        "creation_time": ts(datetime(2025, 1, 1, tzinfo=UTC)),
        "update_time": ts(datetime(2025, 6, 1, tzinfo=UTC)),
        "deleted": False,
        "togglable": True,
        "current_user_role_ids": [1],
        "metadata": meta,
        "cve_allowlist": {"id": 0, "project_id": p.project_id, "items": []},
    }
    if p.registry_id:
        out["registry_id"] = p.registry_id
    return out


def _r_projects(data: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> Page:
    return Page([_project_json(data, p) for p in data.projects])


def _r_summary(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    p = _project(data, params["project_name_or_id"])
    out: dict[str, Any] = {
        "repo_count": len(p.repositories),
        "project_admin_count": 1,
        "maintainer_count": 0,
        "developer_count": 2,
        "guest_count": 0,
        "limited_guest_count": 0,
        "quota": {"hard": {"storage": p.quota_hard}, "used": {"storage": data.project_usage(p)}},
    }
    if p.registry_id:
        out["registry"] = next(r for r in data.registries if r["id"] == p.registry_id)
    return out


def _r_quotas(data: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> Page:
    return Page(
        [
            {
                "id": 100 + p.project_id,
                "ref": {"id": p.project_id, "name": p.name, "owner_name": "admin"},
                "hard": {"storage": p.quota_hard},
                "used": {"storage": data.project_usage(p)},
                "creation_time": ts(datetime(2025, 1, 1, tzinfo=UTC)),
                "update_time": ts(datetime(2025, 6, 1, tzinfo=UTC)),
            }
            for p in data.projects
        ]
    )


def _r_repositories(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> Page:
    p = _project(data, params["project_name"])
    return Page(
        [
            {
                "id": 1000 * p.project_id + i,
                "project_id": p.project_id,
                "name": r.name,
                "description": "",
                "artifact_count": len(r.artifacts),
                "pull_count": r.pull_count,
                "creation_time": ts(r.created_at),
                "update_time": ts(max((a.pushed_at for a in r.artifacts), default=r.created_at)),
            }
            for i, r in enumerate(p.repositories)
        ]
    )


def _accessory_json(data: HarborData, r: FakeRepository, acc: FakeArtifact) -> dict[str, Any]:
    subject = data.artifact_id(r.name, acc.subject or "")
    return {
        "id": 5000 + data.artifact_id(r.name, acc.digest),
        "artifact_id": data.artifact_id(r.name, acc.digest),
        "subject_artifact_id": subject,
        "subject_artifact_digest": acc.subject,
        "subject_artifact_repo": r.name,
        "size": data.artifact_size(r, acc),
        "digest": acc.digest,
        "type": acc.accessory_type,
        "icon": "",
        "creation_time": ts(acc.pushed_at),
    }


def _r_accessories(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> Page:
    _p, r = _repository(data, params)
    ref = unquote(params["reference"])
    return Page([_accessory_json(data, r, a) for a in r.artifacts if a.subject == ref])


def _r_artifacts(data: HarborData, params: dict, query: dict, _u: FakeUser | None) -> Page:
    p, r = _repository(data, params)
    items = []
    # Accessories are not listed on their own (Harbor: accessory.Display() is false for cosign, notation, SBOMs).
    listed = [a for a in r.artifacts if a.subject is None or not data.has("accessories")]
    for a in sorted(listed, key=lambda x: x.pushed_at, reverse=True):
        aid = data.artifact_id(r.name, a.digest)
        m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
        item: dict[str, Any] = {
            "id": aid,
            "type": "IMAGE",
            "media_type": "application/vnd.oci.image.index.v1+json"
            if a.children
            else (m.artifact_type or "application/vnd.oci.image.config.v1+json"),
            "manifest_media_type": a.media_type,
            "project_id": p.project_id,
            "repository_id": 1,
            "repository_name": r.name,
            "digest": a.digest,
            "size": data.artifact_size(r, a),
            "push_time": ts(a.pushed_at),
            "pull_time": ts(a.pulled_at),
            "extra_attrs": {},
            "annotations": {},
            "references": [
                {
                    "parent_id": aid,
                    "child_id": data.artifact_id(r.name, c),
                    "child_digest": c,
                    "platform": {"os": "linux", "architecture": "amd64" if i == 0 else "arm64"},
                }
                for i, c in enumerate(a.children)
            ],
            "labels": [],
        }
        if data.has("artifact_type") and not a.children:
            item["artifact_type"] = m.artifact_type or "application/vnd.oci.image.config.v1+json"
        if data.has("accessories") and query.get("with_accessory") == "true":
            item["accessories"] = [_accessory_json(data, r, x) for x in r.artifacts if x.subject == a.digest]
        if query.get("with_tag", "true") == "true":
            item["tags"] = [
                {
                    "id": aid * 100 + i,
                    "repository_id": 1,
                    "artifact_id": aid,
                    "name": t,
                    "push_time": ts(a.pushed_at),
                    "pull_time": ts(a.pulled_at),
                    "immutable": False,
                }
                for i, t in enumerate(a.tags)
            ]
        items.append(item)
    return Page(items)


def _r_retention(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    for p in data.projects:
        if p.retention is not None and str(p.retention["id"]) == params["id"]:
            return p.retention
    raise KeyError(f"retention {params['id']}")


def _r_immutable(data: HarborData, params: dict, _q: dict, _u: FakeUser | None) -> Page:
    return Page(_project(data, params["project_name_or_id"]).immutable_rules)


def _r_statistics(data: HarborData, _p: dict, _q: dict, user: FakeUser | None) -> dict[str, Any]:
    public = [p for p in data.projects if p.public]
    out = {
        "private_project_count": len(data.projects) - len(public),
        "private_repo_count": sum(len(p.repositories) for p in data.projects if not p.public),
        "public_project_count": len(public),
        "public_repo_count": sum(len(p.repositories) for p in public),
        # Filled only for a system administrator; others get zeros, not an omission (handler/statistic.go).
        "total_project_count": 0,
        "total_repo_count": 0,
        "total_storage_consumption": 0,
    }
    if user is not None and user.sysadmin:
        out["total_project_count"] = len(data.projects)
        out["total_repo_count"] = sum(len(p.repositories) for p in data.projects)
        out["total_storage_consumption"] = data.total_storage()
    if not data.has("storage_total"):
        del out["total_storage_consumption"]  # before v2.3 the field does not exist (goharbor/harbor#14772)
    return out


def _r_systeminfo(data: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    return {
        "harbor_version": data.version,
        "registry_storage_provider_name": "filesystem",
        "external_url": "https://harbor.example.internal",
        "registry_url": "harbor.example.internal",
        "auth_mode": "db_auth",
        "read_only": False,
        "self_registration": False,
        "has_ca_root": False,
        "notification_enable": True,
        "project_creation_restriction": "adminonly",
        "current_time": ts(datetime.now(UTC)),
    }


def _r_health(_d: HarborData, _p: dict, _q: dict, _u: FakeUser | None) -> dict[str, Any]:
    names = ("core", "database", "jobservice", "portal", "redis", "registry", "registryctl")
    return {"status": "healthy", "components": [{"name": n, "status": "healthy"} for n in names]}


ROUTES = {
    "/systeminfo": _r_systeminfo,
    "/health": _r_health,
    "/statistics": _r_statistics,
    "/projects": _r_projects,
    "/projects/{project_name_or_id}/summary": _r_summary,
    "/quotas": _r_quotas,
    "/projects/{project_name}/repositories": _r_repositories,
    "/projects/{project_name}/repositories/{repository_name}/artifacts": _r_artifacts,
    "/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/accessories": _r_accessories,
    "/retentions/{id}": _r_retention,
    "/projects/{project_name_or_id}/immutabletagrules": _r_immutable,
    "/replication/policies": lambda d, *_: Page(d.replication_policies),
    "/registries": lambda d, *_: Page(d.registries),
    "/system/gc": lambda d, *_: Page(d.gc_history),
    "/scanners": lambda d, *_: Page(d.scanners),
}
