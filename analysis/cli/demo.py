"""`regcost demo` (the whole pipeline on the emulated estate) and `regcost dashboard`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

import analysis.cli.inspect  # noqa: F401  (status, iam-policy, pricing: listed before the demo's commands)
from analysis.cli.base import (
    DbOption,
    FormatOption,
    ScanOption,
    UsageError,
    _check_scan,
    _errors_for_people,
    _gib,
    _print_errors,
    _run_with_progress,
    _steps,
    app,
    console,
)
from analysis.resources import dashboard_app, shipped_data

DEMO_GITOPS = shipped_data() / "demo-gitops"  # shipped with regcost; the demo's plan scans it for references


@app.command()
def dashboard(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to serve the dashboard on.", min=1, max=65535)] = 8501,
    scan_paths: ScanOption = None,
) -> None:
    """Open the interactive dashboard (Streamlit): estate, scenarios with live assumptions, downloads, data."""
    from analysis.warehouse import default_path

    with _errors_for_people():
        _check_scan(scan_paths)
        app_file = dashboard_app()
        if not app_file.exists():
            raise UsageError(f"the dashboard's app.py is not at {app_file}: reinstall regcost (pipx install regcost)")
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
        # the plan scans what `regcost estimate/report --scan` would: the same effort, the same numbers
        command += [arg for p in scan_paths or [] for arg in ("--scan", str(p.resolve()))]
        console.print(f"Dashboard: [bold]http://127.0.0.1:{port}[/] (warehouse {path}); Ctrl+C stops it.")
        sys.stdout.flush()
        # Become Streamlit rather than wait on it: a stop signal (Ctrl+C, a service manager, a test) reaches
        # the server itself, and no orphaned server is left behind.
        os.execv(sys.executable, command)


@app.command()
def demo(
    db: Annotated[Path, typer.Option("--db", help="Warehouse file for the demo estate.")] = Path("regcost-demo.duckdb"),
    seed: Annotated[int, typer.Option(help="Seed of the generated estate.")] = 7,
    repositories: Annotated[int, typer.Option(help="Repositories in the estate.", min=1)] = 400,
    images: Annotated[int, typer.Option(help="Images in the estate.", min=1)] = 40_000,
    latency_ms: Annotated[
        float,
        typer.Option(help="Latency of every emulated AWS call (the round trip, the emulator's work within it).", min=0),
    ] = 0.0,
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
        from analysis.pipeline.report import write_reports
        from analysis.pipeline.request import EstimateRequest
        from analysis.pipeline.result import read_estate, run
        from analysis.portability.plan import write_plan
        from analysis.render import render

        # One request, one result: the estimate, the plan it takes its effort from (scanning the GitOps folder
        # shipped for the demo) and the report all come from it; the plan's Harbor payloads are written too.
        request = EstimateRequest(db=db, draws=10_000, scan_paths=(DEMO_GITOPS,) if DEMO_GITOPS.exists() else ())
        with _steps(4, quiet=fmt == "json") as step:
            step("reading the estate and building the migration plan")
            estate = read_estate(request, full_plan=True)
            step("estimating (10,000 Monte Carlo draws)")
            estimate_result = run(request, estate)
            assert estate.plan is not None  # a collected ECR estate always has a plan
            demo_plan, plan_files = estate.plan, write_plan(estate.plan, reports / "harbor")
            written = write_reports(
                estimate_result,
                reports,
                name="demo-report",
                on_step=lambda f: step(f"rendering the {f.upper()} report"),
            )
        if fmt == "json":
            from analysis import __version__

            payload = {"schema_version": 1, "regcost_version": __version__, **result}
            payload["estimate"] = json.loads(render(estimate_result, "json"))
            payload["reports"] = [str(p) for p in written]
            payload["plan"] = {**demo_plan.summary(), "files": {k: str(v) for k, v in plan_files.items()}}
            console.print_json(json.dumps(payload, default=str))
            return
        _print_summary(db, seed, result, estimate_result, written)
        _print_demo_plan(demo_plan, plan_files, db)


def _print_demo_plan(result: Any, files: dict[str, Path], db: Path) -> None:
    s = result.summary()
    d = s["migration_days"]
    console.print(
        f"Migration plan: {len(result.findings)} findings, {s['waves']} waves for {s['repositories']:,} repositories "
        f"({_gib(s['bytes_copied'])} GiB copied, egress {s['egress_cost']:,.2f} USD, {d['base']:g} engineer-days), "
        f"{s['references']} references in {DEMO_GITOPS}. Harbor payloads: [bold]{files['calls'].parent}[/]. "
        f"Details: [bold]regcost plan --db {db} --scan {DEMO_GITOPS}[/]",
        highlight=False,
    )


def _print_summary(db: Path, seed: int, result: dict[str, Any], estimate_result: Any, written: list[Path]) -> None:
    """What the demo made and collected, the estimate's table, and where to go next."""
    from analysis.render import render

    console.print(
        f"[bold]Demo estate[/] seed {seed}: {result['seeded']['repositories']:,} repositories, "
        f"{result['seeded']['images']:,} images in {len(result['accounts'])} accounts × "
        f"{len(result['regions'])} regions (generated {result['timings']['generate_s']:.1f}s, "
        f"seeded {result['timings']['seed_s']:.1f}s, collected {result['timings']['collect_s']:.1f}s, "
        f"{sum(result['api_calls'].values()):,} API calls)"
    )
    from analysis.cli.collect_registry import _print_registries
    from analysis.cli.inspect import _print_scopes, scopes_and_unique_bytes
    from analysis.warehouse import Warehouse, queries

    with Warehouse(db, read_only=True) as wh:
        _print_scopes(*scopes_and_unique_bytes(wh))
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
        f"\nWarehouse: [bold]{db}[/]. Next: [bold]regcost estimate --db {db} --scan {DEMO_GITOPS} --explain[/] "
        f"(quantities × prices with sources), [bold]regcost status --db {db}[/]"
    )
    scan = f" --scan {DEMO_GITOPS}" if DEMO_GITOPS.exists() else ""  # as the report above: the same effort
    console.print(f"Dashboard: [bold]regcost dashboard --db {db}{scan}[/] (then open http://127.0.0.1:8501)")
    console.print(f"Reports: [bold]{'[/], [bold]'.join(str(p) for p in written)}[/]", highlight=False)
