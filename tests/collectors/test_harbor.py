"""The Harbor collector (analysis/collectors/harbor.py) against the emulated Harbor, whose every API response is
validated against the swagger: what it collects, what a robot account cannot see, errors and secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors.harbor_api import ENDPOINTS
from analysis.collectors.http import Credentials, HttpClient
from analysis.demo.harbor import FakeHarbor, sample_data
from analysis.pipeline.registry import collect_registry
from analysis.warehouse import Warehouse, queries

ADMIN_PASSWORD = "Adm1n-pa55-never-stored-7f3a"
ROBOT_SECRET = "R0bot-s3cret-never-stored-91c2"


@pytest.fixture(scope="module")
def harbor() -> Iterator[FakeHarbor]:
    with FakeHarbor(sample_data(admin_password=ADMIN_PASSWORD, robot_secret=ROBOT_SECRET)) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _clean(harbor: FakeHarbor) -> Iterator[None]:
    harbor.requests.clear()
    harbor.faults.clear()
    harbor.corrupt.clear()
    yield
    assert harbor.violations == [], "a response of the emulated Harbor is off the official spec"
    assert harbor.methods() <= {"GET", "HEAD"}, "the collector must only read"


def _collect(harbor: FakeHarbor, db: Path, user: str = "admin", secret: str = ADMIN_PASSWORD, metrics: bool = True):
    client = HttpClient(harbor.url, Credentials(user, secret))
    with Warehouse(db) as wh:
        return collect_registry(wh, "harbor", client, metrics_url=harbor.metrics_url if metrics else None)


def test_admin_collects_everything_with_paging_double_encoding_and_three_storage_numbers(harbor, tmp_path):
    summary = _collect(harbor, tmp_path / "w.duckdb")
    assert summary.status == "complete", summary.errors
    paths = [p for _, p in harbor.requests]
    # 205 artifacts in one repository: three pages of ≤ 100, followed by Link; the name a/b went in as a%252Fb
    builds = [p for p in paths if "/repositories/ci%252Fbuilds/artifacts" in p]
    assert len(builds) == 3 and all("page_size=100" in p for p in builds)
    assert any("/repositories/team%252Fsvc/artifacts" in p for p in paths)
    # every declared endpoint was really called
    routes = [harbor.validator.route(p.split("?")[0][len("/api/v2.0") :]) for p in paths if p.startswith("/api/")]
    assert set(ENDPOINTS) <= {r[0] for r in routes if r}

    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        [row] = queries.registry_storage(wh)
        projects = {
            r[0]: r[1:] for r in wh.query("SELECT name, proxy_registry_id, upstream FROM current_harbor_projects")
        }
        artifacts = wh.query("SELECT count(*), count(*) FILTER (WHERE is_child) FROM current_registry_artifacts")[0]
        gc = wh.query("SELECT freed_space_bytes FROM current_harbor_gc_runs WHERE NOT dry_run")[0][0]
        kinds = {r[0] for r in wh.query("SELECT kind FROM current_harbor_policies")}
        pulls = dict(wh.query("SELECT repository_name, pull_count FROM current_registry_repositories"))
    assert artifacts == (212, 2)  # the index's two children are untagged but kept by it
    assert projects["dockerhub-cache"][0] == 2 and json.loads(projects["dockerhub-cache"][1])["type"] == "docker-hub"
    assert "access_key" not in projects["dockerhub-cache"][1]
    assert projects["platform"][0] is None
    assert gc == 5 * 2**30 and kinds == {"retention", "immutable", "replication", "scanner"}
    assert pulls["platform/base-python"] == 420

    data = harbor.data
    # three numbers: unique blobs (from the manifests) < Σ quota (shared base layers charged per project) <
    # physical (the blob table still holds 3 GiB deleted since the last GC)
    assert row["unique_blob_bytes"] == data.total_storage() - data.garbage_bytes
    assert row["quota_sum_bytes"] == sum(data.project_usage(p) for p in data.projects)
    assert row["physical_bytes"] == data.total_storage() and row["physical_source"] == "statistics"
    assert row["unique_blob_bytes"] < row["quota_sum_bytes"] < row["physical_bytes"]
    text = " ".join(row["explanation"])
    assert "each of them" in text and "garbage collection" in text


def test_a_second_run_fetches_no_manifest(harbor, tmp_path):
    _collect(harbor, tmp_path / "w.duckdb")
    harbor.requests.clear()
    second = _collect(harbor, tmp_path / "w.duckdb")
    assert second.counts["manifests_fetched"] == 0
    assert not any(p.startswith("/v2/") and "/manifests/" in p for _, p in harbor.requests)


def test_a_robot_gets_no_storage_total_and_falls_back_to_the_exporter(harbor, tmp_path):
    summary = _collect(harbor, tmp_path / "a.duckdb", "robot$collector", ROBOT_SECRET)
    assert summary.status == "complete"
    assert summary.storage == {
        "harbor_version": "v2.15.2-fake",
        "physical_bytes": harbor.data.total_storage(),
        "physical_source": "exporter",
        "physical_note": "/statistics shows the storage total only to a system administrator; read from the "
        "exporter metric",
        "quota_sum_bytes": summary.storage["quota_sum_bytes"],
    }
    without = _collect(harbor, tmp_path / "b.duckdb", "robot$collector", ROBOT_SECRET, metrics=False)
    # no total from Harbor: the blob sums of the manifests stand in, named, and never pass for the blob table
    assert without.storage["physical_source"] == "blob_sum"
    assert without.storage["physical_bytes"] == harbor.data.total_storage() - harbor.data.garbage_bytes
    with Warehouse(tmp_path / "b.duckdb", read_only=True) as wh:
        [row] = queries.registry_storage(wh)
    assert any("--metrics-url" in line and "lower bound" in line for line in row["explanation"])
    assert not any("garbage collection" in line for line in row["explanation"])


def test_403_names_the_permission_and_the_run_goes_on(harbor, tmp_path):
    summary = _collect(harbor, tmp_path / "w.duckdb", "robot$limited", ROBOT_SECRET)
    assert summary.status == "partial"
    by_op = {e.operation: e for e in summary.errors}
    assert set(by_op) == {"harbor:GET /quotas", "harbor:GET /system/gc", "harbor:GET /registries"}
    assert "quota:list" in by_op["harbor:GET /quotas"].message
    assert "garbage-collection:list" in by_op["harbor:GET /system/gc"].message
    assert all(e.error_code == "FORBIDDEN" for e in summary.errors)
    assert summary.counts["images"] == 212  # everything else was collected
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        rows = wh.query("SELECT registry, operation FROM collection_errors WHERE run_id = ?", [summary.run_id])
    assert {r[0] for r in rows} == {harbor.url} and len(rows) == 3


def test_5xx_is_recorded_with_harbors_own_text_per_repository(harbor, tmp_path):
    harbor.faults["/projects/{project_name}/repositories/{repository_name}/artifacts"] = (500, "pq: database is locked")
    summary = _collect(harbor, tmp_path / "w.duckdb")
    assert summary.status == "partial"
    assert {e.repository for e in summary.errors} == {
        "platform/base-python",
        "platform/team/svc",
        "platform/ci/builds",
        "payments/api",
        "dockerhub-cache/library/nginx",
    }
    e = summary.errors[0]
    assert e.error_code == "UNKNOWN" and "Harbor said" in e.message and "pq: database is locked" in e.message
    assert summary.counts["harbor_projects"] == 3


def test_wrong_password_fails_the_run_with_one_clear_line_and_no_secret(harbor, tmp_path, monkeypatch):
    wrong = "Wr0ng-but-still-secret-55aa"
    monkeypatch.setenv("HARBOR_PW", wrong)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(
        app,
        [
            "collect",
            "harbor",
            "--url",
            harbor.url,
            "--username",
            "admin",
            "--password-env",
            "HARBOR_PW",
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == 1
    assert "rejected the credentials of 'admin'" in result.output and "--username" in result.output
    assert wrong not in result.output and "Traceback" not in result.output
    with Warehouse(db, read_only=True) as wh:
        assert wh.query("SELECT status FROM runs")[0][0] == "failed"
        assert wh.query("SELECT count(*) FROM registry_snapshots")[0][0] == 0
    assert wrong.encode() not in db.read_bytes()


def test_secrets_never_reach_the_warehouse_or_the_logs(harbor, tmp_path, monkeypatch, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("HARBOR_PW", ROBOT_SECRET)
    secret_file = tmp_path / "pw"
    secret_file.write_text(ADMIN_PASSWORD + "\n")
    db = tmp_path / "w.duckdb"
    runner = CliRunner()
    # a robot with 403s (error rows) and an admin from a file, one with a failing endpoint (5xx text)
    harbor.faults["/scanners"] = (500, "scanner registry unavailable")
    outputs = [
        runner.invoke(
            app,
            [
                "collect",
                "harbor",
                "--url",
                harbor.url,
                "--username",
                "robot$limited",
                "--password-env",
                "HARBOR_PW",
                "--metrics-url",
                harbor.metrics_url,
                "--db",
                str(db),
            ],
        ),
        runner.invoke(
            app,
            [
                "collect",
                "harbor",
                "--url",
                harbor.url,
                "--username",
                "admin",
                "--password-file",
                str(secret_file),
                "--db",
                str(db),
                "--format",
                "json",
            ],
        ),
        runner.invoke(app, ["status", "--db", str(db), "--format", "json"]),
        runner.invoke(app, ["status", "--db", str(db)]),
    ]
    # both collections are partial on purpose (403s, a 5xx): exit 3, as a scheduler expects; status reads fine
    assert [r.exit_code for r in outputs] == [3, 3, 0, 0], [r.output for r in outputs]
    # a URL carrying credentials is refused without being echoed
    refused = runner.invoke(
        app, ["collect", "harbor", "--url", f"http://admin:{ADMIN_PASSWORD}@127.0.0.1:1", "--db", str(db)]
    )
    assert refused.exit_code == 2 and "must not carry credentials" in refused.output
    outputs.append(refused)

    tokens = {
        h.get("Authorization", "")[7:]
        for h in harbor.logged_headers
        if h.get("Authorization", "").startswith("Bearer ")
    }
    secrets = [ADMIN_PASSWORD, ROBOT_SECRET, *filter(None, tokens)]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("w.duckdb*"))
    assert stored, "the warehouse file was not written"
    logs = caplog.text + "".join(r.output for r in outputs) + "".join(capsys.readouterr())
    for s in secrets:
        assert s.encode() not in stored, "a secret reached the warehouse file"
        assert s not in logs, "a secret reached the output or the logs"
    with Warehouse(db, read_only=True) as wh:
        scopes = [json.loads(r[0]) for r in wh.query("SELECT scope FROM runs")]
    assert all(s["url"] == harbor.url for s in scopes if "url" in s)


def test_insecure_warns_in_one_yellow_line(harbor, tmp_path, monkeypatch):
    monkeypatch.setenv("HARBOR_PW", ADMIN_PASSWORD)
    result = CliRunner().invoke(
        app,
        [
            "collect",
            "harbor",
            "--url",
            harbor.url,
            "--username",
            "admin",
            "--password-env",
            "HARBOR_PW",
            "--insecure",
            "--db",
            str(tmp_path / "w.duckdb"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if "--insecure" in line] == [
        "warning: --insecure: TLS certificates are not verified; the credentials can be intercepted"
    ]


def test_password_sources_are_checked(harbor, tmp_path, monkeypatch):
    monkeypatch.delenv("NOPE", raising=False)
    runner = CliRunner()
    base = ["collect", "harbor", "--url", harbor.url, "--username", "admin", "--db", str(tmp_path / "w.duckdb")]
    missing = runner.invoke(app, [*base, "--password-env", "NOPE"])
    assert missing.exit_code == 2 and "NOPE" in missing.output
    neither = runner.invoke(app, base)
    assert neither.exit_code == 2 and "--password-env" in neither.output


def test_a_partial_harbor_collection_exits_3_for_a_scheduler(harbor, tmp_path, monkeypatch):
    # One endpoint failing for good: the run keeps what it read, says what it did not, and a cron job or a
    # Kubernetes CronJob sees a non-zero status it can alert on (docs/reliability.md: partial = 3).
    harbor.faults["/system/gc"] = (500, "pq: database is locked")
    monkeypatch.setenv("HARBOR_PW", ADMIN_PASSWORD)
    args = ["collect", "harbor", "--url", harbor.url, "--username", "admin", "--password-env", "HARBOR_PW"]
    result = CliRunner().invoke(app, [*args, "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 3, result.output
    assert "partial run" in result.output and "GET /system/gc" in result.output
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        assert wh.query("SELECT status FROM runs")[0][0] == "partial"
