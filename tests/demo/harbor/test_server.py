"""The emulated Harbor: its responses are held to the official swagger, and it behaves as Harbor's code does."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from analysis.collectors.harbor_api import ENDPOINTS
from analysis.demo.estate import generate_estate
from analysis.demo.harbor import SPEC_PATH, FakeHarbor, SpecValidator, SpecViolation, harbor_from_estate, sample_data

AUTH = ("admin", "pw-admin")
ROBOT = ("robot$collector", "pw-robot")


@pytest.fixture(scope="module")
def harbor():
    with FakeHarbor(sample_data(admin_password=AUTH[1], robot_secret=ROBOT[1])) as fake:
        yield fake


def test_a_response_off_the_spec_is_caught(harbor):
    # a repository whose pull_count is a string and whose artifact_count is missing a number
    harbor.corrupt["/projects/{project_name}/repositories"] = [{"name": "platform/x", "pull_count": "many"}]
    try:
        requests.get(f"{harbor.url}/api/v2.0/projects/platform/repositories", auth=AUTH, timeout=5)
    finally:
        harbor.corrupt.clear()
    assert len(harbor.violations) == 1 and "0/pull_count" in harbor.violations[0]
    assert "'many' is not of type 'integer'" in harbor.violations[0]
    harbor.violations.clear()


def test_the_validator_rejects_undeclared_statuses_and_missing_paging_headers():
    v = SpecValidator()
    with pytest.raises(SpecViolation, match="status 403 is not a declared response"):
        v.check("GET", "/statistics", 403, {"errors": []}, {})
    with pytest.raises(SpecViolation, match="X-Total-Count"):
        v.check("GET", "/projects", 200, [], {})
    with pytest.raises(SpecViolation, match="errors"):
        v.check("GET", "/quotas", 403, {"errors": "nope"}, {})
    v.check("GET", "/projects", 200, [{"project_id": 1, "name": "a"}], {"X-Total-Count": "1"})


def test_paging_follows_harbor_link_headers(harbor):
    url = f"{harbor.url}/api/v2.0/projects/platform/repositories/ci%252Fbuilds/artifacts"
    first = requests.get(url, params={"page": 1, "page_size": 100}, auth=AUTH, timeout=5)
    second = requests.get(url, params={"page": 2, "page_size": 100}, auth=AUTH, timeout=5)
    assert first.headers["X-Total-Count"] == "205" and len(first.json()) == 100
    assert first.headers["Link"].endswith('page=2&page_size=100>; rel="next"')
    assert second.headers["Link"].startswith("</api/v2.0/") and " , " in second.headers["Link"]  # prev , next
    assert harbor.violations == []


def test_a_name_encoded_once_is_not_found_as_on_harbor(harbor):
    once = requests.get(
        f"{harbor.url}/api/v2.0/projects/platform/repositories/ci%2Fbuilds/artifacts", auth=AUTH, timeout=5
    )
    assert once.status_code == 404 and "encoded twice" in once.json()["errors"][0]["message"]
    assert harbor.violations == []


def test_statistics_totals_only_for_a_system_administrator(harbor):
    admin = requests.get(f"{harbor.url}/api/v2.0/statistics", auth=AUTH, timeout=5).json()
    robot = requests.get(f"{harbor.url}/api/v2.0/statistics", auth=ROBOT, timeout=5).json()
    assert admin["total_storage_consumption"] == harbor.data.total_storage() > 0
    assert robot["total_storage_consumption"] == 0 and robot["total_project_count"] == 0
    assert requests.get(f"{harbor.url}/api/v2.0/statistics", auth=("admin", "bad"), timeout=5).status_code == 401
    assert harbor.violations == []


def test_only_reads_are_served(harbor):
    assert requests.delete(f"{harbor.url}/api/v2.0/projects/platform", auth=AUTH, timeout=5).status_code == 405
    assert ("DELETE", "/api/v2.0/projects/platform") in harbor.requests


def test_every_collector_endpoint_is_a_get_in_the_spec():
    spec = SpecValidator().spec
    for path in ENDPOINTS:
        assert "get" in spec["paths"][path], path


def test_the_bundled_spec_is_the_official_copy():
    reference = Path("/work/shared/reference/harbor-api-v2.0-swagger.yaml")
    if not reference.exists():
        pytest.skip("the shared reference copy is not on this machine")
    assert SPEC_PATH.read_bytes() == reference.read_bytes()


def test_the_demo_harbor_holds_the_platform_repositories_with_the_ecr_digests():
    estate = generate_estate(seed=3, repositories=40, images=800)
    data = harbor_from_estate(estate, robot_secret="x")
    home = (estate.management_account, estate.regions[0])
    ecr = {
        (i.repository, i.digest)
        for i in estate.images
        if (i.account_id, i.region) == home and i.repository.startswith("platform/")
    }
    platform = next(p for p in data.projects if p.name == "platform")
    harbor_side = {(r.name, a.digest) for r in platform.repositories for a in r.artifacts}
    assert ecr and harbor_side == ecr
    cache = next(p for p in data.projects if p.name == "dockerhub-cache")
    assert cache.registry_id == 1 and cache.repositories
