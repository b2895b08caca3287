"""The registry stage runner against the emulated Harbor: one run per registry, stored under its URL without
credentials, a refused login a failed run with the reason, and the summary's storage figures.
(What the Harbor collector reads: tests/collectors/test_harbor.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from analysis.collectors.http import Credentials, HttpClient
from analysis.demo.harbor import FakeHarbor, sample_data
from analysis.pipeline.registry import collect_registry
from analysis.warehouse import Warehouse

PASSWORD = "Pipeline-pa55-never-stored-3b1e"


@pytest.fixture(scope="module")
def harbor() -> Iterator[FakeHarbor]:
    with FakeHarbor(sample_data(admin_password=PASSWORD, robot_secret="R0bot-pipeline-never-stored-55d0")) as fake:
        yield fake


def test_one_run_stored_under_the_url_without_credentials(harbor, tmp_path):
    url = harbor.url.replace("://", "://admin:" + PASSWORD + "@")
    client = HttpClient(url, Credentials("admin", PASSWORD))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_registry(wh, "harbor", client, metrics_url=harbor.metrics_url)
        runs = wh.query("SELECT source, status, scope FROM runs")
        stored = wh.query("SELECT count(*) FROM registry_artifacts")[0][0]
        repositories = wh.query("SELECT count(*) FROM registry_repositories")[0][0]
    assert summary.status == "complete", summary.errors
    assert summary.registry == harbor.url.rstrip("/")
    ((source, status, scope),) = runs
    assert (source, status) == ("harbor", "complete")
    assert json.loads(scope)["url"] == summary.registry
    assert PASSWORD not in scope
    assert summary.counts["images"] == stored > 0  # the summary counts what was stored
    assert summary.counts["repositories"] == repositories
    assert summary.storage["harbor_version"]
    assert summary.as_dict()["errors"] == []


def test_a_refused_login_is_a_failed_run_with_the_reason(harbor, tmp_path):
    client = HttpClient(harbor.url, Credentials("admin", "wrong-password"))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_registry(wh, "harbor", client)
        runs = wh.query("SELECT source, status FROM runs")
    assert summary.status == "failed"
    assert runs == [("harbor", "failed")]
    assert summary.counts == {"registries_failed": 1}
    (error,) = summary.as_dict()["errors"]
    assert error["error_code"] == "UNAUTHORIZED"
    assert "wrong-password" not in json.dumps(summary.as_dict())
