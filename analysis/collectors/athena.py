"""Athena as the engine for a CUR or a CloudTrail that outgrows one machine: regcost's own aggregation SQL
(aggregate_sql, the text DuckDB runs over local files) is sent to the user's Athena, and only the aggregate —
a few hundred rows — comes back.

The calls: glue:GetTable (the table's columns, to pick the CUR/FOCUS column set as the local reader does from
a file's schema), athena:StartQueryExecution, GetQueryExecution (polled with a growing wait), GetQueryResults
(paged). Athena writes the result file to the workgroup's S3 location with the caller's rights: that put is the
one write regcost causes, declared here as `iam_writes` and shown by `regcost iam-policy --athena-results`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import pyarrow as pa

from analysis.collectors import aggregate_sql, cur
from analysis.collectors.aws import AwsSettings
from analysis.collectors.cloudtrail import EVENT_SCHEMA, PULL_EVENTS
from analysis.collectors.operations import Operations, declare

OPERATIONS = declare(
    "athena",
    Operations(
        "athena",
        "athena",
        ("StartQueryExecution", "GetQueryExecution", "GetQueryResults"),
        # Athena writes the query's result file to the workgroup's output location as the caller.
        iam_writes=("s3:PutObject",),
        # …and reads, as the caller, the table's database and partitions in the Glue catalog and the result
        # bucket's location (AWS: Athena user guide "Identity and access management in Athena" — queries need the
        # Glue Data Catalog metadata; AWS Knowledge Center "athena-access-iam" — s3:GetBucketLocation on the
        # query result and source buckets; checked 2026-12-05). The table's objects (s3:GetObject, ListBucket)
        # are already read-only actions of the CUR collector.
        iam_reads=("glue:GetDatabase", "glue:GetPartitions", "s3:GetBucketLocation"),
    ),
    Operations("glue", "glue", ("GetTable",)),
)

RESULTS_PAGE = 1000  # GetQueryResults MaxResults: at most 1000 (botocore model)
FIRST_WAIT = 0.25  # seconds before the first GetQueryExecution; doubled up to MAX_WAIT
MAX_WAIT = 5.0
TIMEOUT = 30 * 60.0  # Athena's default DML timeout is 30 minutes


class AthenaError(Exception):
    """A query Athena refused, failed or cancelled, or a table regcost cannot read: one line, with what to do."""


@dataclass(frozen=True)
class AthenaTarget:
    table: str  # DB.TABLE
    workgroup: str
    region: str

    @property
    def database(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]

    @property
    def quoted(self) -> str:
        return f"{aggregate_sql.ident(self.database)}.{aggregate_sql.ident(self.name)}"


def target(table: str, workgroup: str, region: str) -> AthenaTarget:
    database, _, name = table.partition(".")
    if not database or not name or "." in name:
        raise AthenaError(f"--athena-table {table!r}: expected DATABASE.TABLE")
    return AthenaTarget(table, workgroup, region)


# ---- running a query -------------------------------------------------------------------------------------
def run_query(
    client: Any,
    sql: str,
    where: AthenaTarget,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    timeout: float = TIMEOUT,
) -> str:
    """Start `sql` in the workgroup and wait until it SUCCEEDED; returns the execution id.

    FAILED or CANCELLED raise AthenaError with Athena's reason; so does a wait beyond `timeout`.
    """
    qid: str = client.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": where.database}, WorkGroup=where.workgroup
    )["QueryExecutionId"]
    wait, began = FIRST_WAIT, clock()
    while True:
        status = client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
        state = status["State"]
        if state == "SUCCEEDED":
            return qid
        if state in ("FAILED", "CANCELLED"):
            reason = (status.get("StateChangeReason") or "no reason given").strip().splitlines()[0]
            raise AthenaError(f"Athena query {qid} on {where.table} was {state.lower()}: {reason}")
        if clock() - began > timeout:
            raise AthenaError(f"Athena query {qid} on {where.table} still {state} after {timeout:.0f} s")
        sleep(wait)
        wait = min(wait * 2, MAX_WAIT)


def fetch_results(client: Any, qid: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every row of a finished query, page by page, typed from the result metadata."""
    names: list[str] = []
    types: list[str] = []
    rows: list[tuple[Any, ...]] = []
    token: str | None = None
    first = True
    while True:
        page = client.get_query_results(
            QueryExecutionId=qid, MaxResults=RESULTS_PAGE, **({"NextToken": token} if token else {})
        )
        result = page["ResultSet"]
        if first:
            info = result["ResultSetMetadata"]["ColumnInfo"]
            names, types = [c["Name"] for c in info], [c["Type"].lower() for c in info]
        data = [[cell.get("VarCharValue") for cell in r["Data"]] for r in result["Rows"]]
        if first and data and data[0] == names:  # a SELECT's first row holds the column labels
            data = data[1:]
        rows += [tuple(_typed(v, t) for v, t in zip(row, types, strict=True)) for row in data]
        first = False
        token = page.get("NextToken")
        if not token:
            return names, rows


