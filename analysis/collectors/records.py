"""Typed records that collectors return, and their Arrow schemas (the warehouse tables' columns).

Collectors build these; the warehouse loads them as Arrow tables in bulk. A record class and its schema
sit side by side so that a new field is one edit in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


@dataclass(slots=True)
class RepositoryRecord:
    account_id: str
    region: str
    repository_name: str
    repository_arn: str | None
    repository_uri: str | None
    created_at: datetime | None
    tag_mutability: str | None
    tag_mutability_exclusions: str | None  # JSON
    scan_on_push: bool | None
    encryption_type: str | None
    kms_key: str | None
    resource_tags: str | None = None  # JSON object
    lifecycle_policy_text: str | None = None
    lifecycle_policy_evaluated_at: datetime | None = None
    repository_policy_text: str | None = None
    settings_fetched_at: datetime | None = None


@dataclass(slots=True)
class ImageRecord:
    account_id: str
    region: str
    repository_name: str
    image_digest: str
    image_tags: list[str]
    image_size_bytes: int | None
    pushed_at: datetime | None
    last_pull_at: datetime | None
    image_status: str | None
    manifest_media_type: str | None
    artifact_media_type: str | None
    last_archived_at: datetime | None
    last_activated_at: datetime | None


@dataclass(slots=True)
class RegistryRecord:
    account_id: str
    region: str
    replication_rules: str | None  # JSON
    scanning_configuration: str | None  # JSON
    blob_mounting: str | None
    pull_time_update_exclusions: str | None  # JSON list of principal ARNs
    registry_policy_text: str | None
    settings_fetched_at: datetime | None = None


@dataclass(slots=True)
class PullThroughCacheRuleRecord:
    account_id: str
    region: str
    ecr_repository_prefix: str
    upstream_registry_url: str | None
    upstream_registry: str | None
    upstream_repository_prefix: str | None
    credential_arn: str | None
    created_at: datetime | None


@dataclass(slots=True)
class PullCountRecord:
    account_id: str
    region: str
    repository_name: str
    day: date
    pulls: float


@dataclass(slots=True)
class ErrorRecord:
    account_id: str | None
    region: str | None
    repository: str | None
    operation: str
    error_code: str
    message: str  # error_message(): never empty (the exception type when it says nothing)
    occurred_at: datetime


SCHEMAS: dict[type, pa.Schema] = {
    RepositoryRecord: pa.schema(
        [
            ("account_id", pa.string()),
            ("region", pa.string()),
            ("repository_name", pa.string()),
            ("repository_arn", pa.string()),
            ("repository_uri", pa.string()),
            ("created_at", TS),
            ("tag_mutability", pa.string()),
            ("tag_mutability_exclusions", pa.string()),
            ("scan_on_push", pa.bool_()),
            ("encryption_type", pa.string()),
            ("kms_key", pa.string()),
            ("resource_tags", pa.string()),
            ("lifecycle_policy_text", pa.string()),
            ("lifecycle_policy_evaluated_at", TS),
            ("repository_policy_text", pa.string()),
            ("settings_fetched_at", TS),
        ]
    ),
    ImageRecord: pa.schema(
        [
            ("account_id", pa.string()),
            ("region", pa.string()),
            ("repository_name", pa.string()),
            ("image_digest", pa.string()),
            ("image_tags", pa.list_(pa.string())),
            ("image_size_bytes", pa.int64()),
            ("pushed_at", TS),
            ("last_pull_at", TS),
            ("image_status", pa.string()),
            ("manifest_media_type", pa.string()),
            ("artifact_media_type", pa.string()),
            ("last_archived_at", TS),
            ("last_activated_at", TS),
        ]
    ),
    RegistryRecord: pa.schema(
        [
            ("account_id", pa.string()),
            ("region", pa.string()),
            ("replication_rules", pa.string()),
            ("scanning_configuration", pa.string()),
            ("blob_mounting", pa.string()),
            ("pull_time_update_exclusions", pa.string()),
            ("registry_policy_text", pa.string()),
            ("settings_fetched_at", TS),
        ]
    ),
    PullThroughCacheRuleRecord: pa.schema(
        [
            ("account_id", pa.string()),
            ("region", pa.string()),
            ("ecr_repository_prefix", pa.string()),
            ("upstream_registry_url", pa.string()),
            ("upstream_registry", pa.string()),
            ("upstream_repository_prefix", pa.string()),
            ("credential_arn", pa.string()),
            ("created_at", TS),
        ]
    ),
    PullCountRecord: pa.schema(
        [
            ("account_id", pa.string()),
            ("region", pa.string()),
            ("repository_name", pa.string()),
            ("day", pa.date32()),
            ("pulls", pa.float64()),
        ]
    ),
    ErrorRecord: pa.schema(
        [
            ("account_id", pa.string()),
            ("region", pa.string()),
            ("repository", pa.string()),
            ("operation", pa.string()),
            ("error_code", pa.string()),
            ("message", pa.string()),
            ("occurred_at", TS),
        ]
    ),
}

MANIFEST_SCHEMAS = {
    "manifests": pa.schema(
        [
            ("digest", pa.string()),
            ("media_type", pa.string()),
            ("artifact_type", pa.string()),
            ("config_digest", pa.string()),
            ("config_size", pa.int64()),
            ("manifest_size", pa.int64()),
            ("is_index", pa.bool_()),
            ("fetched_at", TS),
            ("artifact_kind", pa.string()),
            ("subject_digest", pa.string()),
        ]
    ),
    "manifest_layers": pa.schema(
        [
            ("manifest_digest", pa.string()),
            ("position", pa.int32()),
            ("layer_digest", pa.string()),
            ("size", pa.int64()),
            ("media_type", pa.string()),
        ]
    ),
    "manifest_children": pa.schema(
        [
            ("index_digest", pa.string()),
            ("position", pa.int32()),
            ("child_digest", pa.string()),
            ("size", pa.int64()),
            ("media_type", pa.string()),
            ("platform_os", pa.string()),
            ("platform_architecture", pa.string()),
            ("platform_variant", pa.string()),
            ("artifact_type", pa.string()),
            ("reference_type", pa.string()),
            ("reference_digest", pa.string()),
        ]
    ),
}


def to_table(records: list[Any], cls: type) -> pa.Table:
    """Column-wise conversion: one list per field, then one Arrow array per column (no per-row dicts)."""
    schema = SCHEMAS[cls]
    names = [f.name for f in fields(cls)]
    columns = {name: [getattr(r, name) for r in records] for name in names}
    return pa.table(columns, schema=schema)


def manifest_tables(parsed: list[Any], fetched_at: datetime) -> dict[str, pa.Table]:
    """Arrow tables for the `manifests`, `manifest_layers` and `manifest_children` tables."""
    m: dict[str, list[Any]] = {k: [] for k in MANIFEST_SCHEMAS["manifests"].names}
    layers: dict[str, list[Any]] = {k: [] for k in MANIFEST_SCHEMAS["manifest_layers"].names}
    children: dict[str, list[Any]] = {k: [] for k in MANIFEST_SCHEMAS["manifest_children"].names}
    for p in parsed:
        m["digest"].append(p.digest)
        m["media_type"].append(p.media_type)
        m["artifact_type"].append(p.artifact_type)
        m["config_digest"].append(p.config_digest)
        m["config_size"].append(p.config_size)
        m["manifest_size"].append(p.manifest_size)
        m["is_index"].append(p.is_index)
        m["fetched_at"].append(fetched_at)
        m["artifact_kind"].append(p.artifact_kind)
        m["subject_digest"].append(p.subject_digest)
        for i, layer in enumerate(p.layers):
            layers["manifest_digest"].append(p.digest)
            layers["position"].append(i)
            layers["layer_digest"].append(layer.digest)
            layers["size"].append(layer.size)
            layers["media_type"].append(layer.media_type)
        for i, c in enumerate(p.children):
            children["index_digest"].append(p.digest)
            children["position"].append(i)
            children["child_digest"].append(c.digest)
            children["size"].append(c.size)
            children["media_type"].append(c.media_type)
            children["platform_os"].append(c.os)
            children["platform_architecture"].append(c.architecture)
            children["platform_variant"].append(c.variant)
            children["artifact_type"].append(c.artifact_type)
            children["reference_type"].append(c.reference_type)
            children["reference_digest"].append(c.reference_digest)
    return {
        "manifests": pa.table(m, schema=MANIFEST_SCHEMAS["manifests"]),
        "manifest_layers": pa.table(layers, schema=MANIFEST_SCHEMAS["manifest_layers"]),
        "manifest_children": pa.table(children, schema=MANIFEST_SCHEMAS["manifest_children"]),
    }
