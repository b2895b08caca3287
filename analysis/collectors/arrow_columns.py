"""Arrow columns built from Python values by writing their buffers, without pyarrow's conversion.

pyarrow's conversion of Python values (`pa.array`, `pa.table` of lists) first asks whether the values are a pandas
object, and that question imports pandas: ~0.9 s of CPU once a process on a 2-core machine, more than the rest of
a small collection's own work (docs/benchmarks.md, the side-by-side run). A collection never needs pandas
otherwise, so its tables are built here from the values' bytes: offsets and data for strings, fixed-width numbers
for the rest, a validity bitmap where a value is None. `Array.from_buffers` and `Table.from_arrays` take Arrow's
own buffers and ask nothing.

The result is the same table as `pa.table(columns, schema=schema)` (tests/collectors/test_arrow_columns.py holds
them equal for every type a record declares, nulls, empty columns and non-ASCII text included). What a collector
loads is small next to its API calls (a 40,000-image scope in ~0.2 s), so plain Python loops are fast enough.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, chain
from typing import Any

import numpy as np
import pyarrow as pa

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY = date(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
# A string array's offsets are int32: more bytes than that in one column are split over chunks.
_MAX_STRING_BYTES = 2**31 - 1
_FIXED = {pa.int64(): np.int64, pa.int32(): np.int32, pa.float64(): np.float64}


def table(columns: Mapping[str, Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """`pa.table(columns, schema=schema)`: one column per schema field, each a sequence of Python values."""
    if not any(len(columns[f.name]) for f in schema):
        # Most of a scope's tables are empty (its manifests under --no-manifests, rules, errors): built once per
        # schema (about 3 % of an organization run's collector CPU went to empty tables). Not `schema.empty_table()`:
        # it imports pandas.
        return _empty(schema)
    return pa.Table.from_arrays([array(columns[f.name], f.type) for f in schema], schema=schema)


@functools.lru_cache(maxsize=64)
def _empty(schema: pa.Schema) -> pa.Table:
    return pa.Table.from_arrays([array([], f.type) for f in schema], schema=schema)


def array(values: Sequence[Any], type_: pa.DataType) -> pa.Array | pa.ChunkedArray:
    """`pa.array(values, type_)` for the types a record declares (records.py: `_arrow_types`, lists of them)."""
    n = len(values)
    validity, nulls = _validity(values)
    if type_ in _FIXED:
        data = np.fromiter((0 if v is None else v for v in values), _FIXED[type_], n)
        return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(data)], nulls)
    if pa.types.is_boolean(type_):
        bits = np.packbits(np.fromiter((v is True for v in values), np.bool_, n), bitorder="little")
        return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(bits)], nulls)
    if pa.types.is_timestamp(type_) and type_.unit == "us":
        micros = np.fromiter((0 if v is None else _micros(v) for v in values), np.int64, n)
        return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(micros)], nulls)
    if pa.types.is_date32(type_):
        days = np.fromiter((0 if v is None else (v - _EPOCH_DAY).days for v in values), np.int32, n)
        return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(days)], nulls)
    if pa.types.is_string(type_):
        return _strings(values, validity, nulls)
    if pa.types.is_list(type_):
        offsets = _offsets(0 if v is None else len(v) for v in values)
        child = array(list(chain.from_iterable(v for v in values if v is not None)), type_.value_type)
        if isinstance(child, pa.ChunkedArray):
            child = child.combine_chunks()
        return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(offsets)], nulls, children=[child])
    raise TypeError(f"no Arrow column builder for {type_}")


def _validity(values: Sequence[Any]) -> tuple[pa.Buffer | None, int]:
    """The validity bitmap (bit i set: value i is not None) and the null count; no bitmap when nothing is None."""
    valid = np.fromiter((v is not None for v in values), np.bool_, len(values))
    nulls = len(values) - int(valid.sum())
    if nulls == 0:
        return None, 0
    return pa.py_buffer(np.packbits(valid, bitorder="little")), nulls


def _micros(v: datetime) -> int:
    # A naive datetime is read as UTC, as pyarrow does for a time-zone-aware column.
    return ((v if v.tzinfo else v.replace(tzinfo=UTC)) - _EPOCH) // _MICROSECOND


def _offsets(lengths: Any) -> np.ndarray:
    return np.fromiter(accumulate(lengths, initial=0), np.int32)


def _strings(values: Sequence[Any], validity: pa.Buffer | None, nulls: int) -> pa.Array | pa.ChunkedArray:
    encoded = [b"" if v is None else v.encode() for v in values]
    if sum(map(len, encoded)) > _MAX_STRING_BYTES:
        half = len(values) // 2
        parts = [array(values[:half], pa.string()), array(values[half:], pa.string())]
        return pa.chunked_array(chunk for part in parts for chunk in _chunks(part))
    offsets = _offsets(map(len, encoded))
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(values), [validity, pa.py_buffer(offsets), data], nulls)


def _chunks(part: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return part.chunks if isinstance(part, pa.ChunkedArray) else [part]
