"""Manifest parsing for the four manifest kinds ECR stores, plus artifacts and bad input."""

import json

import pytest

from analysis.collectors.manifests import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    ManifestError,
    digest_of,
    parse_manifest,
)

L1 = "sha256:" + "1" * 64
L2 = "sha256:" + "2" * 64
CFG = "sha256:" + "c" * 64


def test_docker_v2_schema2_layers_and_config():
    text = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": CFG},
            "layers": [
                {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": L1},
                {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 16724, "digest": L2},
            ],
        }
    )
    m = parse_manifest(text)
    assert m.digest == digest_of(text)
    assert m.media_type == DOCKER_MANIFEST
    assert (m.config_digest, m.config_size) == (CFG, 7023)
    assert [(layer.digest, layer.size) for layer in m.layers] == [(L1, 32654), (L2, 16724)]
    assert not m.is_index and m.artifact_type is None
    assert m.manifest_size == len(text.encode())


def test_oci_manifest_without_media_type_in_body_takes_the_registry_content_type():
    text = json.dumps(
        {
            "schemaVersion": 2,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 10, "digest": CFG},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 5, "digest": L1}],
        }
    )
    m = parse_manifest(text, OCI_MANIFEST)
    assert m.media_type == OCI_MANIFEST
    assert sum(layer.size for layer in m.layers) + m.config_size == 15


@pytest.mark.parametrize("kind", [DOCKER_MANIFEST_LIST, OCI_INDEX])
def test_index_children_with_platforms(kind):
    text = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": kind,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "size": 480,
                    "digest": L1,
                    "platform": {"os": "linux", "architecture": "amd64"},
                },
                {
                    "mediaType": OCI_MANIFEST,
                    "size": 481,
                    "digest": L2,
                    "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
                },
            ],
        }
    )
    m = parse_manifest(text)
    assert m.is_index and m.media_type == kind
    assert [(c.digest, c.architecture, c.variant) for c in m.children] == [(L1, "amd64", None), (L2, "arm64", "v8")]
    assert m.layers == ()


def test_oci_artifact_keeps_its_artifact_type():
    text = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2, "digest": CFG},
            "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "size": 250, "digest": L1}],
        }
    )
    assert parse_manifest(text).artifact_type == "application/vnd.dev.cosign.artifact.sig.v1+json"


def test_helm_chart_config_media_type_marks_an_artifact():
    text = json.dumps(
        {
            "schemaVersion": 2,
            "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "size": 120, "digest": CFG},
            "layers": [
                {"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "size": 3000, "digest": L1}
            ],
        }
    )
    assert parse_manifest(text, OCI_MANIFEST).artifact_type == "application/vnd.cncf.helm.config.v1+json"


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"schemaVersion": 2}', '{"layers": "nope"}'])
def test_malformed_manifests_raise_a_clear_error(text):
    with pytest.raises(ManifestError):
        parse_manifest(text)
