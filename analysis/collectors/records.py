"""Typed records that collectors return, and their Arrow schemas (the warehouse tables' columns).

Collectors build these; the warehouse loads them as Arrow tables in bulk. A record's Arrow schema is derived
from its class (`arrow_schema`), so a new field is one edit on the class plus the migration that adds the column
(tests/warehouse/test_columns.py fails until both agree).
"""

from __future__ import annotations

import functools
import importlib
import threading
import types
import typing
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

# Arrow is imported when a table is first built, not with the records: `collect ecr` makes its first AWS calls
# (which build ErrorRecords) before it needs Arrow, and importing it costs about half a second.
_LAZY = {"TS": "_ts", "ARROW_TYPES": "_arrow_types", "MANIFEST_SCHEMAS": "_manifest_schemas"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return globals()[_LAZY[name]]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def import_arrow_meanwhile() -> threading.Thread:
    """Import Arrow (and numpy) on a thread of its own, for a caller about to wait on network calls: the import's
    CPU then fills the waits instead of delaying the first table. Whoever imports it meanwhile waits for this one."""
    thread = threading.Thread(target=importlib.import_module, args=("analysis.collectors.arrow_columns",), name="arrow")
    thread.start()
    return thread


@functools.cache
def _ts() -> pa.DataType:
    import pyarrow as pa

    return pa.timestamp("us", tz="UTC")


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
class ErrorFields:
    """What could not be read, where, and why: a collection error as collectors record it and reports list it."""

    account_id: str | None
    region: str | None
    repository: str | None
    operation: str
    error_code: str
    message: str  # error_message(): never empty (the exception type when it says nothing)


@dataclass(slots=True)
class ErrorRecord(ErrorFields):
    """A collection error as loaded into `collection_errors`: its fields and when it happened."""

    occurred_at: datetime


# Python type of a record field → Arrow type of its column (and so of the warehouse column: DuckDB maps
# string → VARCHAR, int64 → BIGINT, float64 → DOUBLE, bool → BOOLEAN, TS → TIMESTAMPTZ, date32 → DATE).
# `X | None` is the same column, nullable.
@functools.cache
def _arrow_types() -> dict[Any, pa.DataType]:
    import pyarrow as pa

    return {
        str: pa.string(),
        int: pa.int64(),
        float: pa.float64(),
        bool: pa.bool_(),
        datetime: _ts(),
        date: pa.date32(),
    }


def _arrow_type(hint: Any) -> pa.DataType:
    import pyarrow as pa

    if isinstance(hint, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _arrow_type(inner)
    if typing.get_origin(hint) is list:
        return pa.list_(_arrow_type(typing.get_args(hint)[0]))
    return _arrow_types()[hint]


@functools.cache
def arrow_schema(cls: type) -> pa.Schema:
    """The Arrow schema of a record class, derived from its fields: the columns are declared once, on the class.

    tests/warehouse/test_columns.py checks every record's schema against its warehouse table after migrations.
    """
    import pyarrow as pa

    hints = typing.get_type_hints(cls)
    return pa.schema([(f.name, _arrow_type(hints[f.name])) for f in fields(cls)])


# The manifest cache's rows are built column-wise from parsed manifests (no record class): their columns here.
@functools.cache
def _manifest_schemas() -> dict[str, pa.Schema]:
    import pyarrow as pa

    return {
        "manifests": pa.schema(
            [
                ("digest", pa.string()),
                ("media_type", pa.string()),
                ("artifact_type", pa.string()),
                ("config_digest", pa.string()),
                ("config_size", pa.int64()),
                ("manifest_size", pa.int64()),
                ("is_index", pa.bool_()),
                ("fetched_at", _ts()),
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
    from analysis.collectors import arrow_columns

    schema = arrow_schema(cls)
    names = schema.names
    columns = {name: [getattr(r, name) for r in records] for name in names}
    return arrow_columns.table(columns, schema)


def manifest_tables(parsed: list[Any], fetched_at: datetime) -> dict[str, pa.Table]:
    """Arrow tables for the `manifests`, `manifest_layers` and `manifest_children` tables."""
    from analysis.collectors import arrow_columns

    MANIFEST_SCHEMAS = _manifest_schemas()  # noqa: N806  # the module attribute, computed once
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
        "manifests": arrow_columns.table(m, MANIFEST_SCHEMAS["manifests"]),
        "manifest_layers": arrow_columns.table(layers, MANIFEST_SCHEMAS["manifest_layers"]),
        "manifest_children": arrow_columns.table(children, MANIFEST_SCHEMAS["manifest_children"]),
    }
