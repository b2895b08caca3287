"""The `regcost` command: collect → warehouse → model → render.

Errors for people: one line saying what went wrong and what to do, exit code 1 (2 for bad usage);
tracebacks only with --debug.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import botocore.exceptions
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from analysis import __version__
from analysis.collect import EcrRequest, RunSummary, collect_ecr
from analysis.collectors.accounts import AccountsError
from analysis.collectors.aws import AwsSettings
from analysis.collectors.ecr import EcrOptions
from analysis.collectors.iam import iam_policy
from analysis.model.estimate import DEFAULT_SEED, EmptyWarehouse, run_estimate
from analysis.model.scenarios import ScenarioError
from analysis.pricing import CatalogError, load_catalog
from analysis.render import FORMATS, render
from analysis.warehouse import Warehouse, WarehouseError, default_path, queries

app = typer.Typer(
    name="regcost",
    help="What your container registry costs on AWS ECR, what it would cost self-hosted (Harbor), "
    "and what it takes to move.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
collect_app = typer.Typer(help="Collect inventories and usage into the warehouse.", no_args_is_help=True)
app.add_typer(collect_app, name="collect")
pricing_app = typer.Typer(help="The price catalog: what is in force, and refreshing AWS prices.", no_args_is_help=True)
app.add_typer(pricing_app, name="pricing")

# Piped output (CI logs, `| less`) is not squeezed to 80 columns: tables stay readable.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)
_state = {"debug": False}

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file (DuckDB). Default: $REGCOST_DB or ./regcost.duckdb.", show_default=False),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


class UsageError(Exception):
    """Bad arguments: said in one line, exit code 2."""


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    _state["debug"] = debug
    if version:
        console.print(f"regcost {__version__}")
        raise typer.Exit()


@contextmanager
def _errors_for_people() -> Iterator[None]:
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]: the run is marked failed; the previous snapshot stays current")
        raise typer.Exit(130) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        code, message = _explain(exc)
        err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        raise typer.Exit(code) from None


def _explain(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, UsageError):
        return 2, str(exc)
    from analysis.collectors.cur import CurError
    from analysis.model.calibration import CalibrationError

    if isinstance(exc, WarehouseError | AccountsError | EmptyWarehouse | CurError | CalibrationError):
        return 1, str(exc)
    if isinstance(exc, ScenarioError | CatalogError):
        return 2, str(exc)
    if isinstance(exc, botocore.exceptions.ProfileNotFound):
        return 1, f"{exc}; list profiles with `aws configure list-profiles`"
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return 1, "no AWS credentials found: pass --profile, or set AWS_PROFILE / AWS_ACCESS_KEY_ID"
    if isinstance(exc, botocore.exceptions.NoRegionError):
        return 2, "no region: pass --region REGION or --regions all"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return 1, f"{type(exc).__name__}: {first} (run with --debug for details)"


def _known_regions() -> set[str]:
    import boto3

    session = boto3.Session()
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
        import boto3

        default = boto3.Session(profile_name=profile).region_name
        if not default:
            raise UsageError("no region: pass --region REGION (repeatable), --regions a,b or --regions all")
        chosen = [default]
    if not endpoint:  # an emulator may serve any name; real AWS only its own
        unknown = sorted(set(chosen) - _known_regions())
        if unknown:
            raise UsageError(f"unknown region {', '.join(unknown)}: use names like us-east-1 or eu-central-1")
    return sorted(dict.fromkeys(chosen))


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
    endpoint_url: Annotated[
        str | None, typer.Option(help="Send AWS calls to this endpoint (an emulator such as moto).", hidden=True)
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect ECR repositories, images, manifests, policies and pull metrics (read-only)."""
    with _errors_for_people():
        if organization and role_arn:
            raise UsageError("use either --organization or --role-arn, not both")
        settings = AwsSettings(profile=profile, endpoint_url=endpoint_url)
        request = EcrRequest(
            regions=_regions(region, regions, profile, endpoint_url),
            role_arns=list(role_arn or []),
            organization_role=role_name if organization else None,
            options=EcrOptions(manifests=manifests, settings_max_age=timedelta(hours=settings_max_age)),
            metric_days=metric_days,
        )
        with Warehouse(db) as wh:
            summary = _run_with_progress(lambda p: collect_ecr(wh, settings, request, p), quiet=fmt == "json")
        _print_summary(summary, fmt)
        if summary.status == "failed":
            raise typer.Exit(1)


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
    endpoint_url: Annotated[
        str | None, typer.Option(help="Send AWS calls to this endpoint (an emulator such as moto).", hidden=True)
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect what ECR actually cost: Cost Explorer by usage type, or a cost and usage export (read-only)."""
    from analysis.collect_costs import collect_cost_explorer, collect_cur

    with _errors_for_people():
        if cost_explorer == (cur is not None):
            raise UsageError("pass either --cost-explorer or --cur PATH|s3://bucket/prefix")
        settings = AwsSettings(profile=profile, endpoint_url=endpoint_url)
        with Warehouse(db) as wh:
            if cost_explorer:
                summary = collect_cost_explorer(wh, settings, months=months, by_account=by_account)
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
                console.print(f"read {f['files']} {f['kind']} file(s) as {f['format']}")
            months_text = f"{summary.months[0]} … {summary.months[-1]}" if summary.months else "none"
            console.print(f"Run {summary.run_id}: {summary.status}; {summary.lines} cost lines, months {months_text}")
            _print_errors(summary.errors)
        if summary.status == "failed":
            raise typer.Exit(1)


def _run_with_progress(work: Callable[[Callable[[str, int], None]], RunSummary], quiet: bool) -> RunSummary:
    if quiet or not sys.stderr.isatty():
        return work(lambda _e, _n: None)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        scopes = bar.add_task("regions", total=None)
        repos = bar.add_task("repositories", total=0)

        def on(event: str, n: int) -> None:
            if event == "scopes_found":
                bar.update(scopes, total=n)
            elif event == "scope_done":
                bar.advance(scopes, n)
            elif event == "repos_found":
                bar.update(repos, total=(bar.tasks[repos].total or 0) + n)
            elif event == "repo_done":
                bar.advance(repos, n)

        return work(on)


def _print_summary(summary: RunSummary, fmt: str) -> None:
    if fmt == "json":
        console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
        return
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


def _print_errors(errors: list[Any]) -> None:
    if not errors:
        return
    err.print(f"[yellow]{len(errors)} part(s) skipped[/] — recorded in collection_errors; the rest was collected:")
    grouped: dict[tuple[str, str], list[Any]] = {}
    for e in errors:
        get = e.get if isinstance(e, dict) else lambda k, e=e: getattr(e, k, None)
        grouped.setdefault((get("operation"), get("error_code")), []).append(get)
    for (operation, code), items in sorted(grouped.items()):
        # ECR: account/region/repository; a self-hosted registry: its repository (project included) or project
        parts = ("account_id", "region", "repository", "project")
        where = sorted({"/".join(x for x in (g(k) for k in parts[:3]) if x) or (g(parts[3]) or "") for g in items})
        shown = ", ".join(where[:4]) + (f" … (+{len(where) - 4})" if len(where) > 4 else "")
        err.print(
            f"  {operation} {code} ×{len(items)}: {shown} — {items[0]('message')}", highlight=False, soft_wrap=True
        )


def _registry_url(url: str, option: str) -> str:
    from analysis.collectors.http import has_userinfo

    if not url.startswith(("http://", "https://")):
        raise UsageError(f"{option} must start with https:// or http://")
    if has_userinfo(url):  # never echo it: it holds a password that is now in the shell history
        raise UsageError(f"{option} must not carry credentials; use --username with --password-env or --password-file")
    return url.rstrip("/")


def _registry_password(password_env: str | None, password_file: Path | None) -> str | None:
    """The secret from an environment variable or a file, never from a flag value (shell history)."""
    import os

    if password_env and password_file:
        raise UsageError("use either --password-env or --password-file, not both")
    if password_env:
        value = os.environ.get(password_env)
        if not value:
            raise UsageError(f"environment variable {password_env} (from --password-env) is not set or empty")
        return value
    if password_file:
        try:
            value = password_file.read_text().strip()
        except OSError as exc:
            raise UsageError(f"cannot read --password-file {password_file}: {exc.strerror}") from None
        if not value:
            raise UsageError(f"--password-file {password_file} is empty")
        return value
    return None


def _collect_registry_cmd(
    kind: str,
    url: str,
    username: str | None,
    password_env: str | None,
    password_file: Path | None,
    ca_bundle: Path | None,
    insecure: bool,
    metrics_url: str | None,
    manifests: bool,
    db: Path | None,
    fmt: str,
) -> None:
    from analysis.collect_registry import collect_registry
    from analysis.collectors.http import Credentials, HttpClient

    url = _registry_url(url, "--url")
    if metrics_url:
        metrics_url = _registry_url(metrics_url, "--metrics-url")
    password = _registry_password(password_env, password_file)
    if bool(username) != bool(password):
        raise UsageError("--username needs --password-env or --password-file (and they need --username)")
    if ca_bundle is not None and not ca_bundle.is_file():
        raise UsageError(f"--ca-bundle {ca_bundle}: no such file")
    if insecure:
        err.print(
            "[yellow]warning: --insecure: TLS certificates are not verified; the credentials can be intercepted[/]",
            soft_wrap=True,
            highlight=False,
        )
    credentials = Credentials(username, password) if username and password else None
    client = HttpClient(url, credentials, ca_bundle=str(ca_bundle) if ca_bundle else None, insecure=insecure)
    with Warehouse(db) as wh:
        summary = collect_registry(wh, kind, client, metrics_url=metrics_url, manifests=manifests)
    if fmt == "json":
        console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
    else:
        c, s = summary.counts, summary.storage
        console.print(
            f"Run {summary.run_id} ({kind} {summary.registry}): [bold]{summary.status}[/] — "
            f"{c.get('repositories', 0):,} repositories, {c.get('images', 0):,} artifacts, "
            f"manifests fetched {c.get('manifests_fetched', 0):,} (new in cache {c.get('manifests_new', 0):,}), "
            f"metric samples {c.get('metric_samples', 0):,}",
            highlight=False,
        )
        if s.get("physical_bytes") is not None:
            console.print(f"physical storage ({s['physical_source']}): {_gib(s['physical_bytes'])} GiB")
        console.print(f"Storage three ways and why they differ: [bold]regcost status --db {db or default_path()}[/]")
        _print_errors(summary.errors)
    if summary.status == "failed":
        raise typer.Exit(1)


UrlOption = Annotated[str, typer.Option("--url", help="Registry base URL, e.g. https://harbor.example.com.")]
MetricsUrlOption = Annotated[
    str | None, typer.Option("--metrics-url", help="Prometheus metrics URL (Harbor exporter / registry debug server).")
]
UsernameOption = Annotated[
    str | None,
    typer.Option(
        "--username", help="User or robot account (robot$name); its secret via --password-env or --password-file."
    ),
]
PasswordEnvOption = Annotated[
    str | None, typer.Option("--password-env", help="Name of the environment variable holding the password.")
]
PasswordFileOption = Annotated[
    Path | None, typer.Option("--password-file", help="File holding the password (first line).")
]
CaBundleOption = Annotated[Path | None, typer.Option("--ca-bundle", help="PEM file of CAs to verify TLS with.")]
InsecureOption = Annotated[bool, typer.Option("--insecure", help="Do not verify TLS certificates (warns).")]
ManifestsOption = Annotated[
    bool, typer.Option("--manifests/--no-manifests", help="Fetch manifests of new digests (unique blob bytes).")
]


@collect_app.command("harbor")
def collect_harbor_cmd(
    url: UrlOption,
    username: UsernameOption = None,
    password_env: PasswordEnvOption = None,
    password_file: PasswordFileOption = None,
    ca_bundle: CaBundleOption = None,
    insecure: InsecureOption = False,
    metrics_url: MetricsUrlOption = None,
    manifests: ManifestsOption = True,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect a Harbor (API v2.0, read-only): projects, quotas, repositories, artifacts, policies, GC, metrics."""
    with _errors_for_people():
        _collect_registry_cmd(
            "harbor", url, username, password_env, password_file, ca_bundle, insecure, metrics_url, manifests, db, fmt
        )


@collect_app.command("oci")
def collect_oci_cmd(
    url: UrlOption,
    username: UsernameOption = None,
    password_env: PasswordEnvOption = None,
    password_file: PasswordFileOption = None,
    ca_bundle: CaBundleOption = None,
    insecure: InsecureOption = False,
    metrics_url: MetricsUrlOption = None,
    manifests: ManifestsOption = True,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect any OCI distribution registry: catalog, tags, manifests (cached by digest), debug metrics."""
    with _errors_for_people():
        _collect_registry_cmd(
            "oci", url, username, password_env, password_file, ca_bundle, insecure, metrics_url, manifests, db, fmt
        )


def _print_registries(registries: list[dict[str, Any]]) -> None:
    """Self-hosted registries: the three storage numbers, and why they differ (harbor-facts §3)."""
    if not registries:
        return
    table = Table(
        title="Self-hosted registries (Harbor, OCI)",
        title_justify="left",
        caption_justify="left",
        caption=(
            "GiB = 2^30 bytes. unique blobs: layers + configs + manifests, each digest once (what the registry "
            "stores); Σ quota: Harbor project quotas (a shared blob counts in every project); physical: Harbor's "
            "blob table (/statistics or exporter), deleted blobs included until GC."
        ),
    )
    for col in (
        "registry",
        "kind",
        "run",
        "repos",
        "artifacts",
        "naive GiB",
        "unique blobs GiB",
        "Σ quota GiB",
        "physical GiB",
        "pulls",
    ):
        table.add_column(col, justify="left" if col in ("registry", "kind") else "right")
    for r in registries:
        table.add_row(
            r["registry"],
            r["kind"],
            str(r["run_id"]),
            f"{r['repositories']:,}",
            f"{r['artifacts']:,}",
            _gib(r["naive_bytes"]),
            _gib(r["unique_blob_bytes"]),
            _gib(r["quota_sum_bytes"]) if r["quota_sum_bytes"] is not None else "—",
            _gib(r["physical_bytes"]) + (" (exporter)" if r["physical_source"] == "exporter" else "")
            if r["physical_bytes"] is not None
            else "—",
            f"{r['pulls']:,}" if r["pulls"] is not None else "—",
        )
    console.print(table)
    for r in registries:
        for line in r["explanation"]:
            console.print(f"  {r['registry']}: {line}", highlight=False, soft_wrap=True)


@app.command()
def status(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """Runs, the current snapshot per account and region and per self-hosted registry, and the last run's errors."""
    with _errors_for_people(), Warehouse(db, read_only=True) as wh:
        runs = queries.recent_runs(wh)
        scopes = queries.inventory_by_scope(wh)
        last_errors = queries.run_errors(wh, runs[0]["run_id"]) if runs else []
        global_unique = queries.global_unique_bytes(wh)
        registries = queries.registry_storage(wh)
        if fmt == "json":
            payload = {
                "schema_version": 1,
                "warehouse": str(wh.path),
                "runs": runs,
                "scopes": scopes,
                "global_unique_bytes": global_unique,
                "registries": registries,
                "last_run_errors": last_errors,
            }
            console.print_json(json.dumps(payload, default=str))
            return
        if not runs:
            console.print(f"{wh.path}: no runs yet — run `regcost collect ecr` or `regcost demo`")
            return
        _print_runs(runs)
        if scopes or not registries:
            _print_scopes(scopes, global_unique)
        _print_registries(registries)
        _print_errors(last_errors)


def _print_runs(runs: list[dict[str, Any]]) -> None:
    table = Table(title="Runs", title_justify="left")
    for col in ("run", "source", "status", "started", "took", "images", "errors"):
        table.add_column(col)
    for r in runs:
        counts = json.loads(r["counts"]) if r["counts"] else {}
        took = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else None
        table.add_row(
            str(r["run_id"]),
            r["source"],
            r["status"],
            f"{r['started_at']:%Y-%m-%d %H:%M}",
            f"{took:.1f}s" if took is not None else "—",
            f"{counts.get('images', 0):,}",
            str(r["errors"]),
        )
    console.print(table)


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f}"


def _print_scopes(scopes: list[dict[str, Any]], global_unique: int) -> None:
    table = Table(
        title="Current snapshot",
        title_justify="left",
        caption_justify="left",
        caption=(
            "GiB = 2^30 bytes. naive: Σ imageSizeInBytes (double-counts shared layers and index children); "
            "per repo: unique blobs per repository (what ECR bills without blob mounting); per region: unique "
            "blobs across the region's repositories. pulls: CloudWatch RepositoryPullCount over the window."
        ),
    )
    for col in (
        "account",
        "region",
        "run",
        "repos",
        "images",
        "untagged",
        "archived",
        "naive GiB",
        "per repo GiB",
        "per region GiB",
        "pulls",
    ):
        table.add_column(col, justify="left" if col in ("account", "region") else "right")
    for s in scopes:
        table.add_row(
            s["account_id"],
            s["region"],
            str(s["run_id"]),
            f"{s['repositories']:,}",
            f"{s['images']:,}",
            f"{s['untagged_images']:,}",
            f"{s['archived_images']:,}",
            _gib(s["naive_bytes"]),
            _gib(s["repository_unique_bytes"]),
            _gib(s["scope_unique_bytes"]),
            f"{s['pulls']:,.0f}",
        )
    console.print(table)
    console.print(f"Unique blobs across the whole estate (one self-hosted registry): {_gib(global_unique)} GiB")


@app.command("iam-policy")
def iam_policy_cmd(
    role_name: Annotated[
        str | None, typer.Option(help="Also allow assuming this role in other accounts (for --organization).")
    ] = None,
) -> None:
    """Print the least-privilege, read-only IAM policy the collectors need."""
    with _errors_for_people():
        console.print_json(json.dumps(iam_policy(role_name)))


@app.command()
def dashboard(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to serve the dashboard on.", min=1, max=65535)] = 8501,
) -> None:
    """Open the interactive dashboard (Streamlit): estate, scenarios with live assumptions, downloads, data."""
    import subprocess

    with _errors_for_people():
        app_file = Path(__file__).resolve().parent.parent / "app.py"
        if not app_file.exists():
            raise UsageError(f"the dashboard's app.py is not at {app_file}: run regcost from its source checkout")
        path = (db or default_path()).resolve()
        settings = {
            "server.headless": "true",
            "server.address": "127.0.0.1",
            "server.port": str(port),
            "browser.gatherUsageStats": "false",
            "client.toolbarMode": "viewer",
            "theme.primaryColor": "#0072B2",  # blue: red sliders and chips read as alarms
        }
        command = [sys.executable, "-m", "streamlit", "run", str(app_file)]
        command += [arg for k, v in settings.items() for arg in (f"--{k}", v)] + ["--", "--db", str(path)]
        console.print(f"Dashboard: [bold]http://127.0.0.1:{port}[/] (warehouse {path}); Ctrl+C stops it.")
        try:
            code = subprocess.call(command)
        except KeyboardInterrupt:
            code = 0
        raise typer.Exit(code)


@app.command()
def demo(
    db: Annotated[Path, typer.Option("--db", help="Warehouse file for the demo estate.")] = Path("regcost-demo.duckdb"),
    seed: Annotated[int, typer.Option(help="Seed of the generated estate.")] = 7,
    repositories: Annotated[int, typer.Option(help="Repositories in the estate.", min=1)] = 400,
    images: Annotated[int, typer.Option(help="Images in the estate.", min=1)] = 40_000,
    latency_ms: Annotated[float, typer.Option(help="Latency added to every emulated AWS call.", min=0)] = 0.0,
    reset: Annotated[bool, typer.Option("--reset", help="Delete the demo warehouse first.")] = False,
    reports: Annotated[
        Path, typer.Option("--reports", help="Folder for the demo's HTML and PDF reports (demo-report.*).")
    ] = Path("reports"),
    fmt: FormatOption = "table",
) -> None:
    """Generate a realistic estate in an emulated AWS and collect it with the real collector over HTTP."""
    from analysis.demo.runner import run_demo

    with _errors_for_people():
        if reset and db.exists():
            db.unlink()
        result = run_demo(
            db,
            seed=seed,
            repositories=repositories,
            images=images,
            latency_ms=latency_ms,
            progress_runner=lambda work: _run_with_progress(work, quiet=fmt == "json"),
        )
        estimate_result = run_estimate(db, draws=10_000)
        from analysis.report import inputs_for, write_reports

        written = write_reports(inputs_for(estimate_result, db), reports, name="demo-report")
        demo_plan, plan_files = _demo_plan(db, reports / "harbor")
        if fmt == "json":
            payload = {"schema_version": 1, **result, "estimate": json.loads(estimate_result.model_dump_json())}
            payload["reports"] = [str(p) for p in written]
            payload["plan"] = {**demo_plan.summary(), "files": {k: str(v) for k, v in plan_files.items()}}
            console.print_json(json.dumps(payload, default=str))
            return
        console.print(
            f"[bold]Demo estate[/] seed {seed}: {result['seeded']['repositories']:,} repositories, "
            f"{result['seeded']['images']:,} images in {len(result['accounts'])} accounts × "
            f"{len(result['regions'])} regions (generated {result['timings']['generate_s']:.1f}s, "
            f"seeded {result['timings']['seed_s']:.1f}s, collected {result['timings']['collect_s']:.1f}s, "
            f"{sum(result['api_calls'].values()):,} API calls)"
        )
        with Warehouse(db, read_only=True) as wh:
            _print_scopes(queries.inventory_by_scope(wh), queries.global_unique_bytes(wh))
            _print_registries(queries.registry_storage(wh))
        _print_errors(result["errors"])
        bill = result.get("costs", {})
        if bill:
            ce_run, cur_run = bill["cost_explorer"], bill["cur"]
            console.print(
                f"Bill: {len(ce_run['months'])} months from Cost Explorer ({ce_run['billed_requests']} emulated "
                f"requests), a CUR 2.0 export at {cur_run['path']} ({result['timings'].get('costs_s', 0):.1f}s). "
                f"Compare and fit: [bold]regcost calibrate --fit --db {db}[/]",
                highlight=False,
            )
        console.print()
        sys.stdout.write(render(estimate_result, "table", width=console.width or 160))
        console.print(
            f"\nWarehouse: [bold]{db}[/]. Next: [bold]regcost estimate --db {db} --explain[/] "
            f"(quantities × prices with sources), [bold]regcost status --db {db}[/]"
        )
        console.print(f"Dashboard: [bold]regcost dashboard --db {db}[/] (then open http://127.0.0.1:8501)")
        console.print(f"Reports: [bold]{'[/], [bold]'.join(str(p) for p in written)}[/]", highlight=False)
        _print_demo_plan(demo_plan, plan_files, db)


ScenarioOption = Annotated[
    list[str] | None,
    typer.Option("--scenario", "-s", help="Scenario name (repeatable; default: all). 'ecr' is always the baseline."),
]
ScenarioFileOption = Annotated[
    list[Path] | None,
    typer.Option("--scenario-file", help="Your scenario YAML (repeatable); same name as a preset replaces it."),
]
CatalogOption = Annotated[
    list[Path] | None,
    typer.Option("--catalog", help="Your price catalog file or folder (repeatable); overrides ours by id."),
]


@app.command()
def estimate(
    scenario: ScenarioOption = None,
    horizon: Annotated[int | None, typer.Option(help="Months to project (default 36).", min=1, max=120)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")] = "table",
    explain: Annotated[bool, typer.Option("--explain", help="Per component: quantity × unit price = cost.")] = False,
    usage: Annotated[
        Path | None, typer.Option("--usage", help="Hand-written usage YAML instead of the warehouse (what-if).")
    ] = None,
    scenario_file: ScenarioFileOption = None,
    catalog: CatalogOption = None,
    currency: Annotated[str | None, typer.Option(help="USD or EUR (default: the baseline scenario's).")] = None,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws over the assumptions' ranges (0: the base case only).", min=0)
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo draws (same seed, same result).")] = DEFAULT_SEED,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate", help="Fit the layer-cache hit ratio and consumer split to the collected bill first."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Project what each scenario costs month by month, and when a migration pays back."""
    with _errors_for_people():
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
        if currency is not None and currency not in ("USD", "EUR"):
            raise UsageError(f"--currency {currency}: expected USD or EUR")
        result = run_estimate(
            db,
            usage=usage,
            scenario=scenario,
            scenario_file=scenario_file,
            catalog=catalog,
            horizon=horizon,
            currency=currency,
            draws=draws,
            seed=seed,
            calibrate=calibrate,
        )
        text = render(result, fmt, explain=explain, width=console.width if sys.stdout.isatty() else 160)
        if output is not None:
            output.write_text(text)
            err.print(f"wrote {output}")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def calibrate(
    fit: Annotated[
        bool, typer.Option("--fit", help="Also fit the layer-cache hit ratio and consumer split to billed transfer.")
    ] = False,
    scenario_file: ScenarioFileOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """The model's past months against the bill (storage, internet egress, inter-region); with --fit, the
    assumptions that explain the bill. Use them with `regcost estimate --calibrate`."""
    from analysis.model.calibration import calibrate_warehouse
    from analysis.model.scenarios import load_scenarios, pick

    with _errors_for_people():
        assumptions = pick(load_scenarios(scenario_file), ["ecr"])[0].assumptions
        with Warehouse(db, read_only=True) as wh:
            table, fitted, why = calibrate_warehouse(wh, assumptions)
        if fmt == "json":
            rows = json.loads(table.to_json(orient="records", date_format="iso"))
            payload: dict[str, Any] = {"schema_version": 1, "comparison": rows}
            if fit:
                payload["fit"] = (
                    None
                    if fitted is None
                    else {
                        "layer_cache_hit_ratio": fitted.layer_cache_hit_ratio,
                        "consumers": fitted.consumers,
                        "identified": fitted.identified,
                        "residual": fitted.residual,
                        "months": [m.isoformat() for m in fitted.months],
                    }
                )
                payload["fit_error"] = why
            console.print_json(json.dumps(payload, default=str))
            return
        out = Table(
            title="Model vs bill (regions summed; model under the baseline's assumptions)", title_justify="left"
        )
        for col in ("month", "component", "unit", "model", "actual", "difference", "billed", "usable"):
            out.add_column(col, justify="left" if col in ("month", "component", "unit") else "right")
        for r in table.itertuples():
            out.add_row(
                f"{r.month:%Y-%m}",
                r.component,
                r.unit,
                "—" if r.model != r.model else f"{r.model:,.1f}",
                f"{r.actual:,.1f}",
                "—" if r.difference != r.difference else f"{r.difference:+.1%}",
                f"{r.cost:,.2f}",
                "estimated" if r.estimated else "yes" if r.covered else "no pulls",
            )
        console.print(out)
        if not fit:
            return
        if fitted is None:
            raise UsageError(f"cannot fit: {why}")
        c = fitted.consumers
        console.print(
            f"[bold]Fitted[/] on {len(fitted.months)} month(s), {fitted.observations} region-months "
            f"({fitted.identified}):\n"
            f"  layer_cache_hit_ratio {fitted.layer_cache_hit_ratio:.3f} "
            f"(assumed {_base(assumptions.layer_cache_hit_ratio)})\n"
            f"  consumers: same_region {c['same_region']:.3f}, other_region {c['other_region']:.3f}, "
            f"internet {c['internet']:.3f}, other_cloud {c['other_cloud']:.3f}\n"
            f"  residual {fitted.residual:.1%} of billed transfer\n"
            "Apply them: regcost estimate --calibrate",
            highlight=False,
        )


def _base(value: Any) -> str:
    from analysis.model.assumptions import base

    return f"{base(value):g}"


@app.command()
def report(
    scenario: ScenarioOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, pdf or both.")] = "both",
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder the reports are written to.")] = Path(
        "reports"
    ),
    name: Annotated[str, typer.Option(help="File name of the reports, without extension.")] = "regcost-report",
    paper: Annotated[str, typer.Option(help="PDF paper size: a4 or letter.")] = "a4",
    horizon: Annotated[int | None, typer.Option(help="Months to project (default 36).", min=1, max=120)] = None,
    usage: Annotated[
        Path | None, typer.Option("--usage", help="Hand-written usage YAML instead of the warehouse (what-if).")
    ] = None,
    scenario_file: ScenarioFileOption = None,
    catalog: CatalogOption = None,
    currency: Annotated[str | None, typer.Option(help="USD or EUR (default: the baseline scenario's).")] = None,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws over the assumptions' ranges (0: no uncertainty section).", min=0)
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo draws (same seed, same result).")] = DEFAULT_SEED,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate", help="Fit the layer-cache hit ratio and consumer split to the collected bill first."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Write the estimate as a self-contained HTML report and a PDF (A4 or Letter) for the people who decide."""
    from analysis.report import REPORT_FORMATS, build_inputs, formats_of, write_reports

    with _errors_for_people():
        if fmt not in REPORT_FORMATS:
            raise UsageError(f"--format {fmt}: expected one of {', '.join(REPORT_FORMATS)}")
        if paper not in ("a4", "letter"):
            raise UsageError(f"--paper {paper}: expected a4 or letter")
        if currency is not None and currency not in ("USD", "EUR"):
            raise UsageError(f"--currency {currency}: expected USD or EUR")
        if not name or Path(name).name != name:
            raise UsageError(f"--name {name!r}: expected a file name without folders")
        inputs = build_inputs(
            db,
            usage=usage,
            scenario=scenario,
            scenario_file=scenario_file,
            catalog=catalog,
            horizon=horizon,
            currency=currency,
            draws=draws,
            seed=seed,
            calibrate=calibrate,
        )
        for path in write_reports(inputs, output, formats_of(fmt), paper=paper, name=name):
            console.print(f"wrote [bold]{path}[/]", highlight=False)


@pricing_app.command("show")
def pricing_show(
    catalog: CatalogOption = None,
    grep: Annotated[str | None, typer.Option("--id", help="Only ids containing this text.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """Every price in force, its unit, currency, source and date, and which file it came from."""
    with _errors_for_people():
        prices = load_catalog(catalog)
        rows = [r for r in prices.as_rows() if not grep or grep in r["id"]]
        if fmt == "json":
            params = [
                {
                    "id": p.id,
                    "unit": p.unit,
                    "default": p.default,
                    "value": p.value(),
                    "basis": p.basis,
                    "as_of": p.as_of.isoformat(),
                    "source": p.source,
                }
                for p in prices.parameters()
                if not grep or grep in p.id
            ]
            console.print_json(json.dumps({"schema_version": 1, "prices": rows, "parameters": params}))
            return
        table = Table(title=f"Prices in force ({len(rows)})", title_justify="left")
        for col in ("id", "where", "price", "unit", "ccy", "as of", "source", "from"):
            table.add_column(col, overflow="fold")
        for r in rows:
            origin = Path(r["origin"]).name if r["origin"] else ""
            if r["overrides"]:
                origin += f" (overrides {Path(r['overrides']).name})"
            table.add_row(
                r["id"], r["location"], r["price_text"], r["unit"], r["currency"], r["as_of"], r["source"], origin
            )
        console.print(table)
        ptable = Table(title="Parameters (where sources disagree or none exist)", title_justify="left")
        for col in ("id", "value", "unit", "candidates", "basis", "as of"):
            ptable.add_column(col, overflow="fold")
        for p in prices.parameters():
            if grep and grep not in p.id:
                continue
            cands = ", ".join(f"{k}={c.value:g}" for k, c in p.candidates.items())
            ptable.add_row(p.id, f"{p.value():g} ({p.default})", p.unit, cands, p.basis, p.as_of.isoformat())
        console.print(ptable)


@pricing_app.command("refresh")
def pricing_refresh(
    profile: Annotated[str | None, typer.Option(help="AWS profile for the Price List API.")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="Regions to refresh (repeatable).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the dated snapshot.")] = Path("pricing"),
) -> None:
    """Fetch ECR and data-transfer prices from the AWS Price List API into a dated catalog snapshot.

    Use the snapshot with --catalog FOLDER: it overrides the shipped AWS entries it covers.
    """
    from analysis.pricing.refresh import PRICING_ENDPOINT_REGION, RefreshError, refresh_aws

    with _errors_for_people():
        regions = list(region or ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"])
        settings = AwsSettings(profile=profile)
        # The Price List API has its own endpoint regions; the client is guarded read-only like the collectors'.
        client = settings.client(settings.base_session(), "pricing", PRICING_ENDPOINT_REGION)
        try:
            path = refresh_aws(client, regions, out, date.today())
        except RefreshError as exc:
            raise UsageError(str(exc)) from None
        console.print(f"wrote {path}; use it with --catalog {out}")


# -- portability: lifecycle simulation, reference scan, migration plan --------------------------------

AtOption = Annotated[
    str | None, typer.Option("--at", help="Evaluate as of this date (YYYY-MM-DD or ISO 8601, UTC). Default: now.")
]


def _at(text: str | None) -> Any:
    from datetime import UTC, datetime

    if text is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--at {text}: expected a date such as 2026-11-01 or 2026-11-01T12:00:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise UsageError(f"--format {fmt}: expected table or json")


@app.command()
def lifecycle(
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="A proposed lifecycle policy (JSON) to try instead of the collected."),
    ] = None,
    at: AtOption = None,
    repository: Annotated[
        list[str] | None, typer.Option("--repository", help="Only this repository (repeatable; default: all).")
    ] = None,
    top: Annotated[int, typer.Option(help="Repositories shown in the table.", min=1)] = 20,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Simulate ECR lifecycle policies on the collected images: what is expired or archived, bytes freed as billed."""
    from analysis.portability.billing import run_lifecycle
    from analysis.portability.inventory import load_inventory
    from analysis.portability.show import lifecycle_json, print_lifecycle

    with _errors_for_people():
        _check_format(fmt)
        proposed = None
        if policy is not None:
            try:
                proposed = policy.read_text()
            except OSError as exc:
                raise UsageError(f"--policy {policy}: cannot read ({exc.strerror})") from None
        with Warehouse(db, read_only=True) as wh:
            inv = load_inventory(wh)
            con = wh.con.cursor()
            report = run_lifecycle(
                inv,
                con,
                load_catalog(),
                at=_at(at),
                proposed=proposed,
                source=str(policy) if policy else "collected",
                repositories=repository,
            )
            con.close()
        if fmt == "json":
            console.print_json(json.dumps(lifecycle_json(report), default=str))
            return
        print_lifecycle(console, report, top=top)


@app.command()
def scan(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to scan (manifests, Helm, Terraform, CI …).")],
    rewrite_to: Annotated[
        str | None, typer.Option("--rewrite-to", help="Harbor host: a diff repointing references to HOST/project/repo.")
    ] = None,
    diff_out: Annotated[
        Path | None, typer.Option("--diff-out", help="Where the diff goes (default: stdout). Apply with `git apply`.")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Find ECR image references by file and line, join them to the collected repositories, optionally rewrite them."""
    from analysis.portability import references
    from analysis.portability.rewrite import default_mapper, mapper_from, rewrite_files, unified_diff
    from analysis.portability.show import print_references, references_json

    with _errors_for_people():
        _check_format(fmt)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        if diff_out is not None and rewrite_to is None:
            raise UsageError("--diff-out needs --rewrite-to HOST")
        if rewrite_to is not None and len(paths) != 1:
            raise UsageError("--rewrite-to takes one folder (the diff's paths are relative to it)")
        found = references.scan(paths)
        joined, mapper = None, default_mapper
        path = db or default_path()
        if path.exists():
            from analysis.portability.inventory import load_inventory
            from analysis.portability.translate import design

            with Warehouse(path, read_only=True) as wh:
                inv = load_inventory(wh)
            harbor = design(inv)
            joined = references.join(found, harbor.mapping.merge(inv.repositories), inv.images)
            mapper = mapper_from(harbor.mapping)
        if rewrite_to is not None:
            root = paths[0] if paths[0].is_dir() else paths[0].parent
            diff = unified_diff(rewrite_files(root, found, rewrite_to, mapper))
            if diff_out is not None:
                diff_out.write_text(diff)
                err.print(f"wrote {diff_out}: apply from {root} with `git apply {diff_out.resolve()}`")
            else:
                sys.stdout.write(diff)
                return
        if fmt == "json":
            console.print_json(json.dumps(references_json(found, joined), default=str))
            return
        print_references(console, found, joined)
        if joined is None:
            console.print(f"(no warehouse at {path}: references not checked against collected repositories)")


@app.command()
def plan(
    scan_paths: Annotated[
        list[Path] | None, typer.Option("--scan", help="Also scan these files or folders for references (repeatable).")
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the Harbor payloads, plan.json and scenario overrides.")
    ] = Path("reports/harbor"),
    wave_size: Annotated[int, typer.Option(help="Most repositories in one wave (the pilot wave has 10).", min=1)] = 50,
    at: AtOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Migration plan to Harbor: findings, portability scores, waves with bytes and cost, Harbor API payloads."""
    from analysis.portability.plan import as_dict, build_plan, write_plan
    from analysis.portability.show import print_plan

    with _errors_for_people():
        _check_format(fmt)
        missing = [str(p) for p in scan_paths or [] if not p.exists()]
        if missing:
            raise UsageError(f"--scan: no such file or folder: {', '.join(missing)}")
        with Warehouse(db, read_only=True) as wh:
            result = build_plan(wh, scan_paths=scan_paths, at=_at(at), wave_size=wave_size)
        written = write_plan(result, output)
        if fmt == "json":
            files = {k: str(v) for k, v in written.items()}
            console.print_json(json.dumps(as_dict(result) | {"files": files}, default=str))
            return
        print_plan(console, result, written)


def _demo_plan(db: Path, out: Path) -> tuple[Any, dict[str, Path]]:
    """The migration plan of the demo estate, scanning the demo's GitOps folder (data/demo-gitops)."""
    from datetime import UTC, datetime

    from analysis.portability.plan import build_plan, write_plan

    gitops = Path(__file__).resolve().parent.parent / "data" / "demo-gitops"
    with Warehouse(db, read_only=True) as wh:
        result = build_plan(wh, scan_paths=[gitops] if gitops.exists() else None, at=datetime.now(UTC))
    return result, write_plan(result, out)


def _print_demo_plan(result: Any, files: dict[str, Path], db: Path) -> None:
    s = result.summary()
    d = s["migration_days"]
    console.print(
        f"Migration plan: {len(result.findings)} findings, {s['waves']} waves for {s['repositories']:,} repositories "
        f"({_gib(s['bytes_copied'])} GiB copied, egress {s['egress_cost']:,.2f} USD, {d['base']:g} engineer-days), "
        f"{s['references']} references in data/demo-gitops. Harbor payloads: [bold]{files['calls'].parent}[/]. "
        f"Details: [bold]regcost plan --db {db} --scan data/demo-gitops[/]",
        highlight=False,
    )
