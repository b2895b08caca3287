"""Run a cost collection: Cost Explorer or a CUR/FOCUS export into the warehouse's cost tables.

The cost-side counterpart of analysis/pipeline/ecr.py: the only place that knows both the cost collectors and the
warehouse. Every run is a `runs` row (source `costs-ce` or `costs-cur`); what one run loads is written in one
transaction, so a bad export or a failed request never leaves half a month behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from analysis.collectors import athena, cur
from analysis.collectors import costs as ce
from analysis.collectors.aws import AwsSettings, error_record
from analysis.collectors.records import TS, ErrorRecord, to_table
from analysis.warehouse import Warehouse, with_run_id
from analysis.warehouse.db import memory_limit

LINE_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("source", pa.string()),
        ("month", pa.date32()),
        ("account_id", pa.string()),
        ("usage_type", pa.string()),
        ("usage_class", pa.string()),
        ("region", pa.string()),
        ("peer_region", pa.string()),
        ("quantity", pa.float64()),
        ("unit", pa.string()),
        ("cost", pa.float64()),
        ("currency", pa.string()),
        ("estimated", pa.bool_()),
    ]
)
MONTH_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("source", pa.string()),
        ("month", pa.date32()),
        ("estimated", pa.bool_()),
        ("fetched_at", TS),
    ]
)
RESPONSE_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("source", pa.string()),
        ("request", pa.string()),
        ("response", pa.string()),
        ("fetched_at", TS),
    ]
)


@dataclass
class CostRunSummary:
    run_id: int
    source: str
    status: str
    months: list[str]
    lines: int
    billed_requests: int = 0
    cached_months: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)

    @property
    def request_cost_usd(self) -> float:
        return self.billed_requests * ce.PRICE_PER_REQUEST

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "status": self.status,
            "months": self.months,
            "lines": self.lines,
            "billed_requests": self.billed_requests,
            "request_cost_usd": round(self.request_cost_usd, 2),
            "cached_months": self.cached_months,
            "files": self.files,
            "errors": [
                {k: getattr(e, k) for k in ("account_id", "region", "operation", "error_code", "message")}
                for e in self.errors
            ],
        }


def _today() -> date:
    return datetime.now(UTC).date()


def closed_months(warehouse: Warehouse, source: str, today: date) -> set[date]:
    """Months fetched before, no longer estimated, and before the current month: never requested again."""
    rows = warehouse.query(
        "SELECT month FROM current_cost_months WHERE source = ? AND NOT estimated AND month < ?",
        [source, ce.month_start(today)],
    )
    return {r[0] for r in rows}


def plan_cost_explorer(
    warehouse: Warehouse, *, months: int = ce.MAX_MONTHS, by_account: bool = False, today: date | None = None
) -> list[ce.CeRequest]:
    today = today or _today()
    source = "ce-by-account" if by_account else "ce"
    return ce.plan_requests(closed_months(warehouse, source, today), today, months, by_account)


def collect_cost_explorer(
    warehouse: Warehouse,
    settings: AwsSettings,
    *,
    months: int = ce.MAX_MONTHS,
    by_account: bool = False,
    today: date | None = None,
) -> CostRunSummary:
    today = today or _today()
    source = "ce-by-account" if by_account else "ce"
    window = ce.window_months(today, months)
    closed = closed_months(warehouse, source, today)
    requests = ce.plan_requests(closed, today, months, by_account)
    run_id = warehouse.start_run("costs-ce", {"months": months, "by_account": by_account, "source": source})
    pages: list[ce.CePage] = []
    ok = ce.CeResult()
    errors: list[ErrorRecord] = []
    try:
        session = settings.base_session() if requests else None  # nothing due: no credentials needed
        for req in requests:
            assert session is not None
            try:
                result = ce.fetch(settings, session, [req])
            except Exception as exc:  # a failed span is recorded; the spans before it are kept
                errors.append(error_record(exc, "ce:GetCostAndUsage", region=ce.CE_REGION))
                pages += getattr(exc, "pages", [])
                continue
            pages += result.pages
            ok.lines += result.lines
            ok.months.update(result.months)
            # A requested month with no ECR usage still counts as fetched (closed when not estimated).
            for m in window:
                if req.start <= m < req.end:
                    ok.months.setdefault(m, m >= ce.month_start(today))
        status = "failed" if errors and not ok.months else "partial" if errors else "complete"
        now = datetime.now(UTC)
        with warehouse.transaction() as con:
            Warehouse.insert(con, "cost_responses", _responses(run_id, source, pages))
            Warehouse.insert(con, "cost_months", _months(run_id, source, ok.months, now))
            Warehouse.insert(con, "cost_lines", _lines(run_id, source, ok.lines))
            Warehouse.insert(con, "collection_errors", _errors(run_id, errors))
    except BaseException:
        warehouse.finish_run(run_id, "failed", {"billed_requests": len(pages)})
        raise
    summary = CostRunSummary(
        run_id,
        source,
        status,
        [m.isoformat() for m in sorted(ok.months)],
        len(ok.lines),
        billed_requests=len(pages),
        cached_months=[m.isoformat() for m in sorted(closed & set(window))],
        errors=errors,
    )
    warehouse.finish_run(
        run_id, status, {"billed_requests": len(pages), "lines": len(ok.lines), "months": len(ok.months)}
    )
    return summary


def collect_cur(
    warehouse: Warehouse, settings: AwsSettings | None, location: str, *, today: date | None = None
) -> CostRunSummary:
    """Read an export folder, file or s3:// prefix; load ECR's lines for every month it covers, atomically."""
    run_id = warehouse.start_run("costs-cur", {"location": location})
    try:
        if location.startswith("s3://"):
            if settings is None:
                raise cur.CurError(f"{location}: reading from S3 needs AWS settings")
            with cur.temp_dir() as tmp:
                cur.download(settings, location, Path(tmp))
                groups, rows, names = cur.scan(Path(tmp), memory_limit=memory_limit())
                network = cur.network_lines(groups, memory_limit=memory_limit())
        else:
            groups, rows, names = cur.scan(Path(location), memory_limit=memory_limit())
            network = cur.network_lines(groups, memory_limit=memory_limit())
        files = [{"format": g.label, "kind": g.kind, "files": len(g.files)} for g in groups]
        return _load_cur(
            warehouse, run_id, {"location": location}, files, names, rows, today or _today(), network=network
        )
    except cur.CurError as exc:
        _fail(
            warehouse,
            run_id,
            "cur:read",
            "NoEcrLines" if isinstance(exc, cur.NoEcrLines) else "InvalidExport",
            str(exc),
        )
        raise
    except BaseException as exc:
        _fail(warehouse, run_id, "cur:read", type(exc).__name__, str(exc))
        raise


