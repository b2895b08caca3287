"""Parse image manifests and indexes (Docker v2 schema 2, Docker manifest list, OCI manifest, OCI index).

What matters for cost is which blobs a manifest references and how large they are: the config blob and
the (compressed) layers of an image manifest, the child manifests of an index.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"

INDEX_TYPES = frozenset({DOCKER_MANIFEST_LIST, OCI_INDEX})
# Asked for in BatchGetImage so that ECR returns every manifest as stored, never converted.
ACCEPTED_MEDIA_TYPES = [
    OCI_MANIFEST,
    OCI_INDEX,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST_V1,
    DOCKER_MANIFEST_V1_SIGNED,
]


class ManifestError(ValueError):
    """The manifest text is not a manifest this parser understands."""


@dataclass(frozen=True, slots=True)
class Layer:
    digest: str
    size: int
    media_type: str | None


@dataclass(frozen=True, slots=True)
class Child:
    digest: str
    size: int | None
    media_type: str | None
    os: str | None
    architecture: str | None
    variant: str | None


@dataclass(frozen=True, slots=True)
class ParsedManifest:
    digest: str
    media_type: str | None
    manifest_size: int
    artifact_type: str | None = None
    config_digest: str | None = None
    config_size: int | None = None
    layers: tuple[Layer, ...] = field(default_factory=tuple)
    children: tuple[Child, ...] = field(default_factory=tuple)

    @property
    def is_index(self) -> bool:
        return bool(self.children) or self.media_type in INDEX_TYPES


def digest_of(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_manifest(text: str, media_type: str | None = None, digest: str | None = None) -> ParsedManifest:
    """Parse manifest `text`; `media_type` is the registry's Content-Type when the body omits it."""
    try:
        doc = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise ManifestError(f"manifest is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ManifestError("manifest is not a JSON object")
    kind = doc.get("mediaType") or media_type
    size = len(text.encode())
    digest = digest or digest_of(text)

    if "manifests" in doc or kind in INDEX_TYPES:
        children = tuple(_child(m) for m in _list(doc, "manifests"))
        return ParsedManifest(
            digest=digest,
            media_type=kind or OCI_INDEX,
            manifest_size=size,
            artifact_type=doc.get("artifactType"),
            children=children,
        )
    if doc.get("schemaVersion") == 1:
        # Schema 1 carries no layer sizes (fsLayers are digests only); cost needs sizes from elsewhere.
        layers = tuple(Layer(str(x["blobSum"]), 0, None) for x in _list(doc, "fsLayers"))
        return ParsedManifest(digest=digest, media_type=kind or DOCKER_MANIFEST_V1, manifest_size=size, layers=layers)
    if "layers" in doc or "config" in doc:
        config = doc.get("config") or {}
        layers = tuple(
            Layer(str(x["digest"]), int(x.get("size") or 0), x.get("mediaType")) for x in _list(doc, "layers")
        )
        return ParsedManifest(
            digest=digest,
            media_type=kind or OCI_MANIFEST,
            manifest_size=size,
            artifact_type=doc.get("artifactType") or (config.get("mediaType") if _is_artifact(config) else None),
            config_digest=config.get("digest"),
            config_size=int(config["size"]) if config.get("size") is not None else None,
            layers=layers,
        )
    raise ManifestError(f"unrecognised manifest (mediaType {kind!r}, keys {sorted(doc)[:6]})")


def _list(doc: dict, key: str) -> list[dict]:
    value = doc.get(key) or []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise ManifestError(f"manifest field {key!r} is not a list of objects")
    return value


def _child(entry: dict) -> Child:
    platform = entry.get("platform") or {}
    return Child(
        digest=str(entry["digest"]),
        size=int(entry["size"]) if entry.get("size") is not None else None,
        media_type=entry.get("mediaType"),
        os=platform.get("os"),
        architecture=platform.get("architecture"),
        variant=platform.get("variant"),
    )


def _is_artifact(config: dict) -> bool:
    # Image configs have these two media types; anything else (helm chart, SBOM, signature) is an artifact.
    return config.get("mediaType") not in (
        None,
        "application/vnd.docker.container.image.v1+json",
        "application/vnd.oci.image.config.v1+json",
    )
