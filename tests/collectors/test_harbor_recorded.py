"""Real Harbor responses (tests/fixtures/harbor/README.md says from where): consistent with the official swagger,
and collected as recorded — byte counts exactly as the capture, what was not captured recorded as unknown."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from analysis.collectors.http import Credentials, HttpClient
from analysis.demo.harbor import FakeHarbor, SpecValidator, sample_data
from analysis.pipeline.registry import collect_registry
from analysis.warehouse import Warehouse, queries

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "harbor"
V213 = FIXTURES / "v2.13.1"
V21 = FIXTURES / "v2.1.0"
REPO = "/projects/casoul/repositories/postgrest%252Fpostgrest"

# swagger template → recorded file (a list answer's paging headers are added as Harbor sends them)
RECORDED: dict[str, tuple[str, Path]] = {
    "/systeminfo": ("/systeminfo", V213 / "systeminfo.json"),
    "/statistics": ("/statistics", V213 / "statistics.json"),
    "/projects": ("/projects", V213 / "projects.json"),
    "/projects/2/summary": ("/projects/{project_name_or_id}/summary", V213 / "project-2-summary.json"),
    "/projects/casoul/repositories": ("/projects/{project_name}/repositories", V213 / "casoul-repositories.json"),
    REPO + "/artifacts": (
        "/projects/{project_name}/repositories/{repository_name}/artifacts",
        V213 / "postgrest-artifacts.json",
    ),
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _nulls(obj: Any, where: str = "") -> set[str]:
    """Paths of JSON nulls: Harbor (Go) sends a nil slice as null where the swagger says array."""
    if isinstance(obj, dict):
        return {p for k, v in obj.items() for p in _nulls(v, f"{where}/{k}")} | (
            {f"{where}/{k}" for k, v in obj.items() if v is None}
        )
    if isinstance(obj, list):
        return {p for i, v in enumerate(obj) for p in _nulls(v, f"{where}[{i}]")}
    return set()


def _without_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_without_nulls(v) for v in obj]
    return obj


def _scalar_extra_attrs(body: Any) -> tuple[Any, set[str]]:
    """The swagger's ExtraAttrs says every value is an object; a real image's are strings ("architecture")."""
    found: set[str] = set()
    for i, art in enumerate(body if isinstance(body, list) else []):
        attrs = art.get("extra_attrs") or {}
        found |= {f"[{i}]/extra_attrs/{k}" for k, v in attrs.items() if not isinstance(v, dict)}
        art["extra_attrs"] = {k: v for k, v in attrs.items() if isinstance(v, dict)}
    return body, found


def test_recorded_responses_are_what_the_swagger_declares_but_two_known_differences():
    spec = SpecValidator()
    files = [
        *RECORDED.values(),
        (RECORDED[REPO + "/artifacts"][0] + "/{reference}/tags", V213 / "artifact-tags.json"),
        ("/systeminfo", V21 / "systeminfo.json"),
        ("/statistics", V21 / "statistics.json"),
    ]
    for template, path in files:
        body, _ = _scalar_extra_attrs(_without_nulls(_load(path)))
        headers = {"X-Total-Count": str(len(body))} if isinstance(body, list) else {}
        spec.check("GET", template, 200, body, headers)
    # what real Harbor sends off the spec, and nothing else: nil lists as null (accessories, labels, references,
    # tags of an artifact), and an image's extra_attrs as plain values where the spec says objects
    recorded = _load(V213 / "postgrest-artifacts.json")
    assert _nulls(recorded) == {"[0]/accessories", "[0]/labels", "[0]/references", "[0]/tags"}
    assert _scalar_extra_attrs(recorded)[1] == {
        "[0]/extra_attrs/architecture",
        "[0]/extra_attrs/author",
        "[0]/extra_attrs/created",
        "[0]/extra_attrs/os",
    }
    # v2.1 has no storage total at all (it came with v2.3.0)
    assert "total_storage_consumption" not in _load(V21 / "statistics.json")
    assert "total_storage_consumption" in _load(V213 / "statistics.json")


class _Replay(BaseHTTPRequestHandler):
    """Answers the recorded bodies; anything not recorded is Harbor's 404, so it is recorded as an error."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        self.seen.append(path)
        key = path.removeprefix("/api/v2.0")
        if key in RECORDED:
            body = _load(RECORDED[key][1])
            headers = {"X-Total-Count": str(len(body))} if isinstance(body, list) else {}
            self._send(200, json.dumps(body).encode(), headers)
        else:
            self._send(404, b'{"errors":[{"code":"NOT_FOUND","message":"not recorded"}]}', {})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def replay() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Replay,), {"seen": seen}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_recorded_harbor_2_13_collects_with_the_captured_byte_counts(replay, tmp_path):
    url, seen = replay
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        summary = collect_registry(wh, "harbor", HttpClient(url, Credentials("admin", "x")))
    # what was not recorded (health, quotas, policies, GC, manifests …) is an error row, not a traceback or a 0
    assert summary.status == "partial" and summary.errors
    assert any(p.endswith("/postgrest%252Fpostgrest/artifacts") for p in seen)
    with Warehouse(db, read_only=True) as wh:
        [row] = queries.registry_storage(wh)
        [art] = wh.query(
            "SELECT image_size_bytes, harbor_type, artifact_type, manifest_media_type, image_tags, last_pull_at "
            "FROM current_registry_artifacts"
        )
    assert row["version"] == "v2.13.1-9384ed0e"
    # the capture: statistics 5,320,231 B = the artifact's size = the project's quota usage
    assert (row["physical_bytes"], row["physical_source"]) == (5_320_231, "statistics")
    assert row["naive_bytes"] == 5_320_231 and row["quota_sum_bytes"] == 5_320_231
    assert art[:4] == (
        5_320_231,
        "IMAGE",
        "application/vnd.docker.container.image.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
    assert art[4] == [] and art[5] is None  # listed with_tag=false; "0001-01-01…" is "never pulled"
    # no manifest could be fetched: unique bytes are unknown, and no gap is blamed on sharing or GC backlog
    assert any(x.startswith("unique blob bytes unknown") for x in row["explanation"])
    assert not any("shared by several projects" in x or "garbage collection" in x for x in row["explanation"])


def test_a_recorded_harbor_2_1_statistics_give_no_total_and_say_so(tmp_path):
    data = sample_data(admin_password="Adm1n-recorded-2-1", robot_secret="R0bot-2-1", big_repository_artifacts=5)
    data.version = _load(V21 / "systeminfo.json")["harbor_version"]
    db = tmp_path / "w.duckdb"
    with FakeHarbor(data) as fake:
        fake.corrupt["/statistics"] = _load(V21 / "statistics.json")  # the real v2.1 body, spec-checked too
        with Warehouse(db) as wh:
            client = HttpClient(fake.url, Credentials("admin", "Adm1n-recorded-2-1"))
            summary = collect_registry(wh, "harbor", client, metrics_url=fake.metrics_url)
        assert fake.violations == []
    assert summary.status == "complete", summary.errors
    note = summary.storage["physical_note"]
    assert note.startswith("Harbor v2.1.0-a3eca103 has no storage total in /statistics")
    assert summary.storage["physical_source"] == "blob_sum"  # named, and never read as 0
    assert summary.storage["physical_bytes"] == data.total_storage() - data.garbage_bytes
