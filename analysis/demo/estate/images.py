"""Images: the CI pushes of each repository (single images, multi-arch indexes and their children, sigstore
signatures) and the pull-through cache's upstream indexes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.demo.estate.blobs import RT_EVERY, BlobFactory, hexdigest
from analysis.demo.estate.builds import Build, DraftRepo
from analysis.demo.estate.manifests import index_document, manifest_document
from analysis.demo.estate.records import (
    EMPTY_CONFIG_DIGEST,
    MB,
    MT_DOCKER_CONFIG,
    MT_DOCKER_LIST,
    MT_DOCKER_V2,
    MT_OCI_CONFIG,
    MT_OCI_EMPTY,
    MT_OCI_INDEX,
    MT_OCI_MANIFEST,
    MT_SIGSTORE_BUNDLE,
)

# Per language: (runtime, dependency layer median MB, app layer median MB, sigma of app layer).
_LANG: dict[str, tuple[str, float, float, float]] = {
    "python": ("python3.12-slim", 45.0, 1.2, 1.0),
    "python-alpine": ("python3.12-alpine", 30.0, 0.8, 1.0),
    "node": ("node20-slim", 70.0, 4.0, 0.9),
    "jvm": ("temurin21-jre", 48.0, 18.0, 0.6),
    "go": ("go-distroless", 0.0, 16.0, 0.5),
    "ml": ("cuda-python", 1400.0, 3.0, 0.9),
    "nginx": ("nginx", 0.0, 6.0, 1.0),
}


def _push_times(
    rng: np.random.Generator,
    n: int,
    first_day: float,
    start: datetime,
    now: datetime,
    day_idx: np.ndarray,
    day_w: np.ndarray,
) -> list[datetime]:
    lo = int(min(max(first_day, 0), len(day_idx) - 1))
    w = day_w[lo:]
    days = np.sort(rng.choice(day_idx[lo:], size=n, p=w / w.sum()))
    # Office-hours pushes (UTC), clipped to the day.
    secs = np.clip(rng.normal(13.5 * 3600, 3.2 * 3600, n), 0, 86_399).astype(np.int64)
    stamps = np.sort(days.astype(np.int64) * 86_400 + secs)
    # Pushes at least 10 s apart keep "newest" well-defined (index children and signatures sit within a few
    # seconds of their push); a push cannot lie in the future.
    stamps = np.maximum(stamps, np.maximum.accumulate(stamps - np.arange(n) * 10) + np.arange(n) * 10)
    limit = int((now - start).total_seconds()) - 60
    over = stamps > limit
    if over.any():
        stamps[over] = limit - 10 * np.arange(over.sum())[::-1]
    base = start.timestamp()
    return [datetime.fromtimestamp(base + float(s), UTC) for s in stamps]


@dataclass(frozen=True)
class _Recipe:
    """What every push of one repository shares: its base image, how often it moves to a new one, its formats."""

    runtime: str
    rt_every: int
    go: bool  # compiled Go binaries differ per architecture; COPY'd sources do not
    fmt: str
    cfg_type: str
    idx_fmt: str


def make_builds(
    repo: DraftRepo,
    rng: np.random.Generator,
    blobs: BlobFactory,
    start: datetime,
    now: datetime,
    day_idx: np.ndarray,
    day_w: np.ndarray,
) -> None:
    runtime, dep_mb, app_mb, app_sigma = _LANG[repo.lang]
    platform_base = repo.name.startswith("platform/base-")
    rt_every = RT_EVERY if rng.random() < 0.6 else 90  # tracks the latest base vs. pins it for a quarter
    n_deps = 0 if dep_mb == 0 or platform_base else int(rng.integers(1, 3))
    dep_change = float(rng.uniform(0.08, 0.25))
    archs = ["amd64", "arm64"] if repo.multi_arch else ["amd64"]
    # Manifest rows per push: multi-arch = index + one child per arch; signed = +1 signature artifact.
    per_push = (1 + len(archs) if repo.multi_arch else 1) + (1 if repo.signs else 0)
    n_push = max(1, repo.n_images // per_push)
    singles = repo.n_images - n_push * per_push  # oldest pushes, before the repo went multi-arch / signed
    times = _push_times(rng, n_push + singles, repo.created_day + rng.uniform(0, 3), start, now, day_idx, day_w)
    dep_base = [rng.lognormal(np.log(max(dep_mb, 0.1)), 0.5) * MB for _ in range(n_deps)]
    dep_digests = {a: [blobs.new(int(s)) for s in dep_base] for a in archs}
    app_sizes = rng.lognormal(np.log(app_mb), app_sigma, size=len(times)) * MB
    cfg_sizes = rng.integers(1_500, 12_000, size=len(times) * 2)
    dep_roll = rng.random(len(times))
    extra_layer = rng.random() < 0.4
    recipe = _Recipe(
        runtime,
        rt_every,
        repo.lang == "go",
        MT_OCI_MANIFEST if repo.oci else MT_DOCKER_V2,
        MT_OCI_CONFIG if repo.oci else MT_DOCKER_CONFIG,
        MT_OCI_INDEX if repo.oci else MT_DOCKER_LIST,
    )
    builds: list[Build] = []
    for i, when in enumerate(times):
        single = i < singles
        multi = repo.multi_arch and not single
        day = int((when - start).total_seconds() // 86_400)
        if dep_roll[i] < dep_change:  # dependency layers are reused until a lockfile change rebuilds them
            for a in archs:
                dep_digests[a] = [blobs.new(int(s * rng.uniform(0.9, 1.15))) for s in dep_base]
        # COPY of the same sources onto each arch's parent yields the same layer; compiled Go binaries differ.
        code = blobs.new(int(app_sizes[i]))
        meta = blobs.new(int(rng.integers(200, 4_000))) if extra_layer else None
        push_archs = archs if multi else ["amd64"]
        pushed = _push(recipe, blobs, i, when, day, push_archs, multi, dep_digests, code, meta, app_sizes[i], cfg_sizes)
        builds += pushed
        if repo.signs and not single:
            builds.append(_signature(pushed[-1], rng, blobs, when, i))
    repo.builds = builds


def _push(
    recipe: _Recipe,
    blobs: BlobFactory,
    i: int,
    when: datetime,
    day: int,
    push_archs: list[str],
    multi: bool,
    dep_digests: dict[str, list[str]],
    code: str,
    meta: str | None,
    app_size: float,
    cfg_sizes: np.ndarray,
) -> list[Build]:
    """Push `i`: one image per architecture (base layers, dependency layers, the app, an optional metadata
    layer), and for a multi-arch push the index over them, last."""
    fmt = recipe.fmt
    builds: list[Build] = []
    children: list[tuple[str, str, int, str]] = []
    for j, arch in enumerate(push_archs):
        layers = list(blobs.base_layers(recipe.runtime, arch, day, recipe.rt_every))
        layers += [(d, blobs.blobs[d]) for d in dep_digests[arch]]
        app = code if (not recipe.go or j == 0) else blobs.new(int(app_size * 0.97))
        layers.append((app, blobs.blobs[app]))
        if meta:
            layers.append((meta, blobs.blobs[meta]))
        cfg = blobs.new(int(cfg_sizes[2 * i + j]))
        text = manifest_document(fmt, (cfg, blobs.blobs[cfg]), layers)
        b = Build(
            "child" if multi else "image",
            hexdigest(text),
            text,
            fmt,
            recipe.cfg_type,
            blobs.blobs[cfg] + sum(s for _, s in layers),
            when - timedelta(seconds=len(push_archs) - j) if multi else when,
            i,
            arch=arch,
            blobs=(cfg, *(d for d, _ in layers)),
        )
        builds.append(b)
        children.append((b.digest, fmt, len(text.encode()), arch))
    if multi:
        text = index_document(recipe.idx_fmt, children)
        # ECR reports an index's imageSizeInBytes as the largest child's (ecr-facts.md §2).
        builds.append(Build("index", hexdigest(text), text, recipe.idx_fmt, None, max(c.size for c in builds), when, i))
    return builds


def _signature(head: Build, rng: np.random.Generator, blobs: BlobFactory, when: datetime, i: int) -> Build:
    """A sigstore bundle (OCI 1.1 referrer) whose subject is the push's image or index, pushed 2 s after it."""
    bundle = blobs.new(int(rng.integers(3_800, 6_500)))
    blobs.blobs.setdefault(EMPTY_CONFIG_DIGEST, 2)
    subject = {
        "mediaType": head.media_type,
        "digest": head.digest,
        "size": len(head.manifest.encode()),
    }
    text = manifest_document(
        MT_OCI_MANIFEST,
        (EMPTY_CONFIG_DIGEST, 2),
        [(bundle, blobs.blobs[bundle])],
        artifact_type=MT_SIGSTORE_BUNDLE,
        config_type=MT_OCI_EMPTY,
        layer_type=MT_SIGSTORE_BUNDLE,
        subject=subject,
    )
    return Build(
        "sig",
        hexdigest(text),
        text,
        MT_OCI_MANIFEST,
        MT_SIGSTORE_BUNDLE,
        2 + blobs.blobs[bundle],
        when + timedelta(seconds=2),
        i,
        subject=head.digest,
        blobs=(EMPTY_CONFIG_DIGEST, bundle),
    )


