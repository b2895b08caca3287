"""The emulated Harbor's API routes, as a client sees them over HTTP: paging, permissions, statistics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from analysis.demo.harbor import FakeHarbor, sample_data

ADMIN = ("admin", "pw-admin")
ROBOT = ("robot$collector", "pw-robot")
LIMITED = ("robot$limited", "pw-robot")


@pytest.fixture(scope="module")
def harbor() -> Iterator[FakeHarbor]:
    with FakeHarbor(sample_data(admin_password=ADMIN[1], robot_secret=ROBOT[1])) as fake:
        yield fake
        assert fake.violations == []


def _get(harbor: FakeHarbor, path: str, auth: tuple[str, str], **params: object) -> requests.Response:
    return requests.get(f"{harbor.url}/api/v2.0{path}", params=params, auth=auth, timeout=5)


def test_the_last_page_links_back_only(harbor: FakeHarbor) -> None:
    # 205 artifacts in platform/ci/builds at 100 a page: page 3 holds 5 and has only a prev link
    last = _get(harbor, "/projects/platform/repositories/ci%252Fbuilds/artifacts", ADMIN, page=3, page_size=100)
    assert last.headers["X-Total-Count"] == "205" and len(last.json()) == 5
    assert last.headers["Link"].endswith('page=2&page_size=100>; rel="prev"') and "next" not in last.headers["Link"]


def test_projects_page_by_ten_by_default(harbor: FakeHarbor) -> None:
    r = _get(harbor, "/projects", ADMIN)
    assert r.headers["X-Total-Count"] == "3" and "Link" not in r.headers
    assert [p["name"] for p in r.json()] == ["platform", "payments", "dockerhub-cache"]


def test_statistics_count_repositories_by_visibility(harbor: FakeHarbor) -> None:
    # totals for an administrator only: tested in test_fake_harbor.py
    robot = _get(harbor, "/statistics", ROBOT).json()
    admin = _get(harbor, "/statistics", ADMIN).json()
    # private: platform (3 repositories) and payments (1); public: dockerhub-cache (1)
    assert (admin["private_project_count"], admin["private_repo_count"]) == (2, 4)
    assert (robot["public_project_count"], robot["public_repo_count"]) == (1, 1)
    assert admin["total_repo_count"] == 5


def test_a_forbidden_route_and_an_unknown_project_answer_as_harbor_does(harbor: FakeHarbor) -> None:
    assert _get(harbor, "/quotas", LIMITED).status_code == 403
    assert _get(harbor, "/quotas", ROBOT).status_code == 200
    missing = _get(harbor, "/projects/nope/summary", ADMIN)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NOT_FOUND"
    assert _get(harbor, "/projects", ("admin", "wrong")).status_code == 401