def collect_cur_athena(
    warehouse: Warehouse, settings: AwsSettings, where: athena.AthenaTarget, *, today: date | None = None, **wait: Any
) -> CostRunSummary:
    """Have Athena aggregate a CUR/FOCUS table with the local reader's SQL; load the aggregate like a local one.

    A failed or cancelled query loads nothing: the run is recorded as failed with Athena's reason.
    """
    request = {"athena_table": where.table, "workgroup": where.workgroup, "region": where.region}
    run_id = warehouse.start_run("costs-cur", request)
    try:
        label, names, rows = athena.cur_aggregate(settings, where, **wait)
        if not rows:
            raise cur.NoEcrLines(f"{where.table}: no ECR lines (product code {cur.ECR_PRODUCT_CODE}); nothing loaded")
        files = [{"format": label, "kind": "athena", "files": 1, "table": where.table}]
        return _load_cur(warehouse, run_id, request, files, names, rows, today or _today())
    except (athena.AthenaError, cur.CurError) as exc:
        code = "NoEcrLines" if isinstance(exc, cur.NoEcrLines) else "AthenaQuery"
        _fail(warehouse, run_id, "athena:query", code, str(exc))
        raise
    except BaseException as exc:
        _fail(warehouse, run_id, "athena:query", type(exc).__name__, str(exc))
        raise


