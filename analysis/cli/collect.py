"""`regcost collect ecr|costs`: ECR and its actual costs (Cost Explorer, CUR, Athena); Harbor and OCI registries
in cli/collect_registry.py."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

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
    _print_errors,
    _run_with_progress,
    collect_app,
    console,
    err,
)

if TYPE_CHECKING:
    from analysis.pipeline.ecr import RunSummary


def _known_regions() -> set[str]:
    import botocore.session  # not boto3: ~0.2 s more of start-up for nothing a region list needs

    session = botocore.session.Session()
    return {r for partition in ("aws", "aws-cn", "aws-us-gov") for r in session.get_available_regions("ecr", partition)}


def _regions(region: list[str] | None, regions: str | None, profile: str | None, endpoint: str | None) -> list[str]:
    chosen: list[str] = list(region or [])
    if regions:
        chosen += [r.strip() for r in regions.split(",") if r.strip()]
    if "all" in chosen:
        if len(chosen) > 1:
            raise UsageError("--regions all cannot be combined with named regions")
        return ["all"]
    if not chosen:
        import botocore.session

        default = botocore.session.Session(profile=profile).get_config_variable("region")
        if not default:
            raise UsageError("no region: pass --region REGION (repeatable), --regions a,b or --regions all")
        chosen = [default]
    if not endpoint:  # an emulator may serve any name; real AWS only its own
        unknown = sorted(set(chosen) - _known_regions())
        if unknown:
            raise UsageError(f"unknown region {', '.join(unknown)}: use names like us-east-1 or eu-central-1")
    return sorted(dict.fromkeys(chosen))


_MAX_CONCURRENCY_HELP = "AWS calls in flight at once; each account and region adapts below it (4 first, ≤ 16)."


@collect_app.command("ecr")
def collect_ecr_cmd(
    profile: Annotated[str | None, typer.Option(help="AWS profile (standard credential chain otherwise).")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="Region to read (repeatable).")] = None,
    regions: Annotated[str | None, typer.Option(help="Comma-separated regions, or 'all' (enabled ones).")] = None,
    role_arn: Annotated[
        list[str] | None, typer.Option("--role-arn", help="Assume this role to read another account (repeatable).")
    ] = None,
    organization: Annotated[
        bool, typer.Option("--organization", help="Read every account of the organization through --role-name.")
    ] = False,
    role_name: Annotated[
        str, typer.Option(help="Role assumed in each member account with --organization.")
    ] = "OrganizationAccountAccessRole",
    manifests: Annotated[bool, typer.Option("--manifests/--no-manifests", help="Fetch manifests (layers).")] = True,
    metric_days: Annotated[int, typer.Option(help="Days of CloudWatch RepositoryPullCount to read.", min=0)] = 90,
    settings_max_age: Annotated[
        float,
        typer.Option(help="Hours within which repository policies and tags are reused from the last run (0: re-read)."),
    ] = 24.0,
    max_concurrency: Annotated[int, typer.Option(help=_MAX_CONCURRENCY_HELP, min=1)] = 64,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the last interrupted run asking the same.")
    ] = False,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Send AWS calls to this endpoint (an emulator such as moto).", hidden=True)
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect ECR repositories, images, manifests, policies and pull metrics (read-only).

    Exit status: 0 complete, 3 partial (what was not read keeps its last good value), 1 failed.
    """
    from analysis.collectors.accounts import start_targets
    from analysis.collectors.aws import AwsSettings

    with _errors_for_people():
        if organization and role_arn:
            raise UsageError("use either --organization or --role-arn, not both")
        settings = AwsSettings(profile=profile, endpoint_url=endpoint_url)
        chosen_regions = _regions(region, regions, profile, endpoint_url)
        organization_role = role_name if organization else None
        # The first calls (who am I, the accounts, AssumeRole) start now; the warehouse's imports and opening
        # (DuckDB, Arrow: about a second) overlap them.
        targets = start_targets(settings, list(role_arn or []), organization_role)
        from analysis.collectors.ecr import EcrOptions
        from analysis.pipeline.ecr import EcrRequest, collect_ecr
        from analysis.warehouse import Warehouse

        request = EcrRequest(
            regions=chosen_regions,
            role_arns=list(role_arn or []),
            organization_role=organization_role,
            options=EcrOptions(manifests=manifests, settings_max_age=timedelta(hours=settings_max_age)),
            metric_days=metric_days,
            max_concurrency=max_concurrency,
            resume=resume,
        )
        on_scope = _scope_line if fmt != "json" and sys.stderr.isatty() else None
        with Warehouse(db) as wh:
            summary = _run_with_progress(
                lambda p: collect_ecr(wh, settings, request, p, on_scope, targets), quiet=fmt == "json"
            )
        _print_summary(summary, fmt)
        if summary.exit_code:
            raise typer.Exit(summary.exit_code)


