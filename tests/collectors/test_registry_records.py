"""Harbor/OCI records as the warehouse receives them: each record shares ECR's column names where the concept is
the same (so one SQL reads either side)."""

from __future__ import annotations

from datetime import UTC, datetime

from analysis.collectors.records import ImageRecord, arrow_schema, to_table
from analysis.collectors.registry_records import MetricSampleRecord, RegistryArtifactRecord


def test_an_artifact_names_its_columns_as_an_ecr_image_does():
    shared = {"repository_name", "image_digest", "image_tags", "image_size_bytes", "pushed_at", "last_pull_at"}
    shared |= {"manifest_media_type", "artifact_media_type"}
    assert shared <= set(arrow_schema(RegistryArtifactRecord).names)
    for name in shared:
        assert arrow_schema(RegistryArtifactRecord).field(name).type == arrow_schema(ImageRecord).field(name).type, name


def test_a_metric_sample_round_trips():
    at = datetime(2026, 6, 1, tzinfo=UTC)
    sample = MetricSampleRecord("https://h", "https://h/metrics", at, "harbor_up", "gauge", "harbor_up", "{}", 1.0)
    (row,) = to_table([sample], MetricSampleRecord).to_pylist()
    assert row == {
        "registry": "https://h",
        "url": "https://h/metrics",
        "scraped_at": at,
        "family": "harbor_up",
        "family_type": "gauge",
        "name": "harbor_up",
        "labels": "{}",
        "value": 1.0,
    }
