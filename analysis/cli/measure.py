"""`regcost collect trail|network|workloads`: measure what the estimate would otherwise assume (#13)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.athena_options import (
    AthenaRegionOption,
    AthenaTableOption,
    WorkgroupOption,
    athena_errors,
    athena_target,
)
from analysis.cli.base import (
    DbOption,
    FormatOption,
    UsageError,
    _errors_for_people,
    _gib,
    _print_errors,
    collect_app,
    console,
    err,
)

ProfileOption = Annotated[str | None, typer.Option(help="AWS profile (standard credential chain otherwise).")]
EndpointOption = Annotated[
    str | None, typer.Option(help="Send AWS calls to this endpoint (an emulator such as moto).", hidden=True)
]
RegionOption = Annotated[list[str] | None, typer.Option("--region", help="Region to read (repeatable).")]


def _window(days: int, start: str | None, end: str | None) -> tuple[date, date]:
    try:
        last = date.fromisoformat(end) if end else datetime.now(UTC).date()
        first = date.fromisoformat(start) if start else last - timedelta(days=days)
    except ValueError as exc:
        raise UsageError(f"{exc}: give dates as YYYY-MM-DD") from None
    if first >= last:
        raise UsageError(f"--start {first} is not before --end {last}")
    return first, last


@collect_app.command("trail")
def collect_trail_cmd(
    folder: Annotated[
        Path | None, typer.Option(help="A local copy of a trail's S3 delivery: the folder that holds AWSLogs/.")
    ] = None,
    s3: Annotated[str | None, typer.Option(help="A trail's delivery in S3: s3://bucket/prefix.")] = None,
    lookup: Annotated[
        bool, typer.Option("--lookup", help="Read Event history with LookupEvents (90 days, 2 calls/s per region).")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Check the trails' event selectors in each --region.")
    ] = True,
    region: RegionOption = None,
    days: Annotated[int, typer.Option(help="Days back from --end (default today, UTC).", min=1)] = 30,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (overrides --days).")] = None,
    end: Annotated[str | None, typer.Option(help="Day after the last one, YYYY-MM-DD (default today).")] = None,
    spool_dir: Annotated[
        Path | None, typer.Option(help="Where LookupEvents pages are kept until done; rerun to resume.")
    ] = None,
    athena_table: AthenaTableOption = None,
    workgroup: WorkgroupOption = None,
    athena_region: AthenaRegionOption = "us-east-1",
    profile: ProfileOption = None,
    endpoint_url: EndpointOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Measure pulls from CloudTrail: pulls, layer fetches, bytes pulled and the layer-cache hit ratio (read-only)."""
    from analysis.collectors.aws import AwsSettings
    from analysis.collectors.cloudtrail import TrailError
    from analysis.pipeline.trail import TrailRequest, collect_trail
    from analysis.warehouse import Warehouse

    with _errors_for_people():
        if not (folder or s3 or lookup or athena_table):
            raise UsageError(
                "say where pulls are: --folder PATH, --s3 s3://bucket/prefix, --lookup --region R "
                "or --athena-table DB.TABLE --workgroup W"
            )
        where = athena_target(athena_table, workgroup, athena_region)
        if lookup and not region:
            raise UsageError("--lookup reads one region at a time: pass --region REGION (repeatable)")
        first, last = _window(days, start, end)
        needs_aws = bool(s3 or lookup or where or (check and region))
        settings = AwsSettings(profile=profile, endpoint_url=endpoint_url) if needs_aws else None
        request = TrailRequest(
            first,
            last,
            folder=folder,
            s3_url=s3,
            lookup_regions=list(region or []) if lookup else [],
            check_regions=list(region or []) if check else [],
            spool_dir=spool_dir,
            athena=where,
        )
        say = (lambda m: None) if fmt == "json" else (lambda m: err.print(m, highlight=False))
        try:
            with Warehouse(db) as wh, athena_errors():
                summary = collect_trail(wh, settings, request, say)
        except TrailError as exc:
            raise UsageError(str(exc)) from None
        if fmt == "json":
            console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
        else:
            _print_trail(summary)
        if summary.status == "failed":
            raise typer.Exit(1)


def _print_trail(summary) -> None:  # noqa: ANN001 (TrailSummary, imported lazily)
    from rich.table import Table

    for c in summary.checks:
        mark = "[green]holds pulls[/]" if c["can_hold_pulls"] else "[bold red]cannot hold pulls[/]"
        console.print(f"trail {c['name']} ({c['account_id']} {c['region']}): {mark} — {c['reason']}")
    if summary.no_trail_holds_pulls:
        console.print(
            "[bold red]No trail here logs read events, so none contains pulls.[/] Use --lookup (Event history, "
            "90 days) or add a trail with management events ReadOnly or All."
        )
    table = Table(
        title=f"Run {summary.run_id}: {summary.status}; {summary.pull_events:,} pull events", title_justify="left"
    )
    for col in (
        "account",
        "region",
        "repository",
        "days",
        "pulls",
        "layer fetches",
        "GiB pulled",
        "hit ratio (count)",
        "hit ratio (bytes)",
        "unresolved",
    ):
        table.add_column(col, justify="left" if col in ("account", "region", "repository") else "right")
    for r in summary.repositories[:25]:
        table.add_row(
            r["account_id"],
            r["region"],
            r["repository"],
            str(r["days"]),
            f"{r['pulls']:,}",
            f"{r['layer_fetches']:,}",
            _gib(r["bytes_pulled"]),
            _ratio(r["hit_ratio_count"]),
            _ratio(r["hit_ratio_bytes"]),
            f"{r['unresolved_pulls']:,} pulls, {r['unsized_fetches']:,} layers",
        )
    console.print(table)
    if len(summary.repositories) > 25:
        console.print(f"… and {len(summary.repositories) - 25} more repositories (--format json lists all)")
    if summary.consumers:
        where = {"same_region": "same region", "other_region": "other region", "outside_aws": "outside AWS"}
        where["unplaced"] = "unplaced"
        console.print(
            "layer bytes by consumer: "
            + ", ".join(f"{label} {_gib(summary.consumers.get(k, 0))} GiB" for k, label in where.items())
            + " (unplaced: AWS Internal callers on no instance `collect network` found; left out of the split)"
        )
    console.print(
        f"sources: {', '.join(summary.sources) or 'none'}; files read: {summary.files:,}; "
        f"LookupEvents calls: {summary.lookup_calls:,}"
    )
    _print_errors(summary.errors)


