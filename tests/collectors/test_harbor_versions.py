"""Harbor 2.0, 2.2 and a current version's response shapes, served by the spec-validated emulated Harbor: each
collects, says which version it talked to, and records what that version cannot tell as unknown (never 0)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors.harbor_api import accessory_kind, parse_version, supports
from analysis.collectors.http import Credentials, HttpClient
from analysis.demo.harbor import FakeHarbor, sample_data
from analysis.pipeline.registry import collect_registry
from analysis.warehouse import Warehouse, queries
from analysis.warehouse.supply_chain import supply_chain_artifacts

ADMIN = "Adm1n-versions-never-stored-4b1d"
ROBOT = "R0bot-versions-never-stored-8e0a"


@pytest.fixture(params=["v2.0.0-a3eca103", "v2.2.3-0c23ec60", "v2.15.2-fake"])
def harbor(request) -> Iterator[FakeHarbor]:
    data = sample_data(admin_password=ADMIN, robot_secret=ROBOT, big_repository_artifacts=5)
    data.version = request.param
    with FakeHarbor(data) as fake:
        yield fake
    assert fake.violations == [], "a response of the emulated Harbor is off the official spec"
    assert fake.methods() <= {"GET", "HEAD"}


def _collect(harbor: FakeHarbor, db, metrics: bool = True):
    with Warehouse(db) as wh:
        client = HttpClient(harbor.url, Credentials("admin", ADMIN))
        return collect_registry(wh, "harbor", client, metrics_url=harbor.metrics_url if metrics else None)


def test_every_version_collects_and_says_which_it_was(harbor, tmp_path):
    db = tmp_path / "w.duckdb"
    summary = _collect(harbor, db)
    assert summary.status == "complete", summary.errors
    assert summary.storage["harbor_version"] == harbor.data.version
    data = harbor.data
    with Warehouse(db, read_only=True) as wh:
        [row] = queries.registry_storage(wh)
        types = wh.query("SELECT DISTINCT harbor_type, artifact_type IS NULL FROM current_registry_artifacts")
        supply = supply_chain_artifacts(wh)
    assert row["version"] == data.version
    assert any(line == f"talked to Harbor {data.version}" for line in row["explanation"])
    current = parse_version(data.version) >= (2, 11, 0)
    # Harbor's class is its own column; artifact_type holds the manifest's media type where Harbor gives one
    assert {t for t, _ in types} == {"IMAGE"}
    assert {missing for _, missing in types} == ({False, True} if current else {True})  # an index has none
    if current:
        # the statistics total: exactly the blob table, deleted-but-not-collected bytes included
        assert (row["physical_bytes"], row["physical_source"]) == (data.total_storage(), "statistics")
        # the signed image's signature and SBOM: listed under their subject, and their blobs in unique bytes
        assert [(r["kind"], r["count"], r["subjects"]) for r in supply] == [("signature", 1, 1), ("sbom", 1, 1)]
        assert row["unique_blob_bytes"] == data.total_storage() - data.garbage_bytes
        assert row["accessories"] == 2
    else:
        # no storage total before 2.3, no such exporter metric before 2.12: unknown, the blob sums stand in, named
        assert row["physical_source"] == "blob_sum"
        assert row["physical_bytes"] == row["unique_blob_bytes"] == data.total_storage() - data.garbage_bytes
        [line] = [x for x in row["explanation"] if x.startswith("physical bytes unknown")]
        assert f"Harbor {data.version} has no storage total" in line and "v2.3.0" in line and "lower bound" in line
        # before 2.5 a signature is an untagged artifact of its own, not an accessory
        assert supply == [] and row["artifacts"] == 12 + 2


def test_older_harbor_is_not_asked_for_accessories(harbor, tmp_path):
    _collect(harbor, tmp_path / "w.duckdb", metrics=False)
    asked = any("with_accessory=true" in p for _, p in harbor.requests)
    assert asked == (supports(parse_version(harbor.data.version), "accessories") is True)


def test_without_total_exporter_or_manifests_physical_bytes_stay_unknown(tmp_path):
    data = sample_data(admin_password=ADMIN, robot_secret=ROBOT, big_repository_artifacts=5)
    data.version = "v2.2.3-0c23ec60"  # no storage total in /statistics, and no exporter scraped
    db = tmp_path / "w.duckdb"
    with FakeHarbor(data) as fake, Warehouse(db) as wh:
        client = HttpClient(fake.url, Credentials("admin", ADMIN))
        summary = collect_registry(wh, "harbor", client, manifests=False)
    assert summary.storage["physical_bytes"] is None
    with Warehouse(db, read_only=True) as wh:
        [row] = queries.registry_storage(wh)
    lines = row["explanation"]
    # no manifest at all: unique bytes are unknown, and no gap is blamed on sharing or GC
    assert any(x.startswith("unique blob bytes unknown") for x in lines)
    assert not any("shared by several projects" in x or "garbage collection" in x for x in lines)
    assert any("physical bytes stay unknown" in x for x in lines)


@pytest.mark.parametrize(
    ("harbor_type", "artifact_type", "kind"),
    [
        ("signature.cosign", None, "signature"),
        ("signature.notation", "application/vnd.cncf.notary.signature", "signature"),
        ("harbor.sbom", None, "sbom"),
        ("subject.accessory", "application/spdx+json", "sbom"),
        ("subject.accessory", "application/vnd.cyclonedx+json", "sbom"),
        ("subject.accessory", "application/vnd.in-toto+json", "attestation"),
        ("subject.accessory", "application/vnd.dev.sigstore.bundle.v0.3+json", "signature"),
        ("accelerator.nydus", None, "other"),
    ],
)
def test_accessory_kinds(harbor_type, artifact_type, kind):
    assert accessory_kind(harbor_type, artifact_type) == kind


def test_the_signed_image_shows_in_status_and_the_plan(tmp_path):
    data = sample_data(admin_password=ADMIN, robot_secret=ROBOT, big_repository_artifacts=5)
    db = tmp_path / "w.duckdb"
    with FakeHarbor(data) as fake:
        _collect(fake, db)
    runner = CliRunner()
    status = runner.invoke(app, ["status", "--db", str(db)], terminal_width=200)
    assert status.exit_code == 0, status.output
    assert "Supply-chain artifacts" in status.output
    rows = [line for line in status.output.splitlines() if "harbor" in line and ("signature" in line or "sbom" in line)]
    assert len(rows) == 2, status.output
    # a registry of a few hundred MB reads in MiB, not "0.0 GiB"
    assert "MiB" in status.output and " 0.0 GiB" not in status.output
    as_json = json.loads(runner.invoke(app, ["status", "--db", str(db), "--format", "json"]).output)
    kinds = {(r["source"], r["kind"]): r for r in as_json["supply_chain_artifacts"]}
    assert set(kinds) == {("harbor", "signature"), ("harbor", "sbom")}
    sbom = kinds[("harbor", "sbom")]
    # the SBOM's own size: manifest + empty config (2 B) + its 48,000-byte SPDX layer
    assert 48_002 < sbom["bytes"] < 48_002 + 1_000

    plan = runner.invoke(app, ["plan", "--db", str(db), "-o", str(tmp_path / "plan"), "--format", "json"])
    assert plan.exit_code == 0, plan.output
    doc = json.loads(plan.output)
    assert {r["kind"] for r in doc["supply_chain_artifacts"]} == {"signature", "sbom"}
    [finding] = [f for f in doc["findings"] if f["feature"] == "supply-chain-artifacts"]
    assert finding["count"] == 2 and "1 signature" in finding["evidence"] and "1 sbom" in finding["evidence"]


def test_a_warehouse_written_before_moves_harbors_type_out_of_artifact_type(tmp_path):
    import duckdb

    from analysis.warehouse.schema import MIGRATIONS

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
    )
    for version, description, sql in [m for m in MIGRATIONS if m[0] <= 6]:  # before the accessories migration
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, description])
    con.execute(
        "INSERT INTO registry_artifacts (run_id, registry, repository_name, image_digest, artifact_type) "
        "VALUES (1, 'https://h', 'p/a', 'sha256:a', 'IMAGE'), (1, 'https://h', 'p/b', 'sha256:b', NULL)"
    )
    con.close()
    with Warehouse(db) as wh:
        rows = wh.query("SELECT image_digest, harbor_type, artifact_type FROM registry_artifacts ORDER BY 1")
        assert wh.query("SELECT count(*) FROM registry_accessories")[0][0] == 0
    assert rows == [("sha256:a", "IMAGE", None), ("sha256:b", None, None)]