def _scope_line(scope: dict[str, Any]) -> None:
    """One line per finished account and region, above the progress bars (a terminal only)."""
    err.print(
        f"  {scope['account_id']} {scope['region']:<15} {scope['status']:<8} {scope['repositories']:>5,} repositories "
        f"{scope['images']:>7,} images  {scope['seconds']:6.1f} s  {scope['limit']:4.1f} calls in flight",
        highlight=False,
    )


@collect_app.command("costs")
def collect_costs_cmd(
    cost_explorer: Annotated[
        bool, typer.Option("--cost-explorer", help="Read ECR's monthly bill from Cost Explorer ($0.01 per request).")
    ] = False,
    cur: Annotated[
        str | None,
        typer.Option(
            "--cur", help="Read a CUR 2.0, legacy CUR or FOCUS export: a file, a folder or s3://bucket/prefix."
        ),
    ] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile (standard credential chain otherwise).")] = None,
    months: Annotated[
        int, typer.Option(help="Months back, the current one included (Cost Explorer keeps 13).", min=1, max=13)
    ] = 13,
    by_account: Annotated[
        bool, typer.Option("--by-account", help="Also group Cost Explorer results by linked account.")
    ] = False,
    athena_table: AthenaTableOption = None,
    workgroup: WorkgroupOption = None,
    athena_region: AthenaRegionOption = "us-east-1",
    endpoint_url: Annotated[
        str | None, typer.Option(help="Send AWS calls to this endpoint (an emulator such as moto).", hidden=True)
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect what ECR actually cost: Cost Explorer by usage type, or a cost and usage export (read-only)."""
    from analysis.collectors.aws import AwsSettings
    from analysis.pipeline.costs import collect_cost_explorer, collect_cur, collect_cur_athena
    from analysis.warehouse import Warehouse

    with _errors_for_people():
        if [cost_explorer, cur is not None, athena_table is not None].count(True) != 1:
            raise UsageError(
                "pass one of --cost-explorer, --cur PATH|s3://bucket/prefix or --athena-table DB.TABLE --workgroup W"
            )
        where = athena_target(athena_table, workgroup, athena_region)
        settings = AwsSettings(profile=profile, endpoint_url=endpoint_url)
        with Warehouse(db) as wh, athena_errors():
            if cost_explorer:
                summary = collect_cost_explorer(wh, settings, months=months, by_account=by_account)
            elif where:
                summary = collect_cur_athena(wh, settings, where)
            else:
                summary = collect_cur(wh, settings, cur or "")
        if fmt == "json":
            console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
        else:
            if cost_explorer:
                console.print(
                    f"{summary.billed_requests} billed Cost Explorer requests "
                    f"(USD {summary.request_cost_usd:.2f}); {len(summary.cached_months)} closed months "
                    "reused from the warehouse"
                )
            for f in summary.files:
                if f["kind"] == "athena":
                    console.print(f"aggregated {f['table']} in Athena as {f['format']}")
                else:
                    console.print(f"read {f['files']} {f['kind']} file(s) as {f['format']}")
            months_text = f"{summary.months[0]} … {summary.months[-1]}" if summary.months else "none"
            console.print(f"Run {summary.run_id}: {summary.status}; {summary.lines} cost lines, months {months_text}")
            _print_errors(summary.errors)
        if summary.status == "failed":
            raise typer.Exit(1)


def _print_summary(summary: RunSummary, fmt: str) -> None:
    if fmt == "json":
        console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
        return
    from rich.table import Table

    table = Table(title=f"Run {summary.run_id}: {summary.status}", title_justify="left")
    for col in ("account", "region", "status", "repositories", "images", "errors"):
        table.add_column(col, justify="right" if col in ("repositories", "images", "errors") else "left")
    for s in summary.scopes:
        table.add_row(
            s["account_id"], s["region"], s["status"], f"{s['repositories']:,}", f"{s['images']:,}", str(s["errors"])
        )
    console.print(table)
    c = summary.counts
    console.print(
        f"manifests fetched: {c.get('manifests_fetched', 0):,} (new in cache: {c.get('manifests_new', 0):,}); "
        f"pull-count days: {c.get('pull_count_days', 0):,}"
    )
    _print_errors(summary.errors)
    _print_skipped(summary)


def _print_skipped(summary: RunSummary) -> None:
    """The closing lines: what this run did not read, what stands in for it, and the exit status."""
    for g in summary.skipped:
        what = g["part"].replace("_", " ")
        if g["repositories"]:
            what += f" of {g['repositories']:,} repositor{'y' if g['repositories'] == 1 else 'ies'}"
        err.print(
            f"  not read: {what} in {g['account_id']}/{g['region']} ({g['operation']} {g['error_code']}): "
            "the last good value is kept and marked (regcost status / estimate say since when)",
            highlight=False,
            soft_wrap=True,
        )
    if summary.status == "partial":
        err.print(
            f"[yellow]partial run[/]: exit status {summary.exit_code} (complete 0, failed 1, partial 3; "
            "docs/reliability.md)",
            highlight=False,
        )
