"""Parse image manifests and indexes (Docker v2 schema 2, Docker manifest list, OCI manifest, OCI index).

What matters for cost is which blobs a manifest references and how large they are: the config blob and
the (compressed) layers of an image manifest, the child manifests of an index. What matters for a migration is
also what each manifest *is*: an image, an index, or a supply-chain artifact that must travel with its subject —
a buildx attestation manifest (an index child with platform unknown/unknown and the annotation
`vnd.docker.reference.type: attestation-manifest`), a signature (cosign simple signing, a sigstore bundle,
notation), an SBOM, or another OCI referrer (a manifest with a `subject`). So the parser keeps annotations,
`artifactType` and `subject`, and `artifact_kind` names the kind.
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


# Media types that mark a manifest's kind, from its artifactType, config or layers (sources: cosign
# specs/SIGNATURE_SPEC.md and BUNDLE_SPEC.md, notaryproject specs, buildkit docs/attestations, SPDX/CycloneDX).
SIGNATURE_TYPES = frozenset(
    {
        "application/vnd.dev.cosign.simplesigning.v1+json",
        "application/vnd.cncf.notary.signature",
        "application/vnd.cncf.notary.v2.signature",
    }
)
SIGSTORE_BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle"
ATTESTATION_TYPES = frozenset({"application/vnd.in-toto+json", "application/vnd.dsse.envelope.v1+json"})
SBOM_TYPES = frozenset(
    {
        "application/spdx+json",
        "text/spdx",
        "application/vnd.cyclonedx+json",
        "application/vnd.cyclonedx+xml",
        "application/vnd.syft+json",
        "application/vnd.goharbor.harbor.sbom.v1",
    }
)
SBOM_PREDICATES = ("https://spdx.dev/Document", "https://cyclonedx.org/bom")
# The kinds a manifest can be; the supply-chain ones travel with their subject (Harbor: accessories).
KINDS = ("image", "index", "artifact", "attestation", "signature", "sbom", "referrer")
SUPPLY_CHAIN_KINDS = ("attestation", "signature", "sbom", "referrer")
ATTESTATION_REFERENCE = "attestation-manifest"  # buildx: annotation vnd.docker.reference.type


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
    artifact_type: str | None = None
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def reference_type(self) -> str | None:
        """buildx marks an index's attestation manifests; an unknown/unknown platform says the same."""
        marked = self.annotations.get("vnd.docker.reference.type")
        if marked:
            return marked
        return ATTESTATION_REFERENCE if (self.os, self.architecture) == ("unknown", "unknown") else None

    @property
    def reference_digest(self) -> str | None:
        return self.annotations.get("vnd.docker.reference.digest")


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
    config_media_type: str | None = None
    subject_digest: str | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    layer_annotations: tuple[dict[str, str], ...] = field(default_factory=tuple)

    @property
    def is_index(self) -> bool:
        return bool(self.children) or self.media_type in INDEX_TYPES

    @property
    def artifact_kind(self) -> str:
        """image | index | artifact | attestation | signature | sbom | referrer (see KINDS)."""
        if self.is_index:
            return "index"
        types = {
            t
            for t in (self.artifact_type, self.config_media_type, *(x.media_type for x in self.layers))
            if t is not None
        }
        predicates = {a.get("in-toto.io/predicate-type", "") for a in self.layer_annotations}
        predicates.add(self.annotations.get("dev.sigstore.bundle.predicateType", ""))
        if types & SBOM_TYPES or any(p.startswith(SBOM_PREDICATES) for p in predicates):
            return "sbom"
        if types & SIGNATURE_TYPES:
            return "signature"
        if types & ATTESTATION_TYPES or predicates - {""}:
            return "attestation"
        if any(t.startswith(SIGSTORE_BUNDLE_PREFIX) for t in types):
            return "signature"  # a bundle without a predicate type holds a message signature
        if self.subject_digest:
            return "referrer"
        return "artifact" if self.artifact_type else "image"


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
            subject_digest=_subject(doc),
            annotations=_annotations(doc),
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
            config_media_type=config.get("mediaType"),
            subject_digest=_subject(doc),
            annotations=_annotations(doc),
            layer_annotations=tuple(_annotations(x) for x in _list(doc, "layers")),
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
        artifact_type=entry.get("artifactType"),
        annotations=_annotations(entry),
    )


def _annotations(doc: dict) -> dict[str, str]:
    value = doc.get("annotations") or {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _subject(doc: dict) -> str | None:
    subject = doc.get("subject")
    return str(subject["digest"]) if isinstance(subject, dict) and subject.get("digest") else None


def _is_artifact(config: dict) -> bool:
    # Image configs have these two media types; anything else (helm chart, SBOM, signature) is an artifact.
    return config.get("mediaType") not in (
        None,
        "application/vnd.docker.container.image.v1+json",
        "application/vnd.oci.image.config.v1+json",
    )
