"""Harbor/OCI records as the warehouse receives them: each dataclass agrees with its Arrow schema column for
column, and shares ECR's column names where the concept is the same (so one SQL reads either side)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import UTC, datetime

import pytest

from analysis.collectors import registry_records
from analysis.collectors.records import SCHEMAS, ImageRecord, to_table
from analysis.collectors.registry_records import MetricSampleRecord, RegistryArtifactRecord

RECORDS = [
    c
    for c in vars(registry_records).values()
    if isinstance(c, type) and is_dataclass(c) and c.__module__ == registry_records.__name__
]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_each_record_is_declared_once_in_its_schemas_column_order(cls):
    assert [f.name for f in fields(cls)] == SCHEMAS[cls].names


def test_an_artifact_names_its_columns_as_an_ecr_image_does():
    shared = {"repository_name", "image_digest", "image_tags", "image_size_bytes", "pushed_at", "last_pull_at"}
    shared |= {"manifest_media_type", "artifact_media_type"}
    assert shared <= set(SCHEMAS[RegistryArtifactRecord].names)
    for name in shared:
        assert SCHEMAS[RegistryArtifactRecord].field(name).type == SCHEMAS[ImageRecord].field(name).type, name


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
