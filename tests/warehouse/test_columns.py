"""Every record a collector returns fits its warehouse table: same column names, same types, after all migrations.

A record's columns are declared once, on its class; the DDL is the migrations'. This test is what keeps the two
in step: a field added to a record without a migration (or a column retyped by one) fails here, not at the first
collection that loads it.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from analysis.collectors.records import (
    MANIFEST_SCHEMAS,
    ErrorRecord,
    ImageRecord,
    PullCountRecord,
    PullThroughCacheRuleRecord,
    RegistryRecord,
    RepositoryRecord,
    arrow_schema,
    to_table,
)
from analysis.collectors.registry_records import (
    HarborGcRecord,
    HarborPolicyRecord,
    HarborProjectRecord,
    HarborQuotaRecord,
    HarborRegistryEndpointRecord,
    MetricSampleRecord,
    RegistryAccessoryRecord,
    RegistryArtifactRecord,
    RegistryErrorRecord,
    RegistryRepositoryRecord,
)
from analysis.warehouse import Warehouse

# Each record class and the table its rows are loaded into (the loaders add run_id in front).
TABLE_OF = {
    RepositoryRecord: "ecr_repositories",
    ImageRecord: "ecr_images",
    RegistryRecord: "ecr_registries",
    PullThroughCacheRuleRecord: "ecr_pull_through_cache_rules",
    PullCountRecord: "ecr_pull_counts",
    ErrorRecord: "collection_errors",
    RegistryRepositoryRecord: "registry_repositories",
    RegistryArtifactRecord: "registry_artifacts",
    RegistryAccessoryRecord: "registry_accessories",
    HarborProjectRecord: "harbor_projects",
    HarborQuotaRecord: "harbor_quotas",
    HarborPolicyRecord: "harbor_policies",
    HarborRegistryEndpointRecord: "harbor_registries",
    HarborGcRecord: "harbor_gc_runs",
    MetricSampleRecord: "metrics_scrapes",
    RegistryErrorRecord: "collection_errors",
}

# Columns of a table that a record does not carry, on purpose: the run that wrote the row, and for the one
# errors table shared by both sides, the other side's scope columns (NULL for this side's rows).
NOT_IN_RECORD = {
    "collection_errors": {"run_id", "registry", "project", "account_id", "region"},
}


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """{table: {column: DuckDB type}} of a warehouse freshly migrated to the latest version."""
    with Warehouse(tmp_path_factory.mktemp("columns") / "w.duckdb") as wh:
        rows = wh.query("SELECT table_name, column_name, data_type FROM information_schema.columns")
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        # A JSON column is loaded from the record's string (the JSON text); DuckDB casts it on insert.
        out.setdefault(table, {})[column] = "VARCHAR" if data_type == "JSON" else data_type
    return out


def _duckdb_types(schema: pa.Schema) -> dict[str, str]:
    """The DuckDB type each Arrow column becomes when a load reads it (what `INSERT … SELECT` converts from)."""
    con = duckdb.connect()
    con.register("t", schema.empty_table())
    return {name: data_type for name, data_type, *_ in con.execute("DESCRIBE SELECT * FROM t").fetchall()}


@pytest.mark.parametrize("cls", list(TABLE_OF), ids=lambda c: c.__name__)
def test_a_records_columns_are_its_tables_columns_with_the_same_types(cls, tables):
    table = tables[TABLE_OF[cls]]
    record = _duckdb_types(arrow_schema(cls))
    assert {name: table.get(name) for name in record} == record
    # nothing the table holds is forgotten by the record (a column it never fills would stay NULL)
    assert set(table) - set(record) <= NOT_IN_RECORD.get(TABLE_OF[cls], {"run_id"})


@pytest.mark.parametrize("name", list(MANIFEST_SCHEMAS))
def test_the_manifest_caches_columns_are_its_tables_columns(name, tables):
    assert _duckdb_types(MANIFEST_SCHEMAS[name]) == tables[name]


def test_the_schema_follows_the_fields_of_the_class():
    # a nullable timestamp is microseconds in UTC, a tag list a list of strings, a day a date, pulls a float
    schema = arrow_schema(ImageRecord)
    assert schema.field("pushed_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("image_tags").type == pa.list_(pa.string())
    assert arrow_schema(PullCountRecord).field("day").type == pa.date32()
    assert arrow_schema(PullCountRecord).field("pulls").type == pa.float64()
    assert schema.names[:4] == ["account_id", "region", "repository_name", "image_digest"]


def test_to_table_keeps_the_field_order_and_the_values():
    rec = PullCountRecord("111111111111", "eu-west-1", "web", date(2026, 11, 30), 42.0)
    t = to_table([rec], PullCountRecord)
    assert t.column_names == ["account_id", "region", "repository_name", "day", "pulls"]
    assert t.to_pylist()[0]["pulls"] == 42.0
