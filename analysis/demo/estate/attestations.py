"""Supply-chain artefacts of one release: buildx attestation manifests and a cosign `.sig` tag."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from analysis.demo.estate.blobs import BlobFactory, hexdigest
from analysis.demo.estate.builds import Build, DraftRepo
from analysis.demo.estate.records import (
    MT_COSIGN_SIMPLESIGNING,
    MT_IN_TOTO,
    MT_OCI_CONFIG,
    MT_OCI_MANIFEST,
)


def attest_newest_release(repo: DraftRepo, blobs: BlobFactory) -> bool:
    """Give the newest signed multi-arch push of `repo` one buildx attestation manifest per platform (SLSA
    provenance + SPDX SBOM layers; index children with platform unknown/unknown) and replace its sigstore-bundle
    referrer by a cosign `sha256-<index>.sig` tag. Two of the oldest single images or signatures make room, so the
    estate keeps its exact image count (False when the repository has no two). No random draws: digests and
    sizes derive from the release's own digests."""
    sig = next((b for b in reversed(repo.builds) if b.kind == "sig"), None)
    index = next((b for b in repo.builds if sig and b.kind == "index" and b.digest == sig.subject), None)
    # Room: the oldest single images, then the oldest pushes' signatures (nothing references either).
    room = sorted((b for b in repo.builds if b.kind == "image"), key=lambda b: b.pushed_at)
    room += sorted((b for b in repo.builds if b.kind == "sig" and b is not sig), key=lambda b: b.pushed_at)
    if len(room) < 2 or index is None or sig is None:  # no signature, no index: nothing to attest
        return False
    singles = room[:2]
    children = [b for b in repo.builds if b.kind == "child" and b.group == index.group]
    doc = json.loads(index.manifest)
    added: list[Build] = []
    for j, child in enumerate(children):
        entry, build = _attestation(child, j, index, blobs)
        doc["manifests"].append(entry)
        added.append(build)
    index.manifest = json.dumps(doc, separators=(",", ":"))
    index.digest = hexdigest(index.manifest)
    cosign = _cosign_signature(sig, index, blobs)
    drop = {id(b) for b in singles} | {id(sig)}
    repo.builds = [b for b in repo.builds if id(b) not in drop] + added + [cosign]
    return True


def _attestation(child: Build, j: int, index: Build, blobs: BlobFactory) -> tuple[dict[str, Any], Build]:
    """The buildx attestation manifest of one platform image (SLSA provenance + SPDX SBOM layers): its entry in
    the index (platform unknown/unknown) and the manifest itself. Digests and sizes derive from the child's."""
    config = hexdigest(f"attestation-config|{child.digest}")
    provenance = hexdigest(f"provenance|{child.digest}")
    sbom = hexdigest(f"spdx|{child.digest}")
    for digest, size in ((config, 241), (provenance, 9_412 + 17 * j), (sbom, 48_733 + 101 * j)):
        blobs.blobs.setdefault(digest, size)
    body = {
        "schemaVersion": 2,
        "mediaType": MT_OCI_MANIFEST,
        "config": {"mediaType": MT_OCI_CONFIG, "digest": config, "size": 241},
        "layers": [
            {
                "mediaType": MT_IN_TOTO,
                "digest": d,
                "size": blobs.blobs[d],
                "annotations": {"in-toto.io/predicate-type": predicate},
            }
            for d, predicate in (
                (provenance, "https://slsa.dev/provenance/v0.2"),
                (sbom, "https://spdx.dev/Document"),
            )
        ],
    }
    text = json.dumps(body, separators=(",", ":"))
    entry = {
        "mediaType": MT_OCI_MANIFEST,
        "digest": hexdigest(text),
        "size": len(text.encode()),
        "annotations": {
            "vnd.docker.reference.digest": child.digest,
            "vnd.docker.reference.type": "attestation-manifest",
        },
        "platform": {"architecture": "unknown", "os": "unknown"},
    }
    build = Build(
        "attestation",
        hexdigest(text),
        text,
        MT_OCI_MANIFEST,
        MT_OCI_CONFIG,
        241 + blobs.blobs[provenance] + blobs.blobs[sbom],
        index.pushed_at - timedelta(seconds=1),
        index.group,
        blobs=(config, provenance, sbom),
    )
    return entry, build


def _cosign_signature(sig: Build, index: Build, blobs: BlobFactory) -> Build:
    """`cosign sign` of the (final) index: a simplesigning payload under the tag `sha256-<hex>.sig`, replacing
    the sigstore-bundle referrer `sig` (same push time and group)."""
    payload = hexdigest(f"simplesigning|{index.digest}")
    config = hexdigest(f"cosign-config|{index.digest}")
    blobs.blobs.setdefault(payload, 252)
    blobs.blobs.setdefault(config, 233)
    body = {
        "schemaVersion": 2,
        "mediaType": MT_OCI_MANIFEST,
        "config": {"mediaType": MT_OCI_CONFIG, "size": 233, "digest": config},
        "layers": [
            {
                "mediaType": MT_COSIGN_SIMPLESIGNING,
                "size": 252,
                "digest": payload,
                "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQDdemo" + index.digest[7:31]},
            }
        ],
    }
    text = json.dumps(body, separators=(",", ":"))
    cosign = replace(
        sig,
        digest=hexdigest(text),
        manifest=text,
        artifact_type=MT_OCI_CONFIG,
        size=233 + 252,
        subject=None,  # the tag names the subject: sha256-<hex>.sig
        blobs=(config, payload),
        tags=["sha256-" + index.digest.removeprefix("sha256:") + ".sig"],
    )
    return cosign