def _load_cur(
    warehouse: Warehouse,
    run_id: int,
    request: dict[str, Any],
    files: list[dict[str, Any]],
    names: list[str],
    rows: list[tuple[Any, ...]],
    today: date,
    network: tuple[list[str], list[tuple[Any, ...]], list[str]] | None = None,
) -> CostRunSummary:
    """The aggregated rows (aggregate_sql.CUR_COLUMNS) into cost_lines and cost_months, in one transaction; the
    bill's NAT gateway / VPC endpoint lines (cur.network_lines) into cost_network_lines beside them."""
    records = [dict(zip(names, r, strict=True)) for r in rows]
    current = ce.month_start(today)
    lines = [
        ce.CostLine(
            month=r["month"],
            account_id=r["account_id"],
            usage_type=r["usage_type"],
            usage_class=r["usage_class"],
            region=r["region"],
            peer_region=r["peer_region"],
            quantity=float(r["quantity"] or 0.0),
            unit=r["unit"],
            cost=float(r["cost"] or 0.0),
            currency=r["currency"],
            estimated=r["month"] >= current,
        )
        for r in records
    ]
    months = {line.month: line.estimated for line in lines}
    now = datetime.now(UTC)
    with warehouse.transaction() as con:
        con.execute(
            "INSERT INTO cost_responses VALUES (?, 'cur', ?, ?, ?)",
            [run_id, json.dumps(request), json.dumps({"groups": files}), now],
        )
        Warehouse.insert(con, "cost_months", _months(run_id, "cur", months, now))
        Warehouse.insert(con, "cost_lines", _lines(run_id, "cur", lines))
        if network is not None and network[1]:
            cols, net_rows, _ = network
            table = pa.Table.from_pylist([dict(zip(cols, r, strict=True)) for r in net_rows])
            Warehouse.insert(con, "cost_network_lines", with_run_id(table, run_id))
    counts = {"lines": len(lines), "months": len(months)}
    if network is not None:
        counts["network_lines"] = len(network[1])
    warehouse.finish_run(run_id, "complete", counts)
    return CostRunSummary(run_id, "cur", "complete", [m.isoformat() for m in sorted(months)], len(lines), files=files)


def _fail(warehouse: Warehouse, run_id: int, operation: str, code: str, message: str) -> None:
    record = ErrorRecord(
        None, None, None, operation, code, message.splitlines()[0] if message else code, datetime.now(UTC)
    )
    warehouse.load_errors(_errors(run_id, [record]))
    warehouse.finish_run(run_id, "failed", {})


# ---- Arrow tables ---------------------------------------------------------------------------------------


def _lines(run_id: int, source: str, lines: list[ce.CostLine]) -> pa.Table:
    cols: dict[str, list[Any]] = {n: [] for n in LINE_SCHEMA.names}
    for line in lines:
        cols["run_id"].append(run_id)
        cols["source"].append(source)
        for name in LINE_SCHEMA.names[2:]:
            cols[name].append(getattr(line, name))
    return pa.table(cols, schema=LINE_SCHEMA)


def _months(run_id: int, source: str, months: dict[date, bool], now: datetime) -> pa.Table:
    ordered = sorted(months)
    return pa.table(
        {
            "run_id": [run_id] * len(ordered),
            "source": [source] * len(ordered),
            "month": ordered,
            "estimated": [months[m] for m in ordered],
            "fetched_at": [now] * len(ordered),
        },
        schema=MONTH_SCHEMA,
    )


def _responses(run_id: int, source: str, pages: list[ce.CePage]) -> pa.Table:
    dumped = [ce.page_json(p) for p in pages]
    return pa.table(
        {
            "run_id": [run_id] * len(pages),
            "source": [source] * len(pages),
            "request": [d[0] for d in dumped],
            "response": [d[1] for d in dumped],
            "fetched_at": [p.fetched_at for p in pages],
        },
        schema=RESPONSE_SCHEMA,
    )


def _errors(run_id: int, errors: list[ErrorRecord]) -> pa.Table:
    table = to_table(errors, ErrorRecord)
    return table.add_column(0, "run_id", pa.array([run_id] * table.num_rows, type=pa.int64()))
