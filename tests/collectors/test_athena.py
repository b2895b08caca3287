"""The Athena path end to end against the emulated AWS (moto's Athena and Glue over HTTP): regcost sends the
shared aggregation SQL, waits, pages the results and loads the aggregate exactly as the local path loads it; a
failed or cancelled query is one line, exit 1, and nothing loaded."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors import aggregate_sql, athena, cur
from analysis.collectors import cloudtrail as ct
from analysis.collectors.operations import allowed_operations
from analysis.demo.aws import athena as emulated_athena
from analysis.demo.estate import ACCOUNT_IDS
from analysis.pipeline.costs import collect_cur
from analysis.warehouse import Warehouse

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FOCUS_BILL = FIXTURES / "bills" / "focus-1.0-aws-sample-ecr.csv"
TRAIL_COLUMNS = [
    ("eventid", "string"),
    ("eventtime", "string"),
    ("eventsource", "string"),
    ("eventname", "string"),
    ("awsregion", "string"),
    ("errorcode", "string"),
    ("recipientaccountid", "string"),
    ("useridentity", "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string>"),
    ("requestparameters", "string"),
]


@pytest.fixture()
def athena_env(aws, monkeypatch):
    """The emulator with a workgroup writing results to S3, and the CLI's standard
    credential chain pointed at it."""
    kwargs = aws.client_kwargs()
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", kwargs["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", kwargs["aws_secret_access_key"])
    if kwargs.get("aws_session_token"):
        monkeypatch.setenv("AWS_SESSION_TOKEN", kwargs["aws_session_token"])
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    boto3.client("s3", **kwargs).create_bucket(Bucket="athena-results")
    boto3.client("athena", **kwargs).create_work_group(
        Name="regcost",
        Configuration={"ResultConfiguration": {"OutputLocation": "s3://athena-results/regcost/"}},
    )
    emulated_athena.reset()
    aws.reset_calls()  # the setup above is not regcost's
    monkeypatch.setattr(athena, "FIRST_WAIT", 0.0)
    yield aws
    emulated_athena.reset()


def glue_table(aws, name: str, columns: list[tuple[str, str]]) -> None:
    emulated_athena.put_table("billing", name, columns)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def athena_answer(sql: str, load: str) -> tuple[list[tuple[str, str]], list[list[str | None]]]:
    """What Athena answers to `sql`: moto runs no query, so DuckDB runs the very text over the table `load`
    creates, and the rows go back as Athena's text values with its type names."""
    con = aggregate_sql.prepare_duckdb(__import__("duckdb").connect())
    con.execute("CREATE SCHEMA billing")
    con.execute(load)
    result = con.execute(sql.replace('"billing"."ecr_cur"', "billing.ecr_cur"))
    kinds = {"DATE": "date", "VARCHAR": "varchar", "DOUBLE": "double", "BIGINT": "bigint"}
    columns = [(d[0], kinds[str(d[1])]) for d in result.description]
    return columns, [[_text(v) for v in row] for row in result.fetchall()]


def _bill_columns() -> list[str]:
    with FOCUS_BILL.open(encoding="utf-8", newline="") as f:
        return [c.lower() for c in next(csv.reader(f))]


def _collect_costs(aws, db: Path, table: str = "billing.ecr_cur"):
    args = ["collect", "costs", "--athena-table", table, "--workgroup", "regcost", "--db", str(db)]
    return runner.invoke(app, [*args, "--endpoint-url", aws.endpoint_url, "--format", "json"])


def _cost_lines(db: Path) -> list[tuple]:
    with Warehouse(db, read_only=True) as wh:
        return wh.query(
            "SELECT month, account_id, usage_type, usage_class, region, quantity, unit, cost, currency "
            "FROM current_cost_lines ORDER BY account_id, usage_type"
        )