def make_cache_builds(
    repo: DraftRepo, rng: np.random.Generator, blobs: BlobFactory, start: datetime, now: datetime
) -> None:
    """Upstream nginx indexes as a pull-through cache stores them: index + every referenced platform image."""
    builds: list[Build] = []
    for g, (tag, age) in enumerate((("1.27.2", 200), ("1.27.3", 95))):
        when = now - timedelta(days=age, hours=float(rng.uniform(0, 20)))
        day = int((when - start).total_seconds() // 86_400)
        children = []
        for j, arch in enumerate(("amd64", "arm64")):
            layers = blobs.base_layers("nginx", arch, day, RT_EVERY)
            cfg = blobs.new(int(rng.integers(7_000, 9_000)))
            text = manifest_document(MT_OCI_MANIFEST, (cfg, blobs.blobs[cfg]), layers)
            b = Build(
                "child",
                hexdigest(text),
                text,
                MT_OCI_MANIFEST,
                MT_OCI_CONFIG,
                blobs.blobs[cfg] + sum(s for _, s in layers),
                when - timedelta(seconds=2 - j),
                g,
                arch=arch,
                blobs=(cfg, *(d for d, _ in layers)),
            )
            builds.append(b)
            children.append((b.digest, MT_OCI_MANIFEST, len(text.encode()), arch))
        text = index_document(MT_OCI_INDEX, children)
        head = Build(
            "index",
            hexdigest(text),
            text,
            MT_OCI_INDEX,
            None,
            max(c.size for c in builds[-2:]),
            when,
            g,
            tags=[tag],
        )
        builds.append(head)
    builds[-1].tags.append("stable")
    repo.builds = builds
