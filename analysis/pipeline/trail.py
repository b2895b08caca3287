"""Run a CloudTrail measurement: check the trails, read pulls (trail folder, s3:// or LookupEvents), load them.

The only module that knows both the CloudTrail collector and the warehouse. One run (source `cloudtrail`) is
loaded in one transaction; the `pull_measurements` view turns its rows into pulls, bytes and hit ratios.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from analysis.collectors import cloudtrail as ct
from analysis.collectors import ip_ranges
from analysis.collectors.accounts import caller_account
from analysis.collectors.athena import AthenaTarget, trail_aggregate
from analysis.collectors.aws import AwsSettings, error_record
from analysis.collectors.records import ErrorRecord, to_table
from analysis.warehouse import Warehouse, with_run_id


@dataclass
class TrailRequest:
    start: date
    end: date  # exclusive
    folder: Path | None = None  # a local copy of a trail's delivery (the folder holding AWSLogs/)
    s3_url: str | None = None  # s3://bucket/prefix of a trail's delivery
    lookup_regions: list[str] = field(default_factory=list)  # read Event history (LookupEvents) there
    check_regions: list[str] = field(default_factory=list)  # check the trails' selectors there
    spool_dir: Path | None = None  # where LookupEvents pages are spooled (resume point)
    athena: AthenaTarget | None = None  # AWS's CloudTrail table in Athena: the aggregation runs there


@dataclass
class TrailSummary:
    run_id: int
    status: str
    sources: list[str]
    files: int
    lookup_calls: int
    pull_events: int
    checks: list[dict[str, Any]]
    errors: list[ErrorRecord]
    repositories: list[dict[str, Any]]
    # Layer bytes by where the consumer sits (view pull_bytes_by_consumer): same_region, other_region,
    # outside_aws and unplaced (`AWS Internal` callers on no known instance: never guessed).
    consumers: dict[str, int] = field(default_factory=dict)

    @property
    def no_trail_holds_pulls(self) -> bool:
        return bool(self.checks) and not any(c["can_hold_pulls"] for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "sources": self.sources,
            "files": self.files,
            "lookup_calls": self.lookup_calls,
            "pull_events": self.pull_events,
            "trails": self.checks,
            "repositories": self.repositories,
            "consumer_bytes": self.consumers,
            "errors": [
                {k: getattr(e, k) for k in ("account_id", "region", "operation", "error_code", "message")}
                for e in self.errors
            ],
        }


Say = Callable[[str], None]


def collect_trail(
    warehouse: Warehouse, settings: AwsSettings | None, request: TrailRequest, say: Say | None = None
) -> TrailSummary:
    say = say or (lambda _m: None)
    scope = {
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "folder": str(request.folder) if request.folder else None,
        "s3_url": request.s3_url,
        "lookup_regions": request.lookup_regions,
        "athena_table": request.athena.table if request.athena else None,
    }
    run_id = warehouse.start_run("cloudtrail", scope)
    errors: list[ErrorRecord] = []
    checks: list[ct.TrailCheck] = []
    parts: list[pa.Table] = []
    sources: list[str] = []
    files = calls = 0
    try:
        session = settings.base_session() if settings else None
        account = (
            caller_account(settings, session)
            if settings and session and (request.check_regions or request.lookup_regions)
            else None
        )
        for region in request.check_regions:
            try:
                if settings is None or account is None:
                    raise ct.TrailError("DescribeTrails needs AWS access: pass --profile")
                checks += ct.check_trails(settings, session, account, region)
            except Exception as exc:  # one region's refusal is data; the others still count
                errors.append(error_record(exc, "cloudtrail:DescribeTrails", account_id=account, region=region))
        if request.folder:
            table, n = ct.read_trail_folder(request.folder, request.start, request.end, say)
            parts.append(_with_source(table, "trail-folder"))
            sources.append("trail-folder")
            files += n
        if request.s3_url:
            if settings is None:
                raise ct.TrailError("reading s3:// needs AWS access: pass --profile (or run inside AWS)")
            table, n = _read_s3(settings, session, request, say)
            parts.append(_with_source(table, "trail-s3"))
            sources.append("trail-s3")
            files += n
        if request.athena:
            parts.append(_with_source(_read_athena(settings, request.athena, request, say), "athena"))
            sources.append(f"athena:{request.athena.table}")
        for region in request.lookup_regions:
            try:
                table, made = _lookup(settings, session, account, region, request, say)
            except Exception as exc:
                errors.append(error_record(exc, "cloudtrail:LookupEvents", account_id=account, region=region))
                continue
            parts.append(_with_source(table, "lookup-events"))
            sources.append(f"lookup-events:{region}")
            calls += made
        events = pa.concat_tables(parts) if parts else _with_source(ct.EVENT_SCHEMA.empty_table(), "none")
        with warehouse.transaction() as con:
            warehouse.insert(con, "trail_pull_events", with_run_id(events, run_id))
            warehouse.insert(con, "trail_checks", with_run_id(_checks_table(checks), run_id))
            warehouse.insert(con, "trail_sources", with_run_id(sources_table(events), run_id))
            if errors:
                warehouse.insert(con, "collection_errors", with_run_id(to_table(errors, ErrorRecord), run_id))
    except BaseException:
        warehouse.finish_run(run_id, "failed", {})
        raise
    pull_events = int(pa.compute.sum(events.column("events")).as_py() or 0)
    status = "partial" if errors else "complete"
    warehouse.finish_run(run_id, status, {"files": files, "lookup_calls": calls, "pull_events": pull_events})
    checked = [asdict(c) for c in checks]
    measured = repository_measurements(warehouse), consumer_bytes(warehouse)
    return TrailSummary(run_id, status, sources, files, calls, pull_events, checked, errors, *measured)


def _read_s3(settings: AwsSettings, session: Any, request: TrailRequest, say: Say) -> tuple[pa.Table, int]:
    """The trail's delivery under `s3://…`, copied to a temporary folder and read like a local one."""
    assert request.s3_url is not None
    with tempfile.TemporaryDirectory(prefix="regcost-trail-") as tmp:
        region = (request.check_regions or request.lookup_regions or ["us-east-1"])[0]
        copied = ct.download_trail(settings, session, region, request.s3_url, request.start, request.end, Path(tmp))
        say(f"{copied} log files copied from {request.s3_url}")
        return ct.read_trail_folder(Path(tmp), request.start, request.end, say)