def test_athena_and_the_local_reader_load_the_same_cost_lines(athena_env, tmp_path, monkeypatch):
    aws = athena_env
    columns = _bill_columns()
    glue_table(aws, "ecr_cur", [(c, "string") for c in columns])
    cs, available = athena.cur_column_set("billing.ecr_cur", columns)
    sql = aggregate_sql.cur_sql(
        cs,
        available,
        '"billing"."ecr_cur"',
        products=cur.ecr_products(cs, available),
        line_types=cur.usage_line_types(cs),
    )
    load = f"CREATE TABLE billing.ecr_cur AS SELECT * FROM read_csv('{FOCUS_BILL}', header = true, all_varchar = true)"
    names, rows = athena_answer(sql, load)
    assert len(rows) == 4  # the bill's four (month, account, usage type) aggregates
    emulated_athena.inject_results(aws.endpoint_url, names, rows, account_id=ACCOUNT_IDS[0])
    monkeypatch.setattr(athena, "RESULTS_PAGE", 2)  # 1 header + 4 rows: three pages

    result = _collect_costs(aws, tmp_path / "athena.duckdb")
    assert result.exit_code == 0, result.output
    with Warehouse(tmp_path / "local.duckdb") as wh:
        collect_cur(wh, None, str(FOCUS_BILL))
    assert _cost_lines(tmp_path / "athena.duckdb") == _cost_lines(tmp_path / "local.duckdb")
    # Athena received regcost's own text, and the pages were read one by one.
    calls = aws.call_counts()
    assert calls[("athena", "StartQueryExecution")] == 1 and calls[("athena", "GetQueryResults")] == 3
    assert calls[("glue", "GetTable")] == 1
    executions = boto3.client("athena", **aws.client_kwargs()).list_query_executions()["QueryExecutionIds"]
    sent = boto3.client("athena", **aws.client_kwargs()).get_query_execution(QueryExecutionId=executions[0])
    assert sent["QueryExecution"]["Query"] == sql
    for service, operation in calls:
        assert operation in allowed_operations(service), f"{service}:{operation} is not declared"


