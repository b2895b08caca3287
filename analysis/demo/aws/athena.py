"""Athena in the emulated AWS: what moto lacks for regcost's Athena path, patched onto moto's AthenaResponse.

moto runs no query: results are injected through its own API (`/moto-api/static/athena/query-results`,
`inject_results` below), each started query taking the next injected result. On top of that:

* GetQueryResults pages as Athena does (MaxResults ≤ 1000, NextToken); moto returns every row at once;
* `end_next_query(state, reason)`: the next started query ends FAILED or CANCELLED with a StateChangeReason
  (moto's queries always succeed), and its GetQueryResults is refused as Athena refuses it;
* Glue's GetTable, from tables put with `put_table`: moto's Glue needs pyparsing (the moto[glue] extra), which
  regcost does not install, so glue requests are answered by a small WSGI app of ours instead.

Shapes follow botocore's athena service model (GetQueryResultsInput.MaxResults 1..1000, QueryExecutionStatus
.StateChangeReason).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import requests
from moto.athena.responses import AthenaResponse

_LOCK = threading.Lock()
_NEXT_ENDINGS: list[tuple[str, str]] = []  # (state, reason) for the next started queries, in order
_ENDINGS: dict[str, tuple[str, str]] = {}  # execution id -> (state, reason)
_ORIGINAL: dict[str, Any] = {}
_TABLES: dict[tuple[str, str], dict[str, Any]] = {}  # (database, table) -> GetTable's Table


def end_next_query(state: str, reason: str) -> None:
    """The next StartQueryExecution ends in `state` (FAILED or CANCELLED) with `reason`."""
    assert state in ("FAILED", "CANCELLED"), state
    with _LOCK:
        _NEXT_ENDINGS.append((state, reason))


def reset() -> None:
    with _LOCK:
        _NEXT_ENDINGS.clear()
        _ENDINGS.clear()
        _TABLES.clear()


def put_table(
    database: str, name: str, columns: list[tuple[str, str]], partition_keys: list[tuple[str, str]] | None = None
) -> None:
    """A table in the emulated Glue catalog (any account and region), `columns` as (name, Hive type)."""

    def cols(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"Name": n, "Type": t} for n, t in pairs]

    with _LOCK:
        _TABLES[(database, name)] = {
            "Name": name,
            "DatabaseName": database,
            "StorageDescriptor": {"Columns": cols(columns)},
            "PartitionKeys": cols(partition_keys or []),
            "TableType": "EXTERNAL_TABLE",
        }


def _glue_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Glue's JSON protocol (X-Amz-Target AWSGlue.<Operation>): GetTable only."""
    operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    request = json.loads(environ["wsgi.input"].read(length) or b"{}")
    status, body = "200 OK", {}
    if operation != "GetTable":
        status, body = "400 Bad Request", {"__type": "UnknownOperationException", "Message": operation}
    elif (table := _TABLES.get((request.get("DatabaseName"), request.get("Name")))) is None:
        status = "400 Bad Request"
        body = {"__type": "EntityNotFoundException", "Message": f"Table {request.get('Name')} not found."}
    else:
        body = {"Table": table}
    start_response(status, [("Content-Type", "application/x-amz-json-1.1")])
    return [json.dumps(body).encode()]


def inject_results(
    endpoint_url: str,
    columns: list[tuple[str, str]],
    rows: list[list[str | None]],
    *,
    account_id: str = "123456789012",
    region: str = "us-east-1",
) -> None:
    """Queue one query's result: `columns` as (name, Athena type), `rows` as Athena's text values (None: NULL).
    As Athena does for a SELECT, the first row returned holds the column labels."""
    info = [{"Name": n, "Label": n, "Type": t, "Nullable": "UNKNOWN", "CaseSensitive": False} for n, t in columns]
    header = {"Data": [{"VarCharValue": n} for n, _ in columns]}
    data = [{"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in rows]
    body = {"account_id": account_id, "region": region, "results": [{"rows": [header, *data], "column_info": info}]}
    answer = requests.post(f"{endpoint_url}/moto-api/static/athena/query-results", json=body, timeout=10)
    answer.raise_for_status()


def _start_query_execution(self: AthenaResponse) -> str:
    body = _ORIGINAL["start_query_execution"](self)
    with _LOCK:
        if _NEXT_ENDINGS:
            _ENDINGS[json.loads(body)["QueryExecutionId"]] = _NEXT_ENDINGS.pop(0)
    return body


def _get_query_execution(self: AthenaResponse) -> str:
    answer = json.loads(_ORIGINAL["get_query_execution"](self))
    ending = _ENDINGS.get(self._get_param("QueryExecutionId"))
    if ending:
        status = answer["QueryExecution"]["Status"]
        status["State"], status["StateChangeReason"] = ending
    return json.dumps(answer)


def _get_query_results(self: AthenaResponse) -> str | tuple[str, dict[str, int]]:
    exec_id = self._get_param("QueryExecutionId")
    ending = _ENDINGS.get(exec_id)
    if ending:
        return self.error(f"Query did not finish successfully. Final query state: {ending[0]}", 400)
    max_results = int(self._get_param("MaxResults") or 1000)
    if not 1 <= max_results <= 1000:
        return self.error("MaxResults must be between 1 and 1000", 400)
    answer = json.loads(_ORIGINAL["get_query_results"](self))
    offset = int(self._get_param("NextToken") or 0)
    rows = answer["ResultSet"]["Rows"]
    answer["ResultSet"]["Rows"] = rows[offset : offset + max_results]
    if offset + max_results < len(rows):
        answer["NextToken"] = str(offset + max_results)
    return json.dumps(answer)


def install() -> None:
    """Patch moto's AthenaResponse and route Glue to `_glue_app` (called once, from patches.install_patches)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    init = DomainDispatcherApplication.__init__

    def init_with_glue(self: DomainDispatcherApplication, create_app: Any) -> None:
        # create_app is given per server (ThreadedMotoServer.start): wrap it so "glue" gets our app.
        init(self, lambda backend: _glue_app if backend == "glue" else create_app(backend))  # type: ignore[arg-type,return-value]

    DomainDispatcherApplication.__init__ = init_with_glue  # type: ignore[method-assign]
    for name in ("start_query_execution", "get_query_execution", "get_query_results"):
        _ORIGINAL[name] = getattr(AthenaResponse, name)
    AthenaResponse.start_query_execution = _start_query_execution  # type: ignore[method-assign]
    AthenaResponse.get_query_execution = _get_query_execution  # type: ignore[method-assign]
    AthenaResponse.get_query_results = _get_query_results  # type: ignore[method-assign,assignment]