def _read_athena(settings: AwsSettings | None, where: AthenaTarget, request: TrailRequest, say: Say) -> pa.Table:
    """AWS's CloudTrail table aggregated by Athena. A failed or cancelled query raises: the run is failed and
    nothing of it is loaded."""
    if settings is None:
        raise ct.TrailError("querying Athena needs AWS access: pass --profile")
    say(f"querying {where.table} in Athena workgroup {where.workgroup}")
    return trail_aggregate(settings, where, request.start, request.end)


def _lookup(
    settings: AwsSettings | None, session: Any, account: str | None, region: str, request: TrailRequest, say: Say
) -> tuple[pa.Table, int]:
    if settings is None:
        raise ct.TrailError("LookupEvents needs AWS access: pass --profile")
    client = settings.client(session, "cloudtrail", region)
    spool_dir = request.spool_dir or Path(tempfile.gettempdir())
    spool_dir.mkdir(parents=True, exist_ok=True)
    spool = spool_dir / f"regcost-lookup-{account}-{region}-{request.start}-{request.end}.ndjson"
    start = datetime.combine(request.start, time(), UTC)
    end = datetime.combine(request.end, time(), UTC)

    def show(p: ct.LookupProgress) -> None:
        eta = f", about {timedelta(seconds=round(p.eta_seconds))} left" if p.eta_seconds is not None else ""
        say(f"{region} {p.event_name}: {p.calls} calls, {p.events} events, {p.covered:.0%} of the window{eta}")

    state = ct.lookup_pull_events(client, spool, start, end, progress=show)
    table = ct.read_lookup_spool(spool, request.start, request.end)
    # Finished: the spool's job is done (kept only while a lookup can still resume).
    spool.unlink(missing_ok=True)
    spool.with_suffix(".state.json").unlink(missing_ok=True)
    return table, state.calls


def _with_source(table: pa.Table, source: str) -> pa.Table:
    return table.add_column(0, "source", pa.array([source] * table.num_rows, pa.string()))


def sources_table(events: pa.Table) -> pa.Table:
    """Each distinct sourceIPAddress of the events, classified once (a few thousand at most, not one per event)."""
    ranges = ip_ranges.shipped()
    found = events.column("source_ip").unique().drop_null().to_pylist()
    rows = []
    for ip in sorted(found):
        where = ip_ranges.classify(ip, ranges)
        rows.append({"source_ip": ip, "kind": where.kind, "aws_region": where.region, "ranges": ranges.snapshot})
    schema = pa.schema([(n, pa.string()) for n in ("source_ip", "kind", "aws_region", "ranges")])
    return pa.Table.from_pylist(rows, schema=schema)


def _checks_table(checks: list[ct.TrailCheck]) -> pa.Table:
    return pa.Table.from_pylist([asdict(c) for c in checks], schema=ct.CHECK_SCHEMA)


def consumer_bytes(warehouse: Warehouse) -> dict[str, int]:
    """The current measurement's layer bytes by where the consumer sits (view pull_bytes_by_consumer)."""
    return {k: int(v) for k, v in warehouse.query("SELECT consumer, sum(bytes) FROM pull_bytes_by_consumer GROUP BY 1")}


def repository_measurements(warehouse: Warehouse) -> list[dict[str, Any]]:
    """The window's totals per repository (ratios over the whole window, not a mean of daily ratios)."""
    rows = warehouse.query(
        """
        SELECT account_id, region, repository_name, count(*) AS days, sum(pulls) AS pulls,
               sum(layer_fetches) AS layer_fetches, sum(bytes_pulled) AS bytes_pulled,
               sum(unresolved_pulls) AS unresolved_pulls, sum(unsized_fetches) AS unsized_fetches,
               CASE WHEN sum(layers_requested) > 0 THEN 1 - sum(layer_fetches) / sum(layers_requested) END,
               CASE WHEN sum(bytes_requested) > 0 THEN 1 - sum(bytes_pulled) / sum(bytes_requested) END,
               max(principals), max(pulling_accounts)
        FROM pull_measurements GROUP BY ALL ORDER BY bytes_pulled DESC, repository_name
        """
    )
    keys = (
        "account_id",
        "region",
        "repository",
        "days",
        "pulls",
        "layer_fetches",
        "bytes_pulled",
        "unresolved_pulls",
        "unsized_fetches",
        "hit_ratio_count",
        "hit_ratio_bytes",
        "max_daily_principals",
        "max_daily_accounts",
    )
    return [dict(zip(keys, r, strict=True)) for r in rows]