def test_a_failed_query_is_one_line_exit_1_and_nothing_loaded(athena_env, tmp_path):
    aws = athena_env
    glue_table(aws, "ecr_cur", [(c, "string") for c in _bill_columns()])
    emulated_athena.end_next_query("FAILED", "COLUMN_NOT_FOUND: line 3:20: Column 'x' cannot be resolved\nmore")
    db = tmp_path / "w.duckdb"
    result = _collect_costs(aws, db)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "failed: COLUMN_NOT_FOUND: line 3:20: Column 'x' cannot be resolved" in lines[0]
    with Warehouse(db, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM cost_lines")[0][0] == 0
        assert wh.query("SELECT count(*) FROM cost_months")[0][0] == 0
        assert wh.query("SELECT status FROM runs WHERE source = 'costs-cur'") == [("failed",)]


def test_a_bill_table_without_ecr_lines_says_so_and_loads_nothing(athena_env, tmp_path):
    glue_table(athena_env, "ecr_cur", [(c, "string") for c in _bill_columns()])
    emulated_athena.inject_results(athena_env.endpoint_url, [("month", "date")], [], account_id=ACCOUNT_IDS[0])
    db = tmp_path / "w.duckdb"
    result = _collect_costs(athena_env, db)
    assert result.exit_code == 1
    assert "billing.ecr_cur: no ECR lines" in result.stderr
    with Warehouse(db, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM cost_lines")[0][0] == 0


def test_a_table_that_is_not_a_bill_is_refused_by_name(athena_env, tmp_path):
    glue_table(athena_env, "ecr_cur", [("a", "string"), ("b", "bigint")])
    result = _collect_costs(athena_env, tmp_path / "w.duckdb")
    assert result.exit_code == 1
    assert "billing.ecr_cur: not a CUR 2.0, legacy CUR or FOCUS table" in result.stderr


def _collect_trail(aws, db: Path):
    args = ["collect", "trail", "--athena-table", "billing.cloudtrail_logs", "--workgroup", "regcost", "--no-check"]
    args += ["--start", "2019-04-01", "--end", "2019-05-01", "--db", str(db), "--endpoint-url", aws.endpoint_url]
    return runner.invoke(app, [*args, "--format", "json"])


def test_the_trail_through_athena_loads_what_the_folder_loads(athena_env, tmp_path):
    from test_aggregate_sql import _records, cloudtrail_table

    aws = athena_env
    glue_table(aws, "cloudtrail_logs", TRAIL_COLUMNS)
    records = _records()
    sql = aggregate_sql.trail_sql('"billing"."cloudtrail_logs"', date(2019, 4, 1), date(2019, 5, 1), ct.PULL_EVENTS)
    con = aggregate_sql.prepare_duckdb(__import__("duckdb").connect())
    cloudtrail_table(con, records)
    result = con.execute(sql.replace('"billing"."cloudtrail_logs"', "cloudtrail_logs"))
    kinds = {"DATE": "date", "VARCHAR": "varchar", "BIGINT": "bigint"}
    names = [(d[0], kinds[str(d[1])]) for d in result.description]
    emulated_athena.inject_results(
        aws.endpoint_url, names, [[_text(v) for v in r] for r in result.fetchall()], account_id=ACCOUNT_IDS[0]
    )
    answer = _collect_trail(aws, tmp_path / "athena.duckdb")
    assert answer.exit_code == 0, answer.output

    folder = tmp_path / "trail"
    ct.write_trail_file(ct.delivery_path(folder, "123456789012", "us-east-2", date(2019, 4, 15), "A"), records)
    local = runner.invoke(
        app,
        ["collect", "trail", "--folder", str(folder), "--no-check", "--start", "2019-04-01", "--end", "2019-05-01"]
        + ["--db", str(tmp_path / "local.duckdb")],
    )
    assert local.exit_code == 0, local.output

    def events(db: Path) -> list[tuple]:
        with Warehouse(db, read_only=True) as wh:
            return wh.query(
                "SELECT day, account_id, repository_name, event_name, layer_digest, principal_arn, events "
                "FROM trail_pull_events ORDER BY event_name"
            )

    assert events(tmp_path / "athena.duckdb") == events(tmp_path / "local.duckdb")
    assert [(e[3], e[6]) for e in events(tmp_path / "athena.duckdb")] == [
        ("BatchGetImage", 1),
        ("GetDownloadUrlForLayer", 1),
    ]


def test_a_cancelled_trail_query_is_one_line_exit_1_and_nothing_loaded(athena_env, tmp_path):
    aws = athena_env
    glue_table(aws, "cloudtrail_logs", TRAIL_COLUMNS)
    emulated_athena.end_next_query("CANCELLED", "Query was cancelled by user")
    db = tmp_path / "w.duckdb"
    result = _collect_trail(aws, db)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "was cancelled: Query was cancelled by user" in lines[0]
    with Warehouse(db, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM trail_pull_events")[0][0] == 0
        assert wh.query("SELECT status FROM runs WHERE source = 'cloudtrail'") == [("failed",)]


def test_iam_policy_shows_the_one_write_only_when_asked():
    plain = runner.invoke(app, ["iam-policy"])
    assert plain.exit_code == 0 and "PutObject" not in plain.output
    assert "athena:StartQueryExecution" in plain.output and "glue:GetTable" in plain.output
    with_write = runner.invoke(app, ["iam-policy", "--athena-results", "s3://athena-results/regcost"])
    assert with_write.exit_code == 0, with_write.output
    statement = __import__("json").loads(with_write.output)["Statement"][-1]
    assert statement == {
        "Sid": "RegcostAthenaQueryResults",
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": "arn:aws:s3:::athena-results/regcost/*",
    }


class _Athena:
    """A client whose query is QUEUED, RUNNING twice, then SUCCEEDED."""

    def __init__(self) -> None:
        self.states = ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"]

    def start_query_execution(self, **_kwargs):
        return {"QueryExecutionId": "q-1"}

    def get_query_execution(self, **_kwargs):
        return {"QueryExecution": {"Status": {"State": self.states.pop(0)}}}


def test_the_wait_for_a_query_grows_until_it_succeeds_or_times_out():
    waits: list[float] = []
    where = athena.target("billing.cur", "regcost", "us-east-1")
    assert athena.run_query(_Athena(), "SELECT 1", where, sleep=waits.append, clock=lambda: 0.0) == "q-1"
    assert waits == [0.25, 0.5, 1.0]  # doubled after each poll, from FIRST_WAIT
    now = iter([0.0, 10.0, 20.0])
    with pytest.raises(athena.AthenaError, match="still QUEUED after 5 s"):
        athena.run_query(_Athena(), "SELECT 1", where, sleep=waits.append, clock=lambda: next(now), timeout=5.0)
