"""A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution) on 127.0.0.1, and a pure-Python
push client speaking the OCI distribution API (environment.md §5: own config, loopback, debug metrics port)."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

BINARY = "/usr/bin/docker-registry"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Registry:
    url: str
    metrics_url: str
    root: Path
    process: subprocess.Popen

    def blob_store_bytes(self) -> int:
        """Σ sizes of every `data` file in the blob store: layers, configs AND manifests (stored as blobs too)."""
        return sum(p.stat().st_size for p in (self.root / "docker/registry/v2/blobs").rglob("data"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_registry(workdir: Path) -> Registry:
    root = workdir / "storage"
    root.mkdir(parents=True)
    port, debug = free_port(), free_port()
    config = workdir / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: error, formatter: text}\n"
        f"storage:\n  filesystem: {{rootdirectory: {root}}}\n  delete: {{enabled: true}}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  secret: regcost-test\n"
        f"  debug:\n    addr: 127.0.0.1:{debug}\n    prometheus: {{enabled: true, path: /metrics}}\n"
    )
    log = (workdir / "registry.log").open("w")
    process = subprocess.Popen([BINARY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/v2/", timeout=1).status_code == 200:
                return Registry(url, f"http://127.0.0.1:{debug}/metrics", root, process)
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"docker-registry did not start; see {workdir / 'registry.log'}")


class Pusher:
    """Push blobs and manifests over the OCI distribution API (monolithic uploads)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def blob(self, repo: str, data: bytes) -> str:
        d = digest(data)
        if self.http.head(f"{self.url}/v2/{repo}/blobs/{d}").status_code == 200:
            return d
        start = self.http.post(f"{self.url}/v2/{repo}/blobs/uploads/")
        assert start.status_code == 202, start.text
        location = start.headers["Location"]
        location = location if location.startswith("http") else self.url + location
        sep = "&" if "?" in location else "?"
        put = self.http.put(
            f"{location}{sep}digest={d}", data=data, headers={"Content-Type": "application/octet-stream"}
        )
        assert put.status_code == 201, put.text
        return d

    def manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        resp = self.http.put(
            f"{self.url}/v2/{repo}/manifests/{reference}", data=body, headers={"Content-Type": media_type}
        )
        assert resp.status_code == 201, resp.text
        assert resp.headers["Docker-Content-Digest"] == digest(body)
        return digest(body)

    def image(
        self, repo: str, tag: str | None, layers: list[bytes], *, docker: bool = False, arch: str = "amd64"
    ) -> bytes:
        """Push layers, a config and the manifest (under `tag`, or by digest when None); returns the manifest."""
        config = json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [digest(x) for x in layers]},
            },
            sort_keys=True,
        ).encode()
        descriptors = [
            {"mediaType": DOCKER_LAYER if docker else OCI_LAYER, "digest": self.blob(repo, x), "size": len(x)}
            for x in layers
        ]
        cfg = {
            "mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
            "digest": self.blob(repo, config),
            "size": len(config),
        }
        media_type = DOCKER_MANIFEST if docker else OCI_MANIFEST
        body = json.dumps(
            {"schemaVersion": 2, "mediaType": media_type, "config": cfg, "layers": descriptors}, indent=2
        ).encode()
        self.manifest(repo, tag or digest(body), body, media_type)
        return body

    def index(self, repo: str, tag: str, children: list[tuple[bytes, str]]) -> bytes:
        entries = [
            {
                "mediaType": OCI_MANIFEST,
                "digest": digest(b),
                "size": len(b),
                "platform": {"os": "linux", "architecture": a},
            }
            for b, a in children
        ]
        body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
        self.manifest(repo, tag, body, OCI_INDEX)
        return body
