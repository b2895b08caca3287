"""The emulated Athena and Glue answer in botocore's shapes: injected results come back paged as Athena pages
them, an ended query keeps its state and reason, an unknown table is EntityNotFoundException."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from analysis.demo.aws import athena as emulated
from analysis.demo.estate import ACCOUNT_IDS


@pytest.fixture()
def clients(aws):
    emulated.reset()
    kwargs = aws.client_kwargs()
    yield aws, boto3.client("athena", **kwargs), boto3.client("glue", **kwargs)
    emulated.reset()


def test_injected_results_come_back_a_page_at_a_time_header_first(clients):
    aws, athena, _ = clients
    rows = [[str(i), None if i == 3 else f"r{i}"] for i in range(5)]
    emulated.inject_results(aws.endpoint_url, [("n", "bigint"), ("s", "varchar")], rows, account_id=ACCOUNT_IDS[0])
    qid = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="primary")["QueryExecutionId"]
    assert athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    pages, token = [], None
    while True:
        page = athena.get_query_results(QueryExecutionId=qid, MaxResults=4, **({"NextToken": token} if token else {}))
        pages.append([[c.get("VarCharValue") for c in r["Data"]] for r in page["ResultSet"]["Rows"]])
        token = page.get("NextToken")
        if not token:
            break
    # 1 header + 5 rows at 4 a page: 4 + 2; the NULL is a cell without VarCharValue, as Athena sends it.
    assert [len(p) for p in pages] == [4, 2]
    assert pages[0][0] == ["n", "s"] and pages[1][0] == ["3", None]
    with pytest.raises(ClientError, match="MaxResults"):
        athena.get_query_results(QueryExecutionId=qid, MaxResults=1001)


def test_an_ended_query_reports_its_state_and_reason_and_has_no_results(clients):
    _, athena, _ = clients
    emulated.end_next_query("FAILED", "SYNTAX_ERROR: line 1:1")
    qid = athena.start_query_execution(QueryString="SELEC 1", WorkGroup="primary")["QueryExecutionId"]
    status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
    assert (status["State"], status["StateChangeReason"]) == ("FAILED", "SYNTAX_ERROR: line 1:1")
    with pytest.raises(ClientError, match="Final query state: FAILED"):
        athena.get_query_results(QueryExecutionId=qid)


def test_glue_get_table_returns_the_put_table_or_entity_not_found(clients):
    _, _, glue = clients
    emulated.put_table("billing", "cur", [("line_item_usage_type", "string")], [("billing_period", "string")])
    table = glue.get_table(DatabaseName="billing", Name="cur")["Table"]
    assert table["StorageDescriptor"]["Columns"] == [{"Name": "line_item_usage_type", "Type": "string"}]
    assert table["PartitionKeys"] == [{"Name": "billing_period", "Type": "string"}]
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_table(DatabaseName="billing", Name="nope")


def test_a_reseed_forgets_queued_endings_and_glue_tables(clients, small_estate):
    aws, athena, glue = clients
    emulated.end_next_query("FAILED", "left over from an earlier test")
    emulated.put_table("cur", "old_table", [("a", "string")])
    aws.seed(small_estate)  # resets moto, and now the emulated Athena's own state too
    qid = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="primary")["QueryExecutionId"]
    assert athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    with pytest.raises(ClientError, match="EntityNotFoundException"):
        glue.get_table(DatabaseName="cur", Name="old_table")
