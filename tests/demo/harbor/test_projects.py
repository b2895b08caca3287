"""What the emulated Harbor holds: storage per project charged as Harbor charges it."""

from __future__ import annotations

from analysis.demo.harbor import sample_data


def test_a_blob_shared_by_projects_is_charged_to_each_but_stored_once() -> None:
    data = sample_data(admin_password="a", robot_secret="r")
    charged = sum(data.project_usage(p) for p in data.projects)
    stored = data.total_storage() - data.garbage_bytes
    # The two base layers (30,000,000 + 12,000,000 bytes) sit in platform, payments and dockerhub-cache:
    # charged three times, stored once → 2 × 42,000,000 = 84,000,000 bytes more charged than stored.
    assert charged - stored == 84_000_000
    assert data.garbage_bytes == 3 * 2**30  # deleted, awaiting GC: in the blob table, in no quota


def test_an_index_is_as_big_as_its_manifest_and_its_platform_images() -> None:
    data = sample_data(admin_password="a", robot_secret="r")
    repo = next(r for p in data.projects for r in p.repositories if r.name == "platform/team/svc")
    index, amd, arm = repo.artifacts
    assert index.children == [amd.digest, arm.digest]
    assert data.artifact_size(repo, index) == (
        len(index.manifest) + data.artifact_size(repo, amd) + data.artifact_size(repo, arm)
    )
    assert data.manifest("platform/team/svc", amd.digest) is amd
    assert data.manifest("platform/team/svc", "sha256:" + "0" * 64) is None
