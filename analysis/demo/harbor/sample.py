"""A small hand-made Harbor for tests: shared base layers across projects, an index, a proxy-cache project,
accessories, robots and quotas."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.demo.harbor.artifacts import (
    OCI_INDEX,
    OCI_MANIFEST,
    blob,
    image_manifest,
    index_manifest,
    signed_with_sbom,
)
from analysis.demo.harbor.projects import FakeArtifact, FakeProject, FakeRepository, FakeUser, HarborData, sha, ts

_T0 = datetime(2026, 3, 1, tzinfo=UTC)
_BASE = [(blob("base-os"), 30_000_000), (blob("base-runtime"), 12_000_000)]


def sample_data(*, admin_password: str, robot_secret: str, big_repository_artifacts: int = 205) -> HarborData:
    """A small Harbor for tests: shared base layers across projects, an index, a proxy-cache project, a
    repository with enough artifacts for three pages, policies, GC history, scanners and replication."""
    ecr, hub = _registries()
    return HarborData(
        projects=_projects(big_repository_artifacts),
        users={
            "admin": FakeUser(admin_password, sysadmin=True),
            "robot$collector": FakeUser(robot_secret),
            "robot$limited": FakeUser(robot_secret, forbidden={"/quotas", "/system/gc", "/registries"}),
        },
        registries=[ecr, hub],
        replication_policies=_replication_policies(ecr),
        gc_history=_gc_history(),
        scanners=_scanners(),
        garbage_bytes=3 * 2**30,  # deleted since the last GC: in the blob table until the next one
    )


def _img(app: str, size: int, tags: list[str], day: int, pulled: int | None = None) -> FakeArtifact:
    """An image on the shared base layers, pushed `day` days after t0 and last pulled `pulled` days after."""
    t0, base = _T0, _BASE
    body = image_manifest([*base, (blob(app), size)], (blob("cfg-" + app), 1_500))
    return FakeArtifact(
        sha(body),
        body,
        OCI_MANIFEST,
        tags,
        t0 + timedelta(days=day),
        t0 + timedelta(days=pulled) if pulled is not None else None,
    )


def _multi_arch_release() -> list[FakeArtifact]:
    """An amd64/arm64 index (tagged 1.0 and latest) followed by its two untagged children."""
    t0, base = _T0, _BASE
    amd = image_manifest([*base, (blob("svc-amd64"), 4_000_000)], (blob("cfg-svc-amd64"), 900))
    arm = image_manifest(
        [(blob("base-os-arm"), 28_000_000), (blob("svc-arm64"), 3_900_000)], (blob("cfg-svc-arm"), 900)
    )
    idx = index_manifest([amd, arm])
    index = FakeArtifact(
        sha(idx),
        idx,
        OCI_INDEX,
        ["1.0", "latest"],
        t0 + timedelta(days=20),
        t0 + timedelta(days=40),
        children=[sha(amd), sha(arm)],
    )
    children = [FakeArtifact(sha(b), b, OCI_MANIFEST, [], t0 + timedelta(days=20)) for b in (amd, arm)]
    return [index, *children]


def _projects(big_repository_artifacts: int) -> list[FakeProject]:
    """platform (a base image, the multi-arch release, a CI repository of many builds), payments (a signed image
    with an SBOM) and dockerhub-cache (a proxy-cache project)."""
    t0, img = _T0, _img
    pay = img("pay", 20_000_000, ["v1"], 30, 59)
    many = [
        img(f"build-{i}", 100_000 + i, [f"b{i}"], i % 60, (i % 60) + 1 if i % 3 == 0 else None)
        for i in range(big_repository_artifacts)
    ]
    retention, immutable = _tag_rules()
    projects = [
        FakeProject(
            1,
            "platform",
            [
                FakeRepository(
                    "platform/base-python",
                    [img("py", 8_000_000, ["3.12", "latest"], 1, 50), img("py-old", 7_900_000, [], 0)],
                    pull_count=420,
                ),
                FakeRepository("platform/team/svc", _multi_arch_release(), pull_count=77),
                FakeRepository("platform/ci/builds", many, pull_count=1_000),
            ],
            retention=retention,
            immutable_rules=immutable,
            quota_hard=500 * 2**30,
        ),
        FakeProject(
            2,
            "payments",
            # a signed image with an SBOM: two accessories Harbor lists under it, stored and charged like any blob
            [FakeRepository("payments/api", [pay, *signed_with_sbom(pay, t0 + timedelta(days=30))], pull_count=3)],
            public=False,
        ),
        FakeProject(
            3,
            "dockerhub-cache",
            [
                FakeRepository(
                    "dockerhub-cache/library/nginx", [img("nginx", 41_000_000, ["1.27"], 45, 60)], pull_count=900
                )
            ],
            public=True,
            registry_id=2,
        ),
    ]
    return projects


def _tag_rules() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The platform project's retention policy (keep everything pushed) and immutable-tag rule (v*)."""
    retention = {
        "id": 7,
        "algorithm": "or",
        "rules": [
            {
                "id": 1,
                "priority": 1,
                "disabled": False,
                "action": "retain",
                "template": "latestPushedK",
                "params": {"latestPushedK": {}},
                "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                "scope_selectors": {
                    "repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]
                },
            }
        ],
        "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 2 * * *"}},
        "scope": {"level": "project", "ref": 1},
    }
    immutable = [
        {
            "id": 3,
            "priority": 0,
            "disabled": False,
            "action": "immutable",
            "template": "immutable_template",
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
        }
    ]
    return retention, immutable


