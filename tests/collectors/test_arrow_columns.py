"""A collection's Arrow tables built from the values' bytes (analysis/collectors/arrow_columns.py) are the tables
pyarrow's own conversion makes, and a whole `collect ecr` no longer imports pandas (~0.9 s of CPU it never used)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from analysis.collectors import arrow_columns
from analysis.collectors.records import MANIFEST_SCHEMAS, arrow_schema
from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate
from tests.warehouse.test_columns import TABLE_OF

_TEXT = ["", "a", "repo/näme", "日本語のタグ", "emoji 🐳", "x" * 300, '{"json": [1, 2]}']


def _value(type_: pa.DataType, rng: random.Random) -> Any:
    """A value of the Python type a record field of this Arrow type holds: edge values drawn often."""
    if pa.types.is_string(type_):
        return rng.choice(_TEXT)
    if pa.types.is_int64(type_):
        return rng.choice([0, -1, 2**63 - 1, -(2**63), rng.randrange(10**12)])
    if pa.types.is_int32(type_):
        return rng.choice([0, 2**31 - 1, -(2**31), rng.randrange(1000)])
    if pa.types.is_float64(type_):
        return rng.choice([0.0, -0.5, 1e300, float("inf"), rng.random() * 1e6])
    if pa.types.is_boolean(type_):
        return rng.random() < 0.5
    if pa.types.is_timestamp(type_):
        at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(-(10**15), 10**17))
        # aware in UTC, aware elsewhere (kept as the same instant) and naive (read as UTC, as pyarrow does)
        return rng.choice([at, at.astimezone(timezone(timedelta(hours=-7, minutes=-30))), at.replace(tzinfo=None)])
    if pa.types.is_date32(type_):
        return date(1970, 1, 1) + timedelta(days=rng.randrange(-30_000, 30_000))
    if pa.types.is_list(type_):
        return [_value(type_.value_type, rng) for _ in range(rng.choice([0, 1, 3]))]
    raise AssertionError(f"no values for {type_}")


def _columns(schema: pa.Schema, rows: int, rng: random.Random, nulls: float) -> dict[str, list[Any]]:
    return {f.name: [None if rng.random() < nulls else _value(f.type, rng) for _ in range(rows)] for f in schema}


SCHEMAS = {cls.__name__: arrow_schema(cls) for cls in TABLE_OF} | MANIFEST_SCHEMAS


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@pytest.mark.parametrize(("rows", "nulls"), [(0, 0.0), (1, 0.0), (1, 1.0), (257, 0.0), (257, 0.3), (64, 1.0)])
def test_every_record_table_is_the_one_pyarrow_converts(name: str, rows: int, nulls: float):
    schema = SCHEMAS[name]
    columns = _columns(schema, rows, random.Random(f"{name}-{rows}-{nulls}"), nulls)
    ours = arrow_columns.table(columns, schema)
    ours.validate(full=True)
    assert ours.equals(pa.table(columns, schema=schema))
    assert ours.to_pylist() == pa.table(columns, schema=schema).to_pylist()


def test_every_type_a_record_declares_is_built():
    # a record field of a type the builder does not know would fail at its first load: caught here instead
    declared = {f.type for schema in SCHEMAS.values() for f in schema}
    assert declared >= {pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.list_(pa.string())}
    for type_ in declared:
        arrow_columns.array([None], type_)


def test_a_column_of_more_text_than_int32_offsets_reach_is_split_into_chunks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(arrow_columns, "_MAX_STRING_BYTES", 10)  # 2 GiB of text, made small
    values = ["abcd", None, "éé", "", "xyzxyzxyz", "q", None, "ü" * 3]
    built = arrow_columns.array(values, pa.string())
    assert isinstance(built, pa.ChunkedArray) and built.num_chunks > 1
    assert all(sum(len(v.as_py() or "") for v in c) <= 10 for c in built.chunks)
    assert built.to_pylist() == values
    schema = pa.schema([("text", pa.string())])
    assert arrow_columns.table({"text": values}, schema).equals(pa.table({"text": values}, schema=schema))


def test_a_value_arrow_cannot_hold_is_refused_as_pyarrow_refuses_it():
    with pytest.raises(OverflowError):
        arrow_columns.array([2**63], pa.int64())
    with pytest.raises(OverflowError):
        pa.array([2**63], pa.int64())


def test_a_whole_collection_never_imports_pandas(aws: EmulatedAWS, small_estate: Estate, tmp_path: Path):
    """`collect ecr` of the small estate (below the size whose plan a collection keeps), a process of its own."""
    code = """
import sys
from analysis.cli import app
try:
    app(sys.argv[1:])
finally:
    print("pandas imported:", "pandas" in sys.modules, file=sys.stderr)
"""
    kw = aws.client_kwargs()
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL=kw["endpoint_url"],
        AWS_ACCESS_KEY_ID=kw["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=kw["aws_secret_access_key"],
        AWS_SESSION_TOKEN=kw.get("aws_session_token", ""),
    )
    args = ["collect", "ecr", "--db", str(tmp_path / "w.duckdb"), "--format", "json"]
    args += [a for region in small_estate.regions for a in ("--region", region)]
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"images": ' in done.stdout  # it collected
    assert "pandas imported: False" in done.stderr
