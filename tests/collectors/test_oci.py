"""The OCI collector against a REAL registry: Debian's docker-registry on 127.0.0.1, filled over the OCI API."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from registry_process import Pusher, Registry, digest, start_registry
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors.http import HttpClient, UndeclaredRequest
from analysis.pipeline.registry import collect_registry
from analysis.warehouse import Warehouse, queries

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/docker-registry"), reason="docker-registry not installed")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, dict]]:
    """Images sharing base layers across repositories, a manifest pushed to two repositories, a Docker v2 manifest
    and a multi-arch OCI index whose children are pushed by digest."""
    reg = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        push = Pusher(reg.url)
        base1, base2, app_layer = os.urandom(200_000), os.urandom(50_000), os.urandom(30_000)
        app_v1 = push.image("team/app", "v1", [base1, base2, app_layer])
        push.image("team/app", "v2", [base1, base2, os.urandom(31_000)])
        push.manifest("team/app", "latest", app_v1, "application/vnd.oci.image.manifest.v1+json")
        push.image("team/worker", "v1", [base1, base2, os.urandom(12_000)])
        # the same manifest (same digest) in another repository: its blobs and manifest blob are stored once
        assert push.image("team/app-copy", "mirror", [base1, base2, app_layer]) == app_v1
        amd = push.image("other/svc", None, [base1, os.urandom(9_000)], arch="amd64")
        arm = push.image("other/svc", None, [os.urandom(70_000), os.urandom(8_000)], arch="arm64")
        index = push.index("other/svc", "1.0", [(amd, "amd64"), (arm, "arm64")])
        push.image("solo", "stable", [base2, os.urandom(5_000)], docker=True)
        yield reg, {"index": digest(index), "children": {digest(amd), digest(arm)}, "app_v1": digest(app_v1)}
    finally:
        reg.stop()


def _collect(reg: Registry, db, **kw):
    client = HttpClient(reg.url)
    with Warehouse(db) as wh:
        summary = collect_registry(wh, "oci", client, metrics_url=reg.metrics_url, **kw)
    return summary, client


def test_unique_blob_bytes_equal_the_blob_store_on_disk(registry, tmp_path):
    reg, expect = registry
    summary, _ = _collect(reg, tmp_path / "w.duckdb", page_size=2)  # 2 per catalog/tags page: Link is followed
    assert summary.status == "complete", summary.errors
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        [row] = queries.registry_storage(wh)
        repos = {r[0] for r in wh.query("SELECT repository_name FROM current_registry_repositories")}
        arts = wh.query(
            "SELECT repository_name, image_digest, image_tags, is_child, child_digests FROM current_registry_artifacts"
        )
    assert repos == {"team/app", "team/worker", "team/app-copy", "other/svc", "solo"}
    # The blob store holds one `data` file per distinct digest: every layer, every config blob AND every manifest
    # (distribution writes manifests into the blob store and links them from the repository's _manifests/revisions;
    # the index and its children included). The collector counts exactly that set — layers ∪ configs ∪ manifests of
    # every artifact, each digest once across repositories — so the two sums must match to the byte.
    assert row["unique_blob_bytes"] == reg.blob_store_bytes()
    assert row["artifacts_without_manifest"] == 0
    by_digest = {(r[0], r[1]): r for r in arts}
    index = by_digest[("other/svc", expect["index"])]
    assert index[2] == ["1.0"] and set(index[4]) == expect["children"]
    for child in expect["children"]:
        assert by_digest[("other/svc", child)][3] is True  # untagged, but kept by its index
    assert sorted(by_digest[("team/app", expect["app_v1"])][2]) == ["latest", "v1"]


def test_a_second_run_fetches_no_manifest_and_metrics_are_kept_per_scrape(registry, tmp_path):
    reg, _ = registry
    db = tmp_path / "w.duckdb"
    first, _ = _collect(reg, db)
    second, client = _collect(reg, db)
    assert first.counts["manifests_fetched"] > 0
    assert second.counts["manifests_fetched"] == 0  # content-addressed: known digests are never fetched again
    assert not any(method == "GET" and "/manifests/" in path for method, path in client.calls)
    with Warehouse(db, read_only=True) as wh:
        scrapes = wh.query("SELECT run_id, min(scraped_at) FROM metrics_scrapes GROUP BY run_id ORDER BY run_id")
        requests_total = wh.query(
            "SELECT sum(value) FROM metrics_scrapes WHERE run_id = ? AND name = 'registry_http_requests_total'",
            [second.run_id],
        )[0][0]
        [row] = queries.registry_storage(wh)
    assert [r[0] for r in scrapes] == [first.run_id, second.run_id] and scrapes[0][1] < scrapes[1][1]
    assert requests_total > 0
    assert row["unique_blob_bytes"] == reg.blob_store_bytes()  # sizes of cached manifests still counted


def test_only_get_and_head_are_ever_sent():
    client = HttpClient("http://127.0.0.1:9")
    for method in ("PUT", "POST", "DELETE", "PATCH"):
        with pytest.raises(UndeclaredRequest):
            client.request(method, "/v2/x/manifests/y")
    assert not client.calls


def test_cli_collect_oci_and_status(registry, tmp_path):
    reg, _ = registry
    db = str(tmp_path / "w.duckdb")
    result = CliRunner().invoke(
        app, ["collect", "oci", "--url", reg.url, "--metrics-url", reg.metrics_url, "--db", db, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    status = CliRunner().invoke(app, ["status", "--db", db])
    assert status.exit_code == 0, status.output
    assert reg.url in status.output and "unique blobs" in status.output