def _registries() -> tuple[dict[str, Any], dict[str, Any]]:
    """The registry endpoints: ECR (replication source) and Docker Hub (the proxy cache's upstream)."""
    t0 = _T0
    ecr = {
        "id": 1,
        "name": "ecr-prod",
        "type": "aws-ecr",
        "url": "https://api.ecr.eu-west-1.amazonaws.com",
        "insecure": False,
        "status": "healthy",
        "description": "",
        "credential": {"type": "basic", "access_key": "AKIAFAKEFAKEFAKE", "access_secret": "*****"},
        "creation_time": ts(t0),
        "update_time": ts(t0),
    }
    hub = {
        **ecr,
        "id": 2,
        "name": "docker-hub",
        "type": "docker-hub",
        "url": "https://hub.docker.com",
        "credential": {"type": "basic", "access_key": "", "access_secret": ""},
    }
    return ecr, hub


def _replication_policies(ecr: dict[str, Any]) -> list[dict[str, Any]]:
    t0 = _T0
    return [
        {
            "id": 1,
            "name": "pull-from-ecr",
            "description": "",
            "src_registry": ecr,
            "dest_namespace": "platform",
            "trigger": {"type": "scheduled", "trigger_settings": {"cron": "0 0 * * * *"}},
            "filters": [{"type": "name", "value": "platform/**"}],
            "replicate_deletion": False,
            "override": True,
            "enabled": True,
            "speed": -1,
            "creation_time": ts(t0),
            "update_time": ts(t0),
        }
    ]


def _gc_history() -> list[dict[str, Any]]:
    """A weekly GC that freed 5 GiB, and a manual dry run."""
    t0 = _T0
    return [
        {
            "id": 11,
            "job_name": "GARBAGE_COLLECTION",
            "job_kind": "SCHEDULE",
            "job_status": "Success",
            "job_parameters": json.dumps(
                {
                    "delete_untagged": True,
                    "dry_run": False,
                    "workers": 1,
                    "time_window": 2,
                    "freed_space": 5_368_709_120,
                    "purged_blobs": 812,
                    "purged_manifests": 97,
                }
            ),
            "schedule": {"type": "Weekly", "cron": "0 0 0 * * 6"},
            "deleted": False,
            "creation_time": ts(t0 + timedelta(days=55)),
            "update_time": ts(t0 + timedelta(days=55, hours=2)),
        },
        {
            "id": 12,
            "job_name": "GARBAGE_COLLECTION",
            "job_kind": "MANUAL",
            "job_status": "Success",
            "job_parameters": json.dumps(
                {"delete_untagged": False, "dry_run": True, "workers": 1, "freed_space": 1_000_000}
            ),
            "schedule": {"type": "Manual"},
            "deleted": False,
            "creation_time": ts(t0 + timedelta(days=58)),
            "update_time": ts(t0 + timedelta(days=58)),
        },
    ]


def _scanners() -> list[dict[str, Any]]:
    return [
        {
            "uuid": "trivy-1",
            "name": "Trivy",
            "description": "",
            "url": "http://trivy-adapter:8080",
            "disabled": False,
            "is_default": True,
            "auth": "",
            "access_credential": "",
            "skip_certVerify": False,
            "use_internal_addr": True,
            "adapter": "Trivy",
            "vendor": "Aqua Security",
            "version": "v0.38.0",
            "health": "healthy",
        }
    ]
