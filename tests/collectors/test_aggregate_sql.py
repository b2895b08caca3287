"""One SQL text per aggregation: run over a table shaped as Athena sees it, it gives exactly what the local
reader loads from the same real fixtures (tests/fixtures/bills, tests/fixtures/cloudtrail)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analysis.collectors import aggregate_sql, athena, cur
from analysis.collectors import cloudtrail as ct

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FOCUS_BILL = FIXTURES / "bills" / "focus-1.0-aws-sample-ecr.csv"
DOC_EVENTS = json.loads((FIXTURES / "cloudtrail" / "aws-docs-ecr-events.json").read_text())


def _duckdb() -> duckdb.DuckDBPyConnection:
    return aggregate_sql.prepare_duckdb(duckdb.connect())


def cur_table(con: duckdb.DuckDBPyConnection, bill: Path) -> list[str]:
    """The bill as an Athena table over its CSV: every column a string, names lower-cased (Glue lower-cases)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS cur")
    con.execute(f"CREATE TABLE cur.ecr AS SELECT * FROM read_csv('{bill}', header = true, all_varchar = true)")
    columns = [r[0] for r in con.execute("DESCRIBE cur.ecr").fetchall()]
    for c in columns:
        con.execute(f'ALTER TABLE cur.ecr RENAME COLUMN "{c}" TO "{c.lower()}"')
    return [c.lower() for c in columns]


def cur_sql_over_table(con: duckdb.DuckDBPyConnection, columns: list[str]) -> str:
    cs, available = athena.cur_column_set("cur.ecr", columns)
    return aggregate_sql.cur_sql(
        cs, available, '"cur"."ecr"', products=cur.ecr_products(cs, available), line_types=cur.usage_line_types(cs)
    )


def test_the_cur_text_over_a_table_gives_what_the_local_reader_loads():
    con = _duckdb()
    sql = cur_sql_over_table(con, cur_table(con, FOCUS_BILL))
    over_table = sorted(con.execute(sql).fetchall())
    _, local, names = cur.scan(FOCUS_BILL)
    assert names == list(aggregate_sql.CUR_COLUMNS)
    assert over_table == sorted(local)
    # The numbers a user sees: eu-north-1's two hourly storage lines add up to
    # 0.0001111681 + 0.000111175 = 0.0002223431 GB-Mo, costing 0.0000111168 + 0.0000111175 = 0.0000222343.
    eun1 = next(r for r in over_table if r[2] == "EUN1-TimedStorage-ByteHrs")
    assert (eun1[0], eun1[1], eun1[3], eun1[4]) == (date(2024, 9, 1), "55441562023", "storage", "eu-north-1")
    assert round(eun1[6], 10) == 0.0002223431 and round(eun1[8], 10) == 0.0000222343 and eun1[10] == 2


def cloudtrail_table(con: duckdb.DuckDBPyConnection, records: list[dict]) -> None:
    """Records as AWS's documented CloudTrail table holds them: lower-case columns, `useridentity` a struct,
    `requestparameters` the JSON text."""
    con.execute(
        "CREATE TABLE cloudtrail_logs (eventid VARCHAR, eventtime VARCHAR, eventsource VARCHAR, eventname VARCHAR, "
        "awsregion VARCHAR, errorcode VARCHAR, recipientaccountid VARCHAR, useridentity STRUCT(type VARCHAR, "
        "principalid VARCHAR, arn VARCHAR, accountid VARCHAR, invokedby VARCHAR), requestparameters VARCHAR, "
        "sourceipaddress VARCHAR, vpcendpointid VARCHAR)"
    )
    for r in records:
        who = r.get("userIdentity", {})
        con.execute(
            "INSERT INTO cloudtrail_logs VALUES (?, ?, ?, ?, ?, ?, ?, {'type': ?, 'principalid': ?, 'arn': ?, "
            "'accountid': ?, 'invokedby': ?}, ?, ?, ?)",
            [
                r.get("eventID"),
                r["eventTime"],
                r["eventSource"],
                r["eventName"],
                r["awsRegion"],
                r.get("errorCode"),
                r.get("recipientAccountId"),
                *(who.get(k) for k in ("type", "principalId", "arn", "accountId", "invokedBy")),
                json.dumps(r["requestParameters"]) if r.get("requestParameters") is not None else None,
                r.get("sourceIPAddress"),
                r.get("vpcEndpointId"),
            ],
        )


