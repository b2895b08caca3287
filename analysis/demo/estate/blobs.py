"""Blob digests and sizes: base-image layers shared across the estate (seed-independent, like public images)
and fresh layers drawn from the seed. Sources and assumptions in docs/demo-estate.md §2."""

from __future__ import annotations

import hashlib

import numpy as np

from analysis.demo.estate.records import MB

# ------------------------------------------------------------------------------------------------------------
# Base images. Compressed layer sizes in MB; sources/assumptions in docs/demo-estate.md §2.
# OS layers are rebuilt every `os_every` days (Docker official images are rebuilt for security updates roughly
# monthly); runtimes add their own layers on top and are rebuilt every `rt_every` days.
_OS: dict[str, list[float]] = {
    "debian12-slim": [28.2],
    "alpine3": [3.6],
    "ubuntu24": [29.7],
    "distroless-static": [0.10, 0.26, 0.65, 0.95],
    "cuda12-runtime": [29.7, 92.0, 850.0, 0.05, 960.0],  # ubuntu + cuda + cudnn (nvidia/cuda:*-cudnn-runtime)
}
_RUNTIME: dict[str, tuple[str, list[float]]] = {
    "python3.12-slim": ("debian12-slim", [3.3, 12.5, 0.25]),
    "python3.12-alpine": ("alpine3", [0.5, 12.1, 0.3]),
    "node20-slim": ("debian12-slim", [4.0, 46.0, 1.9, 0.45]),
    "temurin21-jre": ("ubuntu24", [17.0, 52.0, 0.15]),
    "go-distroless": ("distroless-static", []),
    "cuda-python": ("cuda12-runtime", [3.3, 12.5, 0.25]),
    "nginx": ("debian12-slim", [41.0, 0.6, 0.001, 0.001, 0.001]),
}
_OS_EVERY = 35
RT_EVERY = 21


def hexdigest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class BlobFactory:
    """Deterministic blob digests and sizes; base-image layers are seed-independent, like public images."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.blobs: dict[str, int] = {}
        self._base_cache: dict[tuple, list[tuple[str, int]]] = {}
        self._pool: list[str] = []

    def random_digests(self, n: int) -> list[str]:
        # One bulk draw of random bytes is ~100x faster than hashing per blob; digests only need to be unique.
        if len(self._pool) < n:
            raw = self.rng.bytes(32 * max(n, 4096)).hex()
            self._pool.extend("sha256:" + raw[i : i + 64] for i in range(0, len(raw), 64))
        out, self._pool = self._pool[:n], self._pool[n:]
        return out

    def new(self, size: int) -> str:
        d = self.random_digests(1)[0]
        self.blobs[d] = int(max(size, 1))
        return d

    def base_layers(self, runtime: str, arch: str, day: int, rt_every: int) -> list[tuple[str, int]]:
        os_name, rt_sizes = _RUNTIME[runtime]
        os_v, rt_v = day // _OS_EVERY, day // rt_every
        key = (runtime, arch, os_v, rt_v)
        hit = self._base_cache.get(key)
        if hit is not None:
            return hit
        layers = []
        scale = 0.94 if arch == "arm64" else 1.0
        for kind, name, version, sizes in (
            ("os", os_name, os_v, _OS[os_name]),
            ("rt", runtime, rt_v, rt_sizes),
        ):
            for i, mb in enumerate(sizes):
                d = hexdigest(f"{kind}|{name}|{arch}|{version}|{i}")
                jitter = 1.0 + 0.03 * ((int(d[7:15], 16) % 2001) / 1000.0 - 1.0)
                size = max(int(mb * MB * scale * jitter), 32)
                self.blobs.setdefault(d, size)
                layers.append((d, self.blobs[d]))
        self._base_cache[key] = layers
        return layers
