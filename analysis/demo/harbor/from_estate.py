"""Part of the demo estate as a Harbor holds it, so a report can set ECR and Harbor side by side."""

from __future__ import annotations

from typing import Any

from analysis.collectors.manifests import parse_manifest
from analysis.demo.harbor.projects import FakeArtifact, FakeProject, FakeRepository, FakeUser, HarborData, ts


def harbor_from_estate(estate: Any, *, robot_secret: str, prefix: str = "platform/") -> HarborData:
    """Part of the demo estate as a Harbor holds it: the `platform/*` repositories of the management account's
    home region as project `platform` (same manifests, same digests as in ECR), and the ECR pull-through
    cache repository as a proxy-cache project — so a report can set the two sides side by side."""
    home = (estate.management_account, estate.regions[0])
    by_repo: dict[str, list[Any]] = {}
    for img in estate.images:
        if (img.account_id, img.region) == home and (
            img.repository.startswith(prefix) or "/library/" in img.repository
        ):
            by_repo.setdefault(img.repository, []).append(img)
    pulls: dict[str, int] = {}
    for p in estate.pull_counts:
        if (p.account_id, p.region) == home:
            pulls[p.repository] = pulls.get(p.repository, 0) + p.pulls
    platform = FakeProject(1, prefix.rstrip("/"), quota_hard=-1)
    cache_project = FakeProject(2, "dockerhub-cache", public=True, registry_id=1)
    for name, images in sorted(by_repo.items()):
        artifacts = []
        for img in images:
            m = parse_manifest(img.manifest, img.manifest_media_type, img.digest)
            artifacts.append(
                FakeArtifact(
                    img.digest,
                    img.manifest.encode(),
                    img.manifest_media_type,
                    list(img.tags),
                    img.pushed_at,
                    img.last_pull_at,
                    children=[c.digest for c in m.children],
                    # an OCI 1.1 referrer (a sigstore bundle): Harbor keeps it as a `subject.accessory` of its image
                    subject=img.subject_digest,
                    accessory_type="subject.accessory" if img.subject_digest else None,
                )
            )
        if name.startswith(prefix):
            platform.repositories.append(FakeRepository(name, artifacts, pulls.get(name, 0)))
        else:  # docker-hub/library/nginx → dockerhub-cache/library/nginx
            short = name.split("/", 1)[1]
            cache_project.repositories.append(FakeRepository(f"dockerhub-cache/{short}", artifacts, pulls.get(name, 0)))
    hub = {
        "id": 1,
        "name": "docker-hub",
        "type": "docker-hub",
        "url": "https://hub.docker.com",
        "insecure": False,
        "status": "healthy",
        "description": "",
        "credential": {"type": "basic", "access_key": "", "access_secret": ""},
        "creation_time": ts(estate.now),
        "update_time": ts(estate.now),
    }
    return HarborData(
        projects=[platform, cache_project],
        users={"robot$regcost-demo": FakeUser(robot_secret)},
        registries=[hub],
        garbage_bytes=0,
    )