def _records() -> list[dict]:
    """AWS's five documented records, the pull delivered twice (organization and account trail), a failed pull
    and a layer fetch built from the documented pull (AWS publishes none: synthetic)."""
    pull = next(e for e in DOC_EVENTS if e["eventName"] == "BatchGetImage")
    denied = copy.deepcopy(pull) | {"eventID": "denied-1", "errorCode": "AccessDenied"}
    fetch = copy.deepcopy(pull) | {"eventID": "fetch-1", "eventName": "GetDownloadUrlForLayer"}
    fetch["requestParameters"] = {"repositoryName": "testrepo", "layerDigest": "sha256:" + "a" * 64}
    return [*DOC_EVENTS, copy.deepcopy(pull), denied, fetch]


def test_the_trail_text_over_a_table_gives_what_the_local_reader_loads(tmp_path):
    records = _records()
    ct.write_trail_file(ct.delivery_path(tmp_path, "123456789012", "us-east-2", date(2019, 4, 15), "A"), records)
    local, _ = ct.read_trail_folder(tmp_path, date(2019, 4, 1), date(2019, 5, 1))
    con = _duckdb()
    cloudtrail_table(con, records)
    cur_ = con.execute(aggregate_sql.trail_sql("cloudtrail_logs", date(2019, 4, 1), date(2019, 5, 1), ct.PULL_EVENTS))
    names = [d[0] for d in cur_.description]
    over_table = [dict(zip(names, r, strict=True)) for r in cur_.fetchall()]

    def key(r: dict) -> str:
        return r["event_name"]

    assert sorted(over_table, key=key) == sorted(local.to_pylist(), key=key)
    # The pull delivered twice counts once, the refused one not at all; the layer fetch is its own row.
    assert [(r["event_name"], r["repository_name"], r["events"]) for r in sorted(over_table, key=key)] == [
        ("BatchGetImage", "testrepo", 1),
        ("GetDownloadUrlForLayer", "testrepo", 1),
    ]


@pytest.mark.parametrize("duckdb_only", ["regexp_matches", "any_value", "DISTINCT ON", "MAP {", "::", "json_transform"])
def test_the_texts_use_nothing_only_duckdb_understands(duckdb_only):
    con = _duckdb()
    texts = [
        cur_sql_over_table(con, cur_table(con, FOCUS_BILL)),
        aggregate_sql.cur_sql(
            cur.CUR_PARQUET,
            frozenset(cur.CUR_PARQUET.required()),
            "t",
            products=("AmazonECR",),
            line_types=cur.USAGE_LINE_TYPES,
        ),
        aggregate_sql.trail_sql("t", date(2026, 1, 1), date(2026, 2, 1), ct.PULL_EVENTS),
    ]
    assert not [t for t in texts if duckdb_only in t]


def test_a_delivery_partitioned_table_gives_the_same_pulls_reading_only_the_windows_folders():
    con = _duckdb()
    cloudtrail_table(con, _records())
    con.execute("ALTER TABLE cloudtrail_logs ADD COLUMN \"timestamp\" VARCHAR DEFAULT '2019/04/15'")
    window = (date(2019, 4, 1), date(2019, 5, 1), ct.PULL_EVENTS)
    plain = sorted(con.execute(aggregate_sql.trail_sql("cloudtrail_logs", *window)).fetchall())
    partitioned = aggregate_sql.trail_sql("cloudtrail_logs", *window, delivery_partition="timestamp")
    assert sorted(con.execute(partitioned).fetchall()) == plain and len(plain) == 2
    # Delivered in a folder no window day can be in (2019/05/02): not read.
    con.execute("UPDATE cloudtrail_logs SET \"timestamp\" = '2019/05/02'")
    assert con.execute(partitioned).fetchall() == []