def _typed(value: str | None, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("bigint", "integer", "smallint", "tinyint"):
        return int(value)
    if kind in ("double", "float", "real") or kind.startswith("decimal"):
        return float(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "boolean":
        return value == "true"
    return value


# ---- the two aggregations --------------------------------------------------------------------------------
def table_columns(settings: AwsSettings, session: Any, where: AthenaTarget) -> list[str]:
    """The table's column names, partition keys last."""
    glue = settings.client(session, "glue", where.region)
    try:
        table = glue.get_table(DatabaseName=where.database, Name=where.name)["Table"]
    except glue.exceptions.EntityNotFoundException:
        raise AthenaError(f"{where.table}: no such table in the Glue catalog of {where.region}") from None
    columns = table.get("StorageDescriptor", {}).get("Columns", []) + table.get("PartitionKeys", [])
    return [c["Name"] for c in columns]


def cur_column_set(table: str, columns: list[str]) -> tuple[cur.ColumnSet, frozenset[str]]:
    """The CUR/FOCUS column set of a table, its names spelled as the catalog spells them (Glue lower-cases)."""
    spelled = {c.lower(): c for c in columns}
    for cs in cur.COLUMN_SETS:
        if all(c.lower() in spelled for c in cs.required()):
            renamed = {
                f.name: spelled.get(v.lower(), v)
                for f in fields(cs)
                if f.name != "name" and isinstance(v := getattr(cs, f.name), str)
            }
            return replace(cs, **renamed), frozenset(columns)
    raise AthenaError(f"{table}: not a CUR 2.0, legacy CUR or FOCUS table (its columns match none of them)")


def cur_aggregate(
    settings: AwsSettings, where: AthenaTarget, **wait: Any
) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    """(column set's name, CUR_COLUMNS, rows) of the table's ECR lines, aggregated by Athena."""
    session = settings.base_session()
    cs, available = cur_column_set(where.table, table_columns(settings, session, where))
    sql = aggregate_sql.cur_sql(
        cs, available, where.quoted, products=cur.ecr_products(cs, available), line_types=cur.usage_line_types(cs)
    )
    client = settings.client(session, "athena", where.region)
    names, rows = fetch_results(client, run_query(client, sql, where, **wait))
    return cs.name, names, rows


def trail_aggregate(settings: AwsSettings, where: AthenaTarget, start: date, end: date, **wait: Any) -> pa.Table:
    """Pull events of [start, end) in AWS's CloudTrail table, aggregated by Athena, as EVENT_SCHEMA rows."""
    session = settings.base_session()
    spelled = {c.lower(): c for c in table_columns(settings, session, where)}
    columns = set(spelled)
    needed = {"eventtime", "eventsource", "eventname", "awsregion", "useridentity", "requestparameters"}
    if not needed <= columns:
        missing = ", ".join(sorted(needed - columns))
        raise AthenaError(f"{where.table}: not AWS's CloudTrail table for Athena (lacks {missing})")
    client = settings.client(session, "athena", where.region)
    # AWS's partition-projection table partitions by delivery day in a column named `timestamp` (yyyy/MM/dd).
    sql = aggregate_sql.trail_sql(
        where.quoted,
        start,
        end,
        PULL_EVENTS,
        delivery_partition=spelled.get("timestamp"),
        source_columns=(spelled.get("sourceipaddress"), spelled.get("vpcendpointid")),
    )
    names, rows = fetch_results(client, run_query(client, sql, where, **wait))
    return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows], schema=EVENT_SCHEMA)