def _ratio(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1%}"


@collect_app.command("network")
def collect_network_cmd(
    region: RegionOption = None,
    profile: ProfileOption = None,
    endpoint_url: EndpointOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Measure the network path of pulls: VPC endpoints or NAT gateway, per subnet, and what NAT costs (read-only)."""
    from analysis.collectors.aws import AwsSettings
    from analysis.pipeline.network import collect_network
    from analysis.warehouse import Warehouse

    with _errors_for_people():
        if not region:
            raise UsageError("pass --region REGION (repeatable): VPCs are read one region at a time")
        settings = AwsSettings(profile=profile, endpoint_url=endpoint_url)
        with Warehouse(db) as wh:
            summary = collect_network(wh, settings, sorted(dict.fromkeys(region)))
        if fmt == "json":
            console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
            return
        _print_network(summary)


def _print_network(summary) -> None:  # noqa: ANN001 (NetworkSummary, imported lazily)
    from rich.table import Table

    table = Table(title=f"Run {summary.run_id}: {summary.status}", title_justify="left")
    heads = (
        "region",
        "subnets via NAT",
        "layer bytes via NAT",
        "unplaced GiB",
        "NAT GB/month",
        "NAT USD/month",
        "S3 gateway endpoint",
        "ECR interface endpoints USD/month",
    )
    for col in heads:
        table.add_column(col, justify="left" if col == "region" else "right")
    for r, c in zip(summary.regions, summary.costs, strict=True):
        share = r.measured_nat_share
        table.add_row(
            r.region,
            f"{r.nat_subnets}/{r.subnets}",
            "no pull placed" if share is None else f"{share:.1%} (measured, {r.window_days} days)",
            _gib(r.unplaced_bytes),
            f"{c.nat_gb_per_month:,.1f}",
            "no price" if c.nat_cost_per_month is None else f"{c.nat_cost_per_month:,.2f}",
            "USD 0 (free)",
            "no price"
            if c.interface_endpoints_cost_per_month is None
            else f"{c.interface_endpoints_cost_per_month:,.2f}",
        )
    console.print(table)
    leaky = sorted({s["vpc_id"] for s in summary.subnets if s["has_ecr_dkr_endpoint"] and s["layer_path"] == "nat"})
    for vpc in leaky:
        console.print(
            f"[yellow]{vpc}[/] has the ecr.dkr endpoint but its layers still go through a NAT gateway: "
            "add the S3 gateway endpoint (free) to its route tables."
        )
    _print_errors(summary.errors)


@collect_app.command("workloads")
def collect_workloads_cmd(
    region: RegionOption = None,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            help="Only this service (repeatable): ecs, lambda, apprunner, batch, sagemaker, eks, emr-serverless.",
        ),
    ] = None,
    profile: ProfileOption = None,
    endpoint_url: EndpointOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """List the workloads that consume images, and the repositories that cannot leave ECR (read-only)."""
    from rich.table import Table

    from analysis.collectors.aws import AwsSettings
    from analysis.collectors.workloads import READERS
    from analysis.pipeline.workloads import collect_workloads
    from analysis.warehouse import Warehouse

    with _errors_for_people():
        if not region:
            raise UsageError("pass --region REGION (repeatable)")
        unknown = sorted(set(service or []) - set(READERS))
        if unknown:
            raise UsageError(f"unknown --service {', '.join(unknown)}: choose from {', '.join(READERS)}")
        settings = AwsSettings(profile=profile, endpoint_url=endpoint_url)
        with Warehouse(db) as wh:
            summary = collect_workloads(wh, settings, sorted(dict.fromkeys(region)), list(service or []) or None)
        if fmt == "json":
            console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
            return
        table = Table(title=f"Run {summary.run_id}: {summary.status}", title_justify="left")
        for col in ("region", "service", "workload", "image", "ECR only"):
            table.add_column(col)
        for r in summary.refs:
            table.add_row(
                r["region"],
                r["service"],
                r["resource"].rsplit("/", 1)[-1].rsplit(":", 1)[-1],
                r["image_uri"] or f"({r['note']})",
                "yes" if r["bound_to_ecr"] else "",
            )
        console.print(table)
        for b in summary.bound:
            console.print(
                f"[yellow]{b['repository']}[/] ({b['account_id']} {b['region']}) cannot leave ECR: used by "
                f"{b['workloads']} {'/'.join(b['services'])} workload(s), which pull only from ECR"
            )
        _print_errors(summary.errors)
