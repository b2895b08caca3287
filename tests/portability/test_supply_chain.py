"""Supply-chain artifacts: the parser reads what real buildx, cosign and OCI manifests are (fixtures from their
projects' documentation, tests/fixtures/manifests-real/README.md), and a signed, attested multi-arch image in the
emulated ECR shows as signature and attestations in `status`, the findings and the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors.manifests import parse_manifest
from analysis.demo.estate import generate_estate

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "manifests-real"


def parsed(name: str):
    return parse_manifest((REAL / name).read_text())


def test_buildx_index_keeps_attestation_children_apart_from_platforms():
    m = parsed("buildx-moby-buildkit-master.json")
    assert m.artifact_kind == "index" and len(m.children) == 12
    platforms = [c for c in m.children if c.reference_type is None]
    attestations = [c for c in m.children if c.reference_type == "attestation-manifest"]
    assert len(platforms) == 6 and len(attestations) == 6
    # each attestation names the platform manifest it attests
    assert {c.reference_digest for c in attestations} == {c.digest for c in platforms}
    assert all((c.os, c.architecture) == ("unknown", "unknown") for c in attestations)
    raw = parsed("buildx-crazymax-buildkit-attest-raw.json")
    (att,) = [c for c in raw.children if c.reference_type]
    assert att.annotations["vnd.docker.reference.digest"] == raw.children[0].digest
    assert att.size == 839


def test_subject_annotations_and_artifact_type_are_kept():
    m = parsed("image-spec-manifest-subject.json")
    assert m.subject_digest == "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"
    assert m.annotations == {"com.example.key1": "value1", "com.example.key2": "value2"}
    assert m.artifact_kind == "referrer"  # image layers, but it refers to another manifest
    a = parsed("image-spec-artifact-193.json")
    assert (a.artifact_type, a.artifact_kind, a.subject_digest) == ("application/vnd.example+type", "artifact", None)
    bundle = parsed("cosign-bundle-attestation.json")
    # a sigstore bundle carrying SLSA provenance is an attestation of its subject
    assert (bundle.artifact_kind, bundle.subject_digest) == ("attestation", "sha256:c00010ff...")


def test_cosign_tag_signature_from_the_signature_spec():
    # the layer descriptor and annotation of cosign specs/SIGNATURE_SPEC.md, in the manifest cosign pushes
    doc = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "size": 233,
            "digest": "sha256:" + "0" * 64,
        },
        "layers": [
            {
                "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                "size": 210,
                "digest": "sha256:1119abab63e605dcc281019bad0424744178b6f61ba57378701fe7391994c999",
                "annotations": {
                    "dev.cosignproject.cosign/signature": "MEUCIBKI9FIC+YD3m/lWViyPxsJsbnIHj86sSbb7L3qvpEFo"
                },
            }
        ],
    }
    m = parse_manifest(json.dumps(doc))
    assert m.artifact_kind == "signature" and m.subject_digest is None
    assert m.layer_annotations[0]["dev.cosignproject.cosign/signature"].startswith("MEUC")


@pytest.fixture(scope="module")
def attested_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from analysis.demo.runner import run_demo

    db = tmp_path_factory.mktemp("attested") / "demo.duckdb"
    # seed 1 at this size holds a multi-arch, OCI, signing repository: the attested release goes there
    run_demo(db, seed=1, repositories=30, images=1_500)
    return db


def test_demo_estate_keeps_its_exact_size_with_the_attested_release():
    e = generate_estate(seed=1, repositories=30, images=1_500)
    assert e.expected_totals()["images"] == 1_500
    sig = [i for i in e.images if any(t.endswith(".sig") for t in i.tags)]
    assert len(sig) == 1 and sig[0].tags[0] == "sha256-" + sig[0].tags[0][7:71] + ".sig"
    index = next(i for i in e.images if i.digest == "sha256:" + sig[0].tags[0][7:71])
    assert json.loads(index.manifest)["manifests"][-1]["platform"] == {"architecture": "unknown", "os": "unknown"}


def test_status_findings_and_plan_show_signature_and_attestations(attested_demo: Path, tmp_path: Path):
    runner = CliRunner()
    out = runner.invoke(app, ["status", "--db", str(attested_demo), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["supply_chain_artifacts"]
    kinds = {(r["account_id"], r["kind"]): r for r in rows}
    att = [r for r in rows if r["kind"] == "attestation"]
    # two attestation manifests (amd64, arm64): 241 config + provenance + SBOM layers + their manifest text
    assert [r["count"] for r in att] == [2] and att[0]["bytes"] > 2 * (241 + 9_412 + 48_733)
    assert any(k[1] == "signature" for k in kinds)
    assert not any(r["kind"] == "unclassified" for r in rows)  # every manifest was fetched and read

    out = runner.invoke(app, ["plan", "--db", str(attested_demo), "-o", str(tmp_path / "plan"), "--format", "json"])
    assert out.exit_code == 0, out.output
    plan = json.loads(out.output)
    by_kind = plan["summary"]["supply_chain_artifacts"]
    assert by_kind["attestation"]["count"] == 2 and by_kind["signature"]["count"] >= 1
    (finding,) = [f for f in plan["findings"] if f["feature"] == "supply-chain-artifacts"]
    assert "2 attestation" in finding["evidence"] and "index" in finding["harbor"]
    # 1 d + 0.5 d per kind present (attestation, signature) [assumption in EFFORT]
    assert finding["effort_days"] == 2.0
    assert not [f for f in plan["findings"] if f["feature"] == "signatures"]  # counted once, by kind

    out = runner.invoke(app, ["plan", "--db", str(attested_demo), "-o", str(tmp_path / "plan2")])
    assert "Supply-chain artifacts" in out.output and "attestation" in out.output


def test_manifests_cached_before_kinds_are_classified_from_the_kept_columns(tmp_path: Path):
    import duckdb

    from analysis.warehouse import Warehouse
    from analysis.warehouse.schema import MIGRATIONS

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
    )
    for version, description, sql in [m for m in MIGRATIONS if m[0] <= 7]:  # before the kinds were read (8)
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, description])
    rows = [
        ("sha256:idx", "application/vnd.oci.image.index.v1+json", None, True),
        (
            "sha256:sig",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.dev.sigstore.bundle.v0.3+json",
            False,
        ),
        ("sha256:img", "application/vnd.oci.image.manifest.v1+json", None, False),
        ("sha256:cosign", "application/vnd.oci.image.manifest.v1+json", None, False),
    ]
    for digest, media, artifact, is_index in rows:
        con.execute(
            "INSERT INTO manifests (digest, media_type, artifact_type, manifest_size, is_index, fetched_at) "
            "VALUES (?, ?, ?, 100, ?, now())",
            [digest, media, artifact, is_index],
        )
    con.execute(
        "INSERT INTO manifest_layers VALUES ('sha256:cosign', 0, 'sha256:p', 252, "
        "'application/vnd.dev.cosign.simplesigning.v1+json'), ('sha256:img', 0, 'sha256:l', 9, "
        "'application/vnd.oci.image.layer.v1.tar+gzip')"
    )
    con.execute(
        "INSERT INTO manifest_children (index_digest, position, child_digest, platform_os, platform_architecture) "
        "VALUES ('sha256:idx', 1, 'sha256:att', 'unknown', 'unknown')"
    )
    con.close()
    with Warehouse(db) as wh:
        kinds = dict(wh.query("SELECT digest, artifact_kind FROM manifests"))
        assert kinds == {
            "sha256:idx": "index",
            "sha256:sig": "signature",  # sigstore bundle artifact type
            "sha256:img": "image",
            "sha256:cosign": "signature",  # image config, but a cosign simple-signing layer
        }
        assert wh.query("SELECT reference_type FROM manifest_children") == [("attestation-manifest",)]
